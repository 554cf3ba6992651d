"""The local backend: objects are files under KOSHA_LOCAL_STORAGE_DIR, for one machine.

It speaks the S3 protocol the rest of Kosha relies on. Presigned URLs are our own,
signed with django.core.signing (`signing.py`), and `views.py` enforces what S3 would
(expiry, method, exact length and type, checksum) before a byte becomes an object.
Where files live, and how each appears whole, is `files.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from storage.backends.base import (
    BackendError,
    ListedObject,
    ObjectInfo,
    PartsRejected,
    PresignedRequest,
    StorageBackend,
    StoredPart,
    UploadNotFound,
)
from storage.backends.local.files import (
    CHUNK_BYTES,
    DEFAULT_CONTENT_TYPE,
    MAX_PART_BYTES,
    MAX_PART_NUMBER,
    META_DIR,
    MIN_PART_BYTES,
    LocalDirectory,
    StagedObject,
    StagedPart,
    b64,
    read_chunks,
)
from storage.backends.local.signing import UploadRejected, sign_url
from storage.disposition import content_disposition


class LocalBackend(LocalDirectory, StorageBackend):
    name = "local"

    @classmethod
    def from_settings(cls) -> LocalBackend:
        return cls(root=settings.KOSHA_LOCAL_STORAGE_DIR)

    # --- writing objects ----------------------------------------------------------------
    # Bytes arrive in two steps, so that the upload view can decide, under a lock of its own
    # and after the body has arrived, whether they may become an object: `stage_*` streams
    # into a temp file and checks length and checksum, `install_*` puts it in place.

    def stage_object(
        self,
        *,
        chunks: Iterable[bytes],
        content_type: str,
        expected_size: int | None = None,
        expected_sha256_b64: str | None = None,
    ) -> StagedObject:
        """The body in a temp file with its description, checked against the expected size
        (and checksum). Raises UploadRejected, leaving nothing behind."""
        temp, size, md5_hex, sha256_b64 = self._stage(chunks=chunks, expected_size=expected_size)
        if expected_sha256_b64 is not None and sha256_b64 != expected_sha256_b64:
            temp.unlink(missing_ok=True)
            raise UploadRejected("BadDigest", "The SHA-256 of the body does not match the signed checksum.")
        info = ObjectInfo(size_bytes=size, content_type=content_type, etag=md5_hex, sha256_b64=sha256_b64)
        return StagedObject(temp=temp, info=info)

    def install_object(self, staged: StagedObject, *, key: str, if_none_match: bool = False) -> ObjectInfo:
        """Put a staged body in place at key. With if_none_match (S3's `If-None-Match: *`)
        only while nothing is stored there, atomically (a hard link fails on an existing
        name): raises UploadRejected (412 PreconditionFailed) otherwise. The staged file is
        consumed either way."""
        path = self.object_path(key)
        try:
            if if_none_match:
                self._link_into_place(staged.temp, path)
                staged.temp.unlink(missing_ok=True)
            else:
                self._move_into_place(staged.temp, path)
        except FileExistsError as exc:
            raise UploadRejected(
                "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.", 412
            ) from exc
        finally:
            self.discard(staged)
        self._write_meta(key, staged.info)
        return staged.info

    def discard(self, staged: StagedObject | StagedPart) -> None:
        """Remove a staged body that will not be installed (safe after install too)."""
        staged.temp.unlink(missing_ok=True)

    def receive_object(
        self,
        *,
        key: str,
        chunks: Iterable[bytes],
        content_type: str,
        expected_size: int | None = None,
        expected_sha256_b64: str | None = None,
    ) -> ObjectInfo:
        """Stage and install in one step (server-made objects). Raises UploadRejected."""
        self.object_path(key)
        staged = self.stage_object(
            chunks=chunks,
            content_type=content_type,
            expected_size=expected_size,
            expected_sha256_b64=expected_sha256_b64,
        )
        return self.install_object(staged, key=key)

    def _write_meta(self, key: str, info: ObjectInfo) -> None:
        self._write_json(
            self._meta_path(key),
            {
                "content_type": info.content_type,
                "etag": info.etag,
                "sha256_b64": info.sha256_b64,
                "size_bytes": info.size_bytes,
            },
        )

    def _install(self, *, path: Path, key: str, temp: Path, info: ObjectInfo) -> None:
        self._move_into_place(temp, path)
        self._write_meta(key, info)

    def stage_part(
        self, *, upload_id: str, part_number: int, chunks: Iterable[bytes], expected_size: int
    ) -> StagedPart:
        """One part's body in a temp file inside its upload's directory. Raises
        UploadNotFound for an unknown (or aborted) upload, UploadRejected for a bad number
        or size."""
        upload_dir = self._upload_dir(upload_id)
        if not (upload_dir / "upload.json").exists():
            raise UploadNotFound(f"no upload {upload_id!r}")
        if not 1 <= part_number <= MAX_PART_NUMBER:
            raise UploadRejected("InvalidArgument", "Part number must be between 1 and 10000.")
        if expected_size > MAX_PART_BYTES:
            raise UploadRejected("EntityTooLarge", "A part may be at most 5 GiB.")
        try:
            temp, size, md5_hex, _ = self._stage(chunks=chunks, expected_size=expected_size, directory=upload_dir)
        except FileNotFoundError as exc:
            raise UploadNotFound(f"upload {upload_id!r} aborted while the part arrived") from exc
        part = StoredPart(number=part_number, etag=md5_hex, size_bytes=size)
        return StagedPart(temp=temp, upload_dir=upload_dir, part=part)

    def install_part(self, staged: StagedPart) -> StoredPart:
        """Put a staged part in place; a part uploaded again replaces the old one, as on S3.
        Raises UploadNotFound if the upload was aborted or completed meanwhile."""
        part, upload_dir = staged.part, staged.upload_dir
        try:
            os.replace(staged.temp, upload_dir / f"{part.number:05d}.part")
            # Written in place (no mkdir) so that an abort meanwhile is not undone.
            meta_handle, meta_temp = self._temp_file(upload_dir)
            with meta_handle:
                meta_handle.write(json.dumps({"etag": part.etag, "size_bytes": part.size_bytes}).encode())
            os.replace(meta_temp, upload_dir / f"{part.number:05d}.json")
        except FileNotFoundError as exc:
            raise UploadNotFound(f"upload aborted while part {part.number} arrived") from exc
        finally:
            self.discard(staged)
        return part

    # --- uploads ------------------------------------------------------------------------

    def presign_put(
        self, *, key: str, size_bytes: int, content_type: str, sha256_b64: str | None, expires_seconds: int
    ) -> PresignedRequest:
        self.object_path(key)
        # Always a conditional write, as the S3 backend signs it: If-None-Match is a header
        # the client must send, and the view refuses the PUT once anything is at key.
        claims = {"op": "put", "key": key, "len": size_bytes, "type": content_type, "sha": sha256_b64, "inm": True}
        headers = {"Content-Type": content_type, "If-None-Match": "*"}
        if sha256_b64:
            headers["x-amz-checksum-sha256"] = sha256_b64
        return PresignedRequest(url=sign_url(claims, expires_seconds), method="PUT", headers=headers)

    def multipart_start(self, *, key: str, content_type: str) -> str:
        self.object_path(key)
        upload_id = uuid.uuid4().hex
        upload_dir = self._upload_dir(upload_id)
        upload_dir.mkdir(parents=True)
        self._write_json(upload_dir / "upload.json", {"key": key, "content_type": content_type})
        return upload_id

    def presign_part(
        self, *, key: str, upload_id: str, part_number: int, size_bytes: int, expires_seconds: int
    ) -> PresignedRequest:
        self.object_path(key)
        self._upload_dir(upload_id)
        claims = {"op": "part", "key": key, "upload": upload_id, "part": part_number, "len": size_bytes}
        return PresignedRequest(url=sign_url(claims, expires_seconds), method="PUT", headers={})

    def _load_upload(self, key: str, upload_id: str) -> tuple[Path, dict[str, Any]]:
        upload_dir = self._upload_dir(upload_id)
        try:
            upload = json.loads((upload_dir / "upload.json").read_text())
        except FileNotFoundError as exc:
            raise UploadNotFound(f"no upload {upload_id!r}") from exc
        if upload["key"] != key:
            raise UploadNotFound(f"no upload {upload_id!r} for this key")
        return upload_dir, upload

    def multipart_part_put(self, *, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        self.object_path(key)
        staged = self.stage_part(upload_id=upload_id, part_number=part_number, chunks=[data], expected_size=len(data))
        return self.install_part(staged).etag

    def multipart_list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        upload_dir, _ = self._load_upload(key, upload_id)
        parts = []
        for meta_file in sorted(upload_dir.glob("*.json")):
            if meta_file.name == "upload.json":
                continue
            try:
                meta = json.loads(meta_file.read_text())
            except FileNotFoundError:
                continue  # aborted or completed meanwhile
            parts.append(StoredPart(number=int(meta_file.stem), etag=meta["etag"], size_bytes=meta["size_bytes"]))
        return parts

    def multipart_complete(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        """Concatenate the parts in order into the object. Raises UploadNotFound for an
        unknown upload and PartsRejected, as S3 would refuse them, for missing, out-of-order,
        mismatched or too-small parts (all but the last must be at least 5 MiB)."""
        upload_dir, upload = self._load_upload(key, upload_id)
        stored = {part.number: part for part in self.multipart_list_parts(key=key, upload_id=upload_id)}
        if not parts:
            raise PartsRejected("no parts given", code="MalformedXML")
        numbers = [number for number, _ in parts]
        if numbers != sorted(set(numbers)):
            raise PartsRejected("parts must be in ascending order without repeats", code="InvalidPartOrder")
        for index, (number, etag) in enumerate(parts):
            part = stored.get(number)
            if part is None or part.etag != etag.strip('"'):
                raise PartsRejected(f"part {number} is missing or its etag does not match", code="InvalidPart")
            if index < len(parts) - 1 and part.size_bytes < MIN_PART_BYTES:
                raise PartsRejected(f"part {number} is smaller than 5 MiB", code="EntityTooSmall")

        path = self.object_path(key)
        sha256, size, part_digests = hashlib.sha256(), 0, b""
        handle, temp = self._temp_file()
        try:
            with handle:
                for number, _ in parts:
                    with open(upload_dir / f"{number:05d}.part", "rb") as part_file:
                        for chunk in read_chunks(part_file):
                            sha256.update(chunk)
                            size += len(chunk)
                            handle.write(chunk)
                    part_digests += bytes.fromhex(stored[number].etag)
            etag = f"{hashlib.md5(part_digests, usedforsecurity=False).hexdigest()}-{len(parts)}"
            info = ObjectInfo(
                size_bytes=size, content_type=upload["content_type"], etag=etag, sha256_b64=b64(sha256.digest())
            )
            self._install(path=path, key=key, temp=temp, info=info)
        except FileNotFoundError as exc:
            temp.unlink(missing_ok=True)
            raise UploadNotFound(f"upload {upload_id!r} aborted while it was assembled") from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        shutil.rmtree(upload_dir, ignore_errors=True)

    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        try:
            upload_dir = self._upload_dir(upload_id)
        except UploadNotFound:
            return
        shutil.rmtree(upload_dir, ignore_errors=True)

    # --- objects ------------------------------------------------------------------------

    def head(self, *, key: str) -> ObjectInfo | None:
        path = self.object_path(key)
        try:
            size = path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        try:
            meta = json.loads(self._meta_path(key).read_text())
        except (FileNotFoundError, ValueError):
            meta = {}
        if meta.get("size_bytes") == size:
            return ObjectInfo(
                size_bytes=size, content_type=meta["content_type"], etag=meta["etag"], sha256_b64=meta["sha256_b64"]
            )
        # No metadata, or metadata of an object this one replaced a moment ago: describe
        # the bytes themselves.
        md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
        try:
            with open(path, "rb") as stream:
                for chunk in read_chunks(stream):
                    md5.update(chunk)
                    sha256.update(chunk)
        except FileNotFoundError:
            return None
        return ObjectInfo(
            size_bytes=size,
            content_type=meta.get("content_type", DEFAULT_CONTENT_TYPE),
            etag=md5.hexdigest(),
            sha256_b64=b64(sha256.digest()),
        )

    @property
    def verifies_signed_checksums(self) -> bool:
        """True: the upload view stages a PUT body and refuses it (BadDigest) unless its
        SHA-256 is the one the URL signed (stage_object), as S3 does."""
        return True

    def list_keys(self, *, keys: list[str]) -> dict[str, ListedObject]:
        """As StorageBackend.list_keys, from each key's file and metadata (a stat and a
        small read, no thread and no hashing); a key whose metadata does not describe its
        file (written a moment ago, or replaced) is left to head."""
        found: dict[str, ListedObject] = {}
        for key in keys:
            path = self.object_path(key)
            try:
                stat = path.stat()
                meta = json.loads(self._meta_path(key).read_text())
            except (FileNotFoundError, NotADirectoryError, ValueError):
                continue
            if meta.get("size_bytes") == stat.st_size and path.is_file():
                found[key] = ListedObject(
                    key=key,
                    size_bytes=stat.st_size,
                    last_modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                    etag=meta["etag"],
                )
        return found

    def presign_get(self, *, key: str, filename: str, content_type: str, inline: bool, expires_seconds: int) -> str:
        self.object_path(key)
        claims = {
            "op": "get",
            "key": key,
            "type": content_type,
            "disposition": content_disposition(filename, inline=inline, content_type=content_type),
        }
        return sign_url(claims, expires_seconds)

    def open(self, *, key: str) -> BinaryIO:
        try:
            return open(self.object_path(key), "rb")  # the caller closes it
        except NotADirectoryError as exc:
            raise FileNotFoundError(key) from exc

    def put_bytes(self, *, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        chunks = [bytes(data)] if isinstance(data, bytes | bytearray) else read_chunks(data)
        self.receive_object(key=key, chunks=chunks, content_type=content_type)

    def copy(self, *, source_key: str, dest_key: str) -> None:
        source = self.object_path(source_key)
        dest = self.object_path(dest_key)
        info = self.head(key=source_key)
        if info is None:
            raise FileNotFoundError(source_key)
        handle, temp = self._temp_file()
        try:
            with handle, open(source, "rb") as stream:
                shutil.copyfileobj(stream, handle, CHUNK_BYTES)
            self._install(path=dest, key=dest_key, temp=temp, info=info)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def delete(self, *, keys: list[str]) -> None:
        for key in keys:
            path = self.object_path(key)
            meta = self._meta_path(key)
            try:
                path.unlink(missing_ok=True)
                meta.unlink(missing_ok=True)
            except (NotADirectoryError, IsADirectoryError):
                continue
            except OSError as exc:
                raise BackendError(f"could not delete {key}: {exc}") from exc
            self._prune_empty_parents(path, self.root)
            self._prune_empty_parents(meta, self.root / META_DIR)

    def list_prefix(self, *, prefix: str) -> Iterator[ListedObject]:
        # Walk only the directory the prefix names, e.g. users/<id>/ for users/<id>/bl.
        directory, _, _ = prefix.rpartition("/")
        start = self.object_path(directory) if directory else self.root
        for current, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
            relative = Path(current).relative_to(self.root).as_posix()
            for filename in sorted(filenames):
                key = filename if relative == "." else f"{relative}/{filename}"
                if not key.startswith(prefix) or filename.startswith("."):
                    continue
                try:
                    stat = os.stat(os.path.join(current, filename))
                except FileNotFoundError:
                    continue
                yield ListedObject(
                    key=key, size_bytes=stat.st_size, last_modified=datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                )
