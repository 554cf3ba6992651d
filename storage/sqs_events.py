"""S3 event notifications through SQS: S3 → queue → `manage.py storage_events_consume`.

A queue message's body is the JSON that S3 (or SNS, with raw delivery off) puts on the
queue: the same document the storage webhook receives, so both doors go through
`storage.webhooks` (one parser, one handler, one outcome per record).

Delivery rules (SQS is at-least-once, and every handler here is idempotent):
- a message is deleted only after every record in it was handled; duplicates, other
  events and unknown keys are handled by doing nothing (or by an orphan check);
- a message that failed is never deleted: it is handed back with a short visibility
  (`retry_delay_seconds`), and the queue's redrive policy moves it to the dead-letter
  queue once it has been received `maxReceiveCount` times. A malformed body (poison)
  takes that path; so does a store or database outage, which also pauses the consumer;
- on a stop request the message in hand is finished, the rest of the batch is handed
  back at once (visibility 0) for another consumer, and no new batch is received.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from kosha.errors import InvalidInput, StoreUnavailable
from storage.webhooks import storage_delivery_parse, storage_event_handle

logger = logging.getLogger(__name__)

# SQS limits (ReceiveMessage): at most 10 messages a call, a long poll of at most 20 s,
# a visibility timeout of at most 12 hours.
MAX_BATCH = 10
MAX_WAIT_SECONDS = 20
MAX_VISIBILITY_SECONDS = 12 * 60 * 60
MAX_PAUSE_SECONDS = 60


class StopFlag:
    """Set by a signal handler, read by the loop. A plain attribute, not a lock: a handler
    that runs while the main thread holds a lock must not wait for it."""

    def __init__(self) -> None:
        self.requested = False

    def request(self, *args: Any) -> None:
        self.requested = True

    def sleep(self, seconds: float) -> None:
        """Sleep up to `seconds`, returning within a second of a stop request."""
        deadline = time.monotonic() + seconds
        while not self.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 1.0))


@dataclass
class BatchResult:
    received: int = 0
    deleted: int = 0  # handled, then removed from the queue
    failed: int = 0  # left on the queue for another try (and, after N tries, the DLQ)
    released: int = 0  # handed back unprocessed because of a stop request
    outage: bool = False  # a failure that says the store or the database is down


def sqs_client(*, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 SQS client with Kosha's S3 credentials when set (one identity for the bucket
    and its queue), else boto3's default chain (AWS_* variables, profile, instance role).
    Without `endpoint_url`, boto3 honours AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL."""
    return boto3.session.Session().client(
        "sqs",
        region_name=region or settings.KOSHA_S3_REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=settings.KOSHA_S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.KOSHA_S3_SECRET_ACCESS_KEY,
        # Read timeout above the longest long poll, so a quiet queue is not an error.
        config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=60),
    )


