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
    sections 9.3.1 MKCOL, 9.7.1 PUT, 9.8.5 COPY, 9.9.4 MOVE)."""
    return DAVError(HTTP_CONFLICT, context_info="The parent collection does not exist.")


def _is_parent_gone(error: DomainError, *, making: bool, moving: bool) -> bool:
    if not isinstance(error, NotFound):
        return False
    if making:
        return error.details.get("resource") == "folder"
    # folder_update and file_update name the request's field (`parent`, `folder`) on the
    # target's NotFound only: the moved item's own NotFound names none.
    return moving and "field" in error.details


@contextmanager
def dav_errors(*, making: bool = False, moving: bool = False) -> Iterator[None]:
    """Raise a service's DomainError as the DAVError WsgiDAV answers with. `making`: a
    write that makes something in a folder resolved from the path (a PUT's start, a
    MKCOL), for which that folder gone since (NotFound, resource "folder": trashed or
    deleted forever meanwhile) is the parent collection missing, 409 (`parent_missing`),
    as for a parent that never was. `moving`: a MOVE's rename or move (folder_update,
    file_update) to a place resolved from the Destination, for which that folder gone
    since (their NotFound carrying `field`) is the destination's parent missing, 409 (RFC
    4918 section 9.9.4), while the moved item gone (NotFound without `field`) stays 404."""
    try:
        yield
    except DomainError as error:
        if _is_parent_gone(error, making=making, moving=moving):
            raise parent_missing() from error
        raise dav_error_for(error) from error
