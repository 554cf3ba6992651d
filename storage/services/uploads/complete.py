"""Completing an upload: assemble the parts, HEAD-verify size (and sha256) with no
transaction open, then record (storage/services/recording.py). A mismatch, or a conflict
that retrying cannot resolve, ends the session and gives back the bytes and the quota."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING

from kosha.errors import (
    ChecksumMismatch,
    FinalConflict,
    InvalidInput,
    InvalidParts,
    SizeMismatch,
    StoreUnavailable,
    TooManyFiles,
    UploadCompleted,
    UploadIncomplete,
    UploadVanished,
    VerificationFailed,
)
from kosha.origin import TASK, Origin
from storage.backends import BackendError, ObjectInfo, PartsRejected, UploadNotFound, get_backend
from storage.models import FileVersion, UploadSession
from storage.services.recording import session_abandon, version_record
from storage.services.uploads.transfer import upload_require_pending

if TYPE_CHECKING:
    from accounts.models import User

_READ_CHUNK_BYTES = 1024 * 1024
# Up to this size, an object whose checksum must be checked is fetched whole, in one request.
_FETCH_WHOLE_BYTES = 1024 * 1024


def _clean_parts(raw: object, *, part_count: int) -> list[tuple[int, str]]:
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
        for chunk in iter(lambda: stream.read(_READ_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def upload_complete(*, actor: User | None, upload: UploadSession, parts: object = None, origin: Origin) -> FileVersion:
    """Finish an upload (a session the door got through sharing.access): assemble the
    parts, HEAD-verify size (and sha256), then in one transaction record the File or a
    new FileVersion, move the reservation into used bytes and record UPLOAD_COMPLETED
    with actor (None for a drop) and origin. Idempotent: a completed session returns
    its version. Raises UploadGone, UploadVanished (the store lost the parts: the
    session fails, its reservation is released), UploadIncomplete, InvalidInput,
    InvalidParts, VerificationFailed (object deleted, reservation released), the errors
    of version_record, StoreUnavailable (nothing recorded, reservation kept until
    expiry)."""
    if upload.status == UploadSession.Status.COMPLETED and upload.version_id:
        return _recorded_version(upload)
    upload_require_pending(upload)
    backend = get_backend()

    try:
        if upload.strategy == UploadSession.Strategy.MULTIPART:
            cleaned = _clean_parts(parts, part_count=upload.part_count)
            try:
                backend.multipart_complete(key=upload.key, upload_id=upload.multipart_upload_id, parts=cleaned)
            except UploadNotFound as exc:
                # A retried complete after the store already assembled the object finds
                # no upload any more: the HEAD below decides whether that is fine.
                if backend.head(key=upload.key) is None:
                    # The store lost the parts; nothing can complete this: give the
                    # reservation back now.
                    session_abandon(session=upload, status=UploadSession.Status.FAILED)
                    raise UploadVanished() from exc
            except PartsRejected as exc:
                if backend.head(key=upload.key) is None:
                    raise InvalidParts(field="parts", store_code=exc.code) from exc
    except BackendError as exc:
        raise StoreUnavailable() from exc
    return _verify_and_record(upload, actor=actor, origin=origin)


def upload_complete_from_event(*, key: str) -> FileVersion | None:
    """Finish the pending upload whose object a storage event reports, exactly as the
    client's complete would (for multipart, the object only exists once the client has
    completed it in the store). Idempotent with a concurrent client complete: one version.
    Returns the version, or None when no pending or completed session holds this key (the
    caller checks for an orphan). The activity event names the session's starter as the
    actor and the store's notification (a task) as the origin. Raises Gone, Conflict,
    VerificationFailed, StoreUnavailable."""
    upload = UploadSession.objects.select_related("owner", "created_by").filter(key=key).first()
    if upload is None:
        return None
    if upload.status == UploadSession.Status.COMPLETED and upload.version_id:
        return _recorded_version(upload)
    if upload.status != UploadSession.Status.PENDING:
        return None
    upload_require_pending(upload)
    return _verify_and_record(upload, actor=upload.created_by, origin=TASK)


def _recorded_version(upload: UploadSession) -> FileVersion:
    """The version a completed session recorded, with its file; UploadCompleted (409) when
    that version was deleted since (pruned, or deleted by its owner) but the session read
    before the delete still names it. One query."""
    version_id = upload.version_id
    version = (
        FileVersion.objects.select_related("file__current_version").filter(pk=version_id).first()
        if version_id is not None
        else None
    )
    if version is None:
        raise UploadCompleted()
    return version


def _verify_and_record(upload: UploadSession, *, actor: User | None, origin: Origin) -> FileVersion:
    """HEAD-verify size (and sha256), then record; shared by complete and storage events."""
    info, sha256_hex = stored_object_check(upload)
    failed = stored_object_verdict(upload, info=info, sha256_hex=sha256_hex)
    if failed is not None:
        _reject(upload, failed)
    return verified_record(upload, etag=info.etag, sha256_hex=sha256_hex, actor=actor, origin=origin)


def stored_object_check(upload: UploadSession) -> tuple[ObjectInfo, str]:
    """What the store holds at the session's key: its HEAD, and the hex sha256 of its
    bytes when the session declared one ("" otherwise; read from the store's checksum, or
    from the bytes when the store keeps none). A small object with a declared checksum
    is checked in one request (StorageBackend.fetch: a HEAD where the store reports the
    checksum, one GET of the bytes where it keeps none, as moto and Ceph RGW do: else a
    HEAD and then a GET).
    Store calls only, no query: a batch complete runs it in worker threads. Raises
    UploadIncomplete (nothing there yet), StoreUnavailable."""
    backend = get_backend()
    data: bytes | None = None
    try:
        if upload.sha256 and upload.size_bytes <= _FETCH_WHOLE_BYTES:
            found = backend.fetch(key=upload.key, max_bytes=_FETCH_WHOLE_BYTES)
            info, data = found if found is not None else (None, None)
        else:
            info = backend.head(key=upload.key)
    except BackendError as exc:
        raise StoreUnavailable() from exc
    if info is None:
        raise UploadIncomplete()
    sha256_hex = ""
    if upload.sha256 and info.size_bytes == upload.size_bytes:
        try:
            if info.sha256_b64:
                sha256_hex = base64.b64decode(info.sha256_b64).hex()
            elif data is not None:
                sha256_hex = hashlib.sha256(data).hexdigest()
            else:
                # The store has no whole-object checksum (multipart): read it once to check.
                sha256_hex = _sha256_of_object(upload.key)
        except (binascii.Error, BackendError) as exc:
            raise StoreUnavailable() from exc
    return info, sha256_hex


def stored_object_verdict(upload: UploadSession, *, info: ObjectInfo, sha256_hex: str) -> VerificationFailed | None:
    """The verification failure of what stored_object_check found (SizeMismatch,
    ChecksumMismatch), or None when it is what the session declared. No query."""
    if info.size_bytes != upload.size_bytes:
        return SizeMismatch(
            f"The store holds {info.size_bytes} bytes but {upload.size_bytes} were declared.",
            declared_size=upload.size_bytes,
            stored_size=info.size_bytes,
        )
    if upload.sha256 and sha256_hex != upload.sha256:
        return ChecksumMismatch()
    return None


def verified_record(
    upload: UploadSession, *, etag: str, sha256_hex: str, actor: User | None, origin: Origin
) -> FileVersion:
    """Record a verified session (version_record); a conflict that retrying cannot
    resolve ends the session and gives back its bytes and reservation, then raises."""
    try:
        return version_record(
            session=upload,
            etag=etag,
            sha256=sha256_hex,
            name_policy=upload.on_conflict,
            actor=actor,
            origin=origin,
        )
    except (FinalConflict, TooManyFiles):
        # Retrying cannot help: give the bytes and the reservation back now.
        session_abandon(session=upload, status=UploadSession.Status.FAILED)
        raise


def _reject(upload: UploadSession, error: VerificationFailed) -> None:
    session_abandon(session=upload, status=UploadSession.Status.FAILED)
    raise error
