"""Sub-errors of StoreUnavailable: what the object store's failure was."""

from __future__ import annotations

from typing import ClassVar

from kosha.errors.kinds import StoreUnavailable


class StoreBusy(StoreUnavailable):
    """The store asked to slow down or failed inside (SlowDown, 500, 503)."""

    reason = "store_busy"
    default_message = "The object store is busy. Try again in a few seconds."
    retry_after_seconds: ClassVar[int] = 5

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class StorePrimaryDown(StoreUnavailable):
    """The primary store is down: reads of replicated files still work, uploads wait."""

    reason = "primary_down"
    default_message = "The primary object store is down; uploads resume when it is back. Try again shortly."
    retry_after_seconds: ClassVar[int] = 30

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class StoreMisconfigured(StoreUnavailable):
    """The store refuses Kosha itself (missing bucket, refused credentials)."""

    reason = "store_misconfigured"
    default_message = (
        "The object store refuses this server's bucket or credentials. "
        "The operator must fix the storage settings; nothing was changed."
    )
