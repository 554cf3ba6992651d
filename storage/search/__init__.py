"""Search over the names of a user's live files and folders.

- `filters.py`: what a search may be narrowed by (type, dates, sizes) and the querysets
  those narrow;
- `query.py`: the ranking and `search_for_user`, the one entry point, which hides the
  database (pg_trgm on PostgreSQL, substrings on SQLite).
"""

from storage.search.filters import FILE_TYPES, MAX_QUERY_CHARS, MIN_QUERY_CHARS, SEARCH_TYPES, TYPE_FOLDER
from storage.search.query import SearchPage, SearchResult, search_for_user

__all__ = [
    "FILE_TYPES",
    "MAX_QUERY_CHARS",
    "MIN_QUERY_CHARS",
    "SEARCH_TYPES",
    "TYPE_FOLDER",
    "SearchPage",
    "SearchResult",
    "search_for_user",
]
