"""A WebDAV PUT body, streamed into the store and recorded as the upload protocol does.

- With a length (`Content-Length`, or `X-Expected-Entity-Length` as Finder sends): the
  quota is reserved up front by `upload_start` (507 before any byte moves when it does
  not fit). Above the multipart threshold the body goes to the store part by part, one
  part in memory at a time; below it, into a spool (memory up to SPOOL_MEMORY_BYTES,
  then a temp file) and one PUT.
- Without a length (chunked): the body spools while it is counted against the owner's
  available bytes, and the PUT answers 507 as soon as it passes them; the reservation
  is made for the exact size once the body has ended.
Either way `upload_complete` HEAD-verifies the object and records the version in one
transaction (the same recording as the API), with actor and origin `dav`. A SHA-1 is
computed while the bytes pass and kept on the version (`oc:checksums`).
"""

from __future__ import annotations

import hashlib
import mimetypes
import tempfile

from wsgidav.dav_error import HTTP_BAD_REQUEST, HTTP_INSUFFICIENT_STORAGE, HTTP_SERVICE_UNAVAILABLE, DAVError

from dav.errors import dav_errors
from kosha.errors import UploadCompleted
from plans.selectors import usage_get_for_user
from sharing.access import Need, file_for_actor
from storage.backends import BackendError, get_backend
from storage.models import File, UploadSession
from storage.places import Place
from storage.services.uploads.complete import upload_complete
from storage.services.uploads.start import upload_start
from storage.services.uploads.sweep import upload_abort
from storage.services.versions import version_sync_properties_set

SPOOL_MEMORY_BYTES = 8 * 1024 * 1024


def declared_length(environ: dict) -> int | None:
    """The body's length from Content-Length or X-Expected-Entity-Length, else None."""
    for header in ("CONTENT_LENGTH", "HTTP_X_EXPECTED_ENTITY_LENGTH"):
        raw = (environ.get(header) or "").strip()
        if raw:
            if not raw.isdigit():
                raise DAVError(HTTP_BAD_REQUEST, context_info=f"Invalid {header}.")
            return int(raw)
    return None


class StoreWriter:
    """The file WsgiDAV writes a PUT body into. Not thread-safe (one per request)."""

    def __init__(self, *, actor, origin, place: Place, name: str, content_type: str | None, environ: dict) -> None:
        self.actor, self.origin, self.place, self.name = actor, origin, place, name
        if not content_type or content_type == "application/octet-stream":
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.content_type = content_type.split(";")[0].strip()
        self.declared = declared_length(environ)
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.received = 0
        self.upload: UploadSession | None = None
        self.spool = None
        self.part_buffer = bytearray()
        self.parts: list[dict] = []
        self.version = None
        self.available = None
        if self.declared is not None:
            self._start(self.declared)
        else:
            self.available = usage_get_for_user(user=place.owner).available_bytes
        if self.upload is None or self.upload.strategy == UploadSession.Strategy.SINGLE:
            self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)

    def _start(self, size_bytes: int) -> None:
        with dav_errors():
            started = upload_start(
                actor=self.actor,
                place=self.place,
                name=self.name,
                size_bytes=size_bytes,
                content_type=self.content_type,
                on_conflict=UploadSession.OnConflict.VERSION,
            )
        self.upload = started.upload

    def _flush_part(self, data: bytes) -> None:
        number = len(self.parts) + 1
        try:
            etag = get_backend().multipart_part_put(
                key=self.upload.key, upload_id=self.upload.multipart_upload_id, part_number=number, data=data
            )
        except BackendError as exc:
            raise DAVError(HTTP_SERVICE_UNAVAILABLE, context_info="The store is unavailable.") from exc
        self.parts.append({"number": number, "etag": etag})

    def write(self, data: bytes) -> None:
        self.received += len(data)
        if self.declared is not None and self.received > self.declared:
            raise DAVError(HTTP_BAD_REQUEST, context_info="The body is longer than its declared length.")
        if self.available is not None and self.received > self.available:
            raise DAVError(HTTP_INSUFFICIENT_STORAGE, context_info="Not enough storage left for this file.")
        self.sha1.update(data)
        if self.spool is not None:
            self.spool.write(data)
            return
        self.part_buffer += data
        part_size = self.upload.part_size_bytes
        while len(self.part_buffer) >= part_size and len(self.parts) + 1 < self.upload.part_count:
            chunk = bytes(self.part_buffer[:part_size])
            del self.part_buffer[:part_size]
            self._flush_part(chunk)

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def close(self) -> None:
        """The body has ended: store what is left, verify, record the version."""
        if self.declared is not None and self.received != self.declared:
            raise DAVError(HTTP_BAD_REQUEST, context_info="The body is shorter than its declared length.")
        if self.upload is None:
            self._start(self.received)
        try:
            if self.spool is not None:
                self.spool.seek(0)
                get_backend().put_bytes(key=self.upload.key, data=self.spool, content_type=self.content_type)
            else:
                self._flush_part(bytes(self.part_buffer))
                self.part_buffer = bytearray()
        except BackendError as exc:
            raise DAVError(HTTP_SERVICE_UNAVAILABLE, context_info="The store is unavailable.") from exc
        finally:
            if self.spool is not None:
                self.spool.close()
        with dav_errors():
            version = upload_complete(
                actor=self.actor, upload=self.upload, parts=self.parts or None, origin=self.origin
            )
        self.version = version_sync_properties_set(version=version, sha1=self.sha1.hexdigest())

    def abort(self) -> None:
        """Give the reservation back and clean the store (a failed or cut-off PUT)."""
        if self.spool is not None:
            self.spool.close()
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
