"""One way to page every list: a signed keyset cursor, one limit parser, one page type and
one response shape, `{"items": [...], "next": cursor | null}`.

A cursor is the last row's sort key values and primary key, signed with
django.core.signing under a salt naming the list and whose list it is (`scope`, e.g.
`f"trash:{user.pk}"`): a client can neither forge a position nor replay a cursor in
another list, folder, sort or account. A tampered, malformed or foreign cursor and a bad
limit (not a whole number, below 1 or above the list's maximum: refused, never capped)
are InvalidInput naming the field (400; a cursor's is the sub-error InvalidCursor, reason
`invalid_cursor`). Lists with a shape of their own (the
folder listing's two phases, ranked search) sign their positions with `cursor_sign`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from kosha.errors import InvalidCursor, InvalidInput

T = TypeVar("T")

# The page size of most lists; a list with rows of another weight passes its own.
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

_SALT = "kosha.pages.v1:"
_MAX_CURSOR_CHARS = 2000
_MAX_LIMIT_DIGITS = 9


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # None on the last page


def limit_clean(raw: Any, *, default: int, maximum: int) -> int:
    """The page size a request asks for: `default` when absent or empty, else a whole
    number (an int, or its ASCII digits) from 1 to `maximum`. Every list refuses a limit
    above its maximum (400, never a silent cap): the schema declares the maximum, and a
    client that asked for more learns it instead of mistaking a short page for the end.
    Raises InvalidInput (field limit)."""
    if raw in (None, ""):
        return default
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _MAX_LIMIT_DIGITS:
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1 or raw > maximum:
        raise InvalidInput(f"limit must be a whole number from 1 to {maximum}.", field="limit")
    return min(raw, maximum)


def cursor_invalid() -> InvalidCursor:
    """The error for a cursor that is not good here (field cursor)."""
    return InvalidCursor(field="cursor")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return str(value)
    if value is None or (isinstance(value, str | int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"A cursor cannot carry a {type(value).__name__}.")


def _decode(raw: Any) -> Any:
    if isinstance(raw, dict) and set(raw) == {"dt"} and isinstance(raw["dt"], str):
        return datetime.fromisoformat(raw["dt"])
    if raw is None or (isinstance(raw, str | int) and not isinstance(raw, bool)):
        return raw
    raise ValueError("not a cursor value")


def cursor_sign(values: Sequence[Any], *, scope: str) -> str:
    """An opaque cursor carrying `values` (str, int, None, datetime, UUID), good only
    for `scope`, which names the list and its user."""
    return signing.dumps([_encode(value) for value in values], salt=_SALT + scope, compress=True)


def cursor_unsign(raw: Any, *, scope: str, length: int | None = None) -> list[Any]:
    """The values a cursor of this scope carries (UUIDs come back as text). Raises
    InvalidCursor (field cursor) for anything tampered, malformed, of another scope, or
    not `length` values long."""
    if not isinstance(raw, str) or not raw or len(raw) > _MAX_CURSOR_CHARS:
        raise cursor_invalid()
    try:
        payload = signing.loads(raw, salt=_SALT + scope)
        if not isinstance(payload, list) or (length is not None and len(payload) != length):
            raise ValueError("wrong shape")
        return [_decode(value) for value in payload]
    except (signing.BadSignature, ValueError):
        raise cursor_invalid() from None


def keyset_after(keys: Sequence[str], values: Sequence[Any], *, descending: bool) -> Q:
    """Rows strictly after `values` in the order of `keys` (all ascending or all
    descending). The leading `>=` repeats the first disjunct in a form an index on the
    keys can seek to; the OR chain then cuts exactly."""
    op = "lt" if descending else "gt"
    seek = Q(**{f"{keys[0]}__{op}e": values[0]})
    strictly_after = Q()
    for position, key in enumerate(keys):
        equal_before = dict(zip(keys[:position], values[:position], strict=True))
        strictly_after |= Q(**equal_before, **{f"{key}__{op}": values[position]})
    return seek & strictly_after


def keyset_order(keys: Sequence[str], *, descending: bool) -> list[str]:
    """The order_by() arguments for `keys`, all in one direction."""
    return [f"-{key}" if descending else key for key in keys]


def keyset_page(
    queryset: QuerySet,
    *,
    keys: Sequence[str],
    descending: bool,
    cursor: Any,
    limit: int,
    scope: str,
) -> Page:
    """One page of `queryset` ordered by `keys` then the primary key, all ascending or
    all descending, starting after `cursor` (None or "": the first page). One query
    (limit + 1 rows: the extra one says whether a next page exists). `limit` comes from
    limit_clean; `scope` names the list and its user. Raises InvalidCursor (an InvalidInput)."""
    order = [*keys, "pk"]
    if cursor not in (None, ""):
        after = cursor_unsign(cursor, scope=scope, length=len(order))
        queryset = queryset.filter(keyset_after(order, after, descending=descending))
    rows = list(queryset.order_by(*keyset_order(order, descending=descending))[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(items=rows, next_cursor=cursor_sign([getattr(last, key) for key in order], scope=scope))


def page_query(request: Any) -> dict[str, Any]:
    """A list request's paging parameters as a selector takes them, raw from the query
    string (`cursor`, `limit`; the selector checks them): `selector(..., **page_query(request))`."""
    return {"cursor": request.query_params.get("cursor"), "limit": request.query_params.get("limit")}


def page_response(page: Page, serializer: Callable[..., Any], *, context: dict | None = None) -> dict[str, Any]:
    """The API's list body: `{"items": [...serialized], "next": cursor | null}`."""
    return {"items": serializer(page.items, many=True, context=context or {}).data, "next": page.next_cursor}


def limit_schema(*, default: int, maximum: int) -> dict[str, Any]:
    """The OpenAPI schema of a `limit` query parameter: an integer from 1 to `maximum`."""
    return {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}


def page_parameters(
    *, default: int, maximum: int, cursor: str = "The `next` of the previous page; empty: the first."
) -> list[OpenApiParameter]:
    """The OpenAPI description of a list's `cursor` and `limit` query parameters; `cursor`
    is the cursor parameter's description."""
    return [
        OpenApiParameter("cursor", OpenApiTypes.STR, allow_blank=True, description=cursor),
        OpenApiParameter(
            "limit",
            limit_schema(default=default, maximum=maximum),
            allow_blank=True,
            description=f"1 to {maximum}, default {default} (also when empty).",
        ),
    ]


def page_schema(name: str, item_serializer: serializers.Serializer) -> serializers.Serializer:
    """The OpenAPI description of a list's body: `{"items": [...], "next": cursor | null}`."""
    return inline_serializer(
        name,
        {
            "items": item_serializer,
            "next": serializers.CharField(allow_null=True, help_text="Pass as ?cursor= for the next page."),
        },
    )


def restart_on_bad_cursor(
    url_name: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For a page (HTML) view that lists with cursors from its query string: a malformed,
    tampered or stale cursor (InvalidCursor from the selector) redirects to the first page
    instead of an error page: the view named `url_name`, or with None (a page whose URL has
    arguments: a link's folder) the same path and query without the bad cursor's
    parameter. Any other error, another input's InvalidInput included, goes on as it
    would undecorated. The JSON API answers a bad cursor with its 400 instead."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except InvalidCursor as exc:
                if url_name is not None:
                    return redirect(url_name)
                query = request.GET.copy()
                query.pop(exc.details.get("field", "cursor"), None)
                return redirect(request.path + (f"?{query.urlencode()}" if query else ""))

        return wrapper

    return decorate
