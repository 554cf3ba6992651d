"""The directory under the local backend: where each thing lives, and how a file gets there.

Layout under the root:
    <key>                          the object's bytes
    .meta/<key>.json               content_type, etag, sha256_b64, size_bytes
    .multipart/<upload id>/        upload.json, <number>.part and <number>.json per part
    .tmp/                          uploads in flight, renamed into place when complete
Keys are validated so that none can name anything outside the root or a dot directory.
Every file appears whole: it is written to a temp file, then renamed or linked into place.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from storage.backends.base import ObjectInfo, StoredPart, UploadNotFound
from storage.backends.local.signing import UploadRejected

CHUNK_BYTES = 1024 * 1024
# S3's limits, kept so that an upload that works here works on S3 too.
MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PART_BYTES = 5 * 1024**3
MAX_PART_NUMBER = 10_000
MAX_KEY_LENGTH = 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"

UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
META_DIR = ".meta"
MULTIPART_DIR = ".multipart"
TMP_DIR = ".tmp"


class InvalidKey(ValueError):
    """A key that could escape the storage directory or name one of its internals."""


@dataclass(frozen=True)
class StagedObject:
    """A body that arrived and was checked, in a temp file, not yet an object."""

    temp: Path
    info: ObjectInfo


@dataclass(frozen=True)
class StagedPart:
    """A part that arrived and was checked, in a temp file in its upload's directory."""

    temp: Path
    upload_dir: Path
    part: StoredPart


def b64(digest: bytes) -> str:
    """A digest in base64, as S3 writes checksums."""
    return base64.b64encode(digest).decode("ascii")


def read_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """The stream in chunks of CHUNK_BYTES, to its end."""
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


class LocalDirectory:
    """The paths and atomic file moves of a storage root (LocalBackend is one)."""

    def __init__(self, *, root: Path | str) -> None:
        self.root = Path(root).resolve()
        for internal in (META_DIR, MULTIPART_DIR, TMP_DIR):
            (self.root / internal).mkdir(parents=True, exist_ok=True)

    # --- paths ------------------------------------------------------------------------

    def object_path(self, key: str) -> Path:
        """The file for key. Raises InvalidKey for anything that is not a plain relative
        path of ordinary segments, so no key reaches outside the root or into .meta etc."""
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidKey("empty or overlong key")
        if "\\" in key or "\x00" in key or key.startswith("/"):
            raise InvalidKey(f"invalid key {key!r}")
        for segment in key.split("/"):
            if not segment or segment.startswith("."):
                raise InvalidKey(f"invalid key {key!r}")
        path = self.root / key
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"key {key!r} leaves the storage directory")
        return path

    def _meta_path(self, key: str) -> Path:
        self.object_path(key)
        return self.root / META_DIR / f"{key}.json"

    def _upload_dir(self, upload_id: str) -> Path:
        if not isinstance(upload_id, str) or not UPLOAD_ID.fullmatch(upload_id):
            raise UploadNotFound(f"no upload {upload_id!r}")
        return self.root / MULTIPART_DIR / upload_id

    def _temp_file(self, directory: Path | None = None) -> tuple[BinaryIO, Path]:
        handle = tempfile.NamedTemporaryFile(dir=directory or self.root / TMP_DIR, delete=False)
        return handle, Path(handle.name)

    @staticmethod
    def _into_place(place: Callable[[Path, Path], None], source: Path, dest: Path) -> None:
        # A concurrent delete may prune the empty parent between mkdir and place: retry once.
        for attempt in range(2):
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                place(source, dest)
                return
            except FileNotFoundError:
                if attempt:
                    raise

    @classmethod
    def _move_into_place(cls, source: Path, dest: Path) -> None:
        """Rename source to dest, replacing what dest was."""
        cls._into_place(os.replace, source, dest)

    @classmethod
    def _link_into_place(cls, source: Path, dest: Path) -> None:
        """Like _move_into_place, but raises FileExistsError rather than replace dest."""
        cls._into_place(os.link, source, dest)

    def _write_json(self, dest: Path, data: dict[str, Any]) -> None:
        handle, temp = self._temp_file()
        with handle:
            handle.write(json.dumps(data).encode())
        self._move_into_place(temp, dest)

    def _prune_empty_parents(self, path: Path, stop: Path) -> None:
        parent = path.parent
        while parent != stop and parent.is_relative_to(stop):
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent

    def _stage(
        self, *, chunks: Iterable[bytes], expected_size: int | None, directory: Path | None = None
    ) -> tuple[Path, int, str, str]:
        """Stream chunks into a temp file; (path, size, md5 hex, sha256 base64). Raises
        UploadRejected if the body is longer or shorter than expected_size."""
        md5, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
        handle, temp = self._temp_file(directory)
        try:
            with handle:
                for chunk in chunks:
                    size += len(chunk)
                    if expected_size is not None and size > expected_size:
                        raise UploadRejected("IncompleteBody", "The body is longer than the signed length.")
                    md5.update(chunk)
                    sha256.update(chunk)
                    handle.write(chunk)
            if expected_size is not None and size != expected_size:
                raise UploadRejected("IncompleteBody", "The body is shorter than the signed length.")
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp, size, md5.hexdigest(), b64(sha256.digest())
