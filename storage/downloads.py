"""Presigned downloads. Inline only for types that cannot run script in the browser."""

from django.conf import settings

from storage.backends import get_backend
from storage.models import File, FileVersion

# Never HTML, SVG, XML or anything else a browser might execute when shown inline.
INLINE_SAFE_PREFIXES = ("image/", "audio/", "video/")
INLINE_SAFE_TYPES = {"application/pdf", "text/plain"}
INLINE_UNSAFE_TYPES = {"image/svg+xml"}


def is_inline_safe(content_type: str) -> bool:
    content_type = content_type.lower()
    if content_type in INLINE_UNSAFE_TYPES:
        return False
    return content_type in INLINE_SAFE_TYPES or content_type.startswith(INLINE_SAFE_PREFIXES)


def version_download_url(*, file: File, version: FileVersion, inline: bool = False) -> str:
    """A short-lived GET URL; `inline` is honoured only for safe types."""
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
