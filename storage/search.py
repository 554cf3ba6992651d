"""Search over the names of a user's live files and folders, and the folder-tree reads it needs.

`search_for_user` is the one entry point and hides the database: on PostgreSQL it ranks
with pg_trgm word similarity (typo tolerant, served by the GIN trigram indexes of
migration 0005); elsewhere (the embedded SQLite) every word must appear as a
case-insensitive substring, ranked exact, then prefix, then the rest. This module holds
the project's only `connection.vendor` check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing
from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from kosha.errors import InvalidInput
from storage.models import File, Folder
from storage.selectors import folder_get_for_user

MIN_QUERY_CHARS = 2
MAX_QUERY_CHARS = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Ranked results are paged by offset; past this many a user should narrow the query.
MAX_RESULTS = 1000
# pg_trgm's default word similarity threshold (0.6) misses transpositions such as
# "reprot" for "report" (3 of 7 trigrams shared, 0.43); 0.3 finds them without flooding.
WORD_SIMILARITY_THRESHOLD = 0.3
_MAX_BIGINT = 2**63 - 1
_CURSOR_SALT = "kosha.storage.search.cursor"
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
    folder: Folder | None = None

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


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "file" or "folder"
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None  # the containing folder (None: the root)
    path: list[str]  # names of the containing folders, root first
    size_bytes: int | None
    content_type: str | None
    modified: dt.datetime
    score: float


@dataclass(frozen=True)
class SearchPage:
    items: list[SearchResult]
    next_cursor: str | None


# --- the folder tree --------------------------------------------------------------------------


def _db_uuid(field_owner, field_name: str, value) -> object:
    """A UUID as this database stores it (uuid on PostgreSQL, 32 hex characters on SQLite)."""
    return field_owner._meta.get_field(field_name).get_db_prep_value(value, connection)


def folders_with_ancestors(*, user, folder_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Folder]:
    """The given folders and all their ancestors, by id, in one recursive query."""
    ids = [_db_uuid(Folder, "id", folder_id) for folder_id in set(folder_ids) if folder_id is not None]
    if not ids:
        return {}
    table = connection.ops.quote_name(Folder._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"WITH RECURSIVE ancestry(id) AS ("  # noqa: S608 - only placeholders are interpolated
        f" SELECT id FROM {table} WHERE owner_id = %s AND id IN ({placeholders})"
        f" UNION SELECT f.parent_id FROM {table} f JOIN ancestry a ON f.id = a.id WHERE f.parent_id IS NOT NULL"
        f") SELECT id, parent_id, name FROM {table} WHERE owner_id = %s AND id IN (SELECT id FROM ancestry)"
    )
    owner = _db_uuid(Folder, "owner", user.pk)
    return {folder.id: folder for folder in Folder.objects.raw(sql, [owner, *ids, owner])}


def folder_path_names(*, folder_id: uuid.UUID | None, folders: dict[uuid.UUID, Folder]) -> list[str]:
    """Breadcrumb names from the root down to folder_id (inclusive), from a folders_with_ancestors map."""
    names: list[str] = []
    seen: set[uuid.UUID] = set()
    while folder_id is not None and folder_id in folders and folder_id not in seen:
        seen.add(folder_id)
        folder = folders[folder_id]
        names.append(folder.name)
        folder_id = folder.parent_id
    return names[::-1]


def folder_subtree(*, user, folder: Folder) -> dict[uuid.UUID, Folder]:
    """folder and every live folder below it, by id, in one recursive query."""
    table = connection.ops.quote_name(Folder._meta.db_table)
    sql = (
        f"WITH RECURSIVE subtree(id) AS ("  # noqa: S608 - only placeholders are interpolated
        f" SELECT id FROM {table} WHERE owner_id = %s AND id = %s"
        f" UNION SELECT f.id FROM {table} f JOIN subtree s ON f.parent_id = s.id"
        f" WHERE f.owner_id = %s AND f.deleted_at IS NULL"
        f") SELECT id, parent_id, name FROM {table} WHERE id IN (SELECT id FROM subtree)"
    )
    owner = _db_uuid(Folder, "owner", user.pk)
    return {row.id: row for row in Folder.objects.raw(sql, [owner, _db_uuid(Folder, "id", folder.pk), owner])}


# --- input -------------------------------------------------------------------------------------


def _clean_query(raw) -> str:
    if not isinstance(raw, str):
        raise InvalidInput("q is required.", field="q")
    query = " ".join(raw.split())
    if len(query) < MIN_QUERY_CHARS:
        raise InvalidInput(f"q must have at least {MIN_QUERY_CHARS} characters.", field="q")
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
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


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


def _clean_limit(raw) -> int:
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 4:
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}.", field="limit")
    return raw


def _fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _cursor_offset(raw, *, fingerprint: str) -> int:
    if raw in (None, ""):
        return 0
    try:
        data = signing.loads(raw, salt=_CURSOR_SALT) if isinstance(raw, str) and len(raw) < 512 else None
    except signing.BadSignature:
        data = None
    offset = data.get("o") if isinstance(data, dict) else None
    if data is None or data.get("f") != fingerprint or not isinstance(offset, int) or not 0 < offset < MAX_RESULTS:
        raise InvalidInput("cursor is not valid for this search.", field="cursor")
    return offset


# --- the search ------------------------------------------------------------------------------


class _WordSimilar(Func):
    """`query <% name`: pg_trgm's word-similarity operator, which the GIN trigram index serves
    (a score comparison in WHERE could not use the index)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


