"""A session whose size is not known up front (a WebDAV PUT with a chunked body): it
starts with a reservation for one part, grows it part by part while the body arrives,
and settles it to the exact size once the body has ended, so the owner's quota always
covers the bytes already sent and a body that outgrows it stops with QuotaExceeded."""

from __future__ import annotations

from django.db import transaction

from kosha.errors import FileTooLarge, InvalidInput, StorageFull
from kosha.sizes import size_text
from plans.services import STORE_MAX_OBJECT_BYTES, quota_release, quota_reserve, usage_lock
from storage.locks import upload_lock
from storage.models import UploadSession
from storage.services.uploads.transfer import upload_require_pending


def upload_reservation_grow(*, upload: UploadSession, by_bytes: int) -> int:
    """Reserve up to by_bytes (> 0) more for a pending multipart session and raise its
    size_bytes by as much: a full part when the owner's quota has room for it, else what
    is left. Returns the bytes added (upload.size_bytes is updated in place). Raises
    StorageFull (the plan) or FileTooLarge (the plan's file size) when not one byte is left, UploadGone/UploadExpired/UploadCompleted
    when the session cannot take bytes, InvalidInput for by_bytes <= 0. Locks the
    session, then Usage, in one transaction."""
    if by_bytes <= 0:
        raise InvalidInput("A reservation grows by a positive number of bytes.", field="size")
    with transaction.atomic():
        locked = upload_lock(upload_id=upload.pk)
        upload_require_pending(locked)
        usage = usage_lock(user=upload.owner_id)  # after the session (storage/locks.py)
        plan = usage.plan
        file_room = min(plan.max_file_bytes, STORE_MAX_OBJECT_BYTES) - locked.size_bytes
        if file_room <= 0:
            raise FileTooLarge(
                f"Files on the {plan.name} plan can be at most {size_text(plan.max_file_bytes)}.",
                size_bytes=locked.size_bytes + by_bytes,
            )
        storage_room = plan.storage_bytes - usage.used_bytes - usage.reserved_bytes
        if storage_room <= 0:
            raise StorageFull(
                f"Not enough storage left on your plan: {size_text(plan.storage_bytes)} are in use.",
                size_bytes=locked.size_bytes + by_bytes,
            )
        added = min(by_bytes, file_room, storage_room)
        quota_reserve(user=upload.owner_id, size_bytes=added, files=0)
        locked.size_bytes += added
        locked.save(update_fields=["size_bytes"])
    upload.size_bytes = locked.size_bytes
    return added


def upload_reservation_settle(*, upload: UploadSession, size_bytes: int) -> None:
    """Set a pending session's size to the bytes that actually arrived (size_bytes, no
    more than it reserved) and give the rest of its reservation back, before
    upload_complete verifies the object against it. Raises InvalidInput (more than was
    reserved), UploadGone/UploadExpired/UploadCompleted. Locks the session, then Usage."""
    with transaction.atomic():
        locked = upload_lock(upload_id=upload.pk)
        upload_require_pending(locked)
        if not 0 <= size_bytes <= locked.size_bytes:
            raise InvalidInput("The upload is larger than its reservation.", field="size")
        surplus = locked.size_bytes - size_bytes
        if surplus:
            locked.size_bytes = size_bytes
            locked.save(update_fields=["size_bytes"])
            quota_release(user=upload.owner_id, size_bytes=surplus, files=0)  # Usage last (storage/locks.py)
    upload.size_bytes = size_bytes
