"""The direct-upload protocol (DESIGN.md): reserve, sign, let the bytes move, verify, record.

- `start.py`: validate, reserve quota, create the session, sign the PUT or start the
  multipart upload (`upload_start`).
- `transfer.py`: while the bytes move: part URLs and the resume state
  (`upload_parts_presign`, `upload_state`).
- `complete.py`: assemble, HEAD-verify, record (`upload_complete`,
  `upload_complete_from_event`); recording itself is storage/services/recording.py,
  shared with server-side copies.
- `sweep.py`: end sessions that will not be recorded (`upload_abort`, `upload_sweep`),
  and delete what a URL wrote after its session ended (`upload_late_writes_delete`).

The object store is never called inside a transaction. Each step that changes rows is
one short transaction that locks in the order of storage/locks.py; a crash between a
transaction and the store call it pairs with leaves a session that `upload_sweep`
finishes.
"""

from storage.services.uploads.complete import upload_complete, upload_complete_from_event
from storage.services.uploads.start import UploadStart, part_size_for, upload_start
from storage.services.uploads.sweep import upload_abort, upload_late_writes_delete, upload_sweep
from storage.services.uploads.transfer import UploadState, upload_parts_presign, upload_state

__all__ = [
    "UploadStart",
    "UploadState",
    "part_size_for",
    "upload_abort",
    "upload_complete",
    "upload_complete_from_event",
    "upload_late_writes_delete",
    "upload_parts_presign",
    "upload_start",
    "upload_state",
    "upload_sweep",
]
