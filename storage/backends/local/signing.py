"""The local store's presigned URLs: claims signed with django.core.signing, with an expiry.

A URL carries everything the upload/download view needs to check a request (operation,
key, length, type, checksum), so nothing the client sends is trusted.
"""

from __future__ import annotations

import time
from typing import Any

from django.core import signing
from django.urls import reverse

URL_SALT = "kosha.storage.local.presigned-url"


class UploadRejected(Exception):
    """The bytes do not match what the URL was signed for; nothing was stored.
    Carries the S3 error code and HTTP status the upload view answers with."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def _now() -> float:
    return time.time()


def sign_url(claims: dict[str, Any], expires_seconds: int) -> str:
    token = signing.dumps({**claims, "exp": int(_now()) + expires_seconds}, salt=URL_SALT, compress=True)
    return reverse("storage-local-object", kwargs={"token": token})


def load_url_claims(token: str) -> dict[str, Any]:
    """The claims of a URL we signed. Raises UploadRejected (403) if tampered or expired."""
    try:
        claims = signing.loads(token, salt=URL_SALT)
    except signing.BadSignature as exc:
        raise UploadRejected("AccessDenied", "The URL signature is invalid.", 403) from exc
    if not isinstance(claims, dict) or _now() > claims.get("exp", 0):
        raise UploadRejected("AccessDenied", "Request has expired.", 403)
    return claims
