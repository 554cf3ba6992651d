"""`manage.py storage_events_consume`: S3's ObjectCreated notifications reach an SQS queue
(moto's S3 and SQS in one real HTTP server: the bucket's notification configuration
delivers them) and the consumer finishes the uploads they report, through the same
handler as the storage webhook."""

import json
import os
import signal
import uuid

import boto3
import pytest
from django.core.management import CommandError, call_command

from kosha.testing.factories import pending_upload
from storage import keys
from storage import webhooks as storage_webhooks
from storage.backends import BackendError, get_backend
from storage.models import FileVersion, UploadSession
from storage.sqs_events import StopFlag, storage_events_consume, storage_events_receive
from storage.tests.protocol import (
    ProtocolClient,
    assert_upload_completed_as_first_file,
    assert_usage_consistent,
    usage_of,
)

MiB = 1024 * 1024
MAX_RECEIVE_COUNT = 2
pytestmark = pytest.mark.django_db


@pytest.fixture
def sqs(moto_endpoint):
    return boto3.client(
        "sqs",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _queue_arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture
def queue(sqs, s3_settings):
    """A queue with a dead-letter queue after MAX_RECEIVE_COUNT receives, a policy letting the
    bucket send to it, and the bucket's ObjectCreated notifications under users/ pointed at it
    (as deploy/aws/kosha.yaml sets up). The test event S3 sends on configuration is drained."""
    name = f"kosha-events-{uuid.uuid4().hex[:8]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": _queue_arn(sqs, dlq_url), "maxReceiveCount": MAX_RECEIVE_COUNT}
            )
        },
    )["QueueUrl"]
    arn = _queue_arn(sqs, url)
    bucket = s3_settings.KOSHA_S3_BUCKET
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    get_backend().client.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "users/"}]}},
                }
            ]
        },
    )
    test_event = _drain(sqs, url)
    assert [json.loads(body)["Event"] for body in test_event] == ["s3:TestEvent"]
    return {"url": url, "dlq_url": dlq_url}


def _drain(sqs, url):
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _count(sqs, url):
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def _consume(queue, moto_endpoint, *extra):
    """The command as an operator runs it, for a bounded number of receives."""
    call_command(
        "storage_events_consume",
        "--queue-url", queue["url"],
        "--endpoint-url", moto_endpoint,
        "--wait-seconds", "0",
        "--retry-delay", "0",
        *extra,
    )  # fmt: skip


def _receive(sqs, queue, **options):
    return storage_events_receive(client=sqs, queue_url=queue["url"], wait_seconds=0, retry_delay_seconds=0, **options)


@pytest.fixture
def s3_protocol(s3_settings, owner_client):
    """The protocol client on S3 only: SQS carries S3's notifications."""
    return ProtocolClient(api=owner_client, base_url="")


