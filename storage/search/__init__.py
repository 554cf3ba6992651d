"""Search over the names of live files and folders.

- `filters.py`: what a search may be narrowed by (type, dates, sizes) and the querysets
  those narrow;
- `query.py`: the ranking over the areas a caller gives (`search_ranked`), which hides
  the database (pg_trgm on PostgreSQL, substrings on SQLite).
Who may find what is sharing.search's business (`search_for_actor`, the one entry point).
"""

from storage.search.filters import FILE_TYPES, MAX_QUERY_CHARS, MIN_QUERY_CHARS, SEARCH_TYPES, TYPE_FOLDER
from storage.search.query import SearchArea, SearchHit, SearchRequest, search_ranked, search_request_clean

__all__ = [
    "FILE_TYPES",
    "MAX_QUERY_CHARS",
    "MIN_QUERY_CHARS",
    "SEARCH_TYPES",
    "TYPE_FOLDER",
    "SearchArea",
    "SearchHit",
    "SearchRequest",
    "search_ranked",
    "search_request_clean",
]
