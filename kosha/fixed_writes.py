"""Writes of many rows as fixed SQL, for the hottest writes (recording a batch of
uploads: files, versions, activity events, the sessions closed): one INSERT per model
for many rows, and one UPDATE by primary key for many rows, each written once from the
model's table and columns and run with every value bound as a parameter, never
interpolated. Django's bulk_create builds a model instance per row, then prepares every
field of it through the compiler (a pre_save and a get_db_prep_save per value) and
compiles a new INSERT of N rows on each call; bulk_update builds a CASE per field.

A row is a list of every concrete field's value in the model's field order (the order
`Model(*row)` and `Model.from_db` take), as Python values; `RowsInsert.row` lays one out
from the values a caller gives, with the fields' constant defaults for the rest. Values
are converted for the database as the ORM converts them (`Field.get_db_prep_save`),
except the kinds that psycopg takes as they are on PostgreSQL (text, integers, booleans,
UUIDs), and there a time only when it is aware: any other value of a DateTimeField (a
naive time, which the ORM takes as local to TIME_ZONE with a RuntimeWarning; a date;
text) goes through the field as well, never to psycopg, which would read a naive time
in the connection's zone (UTC). kosha/tests/test_fixed_writes.py writes the same rows
through the ORM and through these statements and compares every column, on PostgreSQL
and SQLite.

PostgreSQL gets one statement whatever the number of rows, with one parameter: the
columns' values as one JSON document (a list per column, json.dumps' C encoder; a UUID
as its 32 hex digits, a time, an IP address as text, a JSON field's value as the text the
ORM would send; the ids and times made text a column at a time, _columns_json),
each column unpacked server-side by jsonb_array_elements_text and cast to the column's
type without its length (`INSERT ... SELECT ... FROM ROWS FROM (...)`, `UPDATE ... FROM
ROWS FROM (...)`), so the statement's text is the same on every call. psycopg dumps an
array parameter element by element in Python: one array per column cost a 100-file
batch's writes about 0.8M instructions per file (BENCHMARKS.md, issue 12). One row (a
single-file complete's file, version, event and session) gets the one-row statement
instead, a VALUES row or an UPDATE ... WHERE pk = %s, its values as scalars.
SQLite, which has no arrays, gets a multi-row VALUES per chunk of its parameter limit for
an INSERT and one executemany of a one-row UPDATE.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from psycopg.types.json import Json, Jsonb

# On PostgreSQL, get_db_prep_save returns the value itself for these kinds (psycopg
# adapts str, int, bool and uuid.UUID), and for an aware datetime (_prep_time); every
# other kind (JSON, IP addresses) and every kind on SQLite (text ids and times) goes
# through the field.
_AS_IS_ON_POSTGRESQL = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
        "UUIDField",
    }
)

# A type's modifier, as in varchar(255) or numeric(10, 2).
_TYPE_MODIFIER = re.compile(r"\([^)]*\)")

# A field with no value given and no constant default: the caller must give it.
_REQUIRED = object()

Prep = Callable[[Any], Any] | None


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _prep_of(field: Field) -> Prep:
    if connection.vendor == "postgresql":
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            return functools.partial(_prep_time, field)
        if kind in _AS_IS_ON_POSTGRESQL:
            return None
    return functools.partial(_prep_save, field)


def _prep_save(field: Field, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _prep_time(field: Field, value: Any) -> Any:
    """A DateTimeField's value on PostgreSQL: None or an aware datetime as it is (what
    get_db_prep_save returns for them there, without its calls), anything else through
    the field as the ORM prepares it (a naive time made aware in TIME_ZONE, with Django's
    RuntimeWarning; a date or text parsed, or refused with ValidationError)."""
    if value is None or (isinstance(value, datetime) and value.utcoffset() is not None):
        return value
    return field.get_db_prep_save(value, connection)


def _bare_type(field: Field) -> str:
    """The type of the field's column without its length ("varchar" for varchar(255)):
    PostgreSQL cuts an over-long value silently under an explicit cast to varchar(n),
    whereas storing a value of the bare type in the column is an assignment cast, which
    refuses it (DataError) as the ORM's INSERT and UPDATE do."""
    return _TYPE_MODIFIER.sub("", field.db_type(connection))


