"""The Content-Disposition header for downloads (RFC 6266, filename* per RFC 5987/8187).

Every browser in use reads `filename*=UTF-8''...`; the plain `filename="..."` is the
fallback for old clients, so it is reduced to printable ASCII without quotes or
backslashes. Control characters never reach the header: a CR or LF there would let a
file name inject headers.
"""

import re
import unicodedata
from urllib.parse import quote

# RFC 5987 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
_NOT_PLAIN_ASCII = re.compile(r'[^\x20-\x7e]|["\\%]')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DEFAULT_FILENAME = "download"


def ascii_fallback(filename: str) -> str:
    """Printable ASCII only: accents dropped where Unicode can decompose them, the rest `_`."""
    decomposed = unicodedata.normalize("NFKD", filename)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _NOT_PLAIN_ASCII.sub("_", without_marks).strip()
    return plain or DEFAULT_FILENAME


def content_disposition(filename: str, *, inline: bool) -> str:
    """`attachment` (or `inline`) with both an ASCII `filename` and a UTF-8 `filename*`."""
    disposition = "inline" if inline else "attachment"
    name = _CONTROL.sub("_", filename).strip() or DEFAULT_FILENAME
    encoded = quote(name, safe=_ATTR_CHAR_SAFE, encoding="utf-8")
    return f"{disposition}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"
