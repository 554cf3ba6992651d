"""Cursor pagination in the API's list shape: `{"items": [...], "next": cursor|null}`."""

from urllib.parse import parse_qs, urlparse

from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class ItemsCursorPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "limit"

    def _cursor_of(self, link: str | None) -> str | None:
        if link is None:
            return None
        return parse_qs(urlparse(link).query).get(self.cursor_query_param, [None])[0]

    def get_paginated_response(self, data):
        return Response({"items": data, "next": self._cursor_of(self.get_next_link())})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "next"],
            "properties": {
                "items": schema,
                "next": {"type": "string", "nullable": True, "description": "Pass as ?cursor= for the next page."},
            },
        }
