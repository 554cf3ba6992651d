"""The sharing API: grants to people, what is shared with me, grantee access, links.

Grantee endpoints check access with sharing.permissions first, then call storage's
owner-scoped services and selectors with the item's owner as `user`. A caller without
the access asked for gets 404, the same as for an item that does not exist (a viewer
trying to edit included).
"""

from django.shortcuts import redirect
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from activity.models import ActivityEvent
from activity.recording import activity_from_request
from kosha.addresses import client_ip
from kosha.errors import NotFound
from kosha.pages import page_response
from kosha.sentinels import UNCHANGED
from sharing import selectors, services
from sharing.api.serializers import (
    ItemUpdateInput,
    ShareCreateInput,
    SharedUploadStartInput,
    SharedWithMeOutput,
    ShareLinkCreatedOutput,
    ShareLinkCreateInput,
    ShareLinkOutput,
    ShareLinkUpdateInput,
    ShareOutput,
    ShareUpdateInput,
)
from sharing.api.uploads import parts_body, upload_start_body, upload_state_body
from sharing.permissions import file_get_for_access, folder_get_for_access
from storage.api.folders import FolderOutput, ListingOutput
from storage.api.serializers import CompleteInput, FileOutput, PartsInput
from storage.downloads import version_download_url
from storage.models import File
from storage.services.files import file_update
from storage.services.folders import folder_update
from storage.services.trash import file_trash, folder_trash
from storage.services.uploads import upload_abort, upload_complete, upload_parts_presign, upload_start, upload_state

# --- shares with people -------------------------------------------------------------------


class ShareListView(APIView):
    @extend_schema(responses=ShareOutput(many=True))
    def get(self, request):
        page = selectors.share_list_for_owner(
            owner=request.user, cursor=request.query_params.get("cursor"), limit=request.query_params.get("limit")
        )
        return Response(page_response(page, ShareOutput))

    @extend_schema(request=ShareCreateInput, responses={201: ShareOutput})
    def post(self, request):
        data = ShareCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        share = services.share_create(
            owner=request.user,
            file_id=payload.get("file"),
            folder_id=payload.get("folder"),
            email=payload.get("email"),
            role=payload.get("role"),
        )
        activity_from_request(
            request, kind=ActivityEvent.Kind.SHARE_CREATED, item=share, detail={"with": share.grantee.email}
        )
        return Response(ShareOutput(share).data, status=status.HTTP_201_CREATED)


