"""The row queries of a folder listing (storage/listing.py) as fixed SQL: one statement
per shape (folders or files, sort keys and direction, first page or after a cursor,
with or without a viewer's stars, live or in a trash batch), written once from the
models' tables and columns and run with its values bound as parameters, never
interpolated. The ORM built, resolved and compiled the same query (a collated
annotation, a keyset Q chain, two correlated subqueries) on every request, which cost
more CPU than the rest of a listing together.

What a statement selects and how it orders and cuts is what the ORM queryset it replaces
did (storage/tests/test_listing_rows.py runs both and compares the rows): the children of
one folder of one owner, live (or of one trash batch), past the keyset cursor in the
listing's order (kosha.pages keyset_after: a seekable `>=` on the first key, then the
exact OR chain), the name under the natural collation (storage/collation.py).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from storage.collation import NAME_COLLATION
from storage.fixed_reads import Converters, converters_of, row_convert
from storage.models import File, FileVersion, Folder, Star

# The values of a listing row, in the order a statement selects them; "name_sort" (the
# collated name, a sort key) is the name itself, so it is not selected twice.
FOLDER_COLUMNS = ("id", "name", "updated_at")
FILE_COLUMNS = ("id", "name", "size_bytes", "content_type", "updated_at", "version_count", "thumbnail_key")


@dataclass(frozen=True)
class RowsQuery:
    """One shape's statement, how to prepare its cursor values (one per key) and how to
    turn a fetched row into the listing's row dict."""

    sql: str
    names: tuple[str, ...]
    key_preps: tuple[Callable[[Any], Any], ...]
    converters: Converters


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(alias: str, model: type[Folder] | type[File] | type[FileVersion] | type[Star], field: str) -> str:
    return f"{alias}.{_quote(model._meta.get_field(field).column)}"


@functools.cache
def rows_query(
    *, files: bool, keys: tuple[str, ...], descending: bool, after: bool, starred: bool, at_root: bool, in_trash: bool
) -> RowsQuery:
    """The statement of one listing shape, made once per process. Its parameters, in
    order: the viewer's id (if starred: it is in the select list), the owner's id, the
    folder's id (unless at_root), the trash batch (if in_trash), then for a cursor (after) the keyset values
    as keyset_parameters() lays them out, then the row limit."""
    model = File if files else Folder
    table = "item"

    def column(field: str) -> str:
        return _column(table, model, field)

    def key_sql(key: str) -> str:
        return f"{column('name')} COLLATE {_quote(NAME_COLLATION)}" if key == "name_sort" else column(key)

    selected = [column(name) for name in ("id", "name", "updated_at")]
    names = list(FOLDER_COLUMNS)
    joins = ""
    if files:
        version = "version"
        selected = [column(name) for name in ("id", "name", "size_bytes", "content_type", "updated_at")]
        # A correlated COUNT per row in the same query, not a query per file.
        selected.append(
            f"(SELECT COUNT(*) FROM {_quote(FileVersion._meta.db_table)} counted"  # noqa: S608
            f" WHERE {_column('counted', FileVersion, 'file')} = {column('id')})"
        )
        selected.append(_column(version, FileVersion, "thumbnail_key"))
        joins = (
            f" LEFT OUTER JOIN {_quote(FileVersion._meta.db_table)} {version}"
            f" ON {column('current_version')} = {_column(version, FileVersion, 'id')}"
        )
        names = list(FILE_COLUMNS)
    if starred:
        star_field = "file" if files else "folder"
        selected.append(
            f"EXISTS(SELECT 1 FROM {_quote(Star._meta.db_table)} star"  # noqa: S608
            f" WHERE {_column('star', Star, star_field)} = {column('id')} AND {_column('star', Star, 'user')} = %s)"
        )
        names.append("starred")

    parent = column("folder" if files else "parent")
    where = [f"{column('owner')} = %s", f"{parent} IS NULL" if at_root else f"{parent} = %s"]
    where.append(f"{column('trash_batch')} = %s" if in_trash else f"{column('deleted_at')} IS NULL")
    if after:
        op = "<" if descending else ">"
        # As kosha.pages.keyset_after: the seek on the first key, then the exact cut.
        chain = [
            "(" + " AND ".join([*(f"{key_sql(k)} = %s" for k in keys[:position]), f"{key_sql(key)} {op} %s"]) + ")"
            for position, key in enumerate(keys)
        ]
        where.append(f"{key_sql(keys[0])} {op}= %s AND ({' OR '.join(chain)})")
    direction = " DESC" if descending else " ASC"
    order = ", ".join(key_sql(key) + direction for key in keys)
    # Only the models' table and column names and fixed conditions are interpolated.
    sql = (
        f"SELECT {', '.join(selected)} FROM {_quote(model._meta.db_table)} {table}{joins}"  # noqa: S608
        f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
    )
    converters = converters_of({names.index(name): model._meta.get_field(name) for name in ("id", "updated_at")}, table)
    key_fields = {key: model._meta.get_field("name" if key == "name_sort" else key) for key in keys}
    return RowsQuery(
        sql=sql,
        names=tuple(names),
        key_preps=tuple(functools.partial(_prep, key_fields[key]) for key in keys),
        converters=converters,
    )


def _prep(field: Any, value: Any) -> Any:
    return field.get_db_prep_value(value, connection)


def db_id(value: uuid.UUID | None) -> Any:
    """An id (a primary or foreign key value) as the database takes it as a parameter."""
    return Folder._meta.pk.get_db_prep_value(value, connection)


def keyset_parameters(query: RowsQuery, after: Sequence[Any]) -> list[Any]:
    """The values of `after` (one per key) laid out for the statement's keyset condition:
    the first for the seek, then each disjunct's equalities and its cut."""
    prepared = [prep(value) for prep, value in zip(query.key_preps, after, strict=True)]
    parameters = [prepared[0]]
    for position in range(len(prepared)):
        parameters.extend(prepared[: position + 1])
    return parameters


def rows_fetch(query: RowsQuery, parameters: list[Any]) -> list[dict[str, Any]]:
    """The rows of `query` with `parameters`, each as a dict by column name (with
    "name_sort", the collated name, for the cursor), values converted as the ORM
    would (SQLite keeps ids and times as text)."""
    with connection.cursor() as cursor:
        cursor.execute(query.sql, parameters)
        fetched = cursor.fetchall()
    rows = []
    for values in fetched:
        if query.converters:
            values = row_convert(list(values), query.converters)
        row = dict(zip(query.names, values, strict=True))
        row["name_sort"] = row["name"]
        rows.append(row)
    return rows
