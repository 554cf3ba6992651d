"""The S3 backend's multipart upload calls (S3Backend's share of StorageBackend's
multipart methods): CreateMultipartUpload, UploadPart, ListParts,
CompleteMultipartUpload and AbortMultipartUpload through boto3. Part URLs are signed in
s3.py with the other presigned URLs.

Spec: AWS S3 API reference, "Uploading and copying objects using multipart upload".
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storage.backends.base import BackendBusy, BackendError, PartsRejected, StoredPart, UploadNotFound
from storage.backends.s3_errors import BAD_PART_CODES, UPLOAD_MISSING_CODES, error_code, store_error


def strip_etag(etag: str) -> str:
    """An ETag without the double quotes S3 puts around it (RFC 9110, section 8.8.3)."""
    return etag.strip('"')


class S3Multipart:
    """Multipart uploads for S3Backend, which gives `client`, `bucket` and `_call`."""

    client: Any
    bucket: str

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        raise NotImplementedError

    def multipart_start(self, *, key: str, content_type: str) -> str:
        try:
            response = self._call("create_multipart_upload", Bucket=self.bucket, Key=key, ContentType=content_type)
        except ClientError as exc:
            raise store_error(exc, operation="CreateMultipartUpload") from exc
        return response["UploadId"]

    def multipart_part_put(self, *, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        try:
            response = self._call(
                "upload_part", Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=part_number, Body=data
            )
        except ClientError as exc:
            if error_code(exc) in ("NoSuchUpload", "NoSuchKey"):
                raise UploadNotFound(f"no upload {upload_id!r}") from exc
            raise store_error(exc, operation="UploadPart") from exc
        return strip_etag(response["ETag"])

    def multipart_list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        parts: list[StoredPart] = []
        try:
            pages = self.client.get_paginator("list_parts").paginate(Bucket=self.bucket, Key=key, UploadId=upload_id)
            for page in pages:
                for part in page.get("Parts", []):
                    parts.append(
                        StoredPart(number=part["PartNumber"], etag=strip_etag(part["ETag"]), size_bytes=part["Size"])
                    )
        except ClientError as exc:
            if error_code(exc) in UPLOAD_MISSING_CODES:
                raise UploadNotFound(f"S3 ListParts: no upload {upload_id} ({error_code(exc)})") from exc
            raise store_error(exc, operation="ListParts") from exc
        except BotoCoreError as exc:
            raise BackendError(f"S3 ListParts failed: {exc}") from exc
        return sorted(parts, key=lambda part: part.number)

    def multipart_complete(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        listed = [{"PartNumber": number, "ETag": f'"{strip_etag(etag)}"'} for number, etag in parts]
        try:
            self._call(
                "complete_multipart_upload",
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": listed},
            )
        except ClientError as exc:
            code = error_code(exc)
            if code in UPLOAD_MISSING_CODES:
                raise UploadNotFound(f"S3 CompleteMultipartUpload: no upload {upload_id} ({code})") from exc
            if code in BAD_PART_CODES:
                raise PartsRejected(f"S3 refused the parts: {code}", code=code) from exc
            error = store_error(exc, operation="CompleteMultipartUpload")
            # Some stores answer an unknown upload with a bare 500 (moto does): ask
            # ListParts, whose answer for a missing upload is reliable everywhere.
            if isinstance(error, BackendBusy):
                self.multipart_list_parts(key=key, upload_id=upload_id)
            raise error from exc

    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        try:
            self._call("abort_multipart_upload", Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            if error_code(exc) not in UPLOAD_MISSING_CODES:
                raise store_error(exc, operation="AbortMultipartUpload") from exc