def _json_text(value: Any) -> Any:
    """json.dumps' `default`: a prepared value that JSON has no kind for, as the text its
    column's type reads (PostgreSQL parses it back to the same value: a UUID, a time to
    the microsecond with its offset, a decimal, an address; a JSON field's value is the
    text psycopg would have sent, dumped as the ORM dumps it). Raises TypeError for
    anything else."""
    if isinstance(value, uuid.UUID | Decimal | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, date | time):  # a datetime too
        return value.isoformat()
    if isinstance(value, Json | Jsonb):
        return (value.dumps or json.dumps)(value.obj)
    raise TypeError(f"kosha.fixed_writes cannot send {type(value).__name__} to PostgreSQL")


def _uuid_texts(values: list) -> list:
    """A uuid column's prepared values with each UUID as its 32 hex digits (PostgreSQL's
    uuid input reads them, with or without hyphens), the rest as they are."""
    return [value.hex if type(value) is uuid.UUID else value for value in values]


def _time_texts(values: list) -> list:
    """A timestamp column's prepared values with each datetime as _json_text writes it,
    the rest as they are."""
    return [value.isoformat() if type(value) is datetime else value for value in values]


# Per column type: its values made JSON a column at a time, before json.dumps, for the
# kinds most columns hold (ids, times). json.dumps' `default` (_json_text) is a call back
# into Python per value: 17 a file of a batch complete cost about 0.2M instructions a file
# (BENCHMARKS.md, issue 12). What these leave (another type, a subclass) still goes there.
_TEXTS_BY_TYPE = {"uuid": _uuid_texts, "timestamp with time zone": _time_texts}

Texts = Callable[[list], list] | None


def _texts_of(field: Field) -> Texts:
    return _TEXTS_BY_TYPE.get(field.db_type(connection) or "") if connection.vendor == "postgresql" else None


def _columns_json(columns: list[list], texts: Sequence[Texts]) -> str:
    """The prepared columns as the one JSON parameter of a PostgreSQL statement."""
    columns = [values if made is None else made(values) for values, made in zip(columns, texts, strict=True)]
    return json.dumps(columns, ensure_ascii=False, default=_json_text)


def _unpacked(count: int) -> str:
    """The FROM items giving the JSON parameter's `count` columns as rows: given.c0,
    given.c1, ... as text, in the parameter's order (NULL for a JSON null), and given.n,
    each row's position from 1."""
    elements = ", ".join(f"jsonb_array_elements_text(doc.d -> {position})" for position in range(count))
    names = ", ".join([*(f"c{position}" for position in range(count)), "n"])
    # Only positions are interpolated, never a value.
    return f"(SELECT %s::jsonb AS d) AS doc, ROWS FROM ({elements}) WITH ORDINALITY AS given({names})"  # noqa: S608


def _default_of(field: Field) -> Any:
    """What the ORM writes for a field given no value, when that is a constant: its
    default, else "" for a text field and None for a nullable one (Field.get_default).
    _REQUIRED for a callable default (a value made per row: an id, a time, a dict) and
    for a field the ORM would write NULL into: the caller gives those."""
    if field.has_default():
        return _REQUIRED if callable(field.default) else field.default
    if field.empty_strings_allowed and not field.null:
        return ""
    if field.null:
        return None
    return _REQUIRED


@dataclass(frozen=True)
class RowsInsert:
    """The INSERT of many rows of `model`: every concrete field but an automatic
    primary key, which the statement returns instead."""

    model: type[Model]
    attnames: tuple[str, ...]  # every concrete field, in field order (a row's layout)
    defaults: tuple[Any, ...]  # per field: its constant default, or _REQUIRED
    written: tuple[int, ...]  # positions in a row of the columns written
    preps: tuple[Prep, ...]  # per written column
    texts: tuple[Texts, ...]  # per written column: its values made JSON (PostgreSQL)
    sql: str  # PostgreSQL: the whole statement (one JSON parameter); SQLite: values_sql
    values_sql: str  # the statement up to VALUES (one row on PostgreSQL, chunks on SQLite)
    one_row: str  # one row's placeholders
    returns_pk: bool
    returning: str  # " RETURNING <pk>" when returns_pk, else ""

    def row(self, values: dict[str, Any]) -> list[Any]:
        """A row from `values` (by attname), each other field at its constant default.
        Raises ValueError for a field without one."""
        row = []
        for attname, default in zip(self.attnames, self.defaults, strict=True):
            value = values.get(attname, default)
            if value is _REQUIRED:
                if attname == self.model._meta.pk.attname and self.returns_pk:
                    value = None
                else:
                    raise ValueError(f"{self.model.__name__}.{attname} needs a value")
            row.append(value)
        return row


