"""Input and output shapes of the storage API. Serializers validate and render; they never write."""

import re
from collections.abc import Callable

from rest_framework import serializers

from storage.api.times import times_json
from storage.models import File, FileVersion, UploadSession


class PresignedOutput(serializers.Serializer):
    url = serializers.CharField()
    method = serializers.CharField()
    headers = serializers.DictField(child=serializers.CharField())


class PartUrlOutput(PresignedOutput):
    number = serializers.IntegerField()


class StoredPartOutput(serializers.Serializer):
    number = serializers.IntegerField()
    etag = serializers.CharField()
    size = serializers.IntegerField(source="size_bytes")


class UploadOutput(serializers.ModelSerializer):
    folder = serializers.UUIDField(source="folder_id", allow_null=True)
    size = serializers.IntegerField(source="size_bytes")
    part_size = serializers.IntegerField(source="part_size_bytes", allow_null=True)
    part_count = serializers.IntegerField()
    file = serializers.SerializerMethodField()

    class Meta:
        model = UploadSession
        fields = [
            "id",
            "name",
            "folder",
            "size",
            "content_type",
            "sha256",
            "on_conflict",
            "strategy",
            "status",
            "part_size",
            "part_count",
            "expires_at",
            "created_at",
            "file",
        ]

    def get_file(self, upload) -> str | None:
        return str(upload.version.file_id) if upload.version_id else None


class FileVersionOutput(serializers.ModelSerializer):
    size = serializers.IntegerField(source="size_bytes")

    class Meta:
        model = FileVersion
        fields = ["id", "number", "size", "content_type", "sha256", "created_at"]


class FileOutput(serializers.ModelSerializer):
    folder = serializers.UUIDField(source="folder_id", allow_null=True)
    size = serializers.IntegerField(source="size_bytes")
    version = serializers.SerializerMethodField()

    class Meta:
        model = File
        fields = ["id", "name", "folder", "size", "content_type", "created_at", "updated_at", "version"]

    def get_version(self, file) -> int | None:
        return file.current_version.number if file.current_version_id else None


def file_json(file: File, time_json: Callable[[object], object] | None = None) -> dict:
    """FileOutput(file).data from the file's values, field for field (storage/tests/
    test_file_json.py compares the two answers byte for byte), without DRF's field calls:
    the answer of a complete, and of each file of a batch complete. `file.current_version`
    must be loaded when set (no query here); time_json: storage.api.times.times_json() of
    the answer (made once for all its files), or None to make one."""
    time_json = time_json or times_json()
    folder_id = file.folder_id
    return {
        "id": str(file.id),
        "name": str(file.name),
        "folder": None if folder_id is None else str(folder_id),
        "size": int(file.size_bytes),
        "content_type": str(file.content_type),
        "created_at": time_json(file.created_at),
        "updated_at": time_json(file.updated_at),
        "version": file.current_version.number if file.current_version_id else None,
    }


# --- bodies of the upload protocol's answers: the API and the drop links speak the same ----------


# An absolute http(s) URL with a host, of characters Django's iri_to_uri leaves as they are
# (RFC 3986's unreserved and reserved ones but the brackets, and "%"): what
# build_absolute_uri returns for it is the URL itself, without its urlsplit and quote
# (a store's signed URL; 0.06M instructions a file of a 100-file batch start).
_PLAIN_ABSOLUTE_URL = re.compile(r"https?://[A-Za-z0-9][A-Za-z0-9\-._~/#%=:;$&()+,!?*@']*\Z")


def presigned_body(request, presigned) -> dict:
    # The local backend signs site-relative URLs; clients always get absolute ones.
    url = presigned.url
    if not _PLAIN_ABSOLUTE_URL.match(url):
        url = request.build_absolute_uri(url)
    return {"url": url, "method": presigned.method, "headers": presigned.headers}


def upload_start_body(request, started) -> dict:
    """The answer to a start (storage.services.uploads.UploadStart)."""
    upload = started.upload
    body = {"id": str(upload.id), "strategy": upload.strategy, "expires_at": upload.expires_at}
    if started.put is not None:
        body.update(presigned_body(request, started.put))
    else:
        body.update({"part_size": upload.part_size_bytes, "part_count": upload.part_count})
    return body


def upload_state_body(state) -> dict:
    """The resume state (storage.services.uploads.UploadState)."""
    body = dict(UploadOutput(state.upload).data)
    body["parts"] = StoredPartOutput(state.parts, many=True).data
    body["store_upload_missing"] = state.store_upload_missing
    return body


def parts_body(request, signed) -> dict:
    """Part URLs by number (from upload_parts_presign)."""
    return {"parts": [{"number": number, **presigned_body(request, put)} for number, put in signed]}