class ShareDetailView(APIView):
    @extend_schema(request=ShareUpdateInput, responses=ShareOutput)
    def patch(self, request, pk):
        data = ShareUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        share = services.share_update(owner=request.user, share_id=pk, role=data.validated_data["role"])
        return Response(ShareOutput(share).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.share_delete(owner=request.user, share_id=pk)
        activity_from_request(
            request, kind=ActivityEvent.Kind.SHARE_REVOKED, object_type="share", detail={"id": str(pk)}
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedWithMeView(APIView):
    @extend_schema(responses=SharedWithMeOutput(many=True))
    def get(self, request):
        page = selectors.shares_with_user(
            user=request.user, cursor=request.query_params.get("cursor"), limit=request.query_params.get("limit")
        )
        return Response(page_response(page, SharedWithMeOutput))


# --- grantee access -----------------------------------------------------------------------


class SharedFolderItemsView(APIView):
    @extend_schema(responses=ListingOutput)
    def get(self, request, pk):
        folder = folder_get_for_access(user=request.user, folder_id=pk, need="view")
        page = selectors.shared_folder_items(
            folder=folder,
            grant=folder.grant,
            sort=request.query_params.get("sort"),
            cursor=request.query_params.get("cursor"),
            limit=request.query_params.get("limit"),
        )
        return Response(ListingOutput(page).data)


def _editable_target(request, raw):
    """The id of a folder the caller may edit, as a move target. The owner's root and
    anything outside what is shared with the caller for editing are NotFound."""
    return folder_get_for_access(user=request.user, folder_id=raw, need="edit").pk


class SharedFolderView(APIView):
    @extend_schema(request=ItemUpdateInput, responses=FolderOutput)
    def patch(self, request, pk):
        data = ItemUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        folder = folder_get_for_access(user=request.user, folder_id=pk, need="edit")
        parent_id = _editable_target(request, payload["folder"]) if "folder" in payload else UNCHANGED
        updated = folder_update(
            user=folder.owner,
            folder_id=folder.pk,
            name=payload["name"] if "name" in payload else UNCHANGED,
            parent_id=parent_id,
        )
        return Response(FolderOutput(updated).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        folder = folder_get_for_access(user=request.user, folder_id=pk, need="edit")
        folder_trash(user=folder.owner, folder_id=folder.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedFileView(APIView):
    @extend_schema(responses=FileOutput)
    def get(self, request, pk):
        return Response(FileOutput(file_get_for_access(user=request.user, file_id=pk, need="view")).data)

    @extend_schema(request=ItemUpdateInput, responses=FileOutput)
    def patch(self, request, pk):
        data = ItemUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        file = file_get_for_access(user=request.user, file_id=pk, need="edit")
        folder_id = _editable_target(request, payload["folder"]) if "folder" in payload else UNCHANGED
        updated = file_update(
            user=file.owner,
            file_id=file.pk,
            name=payload["name"] if "name" in payload else UNCHANGED,
            folder_id=folder_id,
        )
        return Response(FileOutput(updated).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        file = file_get_for_access(user=request.user, file_id=pk, need="edit")
        file_trash(user=file.owner, file_id=file.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedFileDownloadView(APIView):
    @extend_schema(responses={302: OpenApiResponse(description="Redirect to a short-lived presigned GET")})
    def get(self, request, pk):
        file = file_get_for_access(user=request.user, file_id=pk, need="view")
        if file.current_version is None:
            raise NotFound("File not found.", resource="file")
        inline = request.query_params.get("inline") in ("1", "true", "yes")
        url = version_download_url(file=file, version=file.current_version, inline=inline)
        return redirect(request.build_absolute_uri(url))


# --- editor uploads into a shared folder ------------------------------------------------------


class SharedUploadStartView(APIView):
    """Starts an upload into a folder shared with the caller as editor. The bytes and the
    quota are the owner's; the rest of the protocol is under shared/uploads/<id>/."""

    @extend_schema(request=SharedUploadStartInput, responses={201: None})
    def post(self, request):
        data = SharedUploadStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        folder = folder_get_for_access(user=request.user, folder_id=payload["folder"], need="edit")
        started = upload_start(
            user=request.user,
            owner=folder.owner,
            folder_id=folder.pk,
            name=payload.get("name"),
            size_bytes=payload.get("size"),
            content_type=payload.get("content_type"),
            sha256=payload.get("sha256"),
            on_conflict=payload.get("on_conflict"),
        )
        return Response(upload_start_body(request, started), status=status.HTTP_201_CREATED)


def _grantee_upload(request, pk):
    """The caller's session in someone else's folder, while they may still edit there:
    a revoked or downgraded share stops the upload at its next step."""
    upload = selectors.upload_get_for_grantee(user=request.user, upload_id=pk)
    if upload.folder_id is None:
        raise NotFound("Upload not found.", resource="upload")
    try:
        folder_get_for_access(user=request.user, folder_id=upload.folder_id, need="edit")
    except NotFound:
        raise NotFound("Upload not found.", resource="upload") from None
    return upload


class SharedUploadDetailView(APIView):
    @extend_schema(responses={200: None})
    def get(self, request, pk):
        upload = _grantee_upload(request, pk)
        return Response(upload_state_body(upload_state(user=upload.owner, upload_id=upload.pk)))

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        # No access re-check: giving the owner's reservation back is always allowed.
        upload = selectors.upload_get_for_grantee(user=request.user, upload_id=pk)
        upload_abort(user=upload.owner, upload_id=upload.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedUploadPartsView(APIView):
    @extend_schema(request=PartsInput, responses={200: None})
    def post(self, request, pk):
        data = PartsInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = _grantee_upload(request, pk)
        signed = upload_parts_presign(user=upload.owner, upload_id=upload.pk, numbers=data.validated_data["numbers"])
        return Response(parts_body(request, signed))


class SharedUploadCompleteView(APIView):
    @extend_schema(request=CompleteInput, responses={200: FileOutput})
    def post(self, request, pk):
        data = CompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = _grantee_upload(request, pk)
        version = upload_complete(user=upload.owner, upload_id=upload.pk, parts=data.validated_data.get("parts"))
        file = File.objects.select_related("current_version").get(pk=version.file_id)
        return Response(FileOutput(file).data)


# --- public links -------------------------------------------------------------------------


class ShareLinkListView(APIView):
    @extend_schema(responses=ShareLinkOutput(many=True))
    def get(self, request):
        page = selectors.share_link_list_for_owner(
            owner=request.user, cursor=request.query_params.get("cursor"), limit=request.query_params.get("limit")
        )
        return Response(page_response(page, ShareLinkOutput))

    @extend_schema(request=ShareLinkCreateInput, responses={201: ShareLinkCreatedOutput})
    def post(self, request):
        data = ShareLinkCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        link, token = services.share_link_create(
            owner=request.user,
            file_id=payload.get("file"),
            folder_id=payload.get("folder"),
            expires_at=payload.get("expires_at"),
            password=payload.get("password"),
            max_downloads=payload.get("max_downloads"),
            is_drop=payload.get("is_drop"),
            address=client_ip(request),
        )
        link.token = token
        link.url = request.build_absolute_uri(reverse("sharing:link", args=[token]))
        activity_from_request(
            request, kind=ActivityEvent.Kind.LINK_CREATED, item=link, detail={"is_drop": link.is_drop}
        )
        return Response(ShareLinkCreatedOutput(link).data, status=status.HTTP_201_CREATED)


class ShareLinkDetailView(APIView):
    @extend_schema(request=ShareLinkUpdateInput, responses=ShareLinkOutput)
    def patch(self, request, pk):
        data = ShareLinkUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        link = services.share_link_update(
            owner=request.user,
            link_id=pk,
            **{field: payload[field] for field in ("expires_at", "password", "max_downloads") if field in payload},
        )
        return Response(ShareLinkOutput(link).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.share_link_revoke(owner=request.user, link_id=pk, address=client_ip(request))
        activity_from_request(
            request, kind=ActivityEvent.Kind.LINK_REVOKED, object_type="sharelink", detail={"id": str(pk)}
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
