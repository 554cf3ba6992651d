"""A WebDAV PUT body, streamed into the store and recorded as the upload protocol does.

- With a length (`Content-Length`, or `X-Expected-Entity-Length` as Finder sends): the
  quota is reserved up front by `upload_start` (507 before any byte moves when it does
  not fit). Above the multipart threshold the body goes to the store part by part;
  below it, into a spool (memory up to SPOOL_MEMORY_BYTES, then a temp file) and one PUT.
- Without a length (chunked): the first part is held in memory while it is counted
  against the owner's available bytes; a body that ends within it is stored with one
  PUT. A longer one becomes a multipart upload whose reservation grows one part at a
  time as the bytes arrive (storage/services/uploads/reserve.py): when the quota has no
  room left the PUT answers 507 and the upload is aborted (nothing stored, nothing
  reserved); when the body ends the reservation is settled to the exact size.
Parts go to the store from a small pool of threads while the next part is read from
the request (PARTS_IN_FLIGHT at once), so memory holds at most PARTS_IN_FLIGHT + 1
parts. Either way `upload_complete` HEAD-verifies the object and records the version
in one transaction (the same recording as the API), with actor and origin `dav`. A
SHA-1 is computed while the bytes pass and kept on the version (`oc:checksums`).
"""

from __future__ import annotations

import hashlib
import mimetypes
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from wsgidav.dav_error import HTTP_BAD_REQUEST, HTTP_INSUFFICIENT_STORAGE, HTTP_SERVICE_UNAVAILABLE, DAVError

from dav.errors import dav_errors
from kosha.errors import UploadCompleted
from plans.selectors import usage_get_for_user
from sharing.access import Need, file_for_actor
from storage.backends import BackendError, get_backend
from storage.models import File, UploadSession
from storage.places import Place
from storage.services.uploads.complete import upload_complete
from storage.services.uploads.reserve import upload_reservation_grow, upload_reservation_settle
from storage.services.uploads.start import part_size_for, upload_start
from storage.services.uploads.sweep import upload_abort
from storage.services.versions import version_sync_properties_set

SPOOL_MEMORY_BYTES = 8 * 1024 * 1024
# Parts uploading to the store while the request body is read: the protocol's browser
# client sends 4 at once; memory holds these plus the part being filled.
PARTS_IN_FLIGHT = 3


def declared_length(environ: dict) -> int | None:
    """The body's length from Content-Length or X-Expected-Entity-Length, else None."""
    for header in ("CONTENT_LENGTH", "HTTP_X_EXPECTED_ENTITY_LENGTH"):
        raw = (environ.get(header) or "").strip()
        if raw:
            if not raw.isdigit():
                raise DAVError(HTTP_BAD_REQUEST, context_info=f"Invalid {header}.")
            return int(raw)
    return None


def _store_unavailable(exc: BaseException) -> DAVError:
    error = DAVError(HTTP_SERVICE_UNAVAILABLE, context_info="The store is unavailable.")
    error.__cause__ = exc
    return error


