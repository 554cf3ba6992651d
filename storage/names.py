"""The one name rule of files and folders: every door that creates, renames, copies,
uploads or restores an item (the API, the drop links, the grantee API, the pages) passes
its name through `name_clean`, and stores and compares only what it returns.

Names are stored in Unicode Normalization Form C (UAX #15), so "café" typed as e + U+0301
and as U+00E9 is one name: uniqueness in a folder, search and zip entries compare the
stored NFC text. Refused: control characters; format characters (general category Cf,
UAX #44: the bidi controls such as U+202E that make "txt.exe" read "exe.txt", zero-width
characters, the BOM), which let two names look identical or a name look like another;
lone surrogates (no UTF-8 encoding exists); and Unicode non-characters. A consequence
worth knowing: emoji joined with U+200D (ZWJ) and Persian words spelt with U+200C (ZWNJ)
are refused too; the spoofing they would allow weighs more in a name.
"""

import re
import unicodedata

from kosha.errors import InvalidName
from storage.models import File, Folder

MAX_NAME_BYTES = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Lone surrogates and the 66 non-characters (U+FDD0..U+FDEF, U+xFFFE and U+xFFFF).
_NOT_TEXT = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)


def _described(character: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`, or `U+D800 (a lone surrogate)`."""
    code = f"U+{ord(character):04X}"
    if 0xD800 <= ord(character) <= 0xDFFF:
        return f"{code} (a lone surrogate)"
    label = unicodedata.name(character, "")
    return f"{code} ({label})" if label else f"{code} (a non-character)"


def _refuse_character(character: str, why: str) -> InvalidName:
    return InvalidName(
        f"A name cannot contain {_described(character)}: {why}.",
        field="name",
        character=f"U+{ord(character):04X}",
    )


def name_clean(raw) -> str:
    """The NFC-normalised name, or InvalidName (400 `invalid_name`, with `field` and, for a
    refused character, `character` as "U+XXXX") saying what is wrong with it."""
    if not isinstance(raw, str):
        raise InvalidName("A name must be a string.", field="name")
    # Before anything encodes it: a lone surrogate has no UTF-8 form.
    if found := _NOT_TEXT.search(raw):
        raise _refuse_character(found.group(), "it is not a character of any text")
    name = unicodedata.normalize("NFC", raw)
    if not name:
        raise InvalidName("A name cannot be empty.", field="name")
    if name in (".", ".."):
        raise InvalidName("“.” and “..” are not allowed as names.", field="name")
    if "/" in name or "\\" in name:
        raise InvalidName("A name cannot contain “/” or “\\”.", field="name")
    if _CONTROL.search(name):
        raise InvalidName("A name cannot contain control characters.", field="name")
    for character in name:
        if unicodedata.category(character) == "Cf":
            raise _refuse_character(character, "invisible formatting characters can disguise a name")
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
