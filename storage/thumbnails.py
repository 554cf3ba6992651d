"""Thumbnails of uploaded images: WebP previews made by a worker, never by a web request.

Images come from users, so decoding is fenced: the object's size is bounded before it is
read, the pixel count is checked from the header before anything is decoded, only the
four formats we advertise are decoded at all, and Pillow's decompression-bomb warning is
an error here. A bad image records nothing and is logged; it never fails the worker.
"""

from __future__ import annotations

import io
import logging
import struct
import tempfile
import uuid
import warnings
from contextlib import closing
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

from storage import keys
from storage.backends import get_backend
from storage.models import THUMBNAIL_CONTENT_TYPES, THUMBNAIL_MAX_SOURCE_BYTES, FileVersion
from storage.services.replication import replication_enqueue

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
_PILLOW_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Bounds on what a worker will read and decode: 50 MiB of input, 50 megapixels (a
# 50 MP RGBA frame is 200 MB of memory once decoded).
MAX_SOURCE_BYTES = THUMBNAIL_MAX_SOURCE_BYTES
MAX_SOURCE_PIXELS = 50_000_000
# One size per version, so FileVersion.thumbnail_key names every object the thumbnail
# work made (purges delete exactly the recorded keys). 512 px is sharp in a grid on a
# high-density screen and a fair preview on its own.
THUMBNAIL_SIZE = 512
WEBP_QUALITY = 80
_READ_CHUNK = MiB
_SPOOL_IN_MEMORY_BYTES = 8 * MiB
# EXIF orientations that swap width and height (rotations by 90 or 270 degrees).
_TRANSPOSED_ORIENTATIONS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112


class ThumbnailError(Exception):
    """The image cannot (or may not) be turned into a thumbnail."""


@dataclass(frozen=True)
class RenderedThumbnail:
    width: int  # of the image as displayed (after EXIF orientation)
    height: int
    webp: bytes


def _spool(stream: BinaryIO, *, max_bytes: int) -> BinaryIO:
    """Copy stream into a seekable temporary file (memory first, then disk), refusing more
    than max_bytes. Pillow needs to seek; an S3 body cannot."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES)
    copied = 0
    while chunk := stream.read(_READ_CHUNK):
        copied += len(chunk)
        if copied > max_bytes:
            spool.close()
            raise ThumbnailError(f"The image is larger than {max_bytes} bytes.")
        spool.write(chunk)
    spool.seek(0)
    return spool


def _decoded(image: Image.Image, *, longest_side: int) -> tuple[Image.Image, int, int]:
    """The first frame, decoded, oriented and in a mode WebP can hold; and the displayed size."""
    width, height = image.size
    if width * height > MAX_SOURCE_PIXELS:
        raise ThumbnailError(f"The image has {width}x{height} pixels, more than {MAX_SOURCE_PIXELS}.")
    orientation = image.getexif().get(_EXIF_ORIENTATION)
    if orientation in _TRANSPOSED_ORIENTATIONS:
        width, height = height, width
    image.seek(0)  # animated GIF/WebP: the first frame only
    # JPEG can decode at 1/2, 1/4 or 1/8 scale, which saves most of the memory and time.
    image.draft("RGB", (longest_side, longest_side))
    image.load()
    oriented = ImageOps.exif_transpose(image)
    has_alpha = oriented.mode in ("RGBA", "LA", "PA") or (oriented.mode == "P" and "transparency" in oriented.info)
    converted = oriented.convert("RGBA" if has_alpha else "RGB")
    return converted, width, height


def thumbnail_render(stream: BinaryIO, *, size: int = THUMBNAIL_SIZE) -> RenderedThumbnail:
    """A WebP thumbnail (longest side at most size, never enlarged) of the image in
    stream. Raises ThumbnailError for anything that is not a sound, reasonably sized
    JPEG, PNG, WebP or GIF."""
    with closing(_spool(stream, max_bytes=MAX_SOURCE_BYTES)) as spool:
        try:
            with warnings.catch_warnings():
                # Pillow's own bomb check warns first and only errors at twice its limit.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(spool, formats=_PILLOW_FORMATS) as image:
                    decoded, width, height = _decoded(image, longest_side=size)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ThumbnailError(f"The image looks like a decompression bomb: {exc}") from exc
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            # UnidentifiedImageError is an OSError; truncated or corrupt data raises any of these.
            raise ThumbnailError(f"The image cannot be decoded: {exc}") from exc

    decoded.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    decoded.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return RenderedThumbnail(width=width, height=height, webp=out.getvalue())


def version_thumbnail_make(*, version_id: uuid.UUID | str) -> FileVersion | None:
    """Make and store the thumbnail of an image version and record its key and the
    image's width and height. Safe to run twice (a recorded version is left alone).
    Returns the version, or None when there is nothing to do or the image is refused
    (logged). Store errors (BackendError) propagate so the task is retried. Locks nothing:
    the record is one UPDATE outside any long transaction."""
    version = FileVersion.objects.select_related("file").filter(pk=version_id).first()
    if version is None or version.content_type not in THUMBNAIL_CONTENT_TYPES:
        return None
    if version.thumbnail_key:
        return version
    if version.size_bytes > MAX_SOURCE_BYTES:
        logger.info("No thumbnail for version %s: %s bytes is over the limit", version.pk, version.size_bytes)
        return None

    backend = get_backend()
    try:
        with closing(backend.open(key=version.key)) as stream:
            rendered = thumbnail_render(stream)
    except FileNotFoundError:
        logger.warning("No thumbnail for version %s: its object %s is missing", version.pk, version.key)
        return None
    except ThumbnailError as exc:
        logger.warning("No thumbnail for version %s: %s", version.pk, exc)
        return None

    thumbnail_key = keys.thumbnail_key(version.file.owner_id, version.pk, THUMBNAIL_SIZE)
    backend.put_bytes(key=thumbnail_key, data=rendered.webp, content_type="image/webp")
    version.thumbnail_key = thumbnail_key
    version.width = rendered.width
    version.height = rendered.height
    # A version purged meanwhile updates nothing; the orphan sweep removes its thumbnail.
    # Back into the replication backlog until the worker has copied the thumbnail too.
    FileVersion.objects.filter(pk=version.pk).update(
        thumbnail_key=version.thumbnail_key, width=version.width, height=version.height, replicated_at=None
    )
    replication_enqueue(version.pk)
    return version
