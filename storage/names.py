"""The one name rule of files and folders: every door that creates, renames, copies,
uploads or restores an item (the API, the drop links, the grantee API, the pages) passes
its name through `name_clean`, and stores and compares only what it returns.

Names are stored in Unicode Normalization Form C (UAX #15), so "café" typed as e + U+0301
and as U+00E9 is one name: uniqueness in a folder, search and zip entries compare the
stored NFC text. Refused: control characters; format characters (general category Cf,
UAX #44: the bidi controls such as U+202E that make "txt.exe" read "exe.txt", zero-width
characters, the BOM), which let two names look identical or a name look like another;
lone surrogates (no UTF-8 encoding exists); and Unicode non-characters.

Three uses of format characters are words and pictures, not disguise, and are kept where
their context makes them meaningful (`_joiner_fits`):
- U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER by the CONTEXTJ rules of
  RFC 5892 appendix A.1 and A.2 (as IDNA2008 does for domain names): ZWNJ after a virama or
  between joining letters (Persian "می‌خواهم"), ZWJ after a virama (Devanagari "क्‍ष");
- U+200D inside an emoji ZWJ sequence (UTS #51 §1.4.6, ED-16): between two
  Extended_Pictographic characters, the first optionally followed by an emoji modifier
  (U+1F3FB..U+1F3FF) and/or U+FE0F ("👨‍👩‍👧", "👩🏽‍💻", "🏳️‍🌈");
- the tag characters U+E0020..U+E007F of an emoji tag sequence (UTS #51 §1.4.5, ED-14a):
  after U+1F3F4 WAVING BLACK FLAG, ended by U+E007F CANCEL TAG (the flags of Scotland,
  England, Wales: "🏴󠁧󠁢󠁳󠁣󠁴󠁿").
Everything else in Cf stays refused, the bidi controls (U+202A..U+202E, U+2066..U+2069)
among them whatever their context. A joiner out of its context (a ZWJ between two Latin
letters, a ZWNJ at the end) is refused naming it.
"""

import re
import unicodedata
import uuid

import idna.core
import regex

from kosha.errors import InvalidName
from storage.fixed_reads import name_holder_rows
from storage.models import File, Folder

MAX_NAME_BYTES = 255
# No text of more code points than this is a name of MAX_NAME_BYTES or fewer once NFC
# composes it: a character composes at most 4 code points (its canonical decomposition:
# U+1FAF has the longest, and Unicode's stability policy lets no later character compose
# more), and takes at least one byte.
_MAX_NAME_CODE_POINTS = 4 * MAX_NAME_BYTES
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Lone surrogates and the 66 non-characters (U+FDD0..U+FDEF, U+xFFFE and U+xFFFF).
_NOT_TEXT = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)


ZWNJ, ZWJ = "\u200c", "\u200d"
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")
_EMOJI_MODIFIER = regex.compile(r"\p{Emoji_Modifier}")
_VARIATION_EMOJI = "\ufe0f"
_BLACK_FLAG = "\U0001f3f4"
# An emoji tag sequence: the black flag, one or more tag letters/digits, the cancel tag.
_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")


def _emoji_zwj_fits(name: str, position: int) -> bool:
    """Whether the ZWJ at `position` joins two emoji (UTS #51 ED-16)."""
    before = position - 1
    if before >= 0 and name[before] == _VARIATION_EMOJI:
        before -= 1
    if before >= 0 and _EMOJI_MODIFIER.match(name[before]):
        before -= 1
    after = position + 1
    return (
        before >= 0
        and bool(_PICTOGRAPHIC.match(name[before]))
        and after < len(name)
        and bool(_PICTOGRAPHIC.match(name[after]))
    )


def _joiner_fits(name: str, position: int) -> bool:
    """Whether the ZWNJ or ZWJ at `position` is in a context that gives it meaning: RFC 5892
    CONTEXTJ (through idna, which implements appendix A.1/A.2), or an emoji ZWJ sequence."""
    if idna.core.valid_contextj(name, position):
        return True
    return name[position] == ZWJ and _emoji_zwj_fits(name, position)


