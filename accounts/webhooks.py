"""Signed webhooks, in two schemes.

Kosha's own: HMAC-SHA256 over `f"{timestamp}.{raw body}"` with a shared secret; the sender
puts the Unix timestamp in `X-Kosha-Timestamp` and the hex digest in `X-Kosha-Signature`.

Standard Webhooks (https://www.standardwebhooks.com/, what Svix-based senders such as
Clerk use): `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>` over
`f"{id}.{timestamp}.{raw body}"` with a `whsec_` base64 secret, verified by the
`standardwebhooks` reference library.

Either way, signing the timestamp with the body lets us refuse a delivery captured and
replayed later (outside the tolerance window); event ids stored in `WebhookEvent` refuse a
replay inside it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kosha.errors import InvalidInput, WebhookStale, WebhookUnauthorized

TIMESTAMP_HEADER = "X-Kosha-Timestamp"
SIGNATURE_HEADER = "X-Kosha-Signature"
STANDARD_ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
# The standardwebhooks library refuses timestamps more than five minutes off, whatever we
# configure: a larger KOSHA_WEBHOOK_TOLERANCE_SECONDS cannot widen it for this scheme.
STANDARD_MAX_TOLERANCE_SECONDS = 300
EVENT_ID_MAX_LENGTH = 255


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `timestamp.body`: what a sender puts in X-Kosha-Signature."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _timestamp_parse(timestamp: str | None) -> int:
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookStale()
    return int(timestamp)


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
    _timestamp_parse(timestamp)
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    # Constant-time: a byte-by-byte compare would leak how much of a guess is right.
    if not signature or not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise WebhookUnauthorized()
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance_seconds:
        raise WebhookStale(tolerance_seconds=tolerance_seconds)


def standard_signature_verify(
    *, secret: str, headers: Mapping[str, str], body: bytes, tolerance_seconds: int, now: float | None = None
) -> str:
    """Check a Standard Webhooks delivery (`webhook-id`, `webhook-timestamp`,
    `webhook-signature`) against the `whsec_` secret and return its message id, the
    event's idempotency key. The window is the smaller of `tolerance_seconds` and the
    library's five minutes. Raises WebhookStale (400) for a missing, malformed or stale
    timestamp, InvalidInput (400) for a body that is not UTF-8, and WebhookUnauthorized
    (401) for a missing id or signature or one that does not match."""
    message_id = headers.get(STANDARD_ID_HEADER) or ""
    raw_timestamp = headers.get(STANDARD_TIMESTAMP_HEADER)
    timestamp = _timestamp_parse(raw_timestamp)
    signature = headers.get(STANDARD_SIGNATURE_HEADER) or ""
    if not message_id or len(message_id) > EVENT_ID_MAX_LENGTH or not signature:
        raise WebhookUnauthorized()
    window = min(tolerance_seconds, STANDARD_MAX_TOLERANCE_SECONDS)
    now = time.time() if now is None else now
    if abs(now - timestamp) > window:
        raise WebhookStale(tolerance_seconds=window)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The body must be UTF-8 JSON.") from None
    verify_headers = {
        STANDARD_ID_HEADER: message_id,
        STANDARD_TIMESTAMP_HEADER: raw_timestamp,
        STANDARD_SIGNATURE_HEADER: signature,
    }
    try:
        Webhook(secret).verify(text, verify_headers, json_parse=False)
    except (WebhookVerificationError, ValueError):
        # ValueError: a signature entry without a comma or with broken base64.
        raise WebhookUnauthorized() from None
    return message_id
