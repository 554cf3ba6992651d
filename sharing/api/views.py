"""The sharing API: grants to people, what is shared with me, links.

Items shared with me are not here: they are reached by their own ids through the same
endpoints as my own (/api/v1/files/, /folders/, /uploads/, /search/, /trash/), with my
role's rights. Only an item's owner shares it or makes links (sharing.access, Need.OWN:
someone who can see the item gets 403, anyone else 404).
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from kosha.json_fields import body_refuse_any
from kosha.origin import Origin
from kosha.pages import page_query, page_response
from sharing import selectors
from sharing.access import Need, item_for_actor, link_for_actor, share_for_actor
from sharing.api.serializers import (
    ShareCreateInput,
    SharedWithMeOutput,
    ShareLinkCreatedOutput,
    ShareLinkCreateInput,
    ShareLinkOutput,
    ShareLinkUpdateInput,
    ShareOutput,
    ShareUpdateInput,
)
from sharing.services.links import share_link_create, share_link_revoke, share_link_update
from sharing.services.shares import share_create, share_delete, share_update
from storage.models import File, Folder


def _owned_item_input(request, input_class: type[Serializer]) -> tuple[File | Folder, dict[str, Any]]:
    """The request's body, validated by input_class, and the item it names (`file` or
    `folder`), which the caller must own (sharing.access, Need.OWN: 404 otherwise)."""
    data = input_class(data=request.data)
    data.is_valid(raise_exception=True)
    payload = data.validated_data
    item = item_for_actor(
        actor=request.user, file_id=payload.get("file"), folder_id=payload.get("folder"), need=Need.OWN
    )
    return item, payload


# --- shares with people -------------------------------------------------------------------


class ShareListView(APIView):
    @extend_schema(responses=ShareOutput(many=True))
    def get(self, request):
        page = selectors.share_list_for_owner(owner=request.user, **page_query(request))
        return Response(page_response(page, ShareOutput))

    @extend_schema(request=ShareCreateInput, responses={201: ShareOutput})
    def post(self, request):
        item, payload = _owned_item_input(request, ShareCreateInput)
        share = share_create(
            actor=request.user,
            item=item,
            email=payload.get("email"),
            role=payload.get("role"),
            origin=Origin.of_api(request),
        )
        return Response(ShareOutput(share).data, status=status.HTTP_201_CREATED)


class ShareDetailView(APIView):
    @extend_schema(request=ShareUpdateInput, responses=ShareOutput)
    def patch(self, request, pk):
        data = ShareUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        share = share_for_actor(actor=request.user, share_id=pk)
        share = share_update(
            actor=request.user, share=share, role=data.validated_data["role"], origin=Origin.of_api(request)
        )
        return Response(ShareOutput(share).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        body_refuse_any(request)
        share = share_for_actor(actor=request.user, share_id=pk)
        share_delete(actor=request.user, share=share, origin=Origin.of_api(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedWithMeView(APIView):
    @extend_schema(
        responses=SharedWithMeOutput(many=True),
        description="The items other people shared with you (the tops of what you may see). Open them, "
        "and everything inside, through /api/v1/folders/<id>/items/ and /api/v1/files/<id>/.",
    )
    def get(self, request):
        page = selectors.shares_with_user(user=request.user, **page_query(request))
        return Response(page_response(page, SharedWithMeOutput))


# --- public links -------------------------------------------------------------------------


class ShareLinkListView(APIView):
    @extend_schema(responses=ShareLinkOutput(many=True))
    def get(self, request):
        page = selectors.share_link_list_for_owner(owner=request.user, **page_query(request))
        return Response(page_response(page, ShareLinkOutput, context={"request": request}))

    @extend_schema(request=ShareLinkCreateInput, responses={201: ShareLinkCreatedOutput})
    def post(self, request):
        item, payload = _owned_item_input(request, ShareLinkCreateInput)
        link, token = share_link_create(
            actor=request.user,
            item=item,
            expires_at=payload.get("expires_at"),
            password=payload.get("password"),
            max_downloads=payload.get("max_downloads"),
            is_drop=payload.get("is_drop"),
            name=payload.get("name"),
            origin=Origin.of_api(request),
        )
        link.token = token
        return Response(ShareLinkCreatedOutput(link, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ShareLinkDetailView(APIView):
    @extend_schema(request=ShareLinkUpdateInput, responses=ShareLinkOutput)
    def patch(self, request, pk):
        data = ShareLinkUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        link = share_link_update(
            actor=request.user,
            link=link_for_actor(actor=request.user, link_id=pk),
            origin=Origin.of_api(request),
            **{
                field: payload[field]
                for field in ("name", "expires_at", "password", "max_downloads")
                if field in payload
            },
        )
        return Response(ShareLinkOutput(link, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        body_refuse_any(request)
        link = link_for_actor(actor=request.user, link_id=pk)
        share_link_revoke(actor=request.user, link=link, origin=Origin.of_api(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
