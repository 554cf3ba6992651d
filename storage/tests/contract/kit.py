"""What the contract tests share: keys, checksums, pending sessions, and PUTs to presigned
URLs as a browser sends them."""

import base64
import hashlib
import uuid
from datetime import timedelta

import requests
from django.utils import timezone

from storage.backends.base import (
    PresignedRequest,
)
from storage.models import UploadSession

MiB = 1024 * 1024
TIMEOUT = 30


def open_upload_session(key: str, upload_id: str = "") -> UploadSession:
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create_user(email=f"{uuid.uuid4().hex[:12]}@example.com", password="x")
    return UploadSession.objects.create(
        owner=owner,
        created_by=owner,
        name="object.bin",
        size_bytes=0,
        content_type="application/octet-stream",
        key=key,
        strategy=UploadSession.Strategy.MULTIPART if upload_id else UploadSession.Strategy.SINGLE,
        multipart_upload_id=upload_id,
        expires_at=timezone.now() + timedelta(hours=1),
    )


def new_key() -> str:
    return f"users/{uuid.uuid4()}/blobs/{uuid.uuid4()}"


def multipart_opened(store, open_upload, content_type: str = "text/plain") -> tuple[str, str]:
    """A multipart upload started on `store` under a new key, its session recorded by
    `open_upload` (the fixture's): returns (key, upload_id)."""
    key = new_key()
    upload_id = store.multipart_start(key=key, content_type=content_type)
    open_upload(key, upload_id)
    return key, upload_id


def checksum_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def put_to_url(absolute, presigned: PresignedRequest, body: bytes, **headers) -> requests.Response:
    sent = {**presigned.headers, **headers}
    return requests.request(
        presigned.method,
        absolute(presigned.url),
        data=body,
        headers={name: value for name, value in sent.items() if value is not None},
        timeout=TIMEOUT,
    )


def upload(store, absolute, key: str, body: bytes, content_type: str = "text/plain", sha256_b64=None):
    presigned = store.presign_put(
        key=key, size_bytes=len(body), content_type=content_type, sha256_b64=sha256_b64, expires_seconds=60
    )
    response = put_to_url(absolute, presigned, body)
    assert response.status_code == 200, response.text
    return response


def error_code(response: requests.Response) -> str:
    start, end = response.text.find("<Code>"), response.text.find("</Code>")
    return response.text[start + len("<Code>") : end] if start >= 0 else ""


def put_part(store, absolute, key, upload_id, number, chunk, *, size_bytes=None):
    presigned = store.presign_part(
        key=key,
        upload_id=upload_id,
        part_number=number,
        size_bytes=len(chunk) if size_bytes is None else size_bytes,
        expires_seconds=600,
    )
    return put_to_url(absolute, presigned, chunk)
