"""Signed webhooks: HMAC-SHA256 over `f"{timestamp}.{raw body}"` with a shared secret.

The sender puts the Unix timestamp in `X-Kosha-Timestamp` and the hex digest in
`X-Kosha-Signature`. Signing the timestamp with the body lets us refuse a delivery
captured and replayed later (outside the tolerance window); event ids stored in
`WebhookEvent` refuse a replay inside it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from kosha.errors import WebhookStale, WebhookUnauthorized

TIMESTAMP_HEADER = "X-Kosha-Timestamp"
SIGNATURE_HEADER = "X-Kosha-Signature"


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `timestamp.body`: what a sender puts in X-Kosha-Signature."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_verify(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    tolerance_seconds: int,
    now: float | None = None,
) -> None:
    """Check a delivery's signature and freshness. Raises WebhookStale (400) for a
    missing or malformed timestamp, WebhookUnauthorized (401) for a bad signature, and
    WebhookStale for a correctly signed one outside the window. Returns nothing when valid."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookStale()
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    # Constant-time: a byte-by-byte compare would leak how much of a guess is right.
    if not signature or not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise WebhookUnauthorized()
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance_seconds:
        raise WebhookStale(tolerance_seconds=tolerance_seconds)
