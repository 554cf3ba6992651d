import json
import signal

from botocore.exceptions import BotoCoreError, ClientError
from django.core.management.base import BaseCommand, CommandError

from storage.sqs_events import (
    MAX_BATCH,
    MAX_VISIBILITY_SECONDS,
    MAX_WAIT_SECONDS,
    StopFlag,
    sqs_client,
    storage_events_consume,
)


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise CommandError(f"{name} must be between {low} and {high}, got {value}.")
    return value


class Command(BaseCommand):
    help = (
        "Long-poll an SQS queue fed by the bucket's ObjectCreated notifications and finish the "
        "uploads they report, like the storage webhook (docs/storage-events.md). Runs until "
        "SIGTERM or SIGINT, which finish the message in hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue-url", required=True, help="The SQS queue's URL.")
        parser.add_argument("--region", help="The queue's region (default: KOSHA_S3_REGION).")
        parser.add_argument(
            "--endpoint-url", help="An SQS-compatible endpoint (default: AWS, or AWS_ENDPOINT_URL_SQS when set)."
        )
        parser.add_argument("--batch-size", type=int, default=MAX_BATCH, help="Messages per receive, 1-10.")
        parser.add_argument("--wait-seconds", type=int, default=MAX_WAIT_SECONDS, help="Long poll, 0-20 s.")
        parser.add_argument(
            "--visibility-timeout",
            type=int,
            default=300,
            help="Seconds a received message stays hidden while its batch is handled.",
        )
        parser.add_argument(
            "--retry-delay",
            type=int,
            default=30,
            help="Seconds before a message that failed is delivered again.",
        )
        parser.add_argument(
            "--max-batches", type=int, help="Stop after this many receives (default: run until stopped)."
        )

    def handle(self, *args, **options):
        batch_size = _bounded("--batch-size", options["batch_size"], 1, MAX_BATCH)
        wait_seconds = _bounded("--wait-seconds", options["wait_seconds"], 0, MAX_WAIT_SECONDS)
        visibility = _bounded("--visibility-timeout", options["visibility_timeout"], 1, MAX_VISIBILITY_SECONDS)
        retry_delay = _bounded("--retry-delay", options["retry_delay"], 0, MAX_VISIBILITY_SECONDS)
        queue_url = options["queue_url"].strip()
        if not queue_url:
            raise CommandError("--queue-url is empty (set KOSHA_SQS_QUEUE_URL for the compose service).")
        client = sqs_client(region=options["region"], endpoint_url=options["endpoint_url"])
        self._check_queue(client, queue_url)

        stop = StopFlag()
        previous = {number: signal.signal(number, stop.request) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            totals = storage_events_consume(
                client=client,
                queue_url=queue_url,
                stop=stop,
                max_messages=batch_size,
                wait_seconds=wait_seconds,
                visibility_timeout_seconds=visibility,
                retry_delay_seconds=retry_delay,
                max_batches=options["max_batches"],
            )
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.stdout.write(
            f"Stopped: {totals.received} received, {totals.deleted} handled, "
            f"{totals.failed} left for retry, {totals.released} handed back."
        )

    def _check_queue(self, client, queue_url: str) -> None:
        """Fail at start on a wrong URL or missing permission, not in the loop; warn when no
        redrive policy would ever move a poison message aside."""
        try:
            attributes = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
        except (BotoCoreError, ClientError) as exc:
            raise CommandError(f"Cannot read the queue {queue_url}: {exc}") from exc
        policy = attributes.get("Attributes", {}).get("RedrivePolicy")
        if policy:
            self.stdout.write(
                f"Consuming {queue_url}; dead-letter after {json.loads(policy)['maxReceiveCount']} tries."
            )
        else:
            self.stderr.write(
                f"Consuming {queue_url}, which has no redrive policy: a message that always fails is "
                "retried until it expires. Give the queue a dead-letter queue."
            )