@functools.cache
def rows_insert(model: type[Model]) -> RowsInsert:
    """The INSERT statement of `model`'s rows, made once per process."""
    meta = model._meta
    fields: list[Field] = list(meta.concrete_fields)
    auto_pk = meta.pk in fields and meta.pk.get_internal_type() in ("AutoField", "BigAutoField")
    written = [position for position, field in enumerate(fields) if not (auto_pk and field is meta.pk)]
    columns = ", ".join(_quote(fields[position].column) for position in written)
    returning = f" RETURNING {_quote(meta.pk.column)}" if auto_pk else ""
    table = _quote(meta.db_table)
    # Only the model's table, column names and types are interpolated, never a value.
    values_sql = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
    if connection.vendor == "postgresql":
        casts = ", ".join(f"given.c{at}::{_bare_type(fields[position])}" for at, position in enumerate(written))
        unpacked = _unpacked(len(written))
        sql = f"INSERT INTO {table} ({columns}) SELECT {casts} FROM {unpacked} ORDER BY given.n{returning}"  # noqa: S608
    else:
        sql = values_sql
    return RowsInsert(
        model=model,
        attnames=tuple(field.attname for field in fields),
        defaults=tuple(_REQUIRED if field is meta.pk and auto_pk else _default_of(field) for field in fields),
        written=tuple(written),
        preps=tuple(_prep_of(fields[position]) for position in written),
        texts=tuple(_texts_of(fields[position]) for position in written),
        sql=sql,
        values_sql=values_sql,
        one_row="(" + ", ".join(["%s"] * len(written)) + ")",
        returns_pk=auto_pk,
        returning=returning,
    )


def _prepared_columns(rows: Sequence[Sequence[Any]], positions: Sequence[int], preps: Sequence[Prep]) -> list[list]:
    """The values of `rows` at `positions`, column by column, each converted by its prep."""
    columns = []
    for position, prep in zip(positions, preps, strict=True):
        values = [row[position] for row in rows]
        columns.append(values if prep is None else [prep(value) for value in values])
    return columns


def _prepared_row(row: Sequence[Any], positions: Sequence[int], preps: Sequence[Prep]) -> list[Any]:
    """The values of one row at `positions`, each converted by its prep."""
    return [
        row[position] if prep is None else prep(row[position]) for position, prep in zip(positions, preps, strict=True)
    ]