class _Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def _ranked_postgresql(queryset: QuerySet, *, query: str) -> QuerySet:
    return (
        queryset.filter(_WordSimilar(Value(query), F("name")))
        .annotate(score=_WordSimilarity(Value(query), F("name")), tiebreak=_Similarity(Value(query), F("name")))
        .order_by("-score", "-tiebreak", "name", "id")
    )


def _ranked_substring(queryset: QuerySet, *, query: str) -> QuerySet:
    for word in query.split():
        queryset = queryset.filter(name__icontains=word)
    score = Case(
        When(name__iexact=query, then=Value(1.0)),
        When(name__istartswith=query, then=Value(0.75)),
        default=Value(0.5),
        output_field=FloatField(),
    )
    return queryset.annotate(score=score, tiebreak=Value(0.0, output_field=FloatField())).order_by(
        "-score", "name", "id"
    )


def _files(*, user, filters: SearchFilters, subtree: Iterable[uuid.UUID] | None) -> QuerySet[File]:
    files = File.objects.filter(owner=user, deleted_at__isnull=True)
    if subtree is not None:
        files = files.filter(folder_id__in=list(subtree))
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
    return files.only("id", "name", "folder_id", "size_bytes", "content_type", "updated_at")


def _folders(*, user, filters: SearchFilters, subtree: Iterable[uuid.UUID] | None) -> QuerySet[Folder]:
    folders = Folder.objects.filter(owner=user, deleted_at__isnull=True)
    if subtree is not None:
        folders = folders.filter(parent_id__in=list(subtree))
    if filters.modified_after is not None:
        folders = folders.filter(updated_at__gte=filters.modified_after)
    if filters.modified_before is not None:
        folders = folders.filter(updated_at__lte=filters.modified_before)
    return folders.only("id", "name", "parent_id", "updated_at")


def search_for_user(
    *,
    user,
    query,
    kind=None,
    modified_after=None,
    modified_before=None,
    min_size=None,
    max_size=None,
    folder_id=None,
    cursor=None,
    limit=None,
) -> SearchPage:
    """The user's live files and folders whose names match query, best first, a page at a
    time. Takes the raw request values and raises InvalidInput (with `field`) for a bad
    one, NotFound for a folder that is not the user's. Locks nothing."""
    query = _clean_query(query)
    filters = SearchFilters(
        kind=_clean_kind(kind),
        modified_after=_clean_datetime(modified_after, field="modified_after"),
        modified_before=_clean_datetime(modified_before, field="modified_before", end_of_day=True),
        min_size=_clean_size(min_size, field="min_size"),
        max_size=_clean_size(max_size, field="max_size"),
    )
    page_size = _clean_limit(limit)
    folder = folder_get_for_user(user=user, folder_id=folder_id) if folder_id not in (None, "") else None
    fingerprint = _fingerprint(user.pk, query, filters, folder.pk if folder else None, page_size)
    offset = _cursor_offset(cursor, fingerprint=fingerprint)
    subtree = list(folder_subtree(user=user, folder=folder)) if folder is not None else None

    on_postgresql = connection.vendor == "postgresql"
    ranked = _ranked_postgresql if on_postgresql else _ranked_substring
    window = offset + page_size + 1  # one more than the page says whether there is a next one
    with transaction.atomic():
        if on_postgresql:
            # is_local=true: the threshold lasts for this transaction only and never leaks
            # into the connection's later queries.
            with connection.cursor() as db:
                db.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(WORD_SIMILARITY_THRESHOLD)]
                )
        rows: list[tuple] = []
        if not filters.folders_only:
            for file in ranked(_files(user=user, filters=filters, subtree=subtree), query=query)[:window]:
                rows.append((file.score, file.tiebreak, file.name, "file", file, file.folder_id))
        if not filters.files_only:
            for found in ranked(_folders(user=user, filters=filters, subtree=subtree), query=query)[:window]:
                rows.append((found.score, found.tiebreak, found.name, "folder", found, found.parent_id))

    rows.sort(key=lambda row: (-row[0], -row[1], row[2], row[3], str(row[4].pk)))
    page = rows[offset : offset + page_size]
    has_next = len(rows) > offset + page_size and offset + page_size < MAX_RESULTS
    ancestry = folders_with_ancestors(user=user, folder_ids=[row[5] for row in page])
    items = [
        SearchResult(
            kind=kind_name,
            id=item.pk,
            name=item.name,
            parent_id=parent_id,
            path=folder_path_names(folder_id=parent_id, folders=ancestry),
            size_bytes=item.size_bytes if kind_name == "file" else None,
            content_type=item.content_type if kind_name == "file" else None,
            modified=item.updated_at,
            score=round(float(score), 4),
        )
        for score, _, _, kind_name, item, parent_id in page
    ]
    next_cursor = signing.dumps({"o": offset + page_size, "f": fingerprint}, salt=_CURSOR_SALT) if has_next else None
    return SearchPage(items=items, next_cursor=next_cursor)
