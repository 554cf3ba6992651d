"""Downloads as zip: a folder (`POST /api/v1/folders/<id>/archive/`) or several files and
folders of one folder (`POST /api/v1/archives/` with {"files": [ids], "folders": [ids]}),
then poll `GET /api/v1/archives/<id>/`. Anything you may view, yours or shared with you."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kosha.json_fields import JsonInput, JsonTextField, body_refuse_any
from kosha.origin import Origin
from sharing.access import MAX_SELECTION, Need, archive_for_actor, folder_for_actor, selection_for_actor
from storage.api.fields import input_clean
from storage.models import FolderArchive
from storage.services.archives import archive_download_url, folder_archive_start, selection_archive_start


class ArchiveOutput(serializers.ModelSerializer):
    folder = serializers.UUIDField(source="folder_id", allow_null=True)
    items = serializers.SerializerMethodField()
    size = serializers.IntegerField(source="size_bytes", allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = FolderArchive
        fields = ["id", "folder", "items", "status", "size", "error", "created_at", "finished_at", "expires_at", "url"]

    def get_items(self, archive) -> int | None:
        """How many chosen items a selection's zip holds; None for a whole folder's."""
        if not archive.selection:
            return None
        return len(archive.selection.get("files", [])) + len(archive.selection.get("folders", []))

    def get_url(self, archive) -> str | None:
        url = self.context.get("url")
        return self.context["request"].build_absolute_uri(url) if url else None


class FolderArchiveView(APIView):
    @extend_schema(request=None, responses={202: ArchiveOutput})
    def post(self, request, pk):
        body_refuse_any(request)
        folder = folder_for_actor(actor=request.user, folder_id=pk, need=Need.VIEW)
        archive = folder_archive_start(actor=request.user, folder=folder, origin=Origin.of_api(request))
        return Response(ArchiveOutput(archive, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ArchiveView(APIView):
    @extend_schema(responses=ArchiveOutput)
    def get(self, request, pk):
        archive = archive_for_actor(actor=request.user, archive_id=pk)
        url = archive_download_url(archive=archive) if archive.status == FolderArchive.Status.READY else None
        return Response(ArchiveOutput(archive, context={"request": request, "url": url}).data)


def _id() -> JsonTextField:
    return JsonTextField(min_length=1, max_length=64, trim_whitespace=False)


class SelectionArchiveInput(JsonInput):
    # At least one id in all (sharing.access.selection_for_actor).
    schema_rules = {
        "anyOf": [{"required": [key], "properties": {key: {"minItems": 1}}} for key in ("files", "folders")]
    }

    # Ids as sent (one that names nothing you may see is a 404), never trimmed or empty.
    files = serializers.ListField(child=_id(), max_length=MAX_SELECTION, default=list)
    folders = serializers.ListField(child=_id(), max_length=MAX_SELECTION, default=list)


class SelectionArchiveView(APIView):
    @extend_schema(request=SelectionArchiveInput, responses={202: ArchiveOutput})
    def post(self, request):
        data = input_clean(SelectionArchiveInput, request.data)
        files, folders, parent = selection_for_actor(
            actor=request.user, file_ids=data["files"], folder_ids=data["folders"]
        )
        owner_id = (files or folders)[0].owner_id
        archive = selection_archive_start(
            actor=request.user,
            owner_id=owner_id,
            parent=parent,
            files=files,
            folders=folders,
            origin=Origin.of_api(request),
        )
        return Response(ArchiveOutput(archive, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)