def _drop_stale_connections() -> None:
    """A long-running process: drop connections the database closed or that outlived
    DATABASE_CONN_MAX_AGE, as Django does around each request (never one inside a
    transaction)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def _message_handle(message: dict[str, Any]) -> list[str]:
    """Every record of one message through the webhook's parser and handler; returns the
    outcomes. Raises InvalidInput (malformed), StoreUnavailable, OperationalError."""
    delivery = storage_delivery_parse(body=message.get("Body", "").encode())
    outcomes = [storage_event_handle(event=event) for event in delivery.events]
    if delivery.notice:
        outcomes.append(delivery.notice)
    return outcomes


def storage_events_receive(
    *,
    client: Any,
    queue_url: str,
    max_messages: int = MAX_BATCH,
    wait_seconds: int = MAX_WAIT_SECONDS,
    visibility_timeout_seconds: int = 300,
    retry_delay_seconds: int = 30,
    stop: StopFlag | None = None,
) -> BatchResult:
    """Receive one batch (long poll) and handle its messages, one at a time, in order.

    `visibility_timeout_seconds` must cover handling a whole batch (a HEAD per record, a
    full read when a multipart upload declared a sha256); a message still in hand past it
    is delivered again, which is harmless. Raises BotoCoreError/ClientError when SQS
    itself fails (the caller pauses and tries again). Takes no database lock of its own;
    the upload service it calls locks as the client's complete does."""
    stop = stop or StopFlag()
    result = BatchResult()
    response = client.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max_messages,
        WaitTimeSeconds=wait_seconds,
        VisibilityTimeout=visibility_timeout_seconds,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )
    messages = response.get("Messages", [])
    result.received = len(messages)
    for index, message in enumerate(messages):
        if stop.requested:
            result.released = _release(client, queue_url, messages[index:])
            break
        message_id = message.get("MessageId", "?")
        attempt = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
        _drop_stale_connections()
        try:
            outcomes = _message_handle(message)
        except InvalidInput as error:
            logger.error(
                "SQS message %s (attempt %s) is malformed, left for the dead-letter queue: %s",
                message_id,
                attempt,
                error.message,
            )
            result.failed += 1
            _retry_later(client, queue_url, message, retry_delay_seconds)
            continue
        except (StoreUnavailable, OperationalError, InterfaceError) as error:
            logger.warning("SQS message %s (attempt %s) not handled, will be retried: %s", message_id, attempt, error)
            result.failed += 1
            result.outage = True
            _retry_later(client, queue_url, message, retry_delay_seconds)
            continue
        client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        result.deleted += 1
        logger.info("SQS message %s handled: %s", message_id, ", ".join(outcomes) or "no records")
    return result


def _retry_later(client: Any, queue_url: str, message: dict[str, Any], delay_seconds: int) -> None:
    """Hand a failed message back after `delay_seconds` rather than the full visibility
    timeout. Best effort: if SQS refuses, the visibility timeout brings it back anyway."""
    try:
        client.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=delay_seconds
        )
    except (BotoCoreError, ClientError) as exc:
        logger.warning("Could not shorten the visibility of SQS message %s: %s", message.get("MessageId"), exc)


def _release(client: Any, queue_url: str, messages: list[dict[str, Any]]) -> int:
    entries = [
        {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
        for index, message in enumerate(messages)
    ]
    try:
        client.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
    except (BotoCoreError, ClientError) as exc:
        logger.warning(
            "Could not hand back %d SQS messages (they return after their visibility timeout): %s", len(entries), exc
        )
    return len(entries)


def storage_events_consume(
    *,
    client: Any,
    queue_url: str,
    stop: StopFlag,
    max_messages: int = MAX_BATCH,
    wait_seconds: int = MAX_WAIT_SECONDS,
    visibility_timeout_seconds: int = 300,
    retry_delay_seconds: int = 30,
    max_batches: int | None = None,
) -> BatchResult:
    """Receive and handle batches until `stop` is requested (or after `max_batches`).
    After an outage (store, database or SQS unreachable) the next receive waits, doubling
    from 1 s up to MAX_PAUSE_SECONDS, so a down store does not burn through the messages'
    receive counts. Returns the totals."""
    totals = BatchResult()
    batches = 0
    pause = 0.0
    while not stop.requested and (max_batches is None or batches < max_batches):
        batches += 1
        try:
            batch = storage_events_receive(
                client=client,
                queue_url=queue_url,
                max_messages=max_messages,
                wait_seconds=wait_seconds,
                visibility_timeout_seconds=visibility_timeout_seconds,
                retry_delay_seconds=retry_delay_seconds,
                stop=stop,
            )
        except (BotoCoreError, ClientError) as exc:
            logger.warning("Receiving from SQS failed: %s", exc)
            batch = BatchResult(outage=True)
        for field in ("received", "deleted", "failed", "released"):
            setattr(totals, field, getattr(totals, field) + getattr(batch, field))
        if batch.outage:
            pause = min(max(pause * 2, 1.0), MAX_PAUSE_SECONDS)
            stop.sleep(pause)
        else:
            pause = 0.0
    return totals