def _tag_positions(name: str) -> set[int]:
    """The positions of the tag characters that belong to a whole emoji tag sequence."""
    return {index for found in _TAG_SEQUENCE.finditer(name) for index in range(found.start() + 1, found.end())}


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
    refused character, `character` as "U+XXXX") saying what is wrong with it. Format
    characters (Cf) are refused but for joiners in their RFC 5892 CONTEXTJ or UTS #51 emoji
    context (see the module's docstring). No I/O, no lock."""
    if not isinstance(raw, str):
        raise InvalidName("A name must be a string.", field="name")
    if len(raw) > _MAX_NAME_CODE_POINTS:  # before the work below, whatever the body's size
        raise _too_long()
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
    if not name.isascii():  # ASCII holds no format character (Cf): a per-character Python step saved
        tags = _tag_positions(name) if _BLACK_FLAG in name else set()
        for position, character in enumerate(name):
            if unicodedata.category(character) != "Cf" or position in tags:
                continue
            if character in (ZWNJ, ZWJ) and _joiner_fits(name, position):
                continue
            raise _refuse_character(character, "invisible formatting characters can disguise a name")
    if name != name.strip():
        raise InvalidName("A name cannot start or end with a space.", field="name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise _too_long()
    return name


def _too_long() -> InvalidName:
    return InvalidName(f"A name can be at most {MAX_NAME_BYTES} bytes long in UTF-8.", field="name")


def name_with_counter(name: str, counter: int, *, suffix: str = "") -> str:
    """`report.pdf` → `report (2).pdf`: at most MAX_NAME_BYTES of UTF-8, the stem cut to
    fit; keeps the extension unless it alone leaves no room for the stem."""
    stem, dot, extension = name.rpartition(".")
    if not stem:  # no extension, or a dotfile such as ".env"
        stem, dot, extension = name, "", ""
    label = f" ({suffix} {counter})" if suffix and counter > 1 else f" ({suffix})" if suffix else f" ({counter})"
    if len(f"{label}{dot}{extension}".encode()) >= MAX_NAME_BYTES:
        # An extension so long that no byte of the stem would fit before it ("a." and 253
        # more): the label goes last and the name is cut before it, as one without one.
        stem, dot, extension = name, "", ""
    tail = f"{label}{dot}{extension}"
    budget = MAX_NAME_BYTES - len(tail.encode("utf-8"))
    encoded = stem.encode("utf-8")
    kept = encoded[:budget].decode("utf-8", errors="ignore")
    if len(encoded) > budget:
        # A cut inside an emoji sequence leaves a joiner (U+200D) or tag characters
        # without their cancel tag at the end, which name_clean refuses: drop them.
        while kept and (kept[-1].isspace() or unicodedata.category(kept[-1]) == "Cf"):
            kept = kept[:-1]
    return kept.rstrip() + tail


def name_holders(*, owner, folder_id, name: str) -> tuple[bool, uuid.UUID | None]:
    """Who holds `name` in folder_id (None: the root) of `owner` (a user or its id): (a
    live folder does, the live file's id or None), in one query (a UNION of the two
    lookups, fixed SQL: storage.fixed_reads.name_holder_rows). Locks nothing: under the
    owner's space lock (storage/locks.py) the answer still holds when written, but for a
    file name a concurrent complete inserts, which the unique index refuses."""
    owner_id = owner if isinstance(owner, uuid.UUID) else owner.pk
    rows = name_holder_rows(owner_id=owner_id, folder_id=folder_id, name=name)
    file_id = next((pk for pk, kind in rows if kind == "file"), None)
    return any(kind == "folder" for _, kind in rows), file_id


def name_free(*, owner, folder_id, name: str, suffix: str = "") -> str:
    """`name` if no live file or folder in folder_id (None: the root) of `owner` (a user
    or its id) holds it, else the first free variant: "name (2).ext", "name (3).ext", ...
    or, with a suffix, "name (restored).ext", "name (restored 2).ext", ... Two queries.
    Call under the owner's space lock (storage/locks.py), so that the name is still free
    when written (but for a concurrent complete's, which the unique index refuses)."""
    live = {"owner": owner, "deleted_at__isnull": True}
    taken = set(File.objects.filter(folder_id=folder_id, **live).values_list("name", flat=True))
    taken |= set(Folder.objects.filter(parent_id=folder_id, **live).values_list("name", flat=True))
    candidate, counter = name, 1 if suffix else 2
    while candidate in taken:
        candidate = name_with_counter(name, counter, suffix=suffix)
        counter += 1
    return candidate
