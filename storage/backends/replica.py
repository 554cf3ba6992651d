"""A replicating backend: the primary store, a replica beside it, and a circuit breaker.

Writes go to the primary only; a worker copies each recorded blob to the replica after
commit (`replicate`). Deletes reach both stores. Reads go to the primary while it is
healthy; when the breaker is open they are answered from the replica, for objects the
replica holds, and writes raise `PrimaryDown` (503 with Retry-After). Nothing outside
`storage/backends/` knows which of the two answered.

Folder archives (`keys.is_archive_key`) are the one kind of object written while the
primary is down: they are built from replicated blobs and can be built again at will, so
an archive the primary cannot take goes to the replica, and a later download of it is
signed by whichever store holds it. That keeps "download as zip" working through an
outage, as downloads and previews do.

The breaker is the health check: after `failure_threshold` consecutive outage errors from
the primary it opens, and from then on no request waits on the primary; every
`probe_seconds` one caller probes the primary (a HEAD of a key that never exists) and
closes the breaker when the primary answers. The state is per process: each web and
worker process finds the outage itself, after at most `failure_threshold` failed calls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO, TypeVar

from storage import keys
from storage.backends.base import (
    BackendError,
    BackendMisconfigured,
    ListedObject,
    ObjectInfo,
    PartsRejected,
    PresignedRequest,
    StorageBackend,
    StoredPart,
    UploadNotFound,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A HEAD of this key answers None from a healthy store (nothing is ever stored there: local
# keys may not start with a dot, and S3 keys of users start with their prefix).
HEALTH_KEY = "kosha-health-probe/never-stored"

# Errors that are the store's answer about one request, not a sign that it is down.
_ANSWERS = (BackendMisconfigured, UploadNotFound, PartsRejected)


class PrimaryDown(BackendError):
    """The primary store is down (the breaker is open) and the replica cannot answer this
    call: a write, a listing, or a read of an object not replicated yet."""

    reason = "primary_down"
    retry_after_seconds = 30


class CircuitBreaker:
    """The primary's health, from calls and from probes. Closed while calls succeed; open
    after `failure_threshold` consecutive failures, or at once when a probe fails. A probe
    runs when nothing confirmed the store for `probe_seconds` (so even reads that never
    reach the store, like presigning a URL, learn of an outage within that time), and,
    while open, once per `probe_seconds` to close again. Thread-safe: a process-local
    mutex, one probe at a time."""

    def __init__(
        self,
        *,
        probe: Callable[[], None],
        failure_threshold: int = 3,
        probe_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self.failure_threshold = failure_threshold
        self.probe_seconds = probe_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._confirmed_at = clock()

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def allows(self) -> bool:
        """True when calls may go to the protected store (closed, and confirmed healthy
        within `probe_seconds`, by a call or by a probe run now)."""
        now = self._clock()
        since = now - (self._confirmed_at if self._opened_at is None else self._opened_at)
        if since < self.probe_seconds:
            return self._opened_at is None
        with self._lock:
            try:
                self._probe()
            except BackendError:
                if self._opened_at is None:
                    logger.error("Primary store health probe failed: circuit breaker open")
                self._opened_at = self._clock()
                return False
            if self._opened_at is not None:
                logger.warning("Primary store answers again: circuit breaker closed")
            self._opened_at = None
            self._failures = 0
            self._confirmed_at = self._clock()
            return True

    def succeeded(self) -> None:
        self._failures = 0
        self._confirmed_at = self._clock()

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._opened_at is None and self._failures >= self.failure_threshold:
                logger.error("Primary store failing: circuit breaker open, reads go to the replica")
                self._opened_at = self._clock()

    def trip(self) -> None:
        """Open now (an operator's or a test's word that the primary is down)."""
        with self._lock:
            self._failures = self.failure_threshold
            self._opened_at = self._clock()


class ReplicatingBackend(StorageBackend):
    """`primary` behind a circuit breaker, `replica` beside it (see the module docstring)."""

    def __init__(
        self,
        *,
        primary: StorageBackend,
        replica: StorageBackend,
        failure_threshold: int = 3,
        probe_seconds: float = 10.0,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.name = f"{primary.name}+replica"
        self.breaker = CircuitBreaker(
            probe=lambda: primary.head(key=HEALTH_KEY),
            failure_threshold=failure_threshold,
            probe_seconds=probe_seconds,
        )

    @property
    def innermost(self) -> StorageBackend:
        return self.primary.innermost

    @property
    def stores(self) -> list[StorageBackend]:
        return [*self.primary.stores, *self.replica.stores]

    @property
    def replicating(self) -> bool:
        return True

    @property
    def verifies_signed_checksums(self) -> bool:
        """The primary's answer: uploads go to the primary only."""
        return self.primary.verifies_signed_checksums

    @property
    def primary_healthy(self) -> bool:
        return not self.breaker.is_open

    # --- routing ----------------------------------------------------------------------
    def _on_primary(self, call: Callable[[], T], *, reaches_store: bool = True) -> T:
        """Run call against the primary through the breaker; raises PrimaryDown while it
        is open, and the call's own BackendError (counted as a failure) otherwise. Only a
        call that `reaches_store` confirms its health (signing a URL does not)."""
        if not self.breaker.allows():
            raise PrimaryDown("The primary store is down; try again shortly.")
        try:
            result = call()
        except _ANSWERS:
            self.breaker.succeeded()
            raise
        except BackendError:
            self.breaker.failed()
            raise
        if reaches_store:
            self.breaker.succeeded()
        return result

    def _read(self, call: Callable[[StorageBackend], T], *, reaches_store: bool = True) -> T:
        """A read from the primary, or from the replica when the primary is down (the
        breaker is open, or this very call found it failing)."""
        if self.breaker.allows():
            try:
                return self._on_primary(lambda: call(self.primary), reaches_store=reaches_store)
            except _ANSWERS:
                raise
            except BackendError:
                logger.warning("Primary store read failed; answering from the replica", exc_info=True)
        return call(self.replica)

    # --- uploads: the primary only ----------------------------------------------------
    def presign_put(self, **kwargs) -> PresignedRequest:
        return self._on_primary(lambda: self.primary.presign_put(**kwargs), reaches_store=False)

    def multipart_start(self, *, key: str, content_type: str) -> str:
        return self._on_primary(lambda: self.primary.multipart_start(key=key, content_type=content_type))

    def presign_part(self, **kwargs) -> PresignedRequest:
        return self._on_primary(lambda: self.primary.presign_part(**kwargs), reaches_store=False)

    def multipart_part_put(self, *, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        return self._on_primary(
            lambda: self.primary.multipart_part_put(key=key, upload_id=upload_id, part_number=part_number, data=data)
        )

    def multipart_list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        return self._on_primary(lambda: self.primary.multipart_list_parts(key=key, upload_id=upload_id))

    def multipart_complete(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        self._on_primary(lambda: self.primary.multipart_complete(key=key, upload_id=upload_id, parts=parts))

    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        self._on_primary(lambda: self.primary.multipart_abort(key=key, upload_id=upload_id))

    def put_bytes(self, *, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        """Store data at key in the primary. A folder archive goes to the replica instead
        while the primary is down (or when this very write finds it failing: data is read
        again from the start, so a stream must be seekable). Raises PrimaryDown for any
        other key while the primary is down, BackendError when a store fails."""
        if not keys.is_archive_key(key):
            self._on_primary(lambda: self.primary.put_bytes(key=key, data=data, content_type=content_type))
            return
        if self.breaker.allows():
            start = data.tell() if not isinstance(data, bytes | bytearray) else 0
            try:
                self._on_primary(lambda: self.primary.put_bytes(key=key, data=data, content_type=content_type))
                return
            except _ANSWERS:
                raise
            except BackendError:
                logger.warning("Primary store write of archive %s failed; storing it in the replica", key)
            if not isinstance(data, bytes | bytearray):
                data.seek(start)
        self.replica.put_bytes(key=key, data=data, content_type=content_type)

    def copy(self, *, source_key: str, dest_key: str) -> None:
        self._on_primary(lambda: self.primary.copy(source_key=source_key, dest_key=dest_key))

    # --- reads: fail over to the replica ----------------------------------------------
    def head(self, *, key: str) -> ObjectInfo | None:
        def head_on(store: StorageBackend) -> ObjectInfo | None:
            info = store.head(key=key)
            if info is None and store is self.replica:
                # Absent from the replica says nothing about the primary: never "missing".
                raise PrimaryDown(f"The primary store is down and {key} is not replicated yet.")
            return info

        return self._read(head_on)

    def presign_get(self, *, key: str, filename: str, content_type: str, inline: bool, expires_seconds: int) -> str:
        """A GET URL from the primary, or from the replica while the primary is down (for an
        object it holds: PrimaryDown otherwise). A folder archive is signed by the store
        that holds it, which costs one HEAD: it may have been built during an outage."""

        def presign_on(store: StorageBackend) -> str:
            if store is self.primary and keys.is_archive_key(key) and store.head(key=key) is None:
                if self.replica.head(key=key) is not None:
                    store = self.replica
            elif store is self.replica and store.head(key=key) is None:
                raise PrimaryDown(f"The primary store is down and {key} is not replicated yet.")
            return store.presign_get(
                key=key, filename=filename, content_type=content_type, inline=inline, expires_seconds=expires_seconds
            )

        return self._read(presign_on, reaches_store=False)

    def open(self, *, key: str) -> BinaryIO:
        def open_on(store: StorageBackend) -> BinaryIO:
            try:
                return store.open(key=key)
            except FileNotFoundError:
                if store is self.replica:
                    raise PrimaryDown(f"The primary store is down and {key} is not replicated yet.") from None
                raise

        return self._read(open_on)

    def list_keys(self, *, keys: list[str]) -> dict[str, ListedObject]:
        """What the primary lists at keys (uploads go to the primary only, and a key the
        replica lacks says nothing about the primary). Raises PrimaryDown while the
        primary is down, BackendError when it fails (the caller HEADs instead)."""
        return self._on_primary(lambda: self.primary.list_keys(keys=keys))

    def list_prefix(self, *, prefix: str) -> Iterator[ListedObject]:
        """Every object under prefix in the primary, then those only the replica holds: an
        empty listing proves both prefixes empty (the account purge relies on it). Raises
        PrimaryDown while the primary is down."""
        listed = self._on_primary(lambda: list(self.primary.list_prefix(prefix=prefix)))
        seen = {item.key for item in listed}
        yield from listed
        yield from (item for item in self.replica.list_prefix(prefix=prefix) if item.key not in seen)

    # --- deletes: both stores ---------------------------------------------------------
    def delete(self, *, keys: list[str]) -> None:
        """Delete from the primary, then from the replica; raises PrimaryDown while the
        primary is down (the caller retries), BackendError if either store fails."""
        self._on_primary(lambda: self.primary.delete(keys=keys))
        self.replica.delete(keys=keys)

    def delete_prefix(self, *, prefix: str) -> int:
        deleted = self._on_primary(lambda: self.primary.delete_prefix(prefix=prefix))
        self.replica.delete_prefix(prefix=prefix)
        return deleted

    # --- replication ------------------------------------------------------------------
    def replicate(self, *, key: str) -> bool:
        """Copy key's bytes from the primary to the replica, unless the replica already
        holds the same size and ETag. Returns False when the primary no longer holds key
        (deleted since: nothing to copy). Raises BackendError (PrimaryDown included) when
        either store fails; the caller retries. Locks nothing."""
        source = self._on_primary(lambda: self.primary.head(key=key))
        if source is None:
            return False
        if same_object(source, self.replica.head(key=key)):
            return True
        try:
            stream = self._on_primary(lambda: self.primary.open(key=key))
        except FileNotFoundError:
            return False  # deleted since the HEAD (its version pruned or purged meanwhile)
        try:
            self.replica.put_bytes(key=key, data=stream, content_type=source.content_type)
        finally:
            stream.close()
        return True

    def replica_head(self, *, key: str) -> ObjectInfo | None:
        """What the replica holds at key (for replicas_verify), or None."""
        return self.replica.head(key=key)

    def replica_list_prefix(self, *, prefix: str) -> Iterator[ListedObject]:
        """Every object under prefix in the replica alone (for replicas_verify)."""
        return self.replica.list_prefix(prefix=prefix)

    def replica_delete(self, *, keys: list[str]) -> None:
        """Delete keys from the replica alone (objects no row accounts for)."""
        self.replica.delete(keys=keys)


def same_object(source: ObjectInfo, copied: ObjectInfo | None) -> bool:
    """Whether copied holds source's bytes as far as the stores tell: the same size, and the
    same ETag unless one is a multipart ETag (`md5-of-md5s-N`, which a copy made another
    way never matches)."""
    if copied is None or copied.size_bytes != source.size_bytes:
        return False
    return copied.etag == source.etag or "-" in copied.etag or "-" in source.etag
