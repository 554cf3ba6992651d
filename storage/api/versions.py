"""A file's versions: list and download any (VIEW), restore one as the newest (EDIT: editors
too), delete one (the owner only: it deletes bytes forever)."""

from django.shortcuts import redirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kosha.integers import column_integer_field
from kosha.json_fields import body_refuse_any
from kosha.origin import Origin
from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, keyset_page, limit_clean, page_parameters, page_response, page_schema
from sharing.access import Need, file_for_actor, version_for_actor
from storage.disposition import INLINE_PARAMETER_TEXT, inline_clean
from storage.models import FileVersion
from storage.services.downloads import file_download_url
from storage.services.versions import file_version_delete, file_version_restore


class VersionOutput(serializers.ModelSerializer):
    number = column_integer_field(FileVersion, "number")
    size = serializers.IntegerField(source="size_bytes")
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = FileVersion
        fields = ["id", "number", "size", "content_type", "sha256", "created_at", "is_current"]

    def get_is_current(self, version) -> bool:
        return version.pk == self.context["current_version_id"]


class FileVersionViewSet(viewsets.ViewSet):
    """Versions of a file you may see, newest first. A same-name upload adds one; the
    owner's plan's versions_kept newest are kept. Every version counts in the owner's usage."""

    lookup_value_regex = "[^/]+"

    @extend_schema(
        summary="A file's versions, newest first",
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("FileVersionPage", VersionOutput(many=True)),
        tags=["versions"],
    )
    def list(self, request, file_pk=None):
        limit = limit_clean(request.query_params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
        file = file_for_actor(actor=request.user, file_id=file_pk, need=Need.VIEW)
        page = keyset_page(
            file.versions.all(),
            keys=["number"],
            descending=True,
            cursor=request.query_params.get("cursor"),
            limit=limit,
            scope=f"storage.versions:{request.user.pk}:{file.pk}",
        )
        context = {"current_version_id": file.current_version_id}
        return Response(page_response(page, VersionOutput, context=context))

    @extend_schema(
        summary="Download one version",
        parameters=[OpenApiParameter("inline", OpenApiTypes.BOOL, description=INLINE_PARAMETER_TEXT)],
        responses={302: OpenApiResponse(description="Redirect to a short-lived presigned GET")},
        tags=["versions"],
    )
    @action(detail=True, methods=["get"])
    def download(self, request, file_pk=None, pk=None):
        version = version_for_actor(actor=request.user, file_id=file_pk, version_id=pk, need=Need.VIEW)
        url = file_download_url(
            actor=request.user,
            file=version.file,
            version=version,
            inline=inline_clean(request.query_params.get("inline")),
            origin=Origin.of_api(request),
        )
        return redirect(url)

    @extend_schema(
        summary="Restore a version as the newest",
        description=(
            "Copies the version inside the store as a new version, which becomes current. "
            "It counts against your quota like an upload (413 when it does not fit)."
        ),
        request=None,
        responses={201: VersionOutput},
        tags=["versions"],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, file_pk=None, pk=None):
        body_refuse_any(request)
        source = version_for_actor(actor=request.user, file_id=file_pk, version_id=pk, need=Need.EDIT)
        version = file_version_restore(actor=request.user, version=source, origin=Origin.of_api(request))
        body = VersionOutput(version, context={"current_version_id": version.pk}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Delete one version",
        description=(
            "Its bytes are deleted and no longer count. Deleting the current version makes the "
            "newest remaining one current; a file's only version cannot be deleted (409)."
        ),
        responses={204: None},
        tags=["versions"],
    )
    def destroy(self, request, file_pk=None, pk=None):
        body_refuse_any(request)
        version = version_for_actor(actor=request.user, file_id=file_pk, version_id=pk, need=Need.OWN)
        file_version_delete(actor=request.user, version=version, origin=Origin.of_api(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
