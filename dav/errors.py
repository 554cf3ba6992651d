"""Kosha's domain errors as WebDAV statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from wsgidav.dav_error import (
    HTTP_BAD_REQUEST,
    HTTP_CONFLICT,
    HTTP_FORBIDDEN,
    HTTP_INSUFFICIENT_STORAGE,
    HTTP_NOT_FOUND,
    DAVError,
)

from kosha.errors import (
    Conflict,
    DomainError,
    FolderCycle,
    Forbidden,
    InvalidInput,
    InvalidName,
    NotFound,
    OtherSpace,
    QuotaExceeded,
)

# First match wins: subclasses before their bases.
_STATUSES: list[tuple[type[DomainError], int]] = [
    (QuotaExceeded, HTTP_INSUFFICIENT_STORAGE),  # RFC 4918 section 11.5: 507, not the API's 413
    (NotFound, HTTP_NOT_FOUND),
    (Forbidden, HTTP_FORBIDDEN),
    (OtherSpace, HTTP_FORBIDDEN),  # MOVE across spaces: refused, never a 5xx
    (FolderCycle, HTTP_FORBIDDEN),
    (InvalidName, HTTP_BAD_REQUEST),
    (InvalidInput, HTTP_BAD_REQUEST),
    (Conflict, HTTP_CONFLICT),
]


def dav_error_for(error: DomainError) -> DAVError:
    """The DAVError answering a domain error: its status (the API's for anything not
    listed, e.g. 503 for StoreUnavailable, 429 for RateLimited) and its message."""
    status = next((code for kind, code in _STATUSES if isinstance(error, kind)), error.status)
    return DAVError(status, context_info=str(error))


def parent_missing() -> DAVError:
    """409 Conflict for something new whose parent collection does not exist (RFC 4918
    sections 9.3.1 MKCOL, 9.7.1 PUT)."""
    return DAVError(HTTP_CONFLICT, context_info="The parent collection does not exist.")


@contextmanager
def dav_errors(*, making: bool = False) -> Iterator[None]:
    """Raise a service's DomainError as the DAVError WsgiDAV answers with. `making`: a
    write that makes something in a folder resolved from the path (a PUT's start, a
    MKCOL), for which that folder gone since (NotFound, resource "folder": trashed or
    deleted forever meanwhile) is the parent collection missing, 409 (`parent_missing`),
    as for a parent that never was."""
    try:
        yield
    except DomainError as error:
        if making and isinstance(error, NotFound) and error.details.get("resource") == "folder":
            raise parent_missing() from error
        raise dav_error_for(error) from error
