"""Name rules shared by files and folders (uploads, create, rename, move, restore)."""

import re
import unicodedata

from kosha.errors import InvalidName

MAX_NAME_BYTES = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def name_clean(raw) -> str:
    """The NFC-normalised name, or InvalidName saying what is wrong with it."""
    if not isinstance(raw, str):
        raise InvalidName("A name must be a string.", field="name")
    name = unicodedata.normalize("NFC", raw)
    if not name:
        raise InvalidName("A name cannot be empty.", field="name")
    if name in (".", ".."):
        raise InvalidName("“.” and “..” are not allowed as names.", field="name")
    if "/" in name or "\\" in name:
        raise InvalidName("A name cannot contain “/” or “\\”.", field="name")
    if _CONTROL.search(name):
        raise InvalidName("A name cannot contain control characters.", field="name")
    if name != name.strip():
        raise InvalidName("A name cannot start or end with a space.", field="name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidName(f"A name can be at most {MAX_NAME_BYTES} bytes long in UTF-8.", field="name")
    return name


def name_with_counter(name: str, counter: int, *, suffix: str = "") -> str:
    """`report.pdf` → `report (2).pdf`; keeps the extension and the byte limit."""
    stem, dot, extension = name.rpartition(".")
    if not stem:  # no extension, or a dotfile such as ".env"
        stem, dot, extension = name, "", ""
    label = f" ({suffix} {counter})" if suffix and counter > 1 else f" ({suffix})" if suffix else f" ({counter})"
    tail = f"{label}{dot}{extension}"
    budget = MAX_NAME_BYTES - len(tail.encode("utf-8"))
    stem_bytes = stem.encode("utf-8")[: max(budget, 1)]
    return stem_bytes.decode("utf-8", errors="ignore").rstrip() + tail
