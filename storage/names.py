"""Name rules shared by files and folders (uploads, create, rename, move, copy, restore)."""

import re
import unicodedata

from kosha.errors import InvalidName
from storage.models import File, Folder

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


def name_free(*, owner, folder_id, name: str, suffix: str = "") -> str:
    """`name` if no live file or folder in folder_id (None: the root) of `owner` (a user
    or its id) holds it, else the first free variant: "name (2).ext", "name (3).ext", ...
    or, with a suffix, "name (restored).ext", "name (restored 2).ext", ... Two queries.
    Call under the owner's usage_lock, so that the name is still free when written."""
    live = {"owner": owner, "deleted_at__isnull": True}
    taken = set(File.objects.filter(folder_id=folder_id, **live).values_list("name", flat=True))
    taken |= set(Folder.objects.filter(parent_id=folder_id, **live).values_list("name", flat=True))
    candidate, counter = name, 1 if suffix else 2
    while candidate in taken:
        candidate = name_with_counter(name, counter, suffix=suffix)
        counter += 1
    return candidate
