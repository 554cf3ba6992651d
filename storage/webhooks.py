"""Storage event notifications: the store tells us an object appeared.

A client that PUT its bytes and never called complete (a closed tab, a crash) leaves a
pending session that only the expiry sweep would end, refunding a file the user did
upload. An `ObjectCreated` event for that session's key finishes it the way the client's
complete would. Accepted shapes, all carrying S3's `Records` list:

- AWS S3 event notifications, directly: `{"Records": [{"eventName", "s3": {...}}]}`;
- the same inside an SNS envelope: `{"Type": "Notification", "Message": "<json>"}`
  (a `SubscriptionConfirmation` is logged with its URL for the operator to visit: the
  server makes no outbound calls);
- MinIO's webhook target: the Records plus top-level `EventName` and `Key`;
- SeaweedFS's filer webhook (`notification.webhook`, checked with SeaweedFS 4.48): one
  event a delivery, `{"key": "/buckets/<bucket>/<object key>", "event_type":
  "create"|"update"|"delete"|"rename", "message": {"new_entry": {...}}}`. A create or
  update of an object is S3's ObjectCreated (a PUT and a completed multipart upload both
  arrive as a create of the final key); paths outside the default `/buckets` folder and
  the filer's own entries (`.uploads`, directories) end up ignored like any non-blob key.

Authentication is a shared secret: `Authorization: Bearer <secret>` (MinIO's
`auth_token`), or HTTP Basic with the secret as password (SNS sends the credentials of
a `https://user:secret@host/...` subscription URL that way).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.conf import settings

from kosha.errors import DomainError, InvalidInput, StorageWebhookUnauthorized, StoreUnavailable
from kosha.task_broker import task_enqueue
from storage.services.uploads import upload_complete_from_event

logger = logging.getLogger(__name__)

# Only blob keys are written by clients (through presigned URLs); every other key under a
# user's prefix (thumbnails, zips) is written by the server, which records it itself.
_BLOB_KEY = re.compile(r"^users/[0-9a-f-]{36}/blobs/[0-9a-f-]{36}$")


@dataclass(frozen=True)
class StorageEvent:
    name: str  # e.g. "ObjectCreated:Put" (the "s3:" MinIO adds is dropped)
    bucket: str
    key: str
    size_bytes: int | None


@dataclass(frozen=True)
class ParsedDelivery:
    events: list[StorageEvent]
    notice: str | None = None  # what a delivery without records was, e.g. "subscription_confirmation"


def storage_webhook_authenticate(*, secret: str, authorization: str | None) -> None:
    """Raise StorageWebhookUnauthorized unless the Authorization header carries the secret
    (as a Bearer token, or as the password of HTTP Basic). Constant-time comparison."""
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    credentials = credentials.strip()
    presented = ""
    if scheme.lower() == "bearer":
        presented = credentials
    elif scheme.lower() == "basic":
        try:
            presented = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            presented = ""
    if not presented or not hmac.compare_digest(presented.encode(), secret.encode()):
        raise StorageWebhookUnauthorized()


def _records_of(payload: dict) -> list[StorageEvent]:
    records = payload.get("Records")
    if records is None:
        return []
    if not isinstance(records, list):
        raise InvalidInput("Records must be a list.", field="Records")
    events = []
    for record in records:
        s3 = record.get("s3") if isinstance(record, dict) else None
        name = record.get("eventName") if isinstance(record, dict) else None
        bucket = s3.get("bucket") if isinstance(s3, dict) else None
        obj = s3.get("object") if isinstance(s3, dict) else None
        key = obj.get("key") if isinstance(obj, dict) else None
        if not isinstance(name, str) or not isinstance(key, str) or not isinstance(bucket, dict):
            raise InvalidInput("Each record needs eventName, s3.bucket.name and s3.object.key.", field="Records")
        size = obj.get("size")
        events.append(
            StorageEvent(
                name=name.removeprefix("s3:"),
                bucket=str(bucket.get("name") or ""),
                # Keys arrive URL-encoded (a space as "+"), in both AWS and MinIO.
                key=unquote_plus(key),
                size_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    return events


_SEAWEEDFS_BUCKET_PATH = re.compile(r"^/buckets/(?P<bucket>[^/]+)/(?P<key>.+)$")
_SEAWEEDFS_EVENT_NAMES = {
    "create": "ObjectCreated:Put",
    "update": "ObjectCreated:Put",  # S3 reports an overwrite as ObjectCreated too
    "delete": "ObjectRemoved:Delete",
    "rename": "ObjectRenamed",
}


def _seaweedfs_event_of(payload: dict) -> StorageEvent:
    path, event_type = payload.get("key"), payload.get("event_type")
    if not isinstance(path, str) or event_type not in _SEAWEEDFS_EVENT_NAMES:
        raise InvalidInput("A SeaweedFS event needs a key and a known event_type.", field="event_type")
    located = _SEAWEEDFS_BUCKET_PATH.match(path)
    message = payload.get("message")
    entry = message.get("new_entry") if isinstance(message, dict) else None
    attributes = entry.get("attributes") if isinstance(entry, dict) else None
    size = attributes.get("file_size") if isinstance(attributes, dict) else None
    return StorageEvent(
        name=_SEAWEEDFS_EVENT_NAMES[event_type],
        bucket=located["bucket"] if located else "",
        key=located["key"] if located else path,
        size_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


def storage_delivery_parse(*, body: bytes) -> ParsedDelivery:
    """The events of one delivery in any accepted shape. Raises InvalidInput."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput("The body must be JSON.") from None
    if not isinstance(payload, dict):
        raise InvalidInput("The body must be a JSON object.")
    envelope_type = payload.get("Type")
    if envelope_type == "SubscriptionConfirmation":
        # We never call out; the operator confirms by visiting this URL (docs/storage-events.md).
        logger.warning(
            "SNS subscription to %s awaits confirmation: visit %s",
            payload.get("TopicArn"),
            payload.get("SubscribeURL"),
        )
        return ParsedDelivery(events=[], notice="subscription_confirmation")
    if envelope_type == "UnsubscribeConfirmation":
        logger.warning("SNS unsubscribed this endpoint from %s", payload.get("TopicArn"))
        return ParsedDelivery(events=[], notice="unsubscribe_confirmation")
    if envelope_type == "Notification":
        message = payload.get("Message")
        try:
            inner = json.loads(message) if isinstance(message, str) else None
        except json.JSONDecodeError:
            inner = None
        if not isinstance(inner, dict):
            raise InvalidInput("The SNS Message must be a JSON object.", field="Message")
        payload = inner
    if "Records" not in payload and "event_type" in payload:
        return ParsedDelivery(events=[_seaweedfs_event_of(payload)])
    events = _records_of(payload)
    if not events and payload.get("Event") == "s3:TestEvent":
        return ParsedDelivery(events=[], notice="test_event")
    return ParsedDelivery(events=events)


def storage_event_handle(*, event: StorageEvent) -> str:
    """Act on one event; returns the outcome. An ObjectCreated for a pending session's key
    completes it (verification failures end that session as the client's complete would);
    for an unknown blob key an orphan check is enqueued. Raises StoreUnavailable so the
    sender retries the delivery."""
    if not event.name.startswith("ObjectCreated:"):
        return "ignored"
    bucket = settings.KOSHA_S3_BUCKET
    if bucket and event.bucket and event.bucket != bucket:
        return "ignored"
    if not _BLOB_KEY.match(event.key):
        return "ignored"
    try:
        version = upload_complete_from_event(key=event.key)
    except StoreUnavailable:
        raise
    except DomainError as error:
        # Gone (expired), Conflict (nothing there after all), VerificationFailed (the session
        # failed, its object deleted): the same end as a client's complete.
        logger.info("Storage event for %s not recorded: %s", event.key, error.message)
        return error.code
    if version is not None:
        return "completed"
    # No session is waiting for this key: the orphan check deletes it unless a row holds it.
    task_enqueue("storage.tasks.orphan_check_task", event.key)
    return "orphan_check"
