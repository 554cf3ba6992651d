"""The one place errors are shaped for a client: `{"error": {"code", "message", ...}}`.

`exception_handler` serves the DRF API; `error_json` the JSON views outside DRF (the
public link's drop uploads). Both add the error's `extra_headers`.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kosha.errors import BodyTooLarge, DatabaseBusy, DomainError, StoreMisconfigured, StoreUnavailable
from kosha.json_body import body_limit_bytes
from kosha.sizes import size_text
from storage.backends.base import BackendError

logger = logging.getLogger(__name__)


def _messages(detail, path: str = "") -> list[str]:
    """The messages of one field's errors; a nested one (a list entry's, an object's
    field's) says where it is: `0.name: This field is required.`"""
    if isinstance(detail, dict):
        return [message for key, value in detail.items() for message in _messages(value, f"{path}{key}.")]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item, path)]
    return [f"{path[:-1]}: {detail}" if path else str(detail)]


def validation_flatten(detail) -> tuple[str, dict]:
    """First readable message of a DRF validation error, and the field errors (`field`,
    `fields`), for the error envelope. No I/O."""
    if isinstance(detail, dict):
        fields = {key: _messages(value) or ["This value is not valid."] for key, value in detail.items()}
        first_field, first_errors = next(iter(fields.items()))
        if first_field == "non_field_errors":
            return first_errors[0], {"fields": fields}
        # `field` as a domain error names it (InvalidInput), so a client reads one key.
        return f"{first_field}: {first_errors[0]}", {"field": first_field, "fields": fields}
    if isinstance(detail, list) and detail:
        return str(detail[0]), {}
    return str(detail), {}


# PostgreSQL's SQLSTATEs for a transaction it rolled back so that another could finish
# (PostgreSQL docs, Appendix A, class 40: deadlock_detected, serialization_failure), and
# SQLite's message for a write lock not free within the connection's timeout.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
_SQLITE_LOCKED = ("database is locked", "database table is locked")


def database_busy(exc: BaseException) -> bool:
    """Whether `exc` is the database giving up this transaction for another's sake (a
    deadlock victim, a serialization failure, SQLite's lock timeout), which the same
    request can retry: django.db.OperationalError wrapping psycopg's error (its
    `sqlstate`) or sqlite3's. No I/O."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return str(exc).startswith(_SQLITE_LOCKED)


def _explained(exc: Exception) -> Exception:
    """Store failures answered by their kind: a BackendError no service translated (still
    a 503 that says what happened, never a 500 with a store's code inside), and a plain
    StoreUnavailable raised from one (busy, misconfigured or unreachable). A transaction
    the database rolled back for another's sake (`database_busy`) is DatabaseBusy, 503."""
    if isinstance(exc, BackendError):
        logger.warning("Store error reached a view unmapped", exc_info=exc)
        exc = StoreUnavailable.caused_by(exc)
    elif type(exc) is StoreUnavailable and exc.__cause__ is not None:
        custom = exc.message if exc.message != StoreUnavailable.default_message else None
        exc = StoreUnavailable.caused_by(exc.__cause__, custom)
    if database_busy(exc):
        logger.warning("The database rolled a request back for another's sake", exc_info=exc)
        busy = DatabaseBusy()
        busy.__cause__ = exc
        return busy
    if isinstance(exc, StoreMisconfigured):
        logger.error("The object store refuses Kosha: check the storage settings", exc_info=exc.__cause__)
    return exc


def error_json(exc: DomainError) -> JsonResponse:
    """A domain error as a JSON response outside DRF: its status, body and headers."""
    exc = _explained(exc)
    return JsonResponse({"error": exc.as_dict()}, status=exc.status, headers=exc.extra_headers)


def exception_handler(exc, context):
    exc = _explained(exc)
    if isinstance(exc, RequestDataTooBig):  # a view read request.body (the webhooks do)
        limit = body_limit_bytes()
        exc = BodyTooLarge(f"The request body can be at most {size_text(limit)}.", limit_bytes=limit)
    if isinstance(exc, DomainError):
        return Response({"error": exc.as_dict()}, status=exc.status, headers=exc.extra_headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        message, details = validation_flatten(exc.detail)
        response.data = {"error": {"code": "invalid", "message": message, **details}}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code = getattr(exc, "default_code", "error")
    detail = getattr(exc, "detail", str(exc))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = "not_authenticated"
    response.data = {"error": {"code": code, "message": str(detail)}}
    return response
