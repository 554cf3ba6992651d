"""Presigned downloads. Inline only for types that cannot run script in the browser."""

from django.conf import settings

from storage.backends import get_backend
from storage.disposition import is_inline_safe
from storage.models import File, FileVersion


def version_download_url(*, file: File, version: FileVersion, inline: bool = False) -> str:
    """A short-lived GET URL; `inline` is honoured only for the allow-listed types of
    storage/disposition.py. Other text/ types download as application/octet-stream."""
    content_type = version.content_type
    show_inline = inline and is_inline_safe(content_type)
    if not show_inline and content_type.startswith("text/") and content_type != "text/plain":
        content_type = "application/octet-stream"
    return get_backend().presign_get(
        key=version.key,
        filename=file.name,
        content_type=content_type,
        inline=show_inline,
        expires_seconds=settings.KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS,
    )
