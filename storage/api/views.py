"""The uploads and files API, for owners and collaborators alike.

Every item is reached through sharing.access with what the request needs: a file shared
with the caller has the same URL as for its owner, and the caller's role decides what
they may do (VIEW: see, download, preview, copy from; ARRANGE: rename, move, trash; a
viewer asking to change it gets 403, a stranger 404).
"""

from django.shortcuts import redirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kosha.json_fields import body_refuse_any
from kosha.origin import Origin
from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, page_parameters, page_response, page_schema
from sharing.access import Need, file_for_actor, place_for_actor, upload_for_actor
from sharing.selectors import pending_uploads_for_owner
from storage.api.destinations import copy_destination, move_changes
from storage.api.fields import CompleteInput, FileCopyInput, FileUpdateInput, PartsInput, UploadStartInput, input_clean
from storage.api.serializers import (
    FileOutput,
    PartUrlOutput,
    StoredPartOutput,
    UploadOutput,
    file_json,
    parts_body,
    upload_start_body,
    upload_state_body,
)
from storage.disposition import INLINE_PARAMETER_TEXT, inline_clean
from storage.services.downloads import file_download_url
from storage.services.files import file_copy, file_update
from storage.services.trash import file_trash
from storage.services.uploads import (
    upload_abort,
    upload_complete,
    upload_parts_presign,
    upload_start,
    upload_state,
)

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


class PendingUploadOutput(UploadOutput):
    started_by = serializers.SerializerMethodField(help_text="Who started it; null: a visitor through a drop link.")
    via_link = serializers.SerializerMethodField(help_text="The drop link it came through, if any.")

    class Meta(UploadOutput.Meta):
        fields = [*UploadOutput.Meta.fields, "started_by", "via_link"]

    def get_started_by(self, upload) -> str | None:
        return upload.created_by.email if upload.created_by_id else None

    @extend_schema_field(
        inline_serializer(
            "PendingUploadLink", {"id": serializers.UUIDField(), "name": serializers.CharField()}, allow_null=True
        )
    )
    def get_via_link(self, upload) -> dict | None:
        admission = getattr(upload, "drop_start", None)
        if admission is None:
            return None
        return {"id": str(admission.link_id), "name": admission.link.name}


class UploadViewSet(viewsets.ViewSet):
    """The direct-upload protocol: bytes go to the store, never through this server.

    `folder` may be one of yours or a folder shared with you as editor: the file lands
    in its owner's space, and the owner's plan limits and quota apply (413 before any byte
    moves). You reach the sessions you started (and, as an owner, every session in your
    space)."""

    lookup_value_regex = "[^/]+"

    @extend_schema(
        summary="Unfinished uploads into your space, newest first",
        description="Every pending upload that holds a reservation of your quota, whoever started it "
        "(you, an editor of a folder you share, a visitor through a drop link). Abort one with DELETE.",
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("PendingUploadPage", PendingUploadOutput(many=True)),
    )
    def list(self, request):
        # Scoped to request.user as the owner: that is the access control of this list.
        page = pending_uploads_for_owner(
            owner=request.user, cursor=request.query_params.get("cursor"), limit=request.query_params.get("limit")
        )
        return Response(page_response(page, PendingUploadOutput))

    @extend_schema(request=UploadStartInput, responses={201: UploadStartOutput})
    def create(self, request):
        payload = input_clean(UploadStartInput, request.data)
        place = place_for_actor(actor=request.user, folder_id=payload.get("folder"), need=Need.EDIT, field="folder")
        started = upload_start(
            actor=request.user,
            place=place,
            name=payload.get("name"),
            size_bytes=payload.get("size"),
            content_type=payload.get("content_type"),
            sha256=payload.get("sha256"),
            on_conflict=payload.get("on_conflict"),
        )
        return Response(upload_start_body(request, started), status=status.HTTP_201_CREATED)

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
        upload = upload_for_actor(actor=request.user, upload_id=pk, need=Need.EDIT)
        return Response(upload_state_body(upload_state(upload=upload)))

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        body_refuse_any(request)
        # VIEW: a session one started may always be aborted, even after losing access.
        upload_abort(upload=upload_for_actor(actor=request.user, upload_id=pk, need=Need.VIEW))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PartsInput, responses=inline_serializer("PartUrls", {"parts": PartUrlOutput(many=True)}))
    @action(detail=True, methods=["post"])
    def parts(self, request, pk=None):
        data = input_clean(PartsInput, request.data)
        upload = upload_for_actor(actor=request.user, upload_id=pk, need=Need.EDIT)
        signed = upload_parts_presign(upload=upload, numbers=data["numbers"])
        return Response(parts_body(request, signed))

    @extend_schema(request=CompleteInput, responses={200: FileOutput})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = input_clean(CompleteInput, request.data)
        upload = upload_for_actor(actor=request.user, upload_id=pk, need=Need.EDIT)
        version = upload_complete(
            actor=request.user, upload=upload, parts=data.get("parts"), origin=Origin.of_api(request)
        )
        return Response(file_json(version.file))


class FileViewSet(viewsets.ViewSet):
    """Your files and the files shared with you, by id."""

    lookup_value_regex = "[^/]+"

    @extend_schema(responses=FileOutput)
    def retrieve(self, request, pk=None):
        return Response(FileOutput(file_for_actor(actor=request.user, file_id=pk, need=Need.VIEW)).data)

    @extend_schema(
        parameters=[OpenApiParameter("inline", OpenApiTypes.BOOL, description=INLINE_PARAMETER_TEXT)],
        responses={302: OpenApiResponse(description="Redirect to a short-lived presigned GET")},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        file = file_for_actor(actor=request.user, file_id=pk, need=Need.VIEW)
        url = file_download_url(
            actor=request.user,
            file=file,
            inline=inline_clean(request.query_params.get("inline")),
            origin=Origin.of_api(request),
        )
        return redirect(request.build_absolute_uri(url))

    @extend_schema(
        description="Moves the file to the trash; it still counts in its owner's usage until deleted forever.",
        responses={204: None},
    )
    def destroy(self, request, pk=None):
        body_refuse_any(request)
        file = file_for_actor(actor=request.user, file_id=pk, need=Need.ARRANGE)
        file_trash(actor=request.user, file=file, origin=Origin.of_api(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=FileUpdateInput,
        responses=FileOutput,
        description="Rename and/or move. `folder` must be a folder of the same owner you may edit "
        "(null: the root of your own space): items stay in their owner's space.",
    )
    def partial_update(self, request, pk=None):
        payload = input_clean(FileUpdateInput, request.data)
        file = file_for_actor(actor=request.user, file_id=pk, need=Need.ARRANGE)
        file = file_update(
            actor=request.user,
            file=file,
            **move_changes(request, payload, field="folder"),
            origin=Origin.of_api(request),
        )
        return Response(FileOutput(file).data)

    @extend_schema(
        request=FileCopyInput,
        responses={201: FileOutput},
        description="Copies into any folder you may edit, yours or shared with you; the copy counts "
        "against that folder owner's quota.",
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        payload = input_clean(FileCopyInput, request.data)
        file = file_for_actor(actor=request.user, file_id=pk, need=Need.VIEW)
        place = copy_destination(request, payload, item=file, field="folder")
        copied = file_copy(
            actor=request.user, file=file, place=place, name=payload.get("name"), origin=Origin.of_api(request)
        )
        return Response(FileOutput(copied).data, status=status.HTTP_201_CREATED)
