"""Ending sessions that will not be recorded: the client's abort, and the scheduled
sweep of expired sessions and of store cleanups a crash left unfinished."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from kosha.errors import UploadCompleted
from storage.models import UploadSession
from storage.selectors import upload_get_for_user
from storage.services.recording import session_abandon, session_store_clean

_ALREADY_COMPLETE = "This upload is already complete; delete the file instead."


def upload_abort(*, user, upload_id) -> None:
    """Abort: the multipart upload is aborted, any object deleted, the reservation
    released. Idempotent for an upload already aborted. Raises NotFound, UploadCompleted.
    Locks Usage, then the session."""
    upload = upload_get_for_user(user=user, upload_id=upload_id)
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
    """Expire pending sessions past expires_at (same as abort) and retry store cleanup of
    finished-unsuccessfully sessions a crash left behind. Returns how many expired. Safe
    to run twice."""
    now = now or timezone.now()
    swept = 0
    expired = UploadSession.objects.filter(status=UploadSession.Status.PENDING, expires_at__lte=now)
    for upload in expired.order_by("expires_at")[:limit]:
        if session_abandon(session=upload, status=UploadSession.Status.EXPIRED):
            swept += 1
    leftovers = UploadSession.objects.filter(
        status__in=[UploadSession.Status.ABORTED, UploadSession.Status.EXPIRED, UploadSession.Status.FAILED],
        finished_at__isnull=True,
    )
    for upload in leftovers.order_by("created_at")[:limit]:
        session_store_clean(session=upload)
    return swept
