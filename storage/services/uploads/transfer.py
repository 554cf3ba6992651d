"""While the bytes move: short-lived part URLs, and the state a client resumes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from kosha.errors import InvalidInput, NotMultipart, StoreUnavailable, UploadCompleted, UploadExpired, UploadGone
from storage.backends import BackendError, PresignedRequest, StoredPart, UploadNotFound, get_backend
from storage.models import UploadSession


@dataclass(frozen=True)
class UploadState:
    upload: UploadSession
    parts: list[StoredPart]
    # A pending multipart session whose upload the store no longer holds (a lifecycle rule
    # or an operator aborted it in the store): it can only be aborted or started again.
    store_upload_missing: bool = False


def upload_require_pending(upload: UploadSession) -> None:
    """Raise UploadCompleted, UploadGone (aborted, expired, failed) or UploadExpired
    (pending but past expires_at) unless the session can still take bytes."""
    if upload.status == UploadSession.Status.COMPLETED:
        raise UploadCompleted()
    if upload.status != UploadSession.Status.PENDING:
        raise UploadGone.for_status(upload.status)
    if upload.expires_at <= timezone.now():
        raise UploadExpired("This upload has expired.")


def upload_parts_presign(*, upload: UploadSession, numbers: Any) -> list[tuple[int, PresignedRequest]]:
    """Short-lived PUT URLs for the given part numbers of a multipart upload (a session
    the door got through sharing.access.upload_for_actor or upload_for_link), by number.
    Raises UploadCompleted, UploadGone, NotMultipart, InvalidInput (numbers)."""
    upload_require_pending(upload)
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
                size_bytes=upload.part_bytes(number),
                expires_seconds=settings.KOSHA_PART_URL_EXPIRES_SECONDS,
            ),
        )
        for number in sorted(set(numbers))
    ]


def upload_state(*, upload: UploadSession) -> UploadState:
    """The session and, while a multipart upload is pending, the parts the store holds
    (none, with store_upload_missing, if the store no longer holds the upload). Raises
    StoreUnavailable."""
    parts: list[StoredPart] = []
    missing = False
    if upload.status == UploadSession.Status.PENDING and upload.strategy == UploadSession.Strategy.MULTIPART:
        backend = get_backend()
        try:
            parts = backend.multipart_list_parts(key=upload.key, upload_id=upload.multipart_upload_id)
        except UploadNotFound:
            # Completed in the store by a complete still running, or gone for good.
            try:
                missing = backend.head(key=upload.key) is None
            except BackendError as exc:
                raise StoreUnavailable() from exc
        except BackendError as exc:
            raise StoreUnavailable() from exc
    return UploadState(upload=upload, parts=parts, store_upload_missing=missing)
