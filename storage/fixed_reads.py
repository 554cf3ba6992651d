"""Hot reads as fixed SQL statements, for the requests every page and API call makes (the
access rule's fetch of a folder) and every upload start and complete makes (who holds a
name; the access rule's fetch of the session; the complete's lock of it): each statement is written once from the models' tables and columns and run with
its values bound as parameters, and the rows become model instances or values as the ORM
builds them (every concrete field, converted as the ORM converts it, the owner set as
select_related sets it), without the ORM compiling the same query on every request.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Field

from kosha.row_instances import row_instance
from storage.models import File, Folder, UploadSession

Converters = list[tuple[int, tuple[Callable, ...], Any]]


@dataclass(frozen=True)
class _Columns:
    """The concrete fields of a model as one statement selects them, and their converters."""

    attnames: list[str]
    converters: Converters


def converters_of(fields: dict[int, Field], alias: str) -> Converters:
    """What the ORM applies to the values of `fields` (by their position in a row) as it
    reads them (SQLite keeps ids and times as text, JSON as text...): the backend's and
    the field's converters, for row_convert. Computed once per statement."""
    converters = []
    for position, field in fields.items():
        expression = field.get_col(alias)
        functions = tuple(connection.ops.get_db_converters(expression) + expression.get_db_converters(connection))
        if functions:
            converters.append((position, functions, expression))
    return converters


def row_convert(values: list[Any], converters: Converters) -> list[Any]:
    """values (a fetched row, as a list) with `converters` applied in place."""
    for position, functions, expression in converters:
        value = values[position]
        for convert in functions:
            value = convert(value, expression, connection)
        values[position] = value
    return values


def _columns(model: Any, alias: str, start: int) -> tuple[list[str], _Columns]:
    fields: list[Field] = list(model._meta.concrete_fields)
    selected = [f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields]
    converters = converters_of(dict(enumerate(fields, start=start)), alias)
    return selected, _Columns(attnames=[field.attname for field in fields], converters=converters)


@functools.cache
def _live_folder_query() -> tuple[str, _Columns, _Columns]:
    """SELECT of a live folder and its owner by the folder's id: what
    Folder.objects.select_related("owner").filter(pk=..., deleted_at__isnull=True) reads."""
    user = get_user_model()
    quote = connection.ops.quote_name
    folder_columns, folder_shape = _columns(Folder, "folder", 0)
    owner_columns, owner_shape = _columns(user, "owner", len(folder_columns))
    owner_field = Folder._meta.get_field("owner")
    # Only the models' table and column names are interpolated, never a value.
    sql = (
        f"SELECT {', '.join(folder_columns + owner_columns)}"  # noqa: S608
        f" FROM {quote(Folder._meta.db_table)} folder INNER JOIN {quote(user._meta.db_table)} owner"
        f" ON folder.{quote(owner_field.column)} = owner.{quote(user._meta.pk.column)}"
        f" WHERE folder.{quote(Folder._meta.pk.column)} = %s"
        f" AND folder.{quote(Folder._meta.get_field('deleted_at').column)} IS NULL"
    )
    return sql, folder_shape, owner_shape


