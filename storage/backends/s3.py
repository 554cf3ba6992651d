"""The S3 backend: boto3 against any S3-compatible store (AWS S3, MinIO, Ceph RGW, R2, B2).

The bytes never pass through Kosha: the client PUTs and GETs presigned URLs, the server
only signs, HEADs, copies and deletes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from storage.backends.base import (
    BackendBusy,
    BackendError,
    BackendMisconfigured,
    ListedObject,
    ObjectInfo,
    PresignedRequest,
    StorageBackend,
)
from storage.backends.s3_direct import DirectReads, http_session_of, parsed_info
from storage.backends.s3_errors import (
    MISCONFIGURED_CODES,
    MISSING_CODES,
    error_code,
    store_error,
)
from storage.backends.s3_listing import blob_runs, run_walk
from storage.backends.s3_multipart import S3Multipart, strip_etag
from storage.backends.s3_probe import ChecksumVerdict, store_verifies_checksums
from storage.backends.sigv4 import Presigner
from storage.disposition import content_disposition

# CopyObject refuses sources over 5 GiB; bigger ones need a multipart copy.
MAX_SINGLE_COPY_BYTES = 5 * 1024**3
DELETE_BATCH = 1000
# The API's own names of the calls, as store errors name them.
_OPERATION_NAMES = {"head_object": "HeadObject", "get_object": "GetObject"}


# How many batch completes one process runs at once, at most: gunicorn's default threads
# per worker in the Dockerfile and docker-compose.yml (WEB_THREADS=4).
_CONCURRENT_COMPLETES = 4


def pool_connections_for(*, workers: int) -> int:
    """How many connections to the store the S3 client keeps open (botocore's
    max_pool_connections; the direct HEADs and GETs of s3_direct.py share its pool): room
    for the store workers of a few batch completes at once (KOSHA_UPLOAD_BATCH_STORE_WORKERS
    each) and the requests beside them. A smaller pool does not limit the requests in
    flight: urllib3 opens a connection for each request beyond it and closes it after
    ("Connection pool is full, discarding connection"), so every such request pays a new
    TCP (and TLS) handshake."""
    return max(20, _CONCURRENT_COMPLETES * workers + 4)


@dataclass(frozen=True)
class _FastPaths:
    """What S3Backend signs and reads with, past botocore, when it can (None: botocore)."""

    signer: Presigner | None
    direct: DirectReads | None


class S3Backend(S3Multipart, StorageBackend):
    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        addressing_style: str = "path",
        conditional_put: bool = True,
        pool_connections: int = 20,
        verifies_checksums: str = "auto",
    ) -> None:
        self.bucket = bucket
        self.conditional_put = conditional_put
        # "true"/"false": the operator's word; "auto": the store's answer to a probe.
        self._verifies_checksums = verifies_checksums
        self._checksum_verdict = ChecksumVerdict(self._checksum_probe)
        # The fast signer and reads (_fast_paths), made once, published whole.
        self._fast: _FastPaths | None = None
        self._fast_lock = threading.Lock()
        # Learned from the store's answers: it reports the SHA-256 of a whole object
        # (AWS, SeaweedFS), so verifying one needs a HEAD, never its bytes (fetch).
        self._reports_checksums = False
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            # Only checksum when the operation requires it: otherwise botocore adds
            # CRC32 parameters to presigned URLs that the browser cannot satisfy.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"mode": "standard", "max_attempts": 4},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=pool_connections,
        )
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    @classmethod
    def from_settings(cls) -> S3Backend:
        return cls(
            bucket=settings.KOSHA_S3_BUCKET,
            endpoint_url=settings.KOSHA_S3_ENDPOINT_URL,
            region=settings.KOSHA_S3_REGION,
            access_key_id=settings.KOSHA_S3_ACCESS_KEY_ID,
            secret_access_key=settings.KOSHA_S3_SECRET_ACCESS_KEY,
            addressing_style=settings.KOSHA_S3_ADDRESSING_STYLE,
            conditional_put=settings.KOSHA_S3_CONDITIONAL_PUT,
            pool_connections=pool_connections_for(workers=settings.KOSHA_UPLOAD_BATCH_STORE_WORKERS),
            verifies_checksums=settings.KOSHA_S3_VERIFIES_CHECKSUMS,
        )

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call the store; connection failures and unexpected answers become BackendError.
        ClientErrors pass through so callers can map the codes they expect."""
        try:
            return getattr(self.client, operation)(**params)
        except BotoCoreError as exc:
            raise BackendError(f"S3 {operation} failed: {exc}") from exc

    def _presign(self, operation: str, params: dict[str, Any], expires_seconds: int) -> str:
        try:
            return self.client.generate_presigned_url(
                operation, Params={"Bucket": self.bucket, **params}, ExpiresIn=expires_seconds
            )
        except BotoCoreError as exc:
            raise BackendError(f"S3 presign {operation} failed: {exc}") from exc

    def _fast_paths(self) -> _FastPaths:
        """The fast signer and reads of this bucket, made by the first caller while any
        other waits (a lock, taken only until they exist), then published in one
        assignment: no caller sees the one without the other, or neither while they are
        being made (before, a second thread saw "checked" with no signer yet and signed
        through botocore), and they are made once. An unexpected error of the making
        publishes nothing: the next call tries again."""
        fast = self._fast
        if fast is None:
            with self._fast_lock:
                fast = self._fast
                if fast is None:
                    try:
                        signer = Presigner.for_client(self.client, bucket=self.bucket)
                    except (BotoCoreError, KeyError, AttributeError):
                        signer = None
                    fast = _FastPaths(signer=signer, direct=DirectReads.for_client(self.client, signer=signer))
                    self._fast = fast
        return fast

    def _put_presigner(self) -> Presigner | None:
        """The fast PUT signer (storage/backends/sigv4.py) for this bucket, made once; None
        where it cannot reproduce botocore's URL (then botocore signs)."""
        return self._fast_paths().signer

    def _direct_reads(self) -> DirectReads | None:
        """HEAD and GET without botocore's machinery (storage/backends/s3_direct.py), or None
        where the fast signer cannot sign for this bucket."""
        return self._fast_paths().direct

    @property
    def verifies_signed_checksums(self) -> bool:
        """As StorageBackend.verifies_signed_checksums: KOSHA_S3_VERIFIES_CHECKSUMS "true"
        or "false", or with "auto" the store's answer to a probe (s3_probe.py) made the
        first time it is asked in this process (two PUTs, a HEAD and a delete; False until the
        probe decides)."""
        if self._verifies_checksums != "auto":
            return self._verifies_checksums == "true"
        return self._checksum_verdict.get()

    def _checksum_probe(self) -> bool | None:
        http = http_session_of(self.client)
        return None if http is None else store_verifies_checksums(self, http)

    # --- uploads --------------------------------------------------------------------

    def _require_signed(self, url: str, required: set[str], operation: str) -> None:
        # botocore serializes ContentLength (and IfNoneMatch, ChecksumSHA256) as headers and
        # signs every header it sends, so the store refuses a request without exactly these
        # values. Fail closed if a botocore release ever stops doing that: an unsigned length
        # would let a client park more than the quota reserved.
        signed = parse_qs(urlsplit(url).query).get("X-Amz-SignedHeaders", [""])[0].split(";")
        if not required.issubset(signed):
            raise BackendError(f"presigned {operation} does not sign {sorted(required - set(signed))}")

    def presign_put(
        self, *, key: str, size_bytes: int, content_type: str, sha256_b64: str | None, expires_seconds: int
    ) -> PresignedRequest:
        params: dict[str, Any] = {"Key": key, "ContentLength": size_bytes, "ContentType": content_type}
        headers = {"Content-Type": content_type}
        required = {"content-length", "content-type"}
        if self.conditional_put:
            # A conditional write: the store refuses (412) once anything is stored at key, so
            # this URL can never replace bytes that were recorded. AWS S3 honours it since
            # 2024, SeaweedFS and moto too (measured); docs/deployment.md lists the stores.
            params["IfNoneMatch"] = "*"
            headers["If-None-Match"] = "*"
            required.add("if-none-match")
        if sha256_b64:
            params["ChecksumSHA256"] = sha256_b64
            headers["x-amz-checksum-sha256"] = sha256_b64
            required.add("x-amz-checksum-sha256")
        signer = self._put_presigner()
        if signer is not None:
            # sigv4.py signs every header it is given: these, the length and Host.
            url = signer.presign_put(
                key=key, headers={**headers, "Content-Length": str(size_bytes)}, expires_seconds=expires_seconds
            )
        else:
            url = self._presign("put_object", params, expires_seconds)
            self._require_signed(url, required, "PUT")
        return PresignedRequest(url=url, method="PUT", headers=headers)

    def presign_part(
        self, *, key: str, upload_id: str, part_number: int, size_bytes: int, expires_seconds: int
    ) -> PresignedRequest:
        signer = self._put_presigner()
        if signer is not None:
            # The query in botocore's order for these Params; the length is signed.
            url = signer.presign(
                method="PUT",
                key=key,
                headers={"Content-Length": str(size_bytes)},
                query={"uploadId": upload_id, "partNumber": str(part_number)},
                expires_seconds=expires_seconds,
            )
            return PresignedRequest(url=url, method="PUT", headers={})
        params = {"Key": key, "UploadId": upload_id, "PartNumber": part_number, "ContentLength": size_bytes}
        url = self._presign("upload_part", params, expires_seconds)
        self._require_signed(url, {"content-length"}, "UploadPart")
        return PresignedRequest(url=url, method="PUT", headers={})

    # --- objects --------------------------------------------------------------------

    def _object_read(self, operation: str, *, key: str) -> dict[str, Any] | None:
        """The store's answer to `operation` (head_object, get_object) on key, with its
        checksums; None when there is no such object. Raises BackendError."""
        try:
            return self._call(operation, Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if error_code(exc) in MISSING_CODES:
                return None
            raise store_error(exc, operation=_OPERATION_NAMES[operation]) from exc

    def _vouched(self, info: ObjectInfo) -> ObjectInfo:
        """info, with the SHA-256 the store reports only where the store verifies what it is
        sent (verifies_signed_checksums): a store that keeps an x-amz-checksum-sha256
        header without checking it reports the client's word, not the bytes' (reporting is
        not verifying), so the caller must hash the bytes itself."""
        if info.sha256_b64 and not self.verifies_signed_checksums:
            return replace(info, sha256_b64=None)
        return info

    def head(self, *, key: str) -> ObjectInfo | None:
        """As StorageBackend.head; the SHA-256 as _vouched allows."""
        direct = self._direct_reads()
        if direct is not None:
            found = direct.head(key=key)
            if found is None or isinstance(found, ObjectInfo):
                return None if found is None else self._vouched(found)
        response = self._object_read("head_object", key=key)
        return None if response is None else self._vouched(parsed_info(response))

    def fetch(self, *, key: str, max_bytes: int) -> tuple[ObjectInfo, bytes | None] | None:
        """As StorageBackend.fetch. A store that keeps no checksum (moto, Ceph RGW), or
        keeps one without verifying it (_vouched), is asked one GET; once the store has
        answered a whole-object checksum it vouches for, it is asked a HEAD (the server is
        not a pipe where the store can vouch for the bytes), and a GET only for an object
        it holds without one. Raises BackendError."""
        if self._reports_checksums:
            info = self.head(key=key)
            if info is None or info.sha256_b64 or info.size_bytes > max_bytes:
                return None if info is None else (info, None)
        found = self._get_small(key=key, max_bytes=max_bytes)
        if found is None:
            return None
        info, data = found
        info = self._vouched(info)
        if info.sha256_b64:
            self._reports_checksums = True
            return info, None
        return info, data

    def _get_small(self, *, key: str, max_bytes: int) -> tuple[ObjectInfo, bytes | None] | None:
        """One GET of key: what head answers and the bytes when at most max_bytes; None when
        nothing is there. Raises BackendError."""
        direct = self._direct_reads()
        if direct is not None:
            found = direct.fetch(key=key, max_bytes=max_bytes)
            if isinstance(found, tuple):
                return found
        response = self._object_read("get_object", key=key)
        if response is None:
            return None
        info = parsed_info(response)
        with response["Body"] as body:
            return info, body.read() if info.size_bytes <= max_bytes else None

    def presign_get(self, *, key: str, filename: str, content_type: str, inline: bool, expires_seconds: int) -> str:
        disposition = content_disposition(filename, inline=inline, content_type=content_type)
        signer = self._put_presigner()
        if signer is not None:
            query = {"response-content-disposition": disposition, "response-content-type": content_type}
            return signer.presign(method="GET", key=key, headers={}, query=query, expires_seconds=expires_seconds)
        params = {"Key": key, "ResponseContentDisposition": disposition, "ResponseContentType": content_type}
        return self._presign("get_object", params, expires_seconds)

    def open(self, *, key: str) -> BinaryIO:
        direct = self._direct_reads()
        if direct is not None:
            stream = direct.open(key=key)
            if stream is not None:
                return stream
        try:
            response = self._call("get_object", Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in MISSING_CODES:
                raise FileNotFoundError(key) from exc
            raise store_error(exc, operation="GetObject") from exc
        return response["Body"]

    def put_bytes(self, *, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        try:
            if isinstance(data, bytes | bytearray):
                self._call("put_object", Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
            else:
                # Managed upload: streams without needing the length or a seekable file.
                self.client.upload_fileobj(data, self.bucket, key, ExtraArgs={"ContentType": content_type})
        except ClientError as exc:
            raise store_error(exc, operation="PutObject") from exc
        except BotoCoreError as exc:
            raise BackendError(f"S3 put of {key} failed: {exc}") from exc

    def copy(self, *, source_key: str, dest_key: str) -> None:
        source = {"Bucket": self.bucket, "Key": source_key}
        info = self.head(key=source_key)
        if info is None:
            raise FileNotFoundError(source_key)
        try:
            if info.size_bytes <= MAX_SINGLE_COPY_BYTES:
                self._call("copy_object", Bucket=self.bucket, Key=dest_key, CopySource=source)
            else:
                # boto3's managed copy splits it into UploadPartCopy calls.
                self.client.copy(source, self.bucket, dest_key, ExtraArgs={"ContentType": info.content_type})
        except ClientError as exc:
            raise store_error(exc, operation="CopyObject") from exc
        except BotoCoreError as exc:
            raise BackendError(f"S3 copy of {source_key} failed: {exc}") from exc

    def delete(self, *, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            try:
                response = self._call(
                    "delete_objects",
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            except ClientError as exc:
                raise store_error(exc, operation="DeleteObjects") from exc
            errors = [error for error in response.get("Errors", []) if error.get("Code") != "NoSuchKey"]
            if errors:
                first = errors[0].get("Code", "")
                kind = BackendMisconfigured if first in MISCONFIGURED_CODES else BackendBusy
                raise kind(f"S3 could not delete {len(errors)} objects, first: {errors[0]}")

    def list_keys(self, *, keys: list[str]) -> dict[str, ListedObject]:
        """As StorageBackend.list_keys: blob keys made close together (UUIDv7 ids,
        storage/keys.py) are found by walking ListObjectsV2 from just before the first of
        them to past the last (s3_listing.py: usually one request for a batch of up to
        1,000); other keys are left undecided. Raises BackendError."""
        found: dict[str, ListedObject] = {}
        for run in blob_runs(keys):
            found.update(run_walk(run, page=self._list_page))
        return found

    def _list_page(self, prefix: str, start_after: str, max_keys: int) -> tuple[list[ListedObject], bool]:
        """One ListObjectsV2 page (s3_listing.Page): signed here and parsed with ElementTree,
        or, when that is undecided, botocore's call. Raises BackendError."""
        direct = self._direct_reads()
        if direct is not None:
            answer = direct.list_page(prefix=prefix, start_after=start_after, max_keys=max_keys)
            if isinstance(answer, tuple):
                return answer
        try:
            response = self._call(
                "list_objects_v2", Bucket=self.bucket, Prefix=prefix, StartAfter=start_after, MaxKeys=max_keys
            )
        except ClientError as exc:
            raise store_error(exc, operation="ListObjectsV2") from exc
        listed = [
            ListedObject(
                key=item["Key"],
                size_bytes=item["Size"],
                last_modified=item["LastModified"],
                etag=strip_etag(item.get("ETag", "")),
            )
            for item in response.get("Contents", [])
        ]
        return listed, bool(response.get("IsTruncated"))

    def list_prefix(self, *, prefix: str) -> Iterator[ListedObject]:
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ListedObject(
                        key=item["Key"],
                        size_bytes=item["Size"],
                        last_modified=item["LastModified"],
                        etag=strip_etag(item.get("ETag", "")),
                    )
        except ClientError as exc:
            raise store_error(exc, operation="ListObjectsV2") from exc
        except BotoCoreError as exc:
            raise BackendError(f"S3 ListObjectsV2 under {prefix!r} failed: {exc}") from exc
