"""The one small interface between Kosha and an object store.

Both implementations speak the same presigned protocol: the server signs short-lived
URLs, the client moves the bytes, the server verifies with a HEAD. Nothing outside
`storage/backends/` may know which implementation is in use.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO


@dataclass(frozen=True)
class PresignedRequest:
    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredPart:
    number: int
    etag: str
    size_bytes: int


@dataclass(frozen=True)
class ObjectInfo:
    size_bytes: int
    content_type: str
    etag: str
    # Base64 SHA-256 of the whole object when the store knows it (single PUT with a
    # checksum); None otherwise, and the caller hashes the stream if it must verify.
    sha256_b64: str | None = None


@dataclass(frozen=True)
class ListedObject:
    """One object as a listing describes it (S3 ListObjectsV2's `Contents`: Key, Size,
    LastModified, ETag). No type and no checksum: a listing carries neither."""

    key: str
    size_bytes: int
    last_modified: datetime
    etag: str = ""


class BackendError(Exception):
    """The store failed or is unreachable (not: the object does not exist).

    Every store answer a backend does not expect becomes one of these, never a raw client
    error: `reason` is the stable sub-code the API shows with its 503, and
    `retry_after_seconds` what it tells the client to wait (None: no advice)."""

    reason = "store_unreachable"
    retry_after_seconds: int | None = None


class BackendBusy(BackendError):
    """The store asks us to slow down or had an internal error (SlowDown, 500, 503):
    retrying later is expected to work."""

    reason = "store_busy"
    retry_after_seconds = 5


class BackendMisconfigured(BackendError):
    """The store refuses Kosha itself (NoSuchBucket, AccessDenied, InvalidAccessKeyId,
    SignatureDoesNotMatch on a server-side call): an operator must fix the settings."""

    reason = "store_misconfigured"


class UploadNotFound(BackendError):
    """The store holds no multipart upload by this id: it was aborted (by Kosha or by a
    lifecycle rule in the store), completed already, or never existed. AWS answers
    NoSuchUpload, Ceph RGW NoSuchKey; both arrive here."""

    reason = "upload_not_found"


class PartsRejected(BackendError):
    """Complete refused the part list (a part missing or with another ETag, parts out of
    order, a part other than the last under 5 MiB). The upload is unchanged; `code` is the
    store's own (InvalidPart, InvalidPartOrder, EntityTooSmall, ...)."""

    reason = "parts_rejected"

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class StorageBackend(abc.ABC):
    name: str

    @property
    def innermost(self) -> StorageBackend:
        """The backend that talks to the store itself: this one, or the one a wrapper
        (fault injection in tests, a replicating backend) delegates to."""
        return self

    @property
    def stores(self) -> list[StorageBackend]:
        """Every store behind this backend, primary first (one, unless replicating)."""
        return [self.innermost]

    @property
    def replicating(self) -> bool:
        """Whether a replica stands beside the primary (see storage/backends/replica.py)."""
        return False

    def replicate(self, *, key: str) -> bool:
        """Copy key to the replica; a backend without one has nothing to do (False)."""
        return False

    @property
    def verifies_signed_checksums(self) -> bool:
        """Whether the store refuses a PUT through a presign_put URL whose body does not
        match the SHA-256 the URL signed (`x-amz-checksum-sha256`; AWS S3 User Guide,
        "Checking object integrity": S3 compares a checksum sent with an upload with the one
        it computes, and reports an error when they differ). Then an object that exists at a fresh key with the signed size
        holds the signed bytes, and a listing can vouch for it (list_keys). False unless the
        backend knows: a store may keep the header without checking it (moto does)."""
        return False

    # --- uploads --------------------------------------------------------------------
    @abc.abstractmethod
    def presign_put(
        self, *, key: str, size_bytes: int, content_type: str, sha256_b64: str | None, expires_seconds: int
    ) -> PresignedRequest:
        """A PUT URL the store only accepts with exactly this length, type (and checksum),
        and only while nothing is stored at key: it is a conditional write (`If-None-Match:
        *` among the headers the client must send), so a URL used again can never replace
        bytes already there. Raises BackendError if the URL cannot be made that strict."""

    @abc.abstractmethod
    def multipart_start(self, *, key: str, content_type: str) -> str:
        """Start a multipart upload; returns its upload id."""

    @abc.abstractmethod
    def presign_part(
        self, *, key: str, upload_id: str, part_number: int, size_bytes: int, expires_seconds: int
    ) -> PresignedRequest:
        """A PUT URL for one part that the store only accepts with exactly `size_bytes`
        (the part size, or the remainder for the last part), and only while the upload
        exists in the store. Raises BackendError if the URL cannot bind the length."""

    @abc.abstractmethod
    def multipart_part_put(self, *, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        """Store one part sent by this server (the WebDAV door streams a PUT body in
        parts, holding about one part in memory); returns its ETag. Raises
        UploadNotFound if the store holds no such upload, BackendError if it fails."""

    @abc.abstractmethod
    def multipart_list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        """The parts the store holds, by number. Raises UploadNotFound if the store holds
        no such upload, BackendError if the store fails."""

    @abc.abstractmethod
    def multipart_complete(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        """Assemble the parts (number, etag) into the object. Raises PartsRejected for a
        part list the store refuses, UploadNotFound if the store holds no such upload
        (aborted, or completed by an earlier call), BackendError if the store fails."""

    @abc.abstractmethod
    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        """Abort and discard the parts. Safe to call on an unknown or finished upload."""

    # --- objects --------------------------------------------------------------------
    @abc.abstractmethod
    def head(self, *, key: str) -> ObjectInfo | None:
        """What the store holds at key, or None."""

    def fetch(self, *, key: str, max_bytes: int) -> tuple[ObjectInfo, bytes | None] | None:
        """What the store holds at key (as head answers) and its bytes when they are needed
        to check its SHA-256: only when the store reports no whole-object checksum for it
        and it is at most max_bytes long (None otherwise: nothing beyond max_bytes is
        read, and nothing at all where the checksum says it). None when nothing is there.
        For verifying a small object in as few requests as the store allows (S3: one GET
        where the store keeps no checksum, one HEAD where it does). Raises BackendError."""
        info = self.head(key=key)
        if info is None:
            return None
        if info.sha256_b64 or info.size_bytes > max_bytes:
            return info, None
        try:
            with self.open(key=key) as stream:
                data = stream.read(max_bytes + 1)
        except FileNotFoundError:
            return None
        return info, data if len(data) <= max_bytes else None

    @abc.abstractmethod
    def presign_get(self, *, key: str, filename: str, content_type: str, inline: bool, expires_seconds: int) -> str:
        """A GET URL answering with the given type and Content-Disposition."""

    @abc.abstractmethod
    def open(self, *, key: str) -> BinaryIO:
        """A readable binary stream of the object (for workers: hashing, thumbnails, zips)."""

    @abc.abstractmethod
    def put_bytes(self, *, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        """Store server-made objects (thumbnails, zips) directly."""

    @abc.abstractmethod
    def copy(self, *, source_key: str, dest_key: str) -> None:
        """Server-side copy inside the store; bytes never pass through the app."""

    @abc.abstractmethod
    def delete(self, *, keys: list[str]) -> None:
        """Delete objects; missing keys are not an error."""

    @abc.abstractmethod
    def list_prefix(self, *, prefix: str) -> Iterator[ListedObject]:
        """Every object under prefix, paged lazily."""

    def list_keys(self, *, keys: list[str]) -> dict[str, ListedObject]:
        """What the store lists at these keys (size and ETag), by key, in fewer requests
        than a HEAD each (S3: one listing for up to 1,000 neighbouring keys). A key absent
        from the answer is undecided, not missing (not uploaded yet, or not reached by the
        listing): ask head. This default lists nothing. Raises BackendError."""
        return {}

    def delete_prefix(self, *, prefix: str) -> int:
        """Delete everything under prefix in batches; returns how many were deleted."""
        deleted = 0
        batch: list[str] = []
        for listed in self.list_prefix(prefix=prefix):
            batch.append(listed.key)
            if len(batch) == 1000:
                self.delete(keys=batch)
                deleted += len(batch)
                batch = []
        if batch:
            self.delete(keys=batch)
            deleted += len(batch)
        return deleted
