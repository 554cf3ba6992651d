"""Starting an upload: validate, create the session and reserve quota (one conditional UPDATE),
then (no transaction open) sign the single PUT or start the multipart upload."""

from __future__ import annotations

import base64
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Required, TypedDict, Unpack

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kosha.errors import InvalidInput, NameTaken, NameTakenByFolder, StoreUnavailable
from kosha.fixed_writes import rows_insert, rows_insert_write
from kosha.metrics import UPLOADS_STARTED
from kosha.row_instances import row_instance
from plans.services import STORE_MAX_OBJECT_BYTES, quota_reserve
from storage import keys
from storage.backends import BackendError, PresignedRequest, get_backend
from storage.locks import folder_pin
from storage.models import UploadSession
from storage.names import name_clean, name_holders
from storage.places import Place
from storage.services.recording import session_abandon

if TYPE_CHECKING:
    from accounts.models import User

MiB = 1024 * 1024
MIN_PART_BYTES = 8 * MiB
MAX_PARTS = 10_000
MAX_PART_BYTES = 5 * 1024 * MiB  # S3's largest part
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# The raw value's bound, parameters and all (the API schema's maxLength): parameters are
# dropped, but a value is refused on what was sent, not on what is kept.
MAX_CONTENT_TYPE_CHARS = 255


@dataclass(frozen=True)
class UploadStart:
    upload: UploadSession
    put: PresignedRequest | None


def part_size_for(size_bytes: int) -> int:
    """max(8 MiB, ceil(size / 10000)) rounded up to a whole MiB: at most 10,000 parts."""
    return max(MIN_PART_BYTES, math.ceil(math.ceil(size_bytes / MAX_PARTS) / MiB) * MiB)


def upload_size_clean(raw: object) -> int:
    """A declared size in bytes: a JSON whole number from 0 to 5 TiB. Raises InvalidInput."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput("size must be a whole number of bytes.", field="size")
    if raw < 0:
        raise InvalidInput("size cannot be negative.", field="size")
    if raw > STORE_MAX_OBJECT_BYTES:
        raise InvalidInput(f"size cannot exceed {STORE_MAX_OBJECT_BYTES} bytes (5 TiB).", field="size")
    return raw


def content_type_clean(raw: object) -> str:
    """A MIME type, lowercased, parameters dropped (None or "": application/octet-stream).
    Raises InvalidInput (not a string, more than MAX_CONTENT_TYPE_CHARS characters with
    its parameters, no type/subtype)."""
    if raw in (None, ""):
        return DEFAULT_CONTENT_TYPE
    if not isinstance(raw, str):
        raise InvalidInput("content_type must be a MIME type such as text/plain.", field="content_type")
    if len(raw) > MAX_CONTENT_TYPE_CHARS:
        raise InvalidInput(
            f"content_type cannot be longer than {MAX_CONTENT_TYPE_CHARS} characters, parameters included.",
            field="content_type",
        )
    # Parameters (charset=...) are dropped: the signed header must match byte for byte.
    value = raw.split(";", 1)[0].strip().lower()
    if not CONTENT_TYPE.match(value):
        raise InvalidInput("content_type must be a MIME type such as text/plain.", field="content_type")
    return value


def sha256_clean(raw: object) -> str:
    """64 hexadecimal characters, lowercased (None or "": none). Raises InvalidInput."""
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or not SHA256_HEX.match(raw):
        raise InvalidInput("sha256 must be 64 hexadecimal characters.", field="sha256")
    return raw.lower()


# The choices' values, made once (OnConflict.values builds its list anew on each read).
_ON_CONFLICT_VALUES = frozenset(UploadSession.OnConflict.values)


def _clean_on_conflict(raw: object) -> str:
    if raw in (None, ""):
        return UploadSession.OnConflict.VERSION
    if not isinstance(raw, str) or raw not in _ON_CONFLICT_VALUES:
        raise InvalidInput("on_conflict must be one of version, rename, fail.", field="on_conflict")
    return raw


def _sha256_b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


@dataclass(frozen=True)
class StartRequest:
    """One file's start fields, cleaned (start_request_clean)."""

    name: str
    size_bytes: int
    content_type: str
    sha256: str
    on_conflict: str
    strategy: str
    part_size_bytes: int | None


