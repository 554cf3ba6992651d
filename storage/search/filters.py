"""What a search may be narrowed by: the query text, a type, dates and sizes, and the
querysets of live files and folders those narrow."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from kosha.datetimes import utc_instant
from kosha.errors import InvalidInput
from storage.models import File, Folder

MIN_QUERY_CHARS = 2
# Unicode character name prefixes of the scripts where one character is a word.
_WORD_CHARACTER_NAMES = (
    "CJK UNIFIED IDEOGRAPH",
    "CJK COMPATIBILITY IDEOGRAPH",
    "HIRAGANA LETTER",
    "KATAKANA LETTER",
    "HANGUL SYLLABLE",
)
MAX_QUERY_CHARS = 200
_MAX_BIGINT = 2**63 - 1
_INTEGER = re.compile(r"^-?[0-9]{1,19}$")

TYPE_FOLDER = "folder"
# type filter -> (content type prefixes, exact content types)
FILE_TYPES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "image": (("image/",), frozenset()),
    "video": (("video/",), frozenset()),
    "audio": (("audio/",), frozenset()),
    "pdf": ((), frozenset({"application/pdf"})),
    "text": (("text/",), frozenset({"application/json", "application/xml"})),
    "document": (
        (
            "application/vnd.openxmlformats-officedocument.",
            "application/vnd.oasis.opendocument.",
            "application/vnd.ms-",
        ),
        frozenset({"application/msword", "application/rtf", "application/vnd.apple.pages", "application/epub+zip"}),
    ),
    "archive": (
        (),
        frozenset(
            {
                "application/zip",
                "application/x-zip-compressed",
                "application/x-tar",
                "application/gzip",
                "application/x-gzip",
                "application/x-bzip2",
                "application/x-xz",
                "application/zstd",
                "application/x-7z-compressed",
                "application/x-rar-compressed",
                "application/vnd.rar",
            }
        ),
    ),
}
SEARCH_TYPES = (*FILE_TYPES, TYPE_FOLDER)


@dataclass(frozen=True)
class SearchFilters:
    kind: str | None = None
    modified_after: dt.datetime | None = None
    modified_before: dt.datetime | None = None
    min_size: int | None = None
    max_size: int | None = None

    @property
    def files_only(self) -> bool:
        return (
            (self.kind is not None and self.kind != TYPE_FOLDER)
            or self.min_size is not None
            or self.max_size is not None
        )

    @property
    def folders_only(self) -> bool:
        return self.kind == TYPE_FOLDER


def is_word_by_itself(character: str) -> bool:
    """A character that is a word on its own: a CJK ideograph (報, 書), a kana or a
    Hangul syllable. One Latin letter is not worth a search; one of these is."""
    return unicodedata.name(character, "").startswith(_WORD_CHARACTER_NAMES)


@functools.cache
def query_pattern() -> str:
    """query_clean's rule as a regular expression, for the schema: two characters that
    are not space, or one that is a word by itself; no NUL. (query_clean counts after
    NFC, where "a" and a combining mark are one.) Built once, on first use."""
    from kosha.schema.bodies import character_class, whitespace  # the schema's helpers, not needed to search

    space, words = whitespace(), character_class(is_word_by_itself, below=0x32400)
    return rf"^(?![\s\S]*\x00)[{space}]*(?:[^{space}][{space}]*[^{space}][\s\S]*|[{words}][{space}]*)$"


def query_clean(raw) -> str:
    """The query with its whitespace collapsed, in Unicode NFC (as names are stored, so
    "a" + U+0308 finds "ä"), or InvalidInput (field q). At least MIN_QUERY_CHARS
    characters, or one that is a word by itself (CJK)."""
    if not isinstance(raw, str):
        raise InvalidInput("q is required.", field="q")
    query = unicodedata.normalize("NFC", " ".join(raw.split()))
    if len(query) < MIN_QUERY_CHARS and not (query and is_word_by_itself(query)):
        raise InvalidInput(f"q must have at least {MIN_QUERY_CHARS} characters (or one CJK character).", field="q")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"q can have at most {MAX_QUERY_CHARS} characters.", field="q")
    if "\x00" in query:
        raise InvalidInput("q cannot contain NUL characters.", field="q")
    return query


def _clean_kind(raw) -> str | None:
    if raw in (None, ""):
        return None
    if raw not in SEARCH_TYPES:
        raise InvalidInput(f"type must be one of: {', '.join(SEARCH_TYPES)}.", field="type")
    return raw


def _clean_datetime(raw, *, field: str, end_of_day: bool = False) -> dt.datetime | None:
    if raw in (None, ""):
        return None
    message = f"{field} must be an ISO 8601 date or date and time."
    if not isinstance(raw, str) or len(raw) > 64:
        raise InvalidInput(message, field=field)
    try:
        parsed = parse_datetime(raw)
        if parsed is None:
            day = parse_date(raw)
            if day is None:
                raise InvalidInput(message, field=field)
            parsed = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
    except ValueError as exc:  # well formed but impossible, such as month 13
        raise InvalidInput(message, field=field) from exc
    if timezone.is_naive(parsed):
        return timezone.make_aware(parsed, dt.UTC)
    try:
        return utc_instant(parsed, raw=raw)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from exc


def _clean_size(raw, *, field: str) -> int | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise InvalidInput(f"{field} must be a whole number of bytes.", field=field)
    if isinstance(raw, str):
        if not _INTEGER.match(raw):
            raise InvalidInput(f"{field} must be a whole number of bytes.", field=field)
        raw = int(raw)
    if raw < 0:
        raise InvalidInput(f"{field} cannot be negative.", field=field)
    if raw > _MAX_BIGINT:
        raise InvalidInput(f"{field} is too large.", field=field)
    return raw


def filters_clean(*, kind, modified_after, modified_before, min_size, max_size) -> SearchFilters:
    """The narrowing filters from raw request values (each may be None or ""); a date
    without a time covers the whole day. Raises InvalidInput naming the field."""
    return SearchFilters(
        kind=_clean_kind(kind),
        modified_after=_clean_datetime(modified_after, field="modified_after"),
        modified_before=_clean_datetime(modified_before, field="modified_before", end_of_day=True),
        min_size=_clean_size(min_size, field="min_size"),
        max_size=_clean_size(max_size, field="max_size"),
    )


def files_matching(*, filters: SearchFilters, where: Q) -> QuerySet[File]:
    """Live files in the rows `where` selects (a space, a subtree, what is shared),
    narrowed by filters."""
    files = File.objects.filter(where, deleted_at__isnull=True)
    if filters.kind is not None:
        prefixes, exact = FILE_TYPES[filters.kind]
        match = Q(content_type__in=exact) if exact else Q(pk__in=[])
        for prefix in prefixes:
            match |= Q(content_type__startswith=prefix)
        files = files.filter(match)
    if filters.min_size is not None:
        files = files.filter(size_bytes__gte=filters.min_size)
    if filters.max_size is not None:
        files = files.filter(size_bytes__lte=filters.max_size)
    if filters.modified_after is not None:
        files = files.filter(updated_at__gte=filters.modified_after)
    if filters.modified_before is not None:
        files = files.filter(updated_at__lte=filters.modified_before)
    return files.only("id", "name", "owner_id", "folder_id", "size_bytes", "content_type", "updated_at")


def folders_matching(*, filters: SearchFilters, where: Q) -> QuerySet[Folder]:
    """Live folders in the rows `where` selects, narrowed by filters."""
    folders = Folder.objects.filter(where, deleted_at__isnull=True)
    if filters.modified_after is not None:
        folders = folders.filter(updated_at__gte=filters.modified_after)
    if filters.modified_before is not None:
        folders = folders.filter(updated_at__lte=filters.modified_before)
    return folders.only("id", "name", "owner_id", "parent_id", "updated_at")
