"""SQLite connections state their own bound-parameter limit (kosha/sqlite_params.py)."""

import sqlite3

import pytest
from django.db.utils import ConnectionHandler

from storage.models import UploadSession

pytestmark = pytest.mark.django_db  # pytest-django lets a test open connections only so


def test_a_sqlite_connection_bulk_inserts_up_to_its_own_parameter_limit(tmp_path):
    # A SQLite connection of its own, whichever database this run uses: opening it sends
    # connection_created, as every connection of the embedded default does.
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "k.db")}})
    connection = sqlite["default"]
    try:
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        fields = [field for field in UploadSession._meta.concrete_fields]

        assert limit > 999  # this SQLite's own bound, not Django 5.2's assumption
        assert connection.features.max_query_params == limit
        assert connection.ops.bulk_batch_size(fields, [None] * 1000) == limit // len(fields)
    finally:
        connection.close()