_REQUEST_FIELDS = ("name", "size_bytes", "content_type", "sha256", "on_conflict", "strategy", "part_size_bytes")


class StartFields(TypedDict, total=False):
    """The start fields of one file, raw as a request gives them (JSON, a header):
    start_request_clean cleans each, InvalidInput otherwise."""

    name: Required[Any]
    size_bytes: Required[Any]
    content_type: Any
    sha256: Any
    on_conflict: Any
    part_size_bytes: int | None


def start_request_clean(**fields: Unpack[StartFields]) -> StartRequest:
    """The start fields of one file as the protocol takes them (name cleaned, size in
    bytes, MIME type without parameters, sha256 as lowercase hex or "", on_conflict), the
    strategy they call for (multipart above KOSHA_MULTIPART_THRESHOLD_BYTES, or when a
    part size is given) and the part size. Raises InvalidName, InvalidInput. No query."""
    name = name_clean(fields["name"])
    size_bytes = upload_size_clean(fields["size_bytes"])
    content_type = content_type_clean(fields.get("content_type"))
    sha256 = sha256_clean(fields.get("sha256"))
    on_conflict = _clean_on_conflict(fields.get("on_conflict"))
    part_size_bytes = fields.get("part_size_bytes")
    if part_size_bytes is not None and not MIN_PART_BYTES <= part_size_bytes <= MAX_PART_BYTES:
        raise InvalidInput(f"A part is {MIN_PART_BYTES} to {MAX_PART_BYTES} bytes.", field="part_size")
    strategy = (
        UploadSession.Strategy.MULTIPART
        if size_bytes > settings.KOSHA_MULTIPART_THRESHOLD_BYTES or part_size_bytes is not None
        else UploadSession.Strategy.SINGLE
    )
    if strategy == UploadSession.Strategy.MULTIPART and part_size_bytes is None:
        part_size_bytes = part_size_for(size_bytes)
    return StartRequest(name, size_bytes, content_type, sha256, on_conflict, strategy, part_size_bytes)


def session_row(
    *,
    actor: User | None,
    place: Place,
    request: StartRequest,
    slots: int,
    now: datetime,
    lifetime: timedelta | None = None,
) -> list:
    """The row (kosha.fixed_writes.rows_insert's layout) of the pending session of one
    start, created `now`: a fresh id and key, expiring `lifetime` after now (default
    KOSHA_UPLOAD_SESSION_HOURS), holding `slots` file slots; every other column as the
    ORM's save() of the session wrote it (storage/tests/test_upload_batch_rows.py)."""
    return rows_insert(UploadSession).row(
        {
            "id": uuid.uuid4(),
            "owner_id": place.owner.pk,
            "created_by_id": actor.pk if actor is not None else None,
            "folder_id": place.folder.pk if place.folder is not None else None,
            "name": request.name,
            "size_bytes": request.size_bytes,
            "content_type": request.content_type,
            "sha256": request.sha256,
            "on_conflict": request.on_conflict,
            "key": keys.blob_key(place.owner.pk),
            "strategy": request.strategy,
            "part_size_bytes": request.part_size_bytes,
            "expires_at": now + (lifetime or timedelta(hours=settings.KOSHA_UPLOAD_SESSION_HOURS)),
            "created_at": now,
            "reserved_files": slots,
        }
    )


def session_of_row(row: list, *, actor: User | None, place: Place) -> UploadSession:
    """The saved session of a row session_row made and inserted, its owner, starter and
    folder set (they cost no query)."""
    upload = row_instance(UploadSession, row, db=connection.alias)
    _SESSION_OWNER.set_cached_value(upload, place.owner)
    _SESSION_CREATED_BY.set_cached_value(upload, actor)
    _SESSION_FOLDER.set_cached_value(upload, place.folder)
    return upload


_SESSION_OWNER = UploadSession._meta.get_field("owner")
_SESSION_CREATED_BY = UploadSession._meta.get_field("created_by")
_SESSION_FOLDER = UploadSession._meta.get_field("folder")


