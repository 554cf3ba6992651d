"""Ending sessions that will not be recorded: the client's abort, and the scheduled
sweep of expired sessions, of store cleanups a crash left unfinished, and of the late
writes a presigned URL can still make after its session ended."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from kosha.errors import UploadCompleted
from storage.backends import BackendError
from storage.models import UploadSession
from storage.services.recording import session_abandon, session_objects_delete, session_store_clean

logger = logging.getLogger(__name__)
_ENDED_UNRECORDED = [UploadSession.Status.ABORTED, UploadSession.Status.EXPIRED, UploadSession.Status.FAILED]

_ALREADY_COMPLETE = "This upload is already complete; delete the file instead."


def upload_abort(*, upload: UploadSession) -> None:
    """Abort a session the door got through sharing.access: the multipart upload is
    aborted, any object deleted, the reservation given back to the owner. Idempotent for
    an upload already aborted. Raises UploadCompleted. Locks the session, then Usage."""
    if upload.status == UploadSession.Status.COMPLETED:
        raise UploadCompleted(_ALREADY_COMPLETE)
    if upload.status != UploadSession.Status.PENDING:
        if upload.finished_at is None:
            session_store_clean(session=upload)
        return
    if not session_abandon(session=upload, status=UploadSession.Status.ABORTED):
        upload.refresh_from_db()
        if upload.status == UploadSession.Status.COMPLETED:
            raise UploadCompleted(_ALREADY_COMPLETE)


def upload_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Expire pending sessions past expires_at (same as abort), retry store cleanup of
    finished-unsuccessfully sessions a crash left behind, and delete the late writes that
    are due (upload_late_writes_delete). Returns how many expired. Safe to run twice."""
    now = now or timezone.now()
    swept = 0
    expired = UploadSession.objects.filter(status=UploadSession.Status.PENDING, expires_at__lte=now)
    for upload in expired.order_by("expires_at")[:limit]:
        if session_abandon(session=upload, status=UploadSession.Status.EXPIRED):
            swept += 1
    leftovers = UploadSession.objects.filter(status__in=_ENDED_UNRECORDED, finished_at__isnull=True)
    for upload in leftovers.order_by("created_at")[:limit]:
        session_store_clean(session=upload)
    upload_late_writes_delete(now=now, limit=limit)
    return swept


def upload_late_writes_delete(*, now: datetime | None = None, limit: int = 500) -> int:
    """Delete, once more, the key of every session that ended unrecorded and whose
    `delete_after` has come (recording.late_writes_end): a URL S3 cannot revoke may have
    put bytes there after the first cleanup. Aborts a multipart upload again too (AWS:
    parts in flight during an abort may still land). Calls the store with no transaction
    open; a store error leaves the session for the next run. Returns how many keys were
    deleted. Safe to run twice."""
    now = now or timezone.now()
    deleted = 0
    due = UploadSession.objects.filter(status__in=_ENDED_UNRECORDED, delete_after__lte=now)
    for upload in due.order_by("delete_after")[:limit]:
        try:
            session_objects_delete(session=upload)
        except BackendError:
            logger.warning("Late-write delete of upload %s failed; the next sweep retries", upload.pk, exc_info=True)
            continue
        UploadSession.objects.filter(pk=upload.pk, delete_after=upload.delete_after).update(delete_after=None)
        deleted += 1
    return deleted
