"""Sub-errors of QuotaExceeded: each names the plan limit that refused."""

from __future__ import annotations

from kosha.errors.kinds import QuotaExceeded


class FileTooLarge(QuotaExceeded):
    reason = "max_file_bytes"


class StorageFull(QuotaExceeded):
    reason = "storage_bytes"
    default_message = "Not enough storage left on your plan."


class TooManyFiles(QuotaExceeded):
    reason = "max_files"
