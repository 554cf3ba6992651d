"""`GET /api/v1/files/<id>/thumbnail/` and `/preview/`: redirects to short-lived presigned GETs."""

from django.conf import settings
from django.shortcuts import redirect
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from kosha.errors import NotFound
from kosha.origin import Origin
from sharing.access import Need, file_for_actor
from storage.backends import get_backend
from storage.services.downloads import file_download_url

_REDIRECT = {302: OpenApiResponse(description="Redirect to a short-lived presigned GET")}


class FileThumbnailView(APIView):
    @extend_schema(responses={**_REDIRECT, 404: OpenApiResponse(description="No such file, or no thumbnail (yet)")})
    def get(self, request, pk):
        file = file_for_actor(actor=request.user, file_id=pk, need=Need.VIEW)
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
        file = file_for_actor(actor=request.user, file_id=pk, need=Need.VIEW)
        return redirect(file_download_url(actor=request.user, file=file, inline=True, origin=Origin.of_api(request)))
