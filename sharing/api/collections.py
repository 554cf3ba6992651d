"""Recent, Starred and the star on an item: cross-folder views of what you can see (your
space and what is shared with you), and your own mark on a file or folder.

- `GET /api/v1/recent/`: live files you may see, most recently changed first.
- `GET /api/v1/starred/`: what you starred and may still see, most recently starred first.
- `PUT`/`DELETE /api/v1/files/<id>/star/` and `/folders/<id>/star/`: star, unstar
  (idempotent; VIEW on the item is enough, a stranger gets 404).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kosha.json_fields import body_refuse_any
from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, page_parameters, page_query, page_response, page_schema
from sharing.access import Need, file_for_actor, folder_for_actor
from sharing.collections import recent_for_actor, starred_for_actor
from storage.api.folders import ListingItemOutput
from storage.services.stars import star_clear, star_set


class CollectionItemOutput(ListingItemOutput):
    parent = serializers.UUIDField(
        allow_null=True,
        help_text="The folder it is in, to open it there; null: the top of your files, or of what is shared with you.",
    )
    owner = serializers.EmailField(help_text="Whose space it is in.")
    role = serializers.ChoiceField(choices=["owner", "editor", "viewer"], help_text="What you may do with it.")


class StarOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["file", "folder"])
    id = serializers.UUIDField()
    starred = serializers.BooleanField()


def _page(request, selector):
    page = selector(actor=request.user, **page_query(request))
    return Response(page_response(page, CollectionItemOutput))


class RecentView(APIView):
    @extend_schema(
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("RecentPage", CollectionItemOutput(many=True)),
        description="Live files in your space and in what is shared with you, most recently changed "
        "first (an upload, a new or restored version, a rename or a move, by you or a collaborator).",
    )
    def get(self, request):
        return _page(request, recent_for_actor)


class StarredView(APIView):
    @extend_schema(
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("StarredPage", CollectionItemOutput(many=True)),
        description="The files and folders you starred that you may still see, most recently starred first.",
    )
    def get(self, request):
        return _page(request, starred_for_actor)


class _StarView(APIView):
    kind = ""

    def _item(self, request, pk):
        if self.kind == "file":
            return file_for_actor(actor=request.user, file_id=pk, need=Need.VIEW)
        return folder_for_actor(actor=request.user, folder_id=pk, need=Need.VIEW)

    @extend_schema(request=None, responses={200: StarOutput, 201: StarOutput})
    def put(self, request, pk):
        body_refuse_any(request)
        item = self._item(request, pk)
        _, created = star_set(actor=request.user, item=item)
        body = StarOutput({"kind": self.kind, "id": item.pk, "starred": True}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        body_refuse_any(request)
        star_clear(actor=request.user, item=self._item(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileStarView(_StarView):
    """Star or unstar a file you may see (yours or shared with you)."""

    kind = "file"


class FolderStarView(_StarView):
    """Star or unstar a folder you may see (yours or shared with you)."""

    kind = "folder"