class StoreWriter:
    """The file WsgiDAV writes a PUT body into. One per request; write() and close()
    are called from the request's thread, the part uploads run in a pool of its own."""

    def __init__(self, *, actor, origin, place: Place, name: str, content_type: str | None, environ: dict) -> None:
        self.actor, self.origin, self.place, self.name = actor, origin, place, name
        if not content_type or content_type == "application/octet-stream":
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.content_type = content_type.split(";")[0].strip()
        self.declared = declared_length(environ)
        self.backend = get_backend()
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.received = 0
        self.upload: UploadSession | None = None
        self.spool = None
        # Parts are filled in at most PARTS_IN_FLIGHT + 1 buffers of the part size, made
        # once per request and reused: `buffer` is being filled (`filled` bytes so far),
        # the others are on their way to the store (in_flight) or `free`.
        self.buffer: bytearray | None = None
        self.filled = 0
        self.free: list[bytearray] = []
        self.buffers_made = 0
        self.parts: list[dict] = []
        self.sent_parts = 0
        self.in_flight: deque[tuple[int, Future, bytearray | bytes]] = deque()
        self.pool: ThreadPoolExecutor | None = None
        self.version = None
        self.available: int | None = None
        self.unknown_part_bytes = 0
        if self.declared is not None:
            self._start(self.declared)
            if self.upload.strategy == UploadSession.Strategy.SINGLE:
                self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
        else:
            self.available = usage_get_for_user(user=place.owner).available_bytes
            # 10,000 parts of this size hold everything the owner has room for.
            self.unknown_part_bytes = part_size_for(max(self.available, 0))

    @property
    def growing(self) -> bool:
        """A body without a length: its reservation grows as it arrives."""
        return self.declared is None

    def _start(self, size_bytes: int, *, part_size_bytes: int | None = None) -> None:
        # The folder gone since the path was resolved: 409, as for a parent that never was.
        with dav_errors(making=True):
            started = upload_start(
                actor=self.actor,
                place=self.place,
                name=self.name,
                size_bytes=size_bytes,
                content_type=self.content_type,
                on_conflict=UploadSession.OnConflict.VERSION,
                part_size_bytes=part_size_bytes,
            )
        self.upload = started.upload

    def _cover_received(self) -> None:
        """Grow a growing session's reservation until it covers every byte received
        (a part at a time); 507 when the owner's quota has no room left."""
        while self.received > self.upload.size_bytes:
            with dav_errors():
                upload_reservation_grow(upload=self.upload, by_bytes=self.upload.part_size_bytes)

    def _part_bytes(self) -> int:
        return self.upload.part_size_bytes if self.upload is not None else self.unknown_part_bytes

    def _take_buffer(self) -> bytearray:
        """A part buffer: a free one, a new one while fewer than PARTS_IN_FLIGHT + 1
        exist, else the buffer of the oldest part once the store has it."""
        if not self.free and self.buffers_made > PARTS_IN_FLIGHT:
            self._collect_oldest()
        if self.free:
            return self.free.pop()
        self.buffers_made += 1
        return bytearray(self._part_bytes())

    def _send_part(self, buffer: bytearray | bytes, length: int) -> None:
        """Hand the first length bytes of buffer to the pool as the next part (the whole
        buffer, not a copy, when it is full)."""
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=PARTS_IN_FLIGHT, thread_name_prefix="dav-part")
        self.sent_parts += 1
        future = self.pool.submit(
            self.backend.multipart_part_put,
            key=self.upload.key,
            upload_id=self.upload.multipart_upload_id,
            part_number=self.sent_parts,
            data=buffer if length == len(buffer) else bytes(memoryview(buffer)[:length]),
        )
        self.in_flight.append((self.sent_parts, future, buffer))

    def _collect_oldest(self) -> None:
        number, future, buffer = self.in_flight.popleft()
        try:
            etag = future.result()
        except BackendError as exc:
            raise _store_unavailable(exc) from exc
        self.parts.append({"number": number, "etag": etag})
        if isinstance(buffer, bytearray) and len(buffer) == self._part_bytes():
            self.free.append(buffer)

    def write(self, data: bytes) -> None:
        self.received += len(data)
        if self.declared is not None and self.received > self.declared:
            raise DAVError(HTTP_BAD_REQUEST, context_info="The body is longer than its declared length.")
        if self.upload is None and self.available is not None and self.received > self.available:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, context_info="Not enough storage left for this file.")
        self.sha1.update(data)
        if self.spool is not None:
            self.spool.write(data)
            return
        if self.growing and self.upload is not None:
            self._cover_received()
        view = memoryview(data)
        while view:
            if self.buffer is not None and self.filled == len(self.buffer):
                # A full part with more bytes after it: not the last, so it goes now
                # (the last part, whatever its size, goes from close()).
                if self.upload is None:
                    # The body outgrew its first part: a multipart upload that reserves
                    # what has arrived, then grows a part at a time.
                    self._start(self.received, part_size_bytes=self.unknown_part_bytes)
                self._send_part(self.buffer, self.filled)
                self.buffer = None
            if self.buffer is None:
                self.buffer, self.filled = self._take_buffer(), 0
            piece = view[: len(self.buffer) - self.filled]
            self.buffer[self.filled : self.filled + len(piece)] = piece
            self.filled += len(piece)
            view = view[len(piece) :]

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def close(self) -> None:
        """The body has ended: store what is left, verify, record the version."""
        if self.declared is not None and self.received != self.declared:
            raise DAVError(HTTP_BAD_REQUEST, context_info="The body is shorter than its declared length.")
        if self.upload is None:
            # A body without a length that ended within its first part.
            self._start(self.received)
        try:
            if self.upload.strategy == UploadSession.Strategy.SINGLE:
                if self.spool is not None:
                    self.spool.seek(0)
                    data = self.spool
                else:
                    data = bytes(memoryview(self.buffer)[: self.filled]) if self.buffer is not None else b""
                self.backend.put_bytes(key=self.upload.key, data=data, content_type=self.content_type)
            else:
                last = self.buffer if self.buffer is not None else b""
                if len(last) and self.filled < len(last):
                    # The last part is copied out of its buffer: wait for the others
                    # first, so the copy does not add to the parts in memory.
                    while self.in_flight:
                        self._collect_oldest()
                    self.free.clear()
                self._send_part(last, self.filled)
                self.buffer = None
                while self.in_flight:
                    self._collect_oldest()
        except BackendError as exc:
            raise _store_unavailable(exc) from exc
        finally:
            self._release()
        if self.growing and self.upload.strategy == UploadSession.Strategy.MULTIPART:
            with dav_errors():
                upload_reservation_settle(upload=self.upload, size_bytes=self.received)
        with dav_errors():
            version = upload_complete(
                actor=self.actor, upload=self.upload, parts=self.parts or None, origin=self.origin
            )
        self.version = version_sync_properties_set(version=version, sha1=self.sha1.hexdigest())

    def _release(self) -> None:
        """Close the spool, drop the buffer, wait for parts on their way, stop the pool."""
        if self.spool is not None:
            self.spool.close()
            self.spool = None
        self.buffer = None
        self.free.clear()
        if self.pool is not None:
            for _, future, _ in self.in_flight:
                future.cancel()
            self.pool.shutdown(wait=True)
            self.pool = None

    def abort(self) -> None:
        """Give the reservation back and clean the store (a failed or cut-off PUT)."""
        self._release()
        self.in_flight.clear()
        if self.upload is not None and self.version is None:
            try:
                upload_abort(upload=self.upload)
            except UploadCompleted:
                pass

    def recorded_file(self) -> File | None:
        """The file as recorded (through sharing.access, with its new current version)."""
        if self.version is None:
            return None
        with dav_errors():
            return file_for_actor(actor=self.actor, file_id=self.version.file_id, need=Need.VIEW)
