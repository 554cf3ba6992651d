"""The Content-Disposition header for downloads (RFC 6266, filename* per RFC 5987/8187),
and the one rule of which types a browser may be asked to show inline.

Inline only for an explicit allow-list of types a browser renders without running
anything: raster images, PDF (in the browser's own sandboxed viewer), audio, video and
plain text. Everything else, SVG and any other `+xml` subtype included (SVG runs script),
HTML, XML and unknown types, is an attachment. Both stores build their header here, so
neither can be asked for an unsafe inline answer.

Every browser in use reads `filename*=UTF-8''...`; the plain `filename="..."` is the
fallback for old clients, so it is reduced to printable ASCII without quotes or
backslashes. Control characters never reach the header: a CR or LF there would let a
file name inject headers.
"""

import re
import unicodedata
from urllib.parse import quote

from kosha.errors import InvalidInput

# RFC 5987 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
_NOT_PLAIN_ASCII = re.compile(r'[^\x20-\x7e]|["\\%]')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DEFAULT_FILENAME = "download"

INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "application/pdf",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/wav",
        "audio/webm",
        "audio/flac",
        "audio/aac",
        "video/mp4",
        "video/webm",
        "video/ogg",
        "text/plain",
    }
)


# A download's `inline` query parameter (a boolean in the schema: true or false); 1 and 0,
# yes and no are taken too, as they always were for true. Absent or empty: false.
_INLINE_VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}
INLINE_PARAMETER_TEXT = (
    "Show in the browser if the type is safe: true or false (also 1 or 0); any other value is a 400 naming inline"
)


def inline_clean(raw: str | None) -> bool:
    """A download's `inline` query parameter: True for true, 1 or yes, False for false,
    0, no, empty or absent (any case). Raises InvalidInput (field inline) for any other
    value, rather than taking it as false."""
    if raw is None:
        return False
    found = _INLINE_VALUES.get(raw.lower()) if len(raw) <= 5 else None
    if found is None:
        raise InvalidInput("inline must be true or false.", field="inline")
    return found


def is_inline_safe(content_type: str) -> bool:
    """Whether a type may be shown inline: on the allow-list, parameters and case aside."""
    return content_type.split(";", 1)[0].strip().lower() in INLINE_TYPES


def ascii_fallback(filename: str) -> str:
    """Printable ASCII only: accents dropped where Unicode can decompose them, the rest `_`."""
    decomposed = unicodedata.normalize("NFKD", filename)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _NOT_PLAIN_ASCII.sub("_", without_marks).strip()
    return plain or DEFAULT_FILENAME


def content_disposition(filename: str, *, inline: bool, content_type: str) -> str:
    """`attachment`, or `inline` when asked for and `content_type` is on the allow-list,
    with both an ASCII `filename` and a UTF-8 `filename*`."""
    disposition = "inline" if inline and is_inline_safe(content_type) else "attachment"
    name = _CONTROL.sub("_", filename).strip() or DEFAULT_FILENAME
    encoded = quote(name, safe=_ATTR_CHAR_SAFE, encoding="utf-8")
    return f"{disposition}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"
