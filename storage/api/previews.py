"""`GET /api/v1/files/<id>/thumbnail/` and `/preview/`: redirects to short-lived presigned GETs."""

from django.conf import settings
from django.shortcuts import redirect
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from kosha.errors import NotFound
from storage.backends import get_backend
from storage.downloads import version_download_url
from storage.selectors import file_get_for_user

_REDIRECT = {302: OpenApiResponse(description="Redirect to a short-lived presigned GET")}


class FileThumbnailView(APIView):
    @extend_schema(responses={**_REDIRECT, 404: OpenApiResponse(description="No such file, or no thumbnail (yet)")})
    def get(self, request, pk):
        file = file_get_for_user(user=request.user, file_id=pk)
        version = file.current_version
        if version is None or not version.thumbnail_key:
            raise NotFound("This file has no thumbnail.", resource="thumbnail")
        stem = file.name.rpartition(".")[0] or file.name
        url = get_backend().presign_get(
            key=version.thumbnail_key,
            filename=f"{stem}.webp",
            content_type="image/webp",
            inline=True,
            expires_seconds=settings.KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS,
        )
        return redirect(url)


class FilePreviewView(APIView):
    @extend_schema(
        responses=_REDIRECT,
        description="Inline for types that cannot run script (images but not SVG, PDF, audio, video, "
        "plain text); an attachment download for everything else.",
    )
    def get(self, request, pk):
        file = file_get_for_user(user=request.user, file_id=pk)
        if file.current_version is None:
            raise NotFound("This file has no content yet.", resource="file")
        return redirect(version_download_url(file=file, version=file.current_version, inline=True))
