from django.shortcuts import redirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activity.models import ActivityEvent
from activity.recording import activity_from_request
from kosha.sentinels import UNCHANGED
from storage.api.serializers import (
    CompleteInput,
    FileOutput,
    PartsInput,
    PartUrlOutput,
    StoredPartOutput,
    UploadOutput,
    UploadStartInput,
)
from storage.downloads import version_download_url
from storage.selectors import file_get_for_user
from storage.services.files import file_copy, file_update
from storage.services.trash import file_trash
from storage.services.uploads import (
    upload_abort,
    upload_complete,
    upload_parts_presign,
    upload_start,
    upload_state,
)


def _presigned(request, presigned) -> dict:
    # The local backend signs site-relative URLs; clients always get absolute ones.
    return {"url": request.build_absolute_uri(presigned.url), "method": presigned.method, "headers": presigned.headers}


UploadStartOutput = inline_serializer(
    "UploadStartOutput",
    {
        "id": serializers.UUIDField(),
        "strategy": serializers.ChoiceField(choices=["single", "multipart"]),
        "expires_at": serializers.DateTimeField(),
        "url": serializers.CharField(required=False),
        "method": serializers.CharField(required=False),
        "headers": serializers.DictField(required=False),
        "part_size": serializers.IntegerField(required=False),
        "part_count": serializers.IntegerField(required=False),
    },
)


class UploadViewSet(viewsets.ViewSet):
    """The direct-upload protocol: bytes go to the store, never through this server."""

    lookup_value_regex = "[^/]+"

    @extend_schema(request=UploadStartInput, responses={201: UploadStartOutput})
    def create(self, request):
        data = UploadStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        started = upload_start(
            user=request.user,
            name=payload.get("name"),
            size_bytes=payload.get("size"),
            folder_id=payload.get("folder"),
            content_type=payload.get("content_type"),
            sha256=payload.get("sha256"),
            on_conflict=payload.get("on_conflict"),
        )
        upload = started.upload
        body = {"id": str(upload.id), "strategy": upload.strategy, "expires_at": upload.expires_at}
        if started.put is not None:
            body.update(_presigned(request, started.put))
        else:
            body.update({"part_size": upload.part_size_bytes, "part_count": upload.part_count})
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=inline_serializer(
            "UploadState",
            {
                "upload": UploadOutput(),
                "parts": StoredPartOutput(many=True),
                "store_upload_missing": serializers.BooleanField(),
            },
        )
    )
    def retrieve(self, request, pk=None):
        state = upload_state(user=request.user, upload_id=pk)
        body = UploadOutput(state.upload).data
        body["parts"] = StoredPartOutput(state.parts, many=True).data
        body["store_upload_missing"] = state.store_upload_missing
        return Response(body)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        upload_abort(user=request.user, upload_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PartsInput, responses=inline_serializer("PartUrls", {"parts": PartUrlOutput(many=True)}))
    @action(detail=True, methods=["post"])
    def parts(self, request, pk=None):
        data = PartsInput(data=request.data)
        data.is_valid(raise_exception=True)
        signed = upload_parts_presign(user=request.user, upload_id=pk, numbers=data.validated_data["numbers"])
        return Response({"parts": [{"number": number, **_presigned(request, put)} for number, put in signed]})

    @extend_schema(request=CompleteInput, responses={200: FileOutput})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = CompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = upload_complete(user=request.user, upload_id=pk, parts=data.validated_data.get("parts"))
        file = file_get_for_user(user=request.user, file_id=version.file_id)
        activity_from_request(
            request,
            kind=ActivityEvent.Kind.UPLOAD_COMPLETED,
            item=file,
            detail={"name": file.name, "version": version.number, "size_bytes": version.size_bytes},
        )
        return Response(FileOutput(file).data)


def _folder_or_root(value):
    # In a request body null means the root; the copy service reads None as "same folder".
    return "root" if value is None else value


class FileUpdateInput(serializers.Serializer):
    # Loose types here, strict rules in the service. A null folder is the root.
    name = serializers.JSONField(required=False, allow_null=True)
    folder = serializers.JSONField(required=False, allow_null=True)


class FileCopyInput(serializers.Serializer):
    # folder absent: the source's folder; null: the root. name absent: the source's name.
    folder = serializers.JSONField(required=False, allow_null=True)
    name = serializers.JSONField(required=False, allow_null=True)


class FileViewSet(viewsets.ViewSet):
    lookup_value_regex = "[^/]+"

    @extend_schema(responses=FileOutput)
    def retrieve(self, request, pk=None):
        return Response(FileOutput(file_get_for_user(user=request.user, file_id=pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("inline", OpenApiTypes.BOOL, description="Show in the browser if the type is safe")
        ],
        responses={302: OpenApiResponse(description="Redirect to a short-lived presigned GET")},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        file = file_get_for_user(user=request.user, file_id=pk)
        inline = request.query_params.get("inline") in ("1", "true", "yes")
        url = version_download_url(file=file, version=file.current_version, inline=inline)
        activity_from_request(request, kind=ActivityEvent.Kind.DOWNLOAD, item=file)
        return redirect(request.build_absolute_uri(url))

    @extend_schema(
        description="Moves the file to the trash; it still counts in your usage until deleted forever.",
        responses={204: None},
    )
    def destroy(self, request, pk=None):
        file = file_trash(user=request.user, file_id=pk)
        activity_from_request(request, kind=ActivityEvent.Kind.TRASH, item=file)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=FileUpdateInput, responses=FileOutput)
    def partial_update(self, request, pk=None):
        data = FileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        file = file_update(
            user=request.user,
            file_id=pk,
            name=payload["name"] if "name" in payload else UNCHANGED,
            folder_id=_folder_or_root(payload["folder"]) if "folder" in payload else UNCHANGED,
        )
        return Response(FileOutput(file).data)

    @extend_schema(request=FileCopyInput, responses={201: FileOutput})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        data = FileCopyInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        file = file_copy(
            user=request.user,
            file_id=pk,
            folder_id=_folder_or_root(payload["folder"]) if "folder" in payload else None,
            name=payload.get("name"),
        )
        return Response(FileOutput(file).data, status=status.HTTP_201_CREATED)
