"""The number of bound parameters a statement may carry on SQLite, read from the connection.

Django 5.2's SQLite backend assumes 999 (`DatabaseFeatures.max_query_params`), the
compile-time default of SQLITE_MAX_VARIABLE_NUMBER before SQLite 3.32.0; since 3.32.0 the
default is 32766 (https://www.sqlite.org/limits.html, "Maximum Number Of Host Parameters
In A Single SQL Statement"). bulk_create splits its INSERT at that bound
(`DatabaseOperations.bulk_batch_size`: max_query_params // columns) and so do the fixed
many-row statements of kosha/fixed_writes.py, so with 999 a batch of 50 upload sessions
(20 columns) took two INSERTs on SQLite and one on PostgreSQL. Each SQLite connection
states its own limit (sqlite3.Connection.getlimit, Python 3.11+), as Django 6.0's backend
reads it (Debian's build of 3.40 states 250000); this sets the connection's feature to it.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def sqlite_params_limit_register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: on a SQLite connection, max_query_params (the bound
    parameters one statement may carry; a count) becomes the connection's own
    SQLITE_LIMIT_VARIABLE_NUMBER instead of Django 5.2's fixed 999. An instance
    attribute of this connection's features only; other vendors are left alone. Raises
    nothing; locks nothing."""
    if connection.vendor == "sqlite":
        connection.features.max_query_params = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
