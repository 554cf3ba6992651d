"""The INSERT of one model instance as a fixed SQL statement, for the hottest single-row
write (the session of an upload start).

The statement is written once per model from its table and concrete columns; every value
is bound as a parameter and prepared exactly as the ORM prepares it for an INSERT (each
field's `pre_save(add=True)`, which sets `auto_now_add` times, then `get_db_prep_save`:
UUIDs and times as the vendor stores them). What this skips is the ORM's compiler, which
builds, resolves and checks the INSERT through several layers on every save(): about a
quarter of the INSERT's CPU (0.72 -> 0.55 ms in-process on PostgreSQL). Many rows go
through bulk_create, which on PostgreSQL binds one array per column (UNNEST) and beats a
VALUES list of bound rows. As bulk_create, this sends no signals; the instance is marked
saved. kosha/tests/test_fixed_inserts.py compares the rows with the ORM's on PostgreSQL
and SQLite.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import Field, Model


@functools.cache
def _statement(model: type[Model]) -> tuple[str, tuple[Field, ...]]:
    """The INSERT of one row of `model` and its fields in column order. Only the model's
    table and column names are interpolated; every value is a placeholder."""
    fields = tuple(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})", fields  # noqa: S608


def row_insert(instance: Model) -> None:
    """INSERT `instance`, whose primary key is already set (as a UUID default sets it), as
    Model.save(force_insert=True) would, in one query, sending no signals. Raises
    ValueError for an instance without a primary key, and the database's IntegrityError as
    save() would. The row is locked until the caller's transaction ends."""
    sql, fields = _statement(type(instance))
    if instance.pk is None:
        raise ValueError(f"row_insert needs the {type(instance).__name__}'s primary key set")
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    instance._state.adding = False
    instance._state.db = connection.alias
