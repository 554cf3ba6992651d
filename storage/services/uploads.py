"""The direct-upload protocol (DESIGN.md): reserve, sign, let the bytes move, verify, record.

The object store is never called inside a transaction. Each step that changes rows is
one short transaction that locks in the order of storage/locks.py; a crash between a
transaction and the store call it pairs with leaves a session that the sweeper
(`upload_sweep`) finishes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from kosha.errors import (
    AccountDeleting,
    ChecksumMismatch,
    FinalConflict,
    FolderTrashed,
    InvalidInput,
    InvalidParts,
    NameTaken,
    NameTakenByFolder,
    NotMultipart,
    SizeMismatch,
    StoreUnavailable,
    UploadCompleted,
    UploadExpired,
    UploadGone,
    UploadIncomplete,
    VerificationFailed,
)
from kosha.metrics import UPLOADS_COMPLETED, UPLOADS_STARTED
from plans.services import STORE_MAX_OBJECT_BYTES, quota_commit, quota_release, quota_reserve, usage_lock
from storage import keys
from storage.backends import BackendError, PresignedRequest, StoredPart, get_backend
from storage.locks import file_lock, folders_lock, upload_lock
from storage.models import File, FileVersion, Folder, UploadSession
from storage.names import name_clean, name_with_counter
from storage.selectors import folder_get_for_user, upload_get_for_user
from storage.thumbnails import THUMBNAIL_CONTENT_TYPES

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
MIN_PART_BYTES = 8 * MiB
MAX_PARTS = 10_000
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class UploadStart:
    upload: UploadSession
    put: PresignedRequest | None


@dataclass(frozen=True)
class UploadState:
    upload: UploadSession
    parts: list[StoredPart]


def part_size_for(size_bytes: int) -> int:
    """max(8 MiB, ceil(size / 10000)) rounded up to a whole MiB: at most 10,000 parts."""
    return max(MIN_PART_BYTES, math.ceil(math.ceil(size_bytes / MAX_PARTS) / MiB) * MiB)


def _clean_size(raw) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput("size must be a whole number of bytes.", field="size")
    if raw < 0:
        raise InvalidInput("size cannot be negative.", field="size")
    if raw > STORE_MAX_OBJECT_BYTES:
        raise InvalidInput(f"size cannot exceed {STORE_MAX_OBJECT_BYTES} bytes (5 TiB).", field="size")
    return raw


def _clean_content_type(raw) -> str:
    if raw in (None, ""):
        return DEFAULT_CONTENT_TYPE
    if not isinstance(raw, str):
        raise InvalidInput("content_type must be a MIME type such as text/plain.", field="content_type")
    # Parameters (charset=...) are dropped: the signed header must match byte for byte.
    value = raw.split(";", 1)[0].strip().lower()
    if not _CONTENT_TYPE.match(value):
        raise InvalidInput("content_type must be a MIME type such as text/plain.", field="content_type")
    return value


def _clean_sha256(raw) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or not _SHA256_HEX.match(raw):
        raise InvalidInput("sha256 must be 64 hexadecimal characters.", field="sha256")
    return raw.lower()


def _clean_on_conflict(raw) -> str:
    if raw in (None, ""):
        return UploadSession.OnConflict.VERSION
    if raw not in UploadSession.OnConflict.values:
        raise InvalidInput("on_conflict must be one of version, rename, fail.", field="on_conflict")
    return raw


def _sha256_b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _live_file(*, owner, folder: Folder | None, name: str) -> File | None:
    return File.objects.filter(owner=owner, folder=folder, name=name, deleted_at__isnull=True).first()


def _live_folder_named(*, owner, folder: Folder | None, name: str) -> bool:
    return Folder.objects.filter(owner=owner, parent=folder, name=name, deleted_at__isnull=True).exists()


def upload_start(
    *,
    user,
    name,
    size_bytes,
    folder_id=None,
    content_type=None,
    sha256=None,
    on_conflict=None,
    owner=None,
) -> UploadStart:
    """Validate, reserve quota under the Usage row lock, create the session, sign the PUT
    (or start the multipart upload). Raises InvalidName, InvalidInput, NotFound,
    QuotaExceeded, Conflict, StoreUnavailable. `owner` is whose storage it lands in
    (the user themself unless a share grants otherwise)."""
    owner = owner or user
    name = name_clean(name)
    size_bytes = _clean_size(size_bytes)
    content_type = _clean_content_type(content_type)
    sha256 = _clean_sha256(sha256)
    on_conflict = _clean_on_conflict(on_conflict)
    folder = folder_get_for_user(user=owner, folder_id=folder_id) if folder_id not in (None, "", "root") else None
    strategy = (
        UploadSession.Strategy.MULTIPART
        if size_bytes > settings.KOSHA_MULTIPART_THRESHOLD_BYTES
        else UploadSession.Strategy.SINGLE
    )
    if _live_folder_named(owner=owner, folder=folder, name=name):
        raise NameTakenByFolder(name=name)
    if on_conflict == UploadSession.OnConflict.FAIL and _live_file(owner=owner, folder=folder, name=name):
        raise NameTaken(name=name)

    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=size_bytes, files=1)
        upload = UploadSession.objects.create(
            owner=owner,
            created_by=user,
            folder=folder,
            name=name,
            size_bytes=size_bytes,
            content_type=content_type,
            sha256=sha256,
            on_conflict=on_conflict,
            key=keys.blob_key(owner.pk),
            strategy=strategy,
            part_size_bytes=part_size_for(size_bytes) if strategy == UploadSession.Strategy.MULTIPART else None,
            expires_at=timezone.now() + timedelta(hours=settings.KOSHA_UPLOAD_SESSION_HOURS),
        )
    UPLOADS_STARTED.inc()

    backend = get_backend()
    if strategy == UploadSession.Strategy.SINGLE:
        put = backend.presign_put(
            key=upload.key,
            size_bytes=size_bytes,
            content_type=content_type,
            sha256_b64=_sha256_b64(sha256) if sha256 else None,
            expires_seconds=settings.KOSHA_PUT_URL_EXPIRES_SECONDS,
        )
        return UploadStart(upload=upload, put=put)

    try:
        upload_id = backend.multipart_start(key=upload.key, content_type=content_type)
    except BackendError as exc:
        _finish_unsuccessfully(upload=upload, status=UploadSession.Status.FAILED)
        raise StoreUnavailable() from exc
    UploadSession.objects.filter(pk=upload.pk).update(multipart_upload_id=upload_id)
    upload.multipart_upload_id = upload_id
    return UploadStart(upload=upload, put=None)


def _require_pending(upload: UploadSession) -> None:
    if upload.status == UploadSession.Status.COMPLETED:
        raise UploadCompleted()
    if upload.status != UploadSession.Status.PENDING:
        raise UploadGone.for_status(upload.status, f"This upload was {upload.status}.")
    if upload.expires_at <= timezone.now():
        raise UploadExpired("This upload has expired.")


def upload_parts_presign(*, user, upload_id, numbers) -> list[tuple[int, PresignedRequest]]:
    """Short-lived PUT URLs for the given part numbers of a multipart upload."""
    upload = upload_get_for_user(user=user, upload_id=upload_id)
    _require_pending(upload)
    if upload.strategy != UploadSession.Strategy.MULTIPART:
        raise NotMultipart()
    if not isinstance(numbers, list) or not numbers:
        raise InvalidInput("numbers must be a non-empty list of part numbers.", field="numbers")
    if len(numbers) > settings.KOSHA_PART_URL_BATCH_MAX:
        raise InvalidInput(f"Ask for at most {settings.KOSHA_PART_URL_BATCH_MAX} part URLs at a time.", field="numbers")
    part_count = upload.part_count
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= part_count:
            raise InvalidInput(f"Part numbers run from 1 to {part_count}.", field="numbers")
    backend = get_backend()
    return [
        (
            number,
            backend.presign_part(
                key=upload.key,
                upload_id=upload.multipart_upload_id,
                part_number=number,
                expires_seconds=settings.KOSHA_PART_URL_EXPIRES_SECONDS,
            ),
        )
        for number in sorted(set(numbers))
    ]


def upload_state(*, user, upload_id) -> UploadState:
    """The session and, while a multipart upload is pending, the parts the store holds."""
    upload = upload_get_for_user(user=user, upload_id=upload_id)
    parts: list[StoredPart] = []
    if upload.status == UploadSession.Status.PENDING and upload.strategy == UploadSession.Strategy.MULTIPART:
        try:
            parts = get_backend().multipart_list_parts(key=upload.key, upload_id=upload.multipart_upload_id)
        except KeyError:
            parts = []
        except BackendError as exc:
            raise StoreUnavailable() from exc
    return UploadState(upload=upload, parts=parts)


def _clean_parts(raw, *, part_count: int) -> list[tuple[int, str]]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("parts must list every part as {number, etag}.", field="parts")
    parts: list[tuple[int, str]] = []
    for item in raw:
        number = item.get("number") if isinstance(item, dict) else None
        etag = item.get("etag") if isinstance(item, dict) else None
        if isinstance(number, bool) or not isinstance(number, int) or not isinstance(etag, str) or not etag:
            raise InvalidInput("Each part needs an integer number and an etag.", field="parts")
        parts.append((number, etag))
    numbers = [number for number, _ in parts]
    if numbers != list(range(1, part_count + 1)):
        raise InvalidInput(f"parts must be numbers 1 to {part_count}, in order, each once.", field="parts")
    return parts


def _sha256_of_object(key: str) -> str:
    digest = hashlib.sha256()
    with get_backend().open(key=key) as stream:
        for chunk in iter(lambda: stream.read(MiB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def upload_complete(*, user, upload_id, parts=None) -> FileVersion:
    """Finish an upload: assemble the parts, HEAD-verify size (and sha256), then in one
    transaction record the File or a new FileVersion and move the reservation into used
    bytes. Idempotent: a completed session returns its version. Raises NotFound, Gone,
    Conflict, InvalidInput, VerificationFailed (object deleted, reservation released),
    StoreUnavailable (nothing recorded, reservation kept until expiry)."""
    upload = upload_get_for_user(user=user, upload_id=upload_id)
    if upload.status == UploadSession.Status.COMPLETED and upload.version_id:
        return FileVersion.objects.select_related("file").get(pk=upload.version_id)
    _require_pending(upload)
    backend = get_backend()

    try:
        if upload.strategy == UploadSession.Strategy.MULTIPART:
            cleaned = _clean_parts(parts, part_count=upload.part_count)
            try:
                backend.multipart_complete(key=upload.key, upload_id=upload.multipart_upload_id, parts=cleaned)
            except (KeyError, ValueError) as exc:
                # A retried complete after the store already assembled the object finds
                # no upload any more: the HEAD below decides whether that is fine.
                if backend.head(key=upload.key) is None:
                    raise InvalidParts(field="parts") from exc
    except BackendError as exc:
        raise StoreUnavailable() from exc
    return _verify_and_record(upload)


def upload_complete_from_event(*, key: str) -> FileVersion | None:
    """Finish the pending upload whose object a storage event reports, exactly as the
    client's complete would (for multipart, the object only exists once the client has
    completed it in the store). Idempotent with a concurrent client complete: one version.
    Returns the version, or None when no pending or completed session holds this key (the
    caller checks for an orphan). Raises Gone, Conflict, VerificationFailed, StoreUnavailable."""
    upload = UploadSession.objects.select_related("owner").filter(key=key).first()
    if upload is None:
        return None
    if upload.status == UploadSession.Status.COMPLETED and upload.version_id:
        return FileVersion.objects.select_related("file").get(pk=upload.version_id)
    if upload.status != UploadSession.Status.PENDING:
        return None
    _require_pending(upload)
    return _verify_and_record(upload)


def _verify_and_record(upload: UploadSession) -> FileVersion:
    """HEAD-verify size (and sha256), then record; shared by complete and storage events."""
    try:
        info = get_backend().head(key=upload.key)
    except BackendError as exc:
        raise StoreUnavailable() from exc
    if info is None:
        raise UploadIncomplete()

    if info.size_bytes != upload.size_bytes:
        _reject(
            upload,
            SizeMismatch(
                f"The store holds {info.size_bytes} bytes but {upload.size_bytes} were declared.",
                declared_size=upload.size_bytes,
                stored_size=info.size_bytes,
            ),
        )
    sha256_hex = ""
    if upload.sha256:
        try:
            if info.sha256_b64:
                sha256_hex = base64.b64decode(info.sha256_b64).hex()
            else:
                # The store has no whole-object checksum (multipart): read it once to check.
                sha256_hex = _sha256_of_object(upload.key)
        except (binascii.Error, BackendError) as exc:
            raise StoreUnavailable() from exc
        if sha256_hex != upload.sha256:
            _reject(upload, ChecksumMismatch())

    try:
        return _record(upload=upload, etag=info.etag, sha256_hex=sha256_hex)
    except FinalConflict:
        # Retrying cannot help: give the bytes and the reservation back now.
        _finish_unsuccessfully(upload=upload, status=UploadSession.Status.FAILED)
        raise


def _reject(upload: UploadSession, error: VerificationFailed) -> None:
    _finish_unsuccessfully(upload=upload, status=UploadSession.Status.FAILED)
    raise error


def _record(*, upload: UploadSession, etag: str, sha256_hex: str) -> FileVersion:
    owner = upload.owner
    if owner.deleting_at is not None:
        # The account is being purged: record nothing more (the purge removes the bytes).
        raise AccountDeleting()
    with transaction.atomic():
        usage_lock(user=owner)  # lock order: Usage -> UploadSession -> File
        locked = upload_lock(upload_id=upload.pk)
        if locked.status == UploadSession.Status.COMPLETED:
            # A concurrent complete recorded it first.
            return FileVersion.objects.select_related("file").get(pk=locked.version_id)
        if locked.status != UploadSession.Status.PENDING:
            raise UploadGone.for_status(locked.status, f"This upload was {locked.status}.")
        # Lock the destination so a concurrent trash of the folder cannot miss this file.
        folder = folders_lock(folder_ids=[locked.folder_id])[0] if locked.folder_id else None
        if folder is not None and folder.deleted_at is not None:
            raise FolderTrashed()
        if _live_folder_named(owner=owner, folder=folder, name=locked.name):
            raise NameTakenByFolder()

        existing = _live_file(owner=owner, folder=folder, name=locked.name)
        name = locked.name
        if existing is not None and locked.on_conflict == UploadSession.OnConflict.FAIL:
            raise NameTaken(name=name)
        if existing is not None and locked.on_conflict == UploadSession.OnConflict.RENAME:
            name = _free_name(owner=owner, folder=folder, name=name)
            existing = None

        now = timezone.now()
        if existing is not None:
            file = file_lock(file_id=existing.pk)
            number = (file.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            files_added = 0
        else:
            file = File(owner=owner, folder=folder, name=name, content_type=locked.content_type)
            try:
                with transaction.atomic():
                    file.save()
            except IntegrityError:
                raise NameTaken("Another file with this name appeared here; try again.") from None
            number = 1
            files_added = 1

        version = FileVersion.objects.create(
            file=file,
            number=number,
            key=locked.key,
            size_bytes=locked.size_bytes,
            content_type=locked.content_type,
            sha256=sha256_hex,
            etag=etag.strip('"'),
            created_by=locked.created_by,
        )
        file.current_version = version
        file.size_bytes = version.size_bytes
        file.content_type = version.content_type
        file.updated_at = now
        file.save(update_fields=["current_version", "size_bytes", "content_type", "updated_at"])
        usage = quota_commit(user=owner, size_bytes=locked.size_bytes, files=1, files_added=files_added)
        locked.status = UploadSession.Status.COMPLETED
        locked.version = version
        locked.finished_at = now
        locked.save(update_fields=["status", "version", "finished_at"])
        transaction.on_commit(UPLOADS_COMPLETED.inc)  # once per recorded version, not per retry
        needs_prune = number > usage.plan.versions_kept
        transaction.on_commit(
            lambda: _after_version_recorded(
                version.pk, file_id=file.pk, content_type=version.content_type, needs_prune=needs_prune
            )
        )
    return version


def _after_version_recorded(
    version_id: uuid.UUID, *, file_id=None, content_type: str | None = None, needs_prune: bool = True
) -> None:
    """Follow-up work after a version is recorded: prune old versions when the file has
    more than the plan keeps, thumbnail images. Enqueues only what is needed, so a plain
    upload costs the web process no task at all."""
    if file_id is None or content_type is None:
        found = FileVersion.objects.filter(pk=version_id).values_list("file_id", "content_type").first()
        if found is None:
            return
        file_id, content_type = found
    if needs_prune:
        async_task("storage.tasks.file_versions_prune_task", file_id)
    if content_type in THUMBNAIL_CONTENT_TYPES:
        async_task("storage.tasks.version_thumbnail_task", str(version_id))


def _free_name(*, owner, folder: Folder | None, name: str) -> str:
    taken = set(
        File.objects.filter(owner=owner, folder=folder, deleted_at__isnull=True).values_list("name", flat=True)
    ) | set(Folder.objects.filter(owner=owner, parent=folder, deleted_at__isnull=True).values_list("name", flat=True))
    counter = 2
    candidate = name
    while candidate in taken:
        candidate = name_with_counter(name, counter)
        counter += 1
    return candidate


def _finish_unsuccessfully(*, upload: UploadSession, status: str) -> bool:
    """Mark a pending session aborted/expired/failed and release its reservation (one
    transaction), then clean the store (no transaction open), then stamp finished_at.
    Returns False if the session was no longer pending (e.g. completed meanwhile)."""
    with transaction.atomic():
        usage_lock(user=upload.owner)  # lock order: Usage -> UploadSession
        locked = upload_lock(upload_id=upload.pk)
        if locked.status != UploadSession.Status.PENDING:
            return False
        quota_release(user=locked.owner, size_bytes=locked.size_bytes, files=1)
        locked.status = status
        locked.save(update_fields=["status"])
    _clean_store(upload=locked)
    return True


def _clean_store(*, upload: UploadSession) -> None:
    backend = get_backend()
    try:
        if upload.multipart_upload_id:
            backend.multipart_abort(key=upload.key, upload_id=upload.multipart_upload_id)
        backend.delete(keys=[upload.key])
    except BackendError:
        # The sweeper retries sessions whose store cleanup has not finished.
        logger.warning("Store cleanup of upload %s failed; the sweeper will retry", upload.pk, exc_info=True)
        return
    UploadSession.objects.filter(pk=upload.pk).update(finished_at=timezone.now())


def upload_abort(*, user, upload_id) -> None:
    """Abort: the multipart upload is aborted, any object deleted, the reservation
    released. Idempotent for an upload already aborted. Raises NotFound, Conflict."""
    upload = upload_get_for_user(user=user, upload_id=upload_id)
    if upload.status == UploadSession.Status.COMPLETED:
        raise UploadCompleted("This upload is already complete; delete the file instead.")
    if upload.status != UploadSession.Status.PENDING:
        if upload.finished_at is None:
            _clean_store(upload=upload)
        return
    if not _finish_unsuccessfully(upload=upload, status=UploadSession.Status.ABORTED):
        upload.refresh_from_db()
        if upload.status == UploadSession.Status.COMPLETED:
            raise UploadCompleted("This upload is already complete; delete the file instead.")


def upload_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Expire pending sessions past expires_at (same as abort) and retry store cleanup of
    finished-unsuccessfully sessions a crash left behind. Safe to run twice."""
    now = now or timezone.now()
    swept = 0
    expired = UploadSession.objects.filter(status=UploadSession.Status.PENDING, expires_at__lte=now)
    for upload in expired.order_by("expires_at")[:limit]:
        if _finish_unsuccessfully(upload=upload, status=UploadSession.Status.EXPIRED):
            swept += 1
    leftovers = UploadSession.objects.filter(
        status__in=[UploadSession.Status.ABORTED, UploadSession.Status.EXPIRED, UploadSession.Status.FAILED],
        finished_at__isnull=True,
    )
    for upload in leftovers.order_by("created_at")[:limit]:
        _clean_store(upload=upload)
    return swept


__all__ = [
    "UploadStart",
    "UploadState",
    "part_size_for",
    "upload_abort",
    "upload_complete",
    "upload_complete_from_event",
    "upload_parts_presign",
    "upload_start",
    "upload_state",
    "upload_sweep",
]
