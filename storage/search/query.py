"""Ranking live files and folders by how well their names match a query.

The rows a search may return come from the caller as areas (sharing.search builds them:
the searcher's space and what is shared with them); this module ranks them, pages them,
and hides the database.

On PostgreSQL it ranks with pg_trgm word similarity (typo tolerant, served by the GIN
trigram indexes of migration 0005; pg_trgm lower-cases every script by the database's
UTF-8 locale). Elsewhere (the embedded SQLite) every word must appear as a substring,
ranked exact, then prefix, then the rest; case-insensitively in every script, like
PostgreSQL: SQLite's own LIKE and lower() fold ASCII only, so both sides are folded by
`name_fold` (Unicode full case folding, then NFC), registered on each SQLite connection
as the SQL function KOSHA_FOLD.

Why a function and not a stored folded-name column: SQLite cannot serve "%word%" from an
index either way (each search reads the owner's live names), so a stored column would
only move the folding from the read to every write path that names an item (create,
rename, copy, upload, restore, the bulk updates of the trash), each a place to forget
it, plus a backfill. The function costs one Python call per name the search reads,
which the embedded single-machine default can afford; PostgreSQL is untouched.

This module holds the project's only `connection.vendor` checks.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, Case, CharField, F, FloatField, Func, Q, QuerySet, Value, When

from kosha.pages import cursor_invalid, cursor_sign, cursor_unsign, limit_clean
from storage.collation import name_collated, name_sort_key
from storage.models import File, Folder
from storage.search.filters import (
    SearchFilters,
    files_matching,
    filters_clean,
    folders_matching,
    is_word_by_itself,
    query_clean,
)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Ranked results are paged by offset; past this many a user should narrow the query.
MAX_RESULTS = 1000
# pg_trgm's default word similarity threshold (0.6) misses transpositions such as
# "reprot" for "report" (3 of 7 trigrams shared, 0.43); 0.3 finds them without flooding.
WORD_SIMILARITY_THRESHOLD = 0.3


@dataclass(frozen=True)
class SearchArea:
    """Rows one search may return, in one place: `files` and `folders` select them (the
    owner's space, a subtree, what is shared with the searcher). Each area is ranked in
    its own queries, so each can use the per-owner trigram index."""

    files: Q
    folders: Q


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "file" or "folder"
    item: File | Folder  # with id, name, owner_id, updated_at (and a file's size and type)
    parent_id: uuid.UUID | None  # the containing folder (None: the root)
    score: float


@dataclass(frozen=True)
class SearchRequest:
    query: str
    filters: SearchFilters
    page_size: int


def _fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _cursor_offset(raw, *, scope: str) -> int:
    """Where a page starts in the ranking: ranked results are paged by offset, signed for
    one user's one search (query, filters, folder, page size) like any other cursor."""
    if raw in (None, ""):
        return 0
    (offset,) = cursor_unsign(raw, scope=scope, length=1)
    if not isinstance(offset, int) or not 0 < offset < MAX_RESULTS:
        raise cursor_invalid()
    return offset


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
    match = Q(_WordSimilar(Value(query), F("name")))
    if any(is_word_by_itself(character) for character in query):
        # pg_trgm reads a run of CJK characters as one word and finds only its start
        # ("報" in 報告書, not "書"): there a character is a word, so a plain substring
        # match counts too. Latin queries keep the index-served operator alone.
        match |= Q(*[Q(name__contains=word) for word in query.split()])
    return (
        queryset.filter(match)
        .annotate(score=_WordSimilarity(Value(query), F("name")), tiebreak=_Similarity(Value(query), F("name")))
        .order_by("-score", "-tiebreak", name_collated(), "id")
    )


def name_fold(text: str | None) -> str | None:
    """Text as the embedded search compares it: Unicode full case folding (so "Ä" and
    "ä", "Σ" and "ς", "ß" and "ss" match), in NFC."""
    return None if text is None else unicodedata.normalize("NFC", text.casefold())


def sqlite_functions_register(sender, connection, **kwargs) -> None:
    """connection_created receiver: KOSHA_FOLD(text) on every SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("KOSHA_FOLD", 1, name_fold, deterministic=True)


class _Folded(Func):
    function = "KOSHA_FOLD"
    output_field = CharField()


def _ranked_substring(queryset: QuerySet, *, query: str) -> QuerySet:
    folded = name_fold(query)
    queryset = queryset.annotate(folded_name=_Folded(F("name")))
    for word in folded.split():
        queryset = queryset.filter(folded_name__contains=word)
    score = Case(
        When(folded_name=folded, then=Value(1.0)),
        When(folded_name__startswith=folded, then=Value(0.75)),
        default=Value(0.5),
        output_field=FloatField(),
    )
    return queryset.annotate(score=score, tiebreak=Value(0.0, output_field=FloatField())).order_by(
        "-score", name_collated(), "id"
    )


def search_request_clean(*, query, kind, modified_after, modified_before, min_size, max_size, limit) -> SearchRequest:
    """The search a request asks for, from its raw values (each may be None or "").
    Raises InvalidInput naming the field."""
    return SearchRequest(
        query=query_clean(query),
        filters=filters_clean(
            kind=kind,
            modified_after=modified_after,
            modified_before=modified_before,
            min_size=min_size,
            max_size=max_size,
        ),
        page_size=limit_clean(limit, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE),
    )


def search_ranked(
    *, request: SearchRequest, areas: list[SearchArea], cursor, scope: tuple
) -> tuple[list[SearchHit], str | None]:
    """One page of the live files and folders of `areas` whose names match, best first,
    and the cursor of the next page (None on the last). `scope` names whose search this
    is (the searcher, the folder searched): a cursor is good for the same search only.
    Two queries per area (one when a filter leaves only files or folders), in one
    transaction on PostgreSQL. Raises InvalidCursor (an InvalidInput). Locks nothing."""
    query, filters, page_size = request.query, request.filters, request.page_size
    cursor_scope = f"storage.search:{_fingerprint(*scope, query, filters, page_size)}"
    offset = _cursor_offset(cursor, scope=cursor_scope)
    on_postgresql = connection.vendor == "postgresql"
    ranked = _ranked_postgresql if on_postgresql else _ranked_substring
    window = offset + page_size + 1  # one more than the page says whether there is a next one
    rows: list[tuple] = []
    with transaction.atomic():
        if on_postgresql:
            # is_local=true: the threshold lasts for this transaction only and never leaks
            # into the connection's later queries.
            with connection.cursor() as db:
                db.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(WORD_SIMILARITY_THRESHOLD)]
                )
        for area in areas:
            if not filters.folders_only:
                for file in ranked(files_matching(filters=filters, where=area.files), query=query)[:window]:
                    rows.append((file.score, file.tiebreak, file.name, "file", file, file.folder_id))
            if not filters.files_only:
                for found in ranked(folders_matching(filters=filters, where=area.folders), query=query)[:window]:
                    rows.append((found.score, found.tiebreak, found.name, "folder", found, found.parent_id))

    # Equal ranks by name in the natural order, as the queries cut each area's window.
    rows.sort(key=lambda row: (-row[0], -row[1], name_sort_key(row[2]), row[3], str(row[4].pk)))
    page = rows[offset : offset + page_size]
    has_next = len(rows) > offset + page_size and offset + page_size < MAX_RESULTS
    hits = [
        SearchHit(kind=kind_name, item=item, parent_id=parent_id, score=round(float(score), 4))
        for score, _, _, kind_name, item, parent_id in page
    ]
    next_cursor = cursor_sign([offset + page_size], scope=cursor_scope) if has_next else None
    return hits, next_cursor
