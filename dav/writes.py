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
        self.part_buffer = bytearray()
        self.parts: list[dict] = []
        self.sent_parts = 0
        self.in_flight: deque[tuple[int, Future]] = deque()
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
        with dav_errors():
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

    def _send_part(self, data: bytes) -> None:
        """Hand one part to the pool, first waiting for the oldest when PARTS_IN_FLIGHT
        are on their way (so the body is read no faster than the store takes it)."""
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=PARTS_IN_FLIGHT, thread_name_prefix="dav-part")
        while len(self.in_flight) >= PARTS_IN_FLIGHT:
            self._collect_oldest()
        self.sent_parts += 1
        future = self.pool.submit(
            self.backend.multipart_part_put,
            key=self.upload.key,
            upload_id=self.upload.multipart_upload_id,
            part_number=self.sent_parts,
            data=data,
        )
        self.in_flight.append((self.sent_parts, future))

    def _collect_oldest(self) -> None:
        number, future = self.in_flight.popleft()
        try:
            etag = future.result()
        except BackendError as exc:
            raise _store_unavailable(exc) from exc
        self.parts.append({"number": number, "etag": etag})

    def _full_parts_ready(self) -> bool:
        if self.growing:
            # Keep at least one byte back: the body's last part is sent by close().
            return len(self.part_buffer) > self.unknown_part_bytes
        size = self.upload.part_size_bytes
        return len(self.part_buffer) >= size and self.sent_parts + 1 < self.upload.part_count

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
        self.part_buffer += data
        while self._full_parts_ready():
            if self.upload is None:
                # The body outgrew its first part: a multipart upload that reserves
                # what has arrived, then grows a part at a time.
                self._start(self.received, part_size_bytes=self.unknown_part_bytes)
            size = self.upload.part_size_bytes
            chunk = bytes(self.part_buffer[:size])
            del self.part_buffer[:size]
            self._send_part(chunk)

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
                    data = bytes(self.part_buffer)
                self.backend.put_bytes(key=self.upload.key, data=data, content_type=self.content_type)
            else:
                self._send_part(bytes(self.part_buffer))
                self.part_buffer = bytearray()
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
        self.part_buffer = bytearray()
        if self.pool is not None:
            for _, future in self.in_flight:
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