def live_folder_with_owner(folder_id: uuid.UUID) -> Folder | None:
    """The live (not trashed) folder `folder_id` with its owner loaded (`folder.owner`
    costs no query), or None. One query; locks nothing."""
    sql, folder_shape, owner_shape = _live_folder_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [Folder._meta.pk.get_db_prep_value(folder_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = row_convert(list(row), folder_shape.converters + owner_shape.converters)
    split = len(folder_shape.attnames)
    folder = row_instance(Folder, values[:split], db=connection.alias)
    owner = row_instance(get_user_model(), values[split:], db=connection.alias)
    Folder._meta.get_field("owner").set_cached_value(folder, owner)
    return folder


@functools.cache
def _upload_query() -> tuple[str, _Columns, _Columns, _Columns]:
    """SELECT of an upload session with its owner and its folder (NULL columns for a
    session at the root) by the session's id: what
    UploadSession.objects.select_related("owner", "folder").filter(pk=...) reads."""
    user = get_user_model()
    quote = connection.ops.quote_name
    upload_columns, upload_shape = _columns(UploadSession, "upload", 0)
    owner_columns, owner_shape = _columns(user, "owner", len(upload_columns))
    folder_columns, folder_shape = _columns(Folder, "folder", len(upload_columns) + len(owner_columns))
    upload_owner = quote(UploadSession._meta.get_field("owner").column)
    upload_folder = quote(UploadSession._meta.get_field("folder").column)
    # Only the models' table and column names are interpolated, never a value.
    sql = (
        f"SELECT {', '.join(upload_columns + owner_columns + folder_columns)}"  # noqa: S608
        f" FROM {quote(UploadSession._meta.db_table)} upload"
        f" INNER JOIN {quote(user._meta.db_table)} owner"
        f" ON upload.{upload_owner} = owner.{quote(user._meta.pk.column)}"
        f" LEFT OUTER JOIN {quote(Folder._meta.db_table)} folder"
        f" ON upload.{upload_folder} = folder.{quote(Folder._meta.pk.column)}"
        f" WHERE upload.{quote(UploadSession._meta.pk.column)} = %s"
    )
    return sql, upload_shape, owner_shape, folder_shape


def upload_with_owner_and_folder(upload_id: uuid.UUID) -> UploadSession | None:
    """The upload session `upload_id` with its owner and its folder loaded (`upload.owner`
    and `upload.folder`, None at the root, cost no query), whatever its status, or None.
    One query; locks nothing."""
    sql, upload_shape, owner_shape, folder_shape = _upload_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [UploadSession._meta.pk.get_db_prep_value(upload_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = row_convert(list(row), upload_shape.converters + owner_shape.converters + folder_shape.converters)
    owner_at = len(upload_shape.attnames)
    folder_at = owner_at + len(owner_shape.attnames)
    alias = connection.alias
    upload = row_instance(UploadSession, values[:owner_at], db=alias)
    owner = row_instance(get_user_model(), values[owner_at:folder_at], db=alias)
    # A session at the root joins no folder: its id is NULL (select_related's test too).
    folder_values = values[folder_at:]
    folder_pk = folder_values[folder_shape.attnames.index(Folder._meta.pk.attname)]
    folder = None if folder_pk is None else row_instance(Folder, folder_values, db=alias)
    UploadSession._meta.get_field("owner").set_cached_value(upload, owner)
    UploadSession._meta.get_field("folder").set_cached_value(upload, folder)
    return upload


@functools.cache
def _upload_lock_query() -> tuple[str, _Columns]:
    """SELECT ... FOR UPDATE of an upload session by its id: what
    UploadSession.objects.select_for_update().get(pk=...) reads (on SQLite, which has no
    FOR UPDATE, the ORM leaves it out, and so does this)."""
    quote = connection.ops.quote_name
    upload_columns, upload_shape = _columns(UploadSession, "upload", 0)
    # Only the model's table and column names are interpolated, never a value.
    sql = (
        f"SELECT {', '.join(upload_columns)} FROM {quote(UploadSession._meta.db_table)} upload"  # noqa: S608
        f" WHERE upload.{quote(UploadSession._meta.pk.column)} = %s"
    )
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql, upload_shape


def upload_locked(upload_id: uuid.UUID) -> UploadSession:
    """The upload session `upload_id`, whatever its status, its row locked until the end
    of the transaction (PostgreSQL: FOR UPDATE; SQLite's write transaction holds the
    database already). One query. Raises UploadSession.DoesNotExist."""
    sql, upload_shape = _upload_lock_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [UploadSession._meta.pk.get_db_prep_value(upload_id, connection)])
        row = cursor.fetchone()
    if row is None:
        raise UploadSession.DoesNotExist("UploadSession matching query does not exist.")
    return row_instance(UploadSession, row_convert(list(row), upload_shape.converters), db=connection.alias)


@functools.cache
def _name_holders_query(at_root: bool) -> tuple[str, Converters]:
    """SELECT of the live file and the live folder holding a name in one folder (at_root:
    the root, a NULL parent), one UNION ALL: what storage.names.name_holders read with
    the ORM (File and Folder filtered by owner, folder, name and deleted_at IS NULL)."""
    quote = connection.ops.quote_name

    def part(model: Any, parent: str, kind: str) -> str:
        column = quote(model._meta.get_field(parent).column)
        where_parent = f"{column} IS NULL" if at_root else f"{column} = %s"
        # Only the models' table and column names are interpolated, never a value.
        return (
            f"SELECT {quote(model._meta.pk.column)}, '{kind}' FROM {quote(model._meta.db_table)}"  # noqa: S608
            f" WHERE {quote(model._meta.get_field('owner').column)} = %s AND {where_parent}"
            f" AND {quote(model._meta.get_field('name').column)} = %s"
            f" AND {quote(model._meta.get_field('deleted_at').column)} IS NULL"
        )

    sql = f"{part(File, 'folder', 'file')} UNION ALL {part(Folder, 'parent', 'folder')}"
    return sql, converters_of({0: File._meta.pk}, "holder")


def name_holder_rows(*, owner_id: uuid.UUID, folder_id: uuid.UUID | None, name: str) -> list[tuple[uuid.UUID, str]]:
    """(id, "file" or "folder") of each live file and folder named `name` in folder_id
    (None: the root) of owner_id: at most one of each, live names being unique. One
    query; locks nothing."""
    sql, converters = _name_holders_query(folder_id is None)
    owner = File._meta.pk.get_db_prep_value(owner_id, connection)
    params: list[Any] = (
        [owner] if folder_id is None else [owner, File._meta.pk.get_db_prep_value(folder_id, connection)]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, name, *params, name])
        rows = cursor.fetchall()
    return [tuple(row_convert(list(row), converters)) for row in rows]  # type: ignore[misc]


@functools.cache
def _sessions_query() -> tuple[str, _Columns, _Columns, _Columns]:
    """_upload_query's SELECT of sessions with their owner and folder, by many ids: on
    PostgreSQL one array parameter; elsewhere the statement ends with "IN " and the
    caller adds one placeholder per id."""
    sql, upload_shape, owner_shape, folder_shape = _upload_query()
    select, _, _ = sql.rpartition(" WHERE ")
    pk = f"upload.{connection.ops.quote_name(UploadSession._meta.pk.column)}"
    if connection.vendor == "postgresql":
        where = f"{pk} = ANY(%s::{UploadSession._meta.pk.db_type(connection)}[])"
    else:
        where = f"{pk} IN "
    return f"{select} WHERE {where}", upload_shape, owner_shape, folder_shape


def sessions_with_places(session_ids: Collection[uuid.UUID]) -> list[UploadSession]:
    """The upload sessions among `session_ids` (in no particular order), each with its
    owner and folder loaded (`session.owner`, `session.folder` cost no query), as
    upload_with_owner_and_folder loads one, except that the sessions of one owner
    share one owner instance, and those of one folder one folder instance (a batch's
    hundred sessions are one owner's, mostly in one folder). One query; locks nothing."""
    if not session_ids:
        return []
    sql, session_shape, owner_shape, folder_shape = _sessions_query()
    prep = UploadSession._meta.pk.get_db_prep_value
    ids = [prep(session_id, connection) for session_id in session_ids]
    if connection.vendor == "postgresql":
        params: list[Any] = [ids]
    else:
        sql += "(" + ", ".join(["%s"] * len(ids)) + ")"
        params = ids
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    alias = connection.alias
    session_end = len(session_shape.attnames)
    owner_end = session_end + len(owner_shape.attnames)
    owners: dict[Any, Any] = {}
    folders: dict[Any, Folder] = {}
    sessions = []
    for fetched in rows:
        row = list(fetched)
        values = row_convert(row[:session_end], session_shape.converters)
        session = row_instance(UploadSession, values, db=alias)  # from_db, without its per-field work
        owner = owners.get(session.owner_id)
        if owner is None:
            owner_values = row_convert(row[session_end:owner_end], _shifted(owner_shape, session_end))
            owner = owners[session.owner_id] = row_instance(get_user_model(), owner_values, db=alias)
        _SESSION_OWNER.set_cached_value(session, owner)
        folder = None
        if session.folder_id is not None:
            folder = folders.get(session.folder_id)
            if folder is None:
                folder_values = row_convert(row[owner_end:], _shifted(folder_shape, owner_end))
                folder = folders[session.folder_id] = row_instance(Folder, folder_values, db=alias)
        _SESSION_FOLDER.set_cached_value(session, folder)
        sessions.append(session)
    return sessions


_SESSION_OWNER = UploadSession._meta.get_field("owner")
_SESSION_FOLDER = UploadSession._meta.get_field("folder")


def _shifted(shape: _Columns, offset: int) -> Converters:
    """shape's converters for its columns on their own (positions from 0), where they
    sat from `offset` in the joined row."""
    return [(position - offset, functions, expression) for position, functions, expression in shape.converters]