def rows_insert_write(statement: RowsInsert, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """Insert `rows` (laid out as statement.row lays them out) in one statement (a few
    on SQLite, by its parameter limit; one row by the one-row VALUES statement). Returns
    the new primary keys in row order when the model's is automatic, else []. Raises
    IntegrityError as the ORM's insert would (the caller decides what a broken
    constraint means). Locks nothing beyond the rows."""
    if not rows:
        return []
    returning = statement.returning
    if len(rows) == 1:
        with connection.cursor() as cursor:
            cursor.execute(
                statement.values_sql + statement.one_row + returning,
                _prepared_row(rows[0], statement.written, statement.preps),
            )
            if not statement.returns_pk:
                return []
            (pk,) = cursor.fetchone()
            return [statement.model._meta.pk.to_python(pk)]
    columns = _prepared_columns(rows, statement.written, statement.preps)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(statement.sql, [_columns_json(columns, statement.texts)])
            return [pk for (pk,) in cursor.fetchall()] if statement.returns_pk else []
        max_params = connection.features.max_query_params or 999
        per_chunk = max(1, max_params // max(1, len(statement.written)))
        pks = []
        values = list(zip(*columns, strict=True))
        for start in range(0, len(values), per_chunk):
            chunk = values[start : start + per_chunk]
            cursor.execute(
                statement.sql + ", ".join([statement.one_row] * len(chunk)) + returning,
                [value for row in chunk for value in row],
            )
            if statement.returns_pk:
                pks.extend(statement.model._meta.pk.to_python(pk) for (pk,) in cursor.fetchall())
        return pks


def row_insert_unless_taken(statement: RowsInsert, row: Sequence[Any]) -> bool:
    """Insert one row (laid out as statement.row lays it out) unless a unique constraint
    refuses it: False then, with nothing written and the transaction still usable
    (PostgreSQL: ON CONFLICT DO NOTHING, which waits for a transaction inserting a
    clashing row and inserts nothing if that one commits; SQLite, whose write transactions
    run one at a time, finds a clash only by reading first: the IntegrityError of the
    plain insert is raised there). For a model whose primary key is not automatic. Locks
    nothing beyond the row."""
    if statement.returns_pk:
        raise ValueError("row_insert_unless_taken takes a model whose primary key is given")
    if connection.vendor != "postgresql":
        rows_insert_write(statement, [row])
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            statement.values_sql + statement.one_row + " ON CONFLICT DO NOTHING",
            _prepared_row(row, statement.written, statement.preps),
        )
        return cursor.rowcount == 1


@dataclass(frozen=True)
class RowsUpdate:
    """The UPDATE of some fields of many rows of `model`, each row by its primary key."""

    attnames: tuple[str, ...]  # the fields set, in a row's order; the primary key comes last
    preps: tuple[Prep, ...]  # per value of a row, the primary key's last
    texts: tuple[Texts, ...]  # per value of a row: its values made JSON (PostgreSQL)
    sql: str  # PostgreSQL: the statement of many rows (one JSON parameter); SQLite: one_row_sql
    one_row_sql: str  # UPDATE ... SET a = %s, ... WHERE pk = %s


@functools.cache
def rows_update(model: type[Model], attnames: tuple[str, ...]) -> RowsUpdate:
    """The statement setting `attnames` of `model` rows by primary key, made once per
    process. Its rows: the new values in attnames' order, then the primary key."""
    meta = model._meta
    fields = [meta.get_field(attname) for attname in attnames]
    table = _quote(meta.db_table)
    pk_column = _quote(meta.pk.column)
    one_assignments = ", ".join(f"{_quote(field.column)} = %s" for field in fields)
    # Only the model's table, column names and types are interpolated, never a value.
    one_row_sql = f"UPDATE {table} SET {one_assignments} WHERE {pk_column} = %s"  # noqa: S608
    if connection.vendor == "postgresql":
        assignments = ", ".join(
            f"{_quote(field.column)} = given.c{position}::{_bare_type(field)}" for position, field in enumerate(fields)
        )
        sql = (
            f"UPDATE {table} SET {assignments} FROM {_unpacked(len(fields) + 1)}"  # noqa: S608
            f" WHERE {table}.{pk_column} = given.c{len(fields)}::{_bare_type(meta.pk)}"
        )
    else:
        sql = one_row_sql
    return RowsUpdate(
        attnames=tuple(attnames),
        preps=tuple(_prep_of(field) for field in [*fields, meta.pk]),
        texts=tuple(_texts_of(field) for field in [*fields, meta.pk]),
        sql=sql,
        one_row_sql=one_row_sql,
    )


def rows_update_write(statement: RowsUpdate, rows: Sequence[Sequence[Any]]) -> None:
    """Set the fields of `rows` (each: the new values, then the primary key) in one
    statement (one executemany on SQLite; one row by the one-row UPDATE). Locks the rows
    it changes."""
    if not rows:
        return
    positions = range(len(statement.preps))
    if len(rows) == 1:
        with connection.cursor() as cursor:
            cursor.execute(statement.one_row_sql, _prepared_row(rows[0], positions, statement.preps))
        return
    columns = _prepared_columns(rows, positions, statement.preps)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(statement.sql, [_columns_json(columns, statement.texts)])
        else:
            cursor.executemany(statement.sql, list(zip(*columns, strict=True)))


def instances_of(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[Model]:
    """Model instances of rows just written (as Model.from_db builds them from a read)."""
    return [model.from_db(connection.alias, attnames, row) for row in rows]
