"""SQLite connections state their own bound-parameter limit (kosha/sqlite_params.py)."""

import sqlite3

import pytest
from django.db import connection

from storage.models import UploadSession

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own limit; PostgreSQL has no such bound here")
def test_a_sqlite_connection_bulk_inserts_up_to_its_own_parameter_limit():
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    fields = [field for field in UploadSession._meta.concrete_fields]

    assert connection.features.max_query_params == limit
    assert connection.ops.bulk_batch_size(fields, [None] * 1000) == limit // len(fields)