def session_sign(upload: UploadSession) -> UploadStart:
    """Sign the PUT of a saved single session (no store call for S3: signing is local),
    or start its multipart upload in the store and save the store's upload id. Call with
    no transaction open. Raises StoreUnavailable, after ending the session (failed) and
    giving its reservation back; any other error is raised as it is, after the same."""
    backend = get_backend()
    try:
        if upload.strategy == UploadSession.Strategy.SINGLE:
            put = backend.presign_put(
                key=upload.key,
                size_bytes=upload.size_bytes,
                content_type=upload.content_type,
                sha256_b64=_sha256_b64(upload.sha256) if upload.sha256 else None,
                expires_seconds=settings.KOSHA_PUT_URL_EXPIRES_SECONDS,
            )
            return UploadStart(upload=upload, put=put)
        upload_id = backend.multipart_start(key=upload.key, content_type=upload.content_type)
        UploadSession.objects.filter(pk=upload.pk).update(multipart_upload_id=upload_id)
    except BackendError as exc:
        session_abandon(session=upload, status=UploadSession.Status.FAILED)
        raise StoreUnavailable() from exc
    except Exception:
        # Not the store refusing (a bug, the database): the request fails, and its
        # session must not hold its reservation until it expires. A multipart upload
        # started without its id saved is aborted by the bucket's lifecycle rule.
        session_abandon(session=upload, status=UploadSession.Status.FAILED)
        raise
    upload.multipart_upload_id = upload_id
    return UploadStart(upload=upload, put=None)


def upload_start(
    *, actor: User | None, place: Place, lifetime: timedelta | None = None, **fields: Unpack[StartFields]
) -> UploadStart:
    """Validate, create the session and reserve quota in one transaction (the bytes, and a
    file slot unless it will be a new version of a live file: one conditional UPDATE of
    the Usage row, plans.services.quota_reserve), sign the PUT (or start
    the multipart upload). `place` is where the file lands (the door checked
    that actor may add there): its owner's plan limits and quota apply, whoever the
    actor is; actor (an editor, the owner, or None for a drop through a link) is the
    session's `created_by`. `part_size_bytes` (8 MiB to 5 GiB) makes it a multipart upload
    with parts of that size whatever size_bytes is: a body of unknown length whose
    reservation then grows with it (storage/services/uploads/reserve.py). `lifetime`: how
    long the session and its reservation last (default KOSHA_UPLOAD_SESSION_HOURS; shorter
    for an anonymous drop). Raises InvalidName, InvalidInput, QuotaExceeded (before any
    byte moves), NameTaken, NameTakenByFolder, NotFound (the folder was trashed or deleted
    since the door read it: nothing recorded, nothing reserved), StoreUnavailable. Locks
    the folder (key share), then Usage (storage/locks.py, "Deferred key checks")."""
    owner = place.owner
    folder = place.folder
    request = start_request_clean(**fields)
    name = request.name
    folder_taken, file_id = name_holders(owner=owner, folder_id=folder.pk if folder else None, name=name)
    if folder_taken:
        raise NameTakenByFolder(name=name)
    name_taken = file_id is not None
    if request.on_conflict == UploadSession.OnConflict.FAIL and name_taken:
        raise NameTaken(name=name)
    # A new version of a live file adds bytes but no file: it reserves no file slot. If
    # the file is gone when the upload is recorded, recording takes the slot then.
    reserved_files = 0 if name_taken and request.on_conflict == UploadSession.OnConflict.VERSION else 1

    with transaction.atomic():
        folder_pin(folder_id=place.folder_id)  # first: the folder's key-share lock, before Usage (storage/locks.py)
        row = session_row(
            actor=actor, place=place, request=request, slots=reserved_files, now=timezone.now(), lifetime=lifetime
        )
        # Fixed SQL (kosha/fixed_writes.py: the one-row INSERT), as the batch start writes its sessions.
        rows_insert_write(rows_insert(UploadSession), [row])
        # Last before the commit: the conditional UPDATE holds the Usage row only from
        # here to the commit, and a refusal rolls the session back.
        quota_reserve(user=owner, size_bytes=request.size_bytes, files=reserved_files)
    UPLOADS_STARTED.inc()
    return session_sign(session_of_row(row, actor=actor, place=place))
