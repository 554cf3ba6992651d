"""Kosha's rule at the local store's door: a signed URL is dead once its session leaves
`pending` (DESIGN.md, "Signed URLs die with their session").

S3 cannot revoke a presigned URL; the local store is ours, so its upload view asks the
database before a byte becomes an object. Twice: before reading the body (fail fast), and
again, holding the session's row, while the staged bytes are put in place, so an abort,
an expiry or a completion that commits meanwhile either waits for the bytes (and then
deletes them) or finds them refused. Keys no pending session holds are refused too:
Kosha signs upload URLs only for sessions it has committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from storage.backends.local.signing import UploadRejected
from storage.models import FileVersion, UploadSession


def _refuse_unless_pending(*, key: str, multipart_upload_id: str | None, hold: bool) -> None:
    sessions = UploadSession.objects.filter(key=key, status=UploadSession.Status.PENDING, expires_at__gt=timezone.now())
    if multipart_upload_id is not None:
        sessions = sessions.filter(multipart_upload_id=multipart_upload_id)
    # A no-op UPDATE rather than SELECT FOR UPDATE: it takes the row lock on PostgreSQL and
    # the write lock on SQLite (which ignores FOR UPDATE), so a concurrent abort waits.
    found = sessions.update(status=UploadSession.Status.PENDING) if hold else sessions.exists()
    # Never over a recorded object, whatever the session says (a key is recorded once).
    if not found or FileVersion.objects.filter(key=key).exists():
        if multipart_upload_id is not None:
            raise UploadRejected("NoSuchUpload", "The specified multipart upload does not exist.", 404)
        raise UploadRejected("AccessDenied", "This URL's upload is no longer pending.", 403)


def upload_check(*, key: str, multipart_upload_id: str | None = None) -> None:
    """Refuse (UploadRejected: 403 AccessDenied, or 404 NoSuchUpload for a part) unless a
    pending, unexpired session holds key (and the multipart upload). Locks nothing."""
    _refuse_unless_pending(key=key, multipart_upload_id=multipart_upload_id, hold=False)


@contextmanager
def upload_held(*, key: str, multipart_upload_id: str | None = None) -> Iterator[None]:
    """Run the block inside a transaction that holds the pending session's row, after the
    same check as upload_check. The block should only move local files: no network."""
    with transaction.atomic():
        _refuse_unless_pending(key=key, multipart_upload_id=multipart_upload_id, hold=True)
        yield
