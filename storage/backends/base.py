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
    key: str
    size_bytes: int
    last_modified: datetime


class BackendError(Exception):
    """The store failed or is unreachable (not: the object does not exist)."""


class StorageBackend(abc.ABC):
    name: str

    # --- uploads --------------------------------------------------------------------
    @abc.abstractmethod
    def presign_put(
        self, *, key: str, size_bytes: int, content_type: str, sha256_b64: str | None, expires_seconds: int
    ) -> PresignedRequest:
        """A PUT URL the store only accepts with exactly this length, type (and checksum)."""

    @abc.abstractmethod
    def multipart_start(self, *, key: str, content_type: str) -> str:
        """Start a multipart upload; returns its upload id."""

    @abc.abstractmethod
    def presign_part(self, *, key: str, upload_id: str, part_number: int, expires_seconds: int) -> PresignedRequest:
        """A PUT URL for one part."""

    @abc.abstractmethod
    def multipart_list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        """The parts the store holds, by number. Raises KeyError if the upload is unknown."""

    @abc.abstractmethod
    def multipart_complete(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        """Assemble the parts (number, etag) into the object. Raises ValueError on bad parts."""

    @abc.abstractmethod
    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        """Abort and discard the parts. Safe to call on an unknown or finished upload."""

    # --- objects --------------------------------------------------------------------
    @abc.abstractmethod
    def head(self, *, key: str) -> ObjectInfo | None:
        """What the store holds at key, or None."""

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