def _aws_event(*, bucket, key, size, name="ObjectCreated:Put"):
    """An S3 event message in the structure the AWS S3 user guide documents
    ("Event message structure", version 2.1): keys URL-encoded, all fields present."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-01-02T03:04:05.678Z",
                "eventName": name,
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.7"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "kosha-object-created",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {"key": key, "size": size, "eTag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "0055AED6DCD90281E5"},
                },
            }
        ]
    }  # fmt: skip


# --- the notification finishes abandoned uploads --------------------------------------------------


def test_an_upload_never_completed_is_finished_from_the_queue(owner, sqs, queue, moto_endpoint):
    data = os.urandom(3000)
    upload = pending_upload(owner, "note.txt", data)

    _consume(queue, moto_endpoint, "--max-batches", "1")

    assert_upload_completed_as_first_file(upload, name="note.txt", data=data)
    assert _count(sqs, queue["url"]) == 0
    assert _count(sqs, queue["dlq_url"]) == 0


def test_a_multipart_upload_assembled_in_the_store_is_finished_from_the_queue(
    s3_protocol, owner, sqs, queue, small_multipart
):
    data = os.urandom(6 * MiB)
    started = s3_protocol.start(name="big.bin", size=len(data)).json()
    etags = s3_protocol.put_parts(started["id"], {1: data})
    upload = UploadSession.objects.get(pk=started["id"])
    # The client's complete reached the store, then the client vanished.
    get_backend().multipart_complete(key=upload.key, upload_id=upload.multipart_upload_id, parts=[(1, etags[1])])

    result = _receive(sqs, queue)

    # moto sends ObjectCreated:Put and ObjectCreated:CompleteMultipartUpload for one
    # completion (S3 sends the second only): a duplicate, handled as one.
    assert (result.received, result.deleted, result.failed) == (2, 2, 0)
    upload.refresh_from_db()
    assert upload.status == UploadSession.Status.COMPLETED
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)


def test_duplicate_notifications_and_a_client_complete_record_one_version(s3_protocol, owner, sqs, queue):
    data = b"delivered at least once"
    upload = pending_upload(owner, "note.txt", data)
    # SQS may deliver a message twice; here the second copy is a documented-shape AWS event.
    duplicate = _aws_event(bucket=get_backend().bucket, key=upload.key, size=len(data))
    sqs.send_message(QueueUrl=queue["url"], MessageBody=json.dumps(duplicate))

    result = _receive(sqs, queue)
    completed = s3_protocol.complete(upload.pk)

    assert (result.received, result.deleted, result.failed) == (2, 2, 0)
    assert completed.status_code == 200, completed.json()
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)
    assert _count(sqs, queue["url"]) == 0


def test_an_sns_envelope_on_the_queue_is_unwrapped(owner, sqs, queue):
    upload = pending_upload(owner, "note.txt", b"via a topic")
    _drain(sqs, queue["url"])  # the bucket's own notification; this test sends the SNS-wrapped one
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:kosha-events",
        "Message": json.dumps(_aws_event(bucket=get_backend().bucket, key=upload.key, size=11)),
    }
    sqs.send_message(QueueUrl=queue["url"], MessageBody=json.dumps(envelope))

    result = _receive(sqs, queue)

    assert (result.received, result.deleted) == (1, 1)
    upload.refresh_from_db()
    assert upload.status == UploadSession.Status.COMPLETED


def test_an_unknown_blob_key_is_harmless_and_enqueues_an_orphan_check(owner, sqs, queue, enqueued):
    key = keys.blob_key(owner.pk)
    get_backend().put_bytes(key=key, data=b"nobody asked", content_type="application/octet-stream")

    result = _receive(sqs, queue)

    assert (result.received, result.deleted, result.failed) == (1, 1, 0)
    assert enqueued == [("storage.tasks.orphan_check_task", key)]
    assert FileVersion.objects.count() == 0


def test_keys_that_are_not_blobs_are_ignored_and_removed(owner, sqs, queue, enqueued):
    get_backend().put_bytes(key=f"users/{owner.pk}/thumbs/x-256.webp", data=b"t", content_type="image/webp")

    result = _receive(sqs, queue)

    assert (result.received, result.deleted) == (1, 1)
    assert enqueued == []
    assert _count(sqs, queue["url"]) == 0


# --- failures: retried, then dead-lettered; never deleted by the consumer ----------------------------


def test_a_poison_message_goes_to_the_dead_letter_queue_after_the_redrive_count(sqs, queue, moto_endpoint):
    sqs.send_message(QueueUrl=queue["url"], MessageBody="{not json")

    # One receive more than the redrive count: SQS moves the message aside on that receive.
    _consume(queue, moto_endpoint, "--max-batches", str(MAX_RECEIVE_COUNT + 1))

    assert _count(sqs, queue["url"]) == 0
    dead = sqs.receive_message(
        QueueUrl=queue["dlq_url"], WaitTimeSeconds=0, MessageSystemAttributeNames=["ApproximateReceiveCount"]
    )["Messages"]
    assert [message["Body"] for message in dead] == ["{not json"]
    # Received exactly MAX_RECEIVE_COUNT times before, and this once from the DLQ.
    assert dead[0]["Attributes"]["ApproximateReceiveCount"] == str(MAX_RECEIVE_COUNT + 1)


def test_a_message_of_records_without_a_key_is_poison_and_is_not_deleted(sqs, queue):
    sqs.send_message(QueueUrl=queue["url"], MessageBody=json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]}))

    first = _receive(sqs, queue)
    second = _receive(sqs, queue)

    assert (first.received, first.deleted, first.failed, first.outage) == (1, 0, 1, False)
    assert (second.received, second.failed) == (1, 1)


def test_a_store_outage_leaves_the_message_for_a_retry_that_finishes_the_upload(owner, sqs, queue, monkeypatch):
    upload = pending_upload(owner, "note.txt", b"abc")

    def unreachable(**kwargs):
        raise BackendError("timeout")

    monkeypatch.setattr(get_backend(), "head", unreachable)
    during = _receive(sqs, queue)
    monkeypatch.undo()
    after = _receive(sqs, queue)

    assert (during.received, during.deleted, during.failed, during.outage) == (1, 0, 1, True)
    assert (after.received, after.deleted, after.failed) == (1, 1, 0)
    upload.refresh_from_db()
    assert upload.status == UploadSession.Status.COMPLETED
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert_usage_consistent(owner)


# --- stopping and arguments -------------------------------------------------------------------------


def test_sigterm_finishes_the_message_in_hand_and_hands_the_rest_of_the_batch_back(
    owner, sqs, queue, moto_endpoint, monkeypatch
):
    first = pending_upload(owner, "first.txt", b"first")
    second = pending_upload(owner, "second.txt", b"second")
    handle = storage_webhooks.storage_event_handle
    handled = []

    def handle_then_terminate(*, event):
        # The operator's `docker compose stop` arrives while the first message is handled.
        outcome = handle(event=event)
        handled.append(event.key)
        os.kill(os.getpid(), signal.SIGTERM)
        return outcome

    monkeypatch.setattr("storage.sqs_events.storage_event_handle", handle_then_terminate)
    before = signal.getsignal(signal.SIGTERM)

    # Without the stop, the command would poll forever: no --max-batches.
    _consume(queue, moto_endpoint, "--batch-size", "2")

    assert handled == [first.key]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (UploadSession.Status.COMPLETED, UploadSession.Status.PENDING)
    # The second message is visible again at once, for the next consumer.
    assert len(sqs.receive_message(QueueUrl=queue["url"], WaitTimeSeconds=0)["Messages"]) == 1
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_stop_requested_before_a_receive_leaves_the_queue_untouched(owner, sqs, queue):
    pending_upload(owner, "note.txt", b"abc")
    stop = StopFlag()
    stop.request()

    totals = storage_events_consume(client=sqs, queue_url=queue["url"], stop=stop, wait_seconds=0)

    assert (totals.received, totals.deleted) == (0, 0)
    assert _count(sqs, queue["url"]) == 1


@pytest.mark.parametrize(
    ("option", "value"),
    [("--batch-size", "11"), ("--batch-size", "0"), ("--wait-seconds", "21"), ("--visibility-timeout", "0")],
)
def test_out_of_range_options_are_refused(sqs, queue, moto_endpoint, option, value):
    with pytest.raises(CommandError, match=option):
        _consume(queue, moto_endpoint, option, value, "--max-batches", "1")


def test_an_unknown_queue_is_refused_at_start(s3_settings, moto_endpoint):
    with pytest.raises(CommandError, match="Cannot read the queue"):
        call_command(
            "storage_events_consume",
            "--queue-url", f"{moto_endpoint}/123456789012/no-such-queue",
            "--endpoint-url", moto_endpoint,
        )  # fmt: skip


def test_a_queue_without_a_dead_letter_queue_is_consumed_with_a_warning(s3_settings, sqs, moto_endpoint, capsys):
    url = sqs.create_queue(QueueName=f"plain-{uuid.uuid4().hex[:8]}")["QueueUrl"]

    call_command(
        "storage_events_consume", "--queue-url", url, "--endpoint-url", moto_endpoint, "--wait-seconds", "0",
        "--max-batches", "1",
    )  # fmt: skip

    assert "no redrive policy" in capsys.readouterr().err
