"""Many texts as the right-hand side of an ORM `__in` lookup, bound as one JSON parameter:
`name__in=texts_in(names)` reads as `name__in=names`, one statement either way.

Django compiles `name__in=[...]` to `IN (%s, %s, ...)`, one parameter per value, each
prepared by the field in Python and quoted by psycopg's client-side binding in Python:
about 44K instructions a name, 0.09M a file of a 100-file batch start for its two name
checks (BENCHMARKS.md, issue 12). Here the values are one JSON document (json.dumps' C
encoder), unpacked by the database: PostgreSQL's jsonb_array_elements_text, SQLite's
json_each. The comparison is the column's `=` as with a list of values (a text compared
with the column takes the column's collation either way).
"""

from __future__ import annotations

import json
from collections.abc import Collection

from django.db import connection
from django.db.models.expressions import RawSQL


def texts_in(texts: Collection[str]) -> RawSQL:
    """The subquery giving `texts` (strings, no NUL: PostgreSQL's jsonb holds none), for an
    `__in` lookup of a text column. No I/O until the query runs."""
    document = json.dumps(list(texts), ensure_ascii=False)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT jsonb_array_elements_text(%s::jsonb)", [document])
    return RawSQL("SELECT value FROM json_each(%s)", [document])
