"""POST /api/v1/webhooks/storage/: a store's ObjectCreated finishes an upload the client
never confirmed, exactly as the client's complete would, and only once."""

import base64
import json
import logging
import os
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing.races import run_after
from storage import keys
from storage.backends import BackendError, get_backend
from storage.models import File, FileVersion, UploadSession
from storage.services.uploads import upload_complete, upload_complete_from_event
from storage.tests.protocol import (
    assert_upload_completed_as_first_file,
    assert_upload_failed_leaving_nothing,
    assert_usage_consistent,
    usage_of,
)

URL = "/api/v1/webhooks/storage/"
SECRET = "storage-shared-secret"
MiB = 1024 * 1024
pytestmark = pytest.mark.django_db


@pytest.fixture
def events(settings, api_client):
    settings.KOSHA_STORAGE_WEBHOOK_SECRET = SECRET
    return api_client


def _records(key, *, name="ObjectCreated:Put", size=0, bucket=None):
    from django.conf import settings

    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": name,
                "s3": {
                    "bucket": {"name": bucket or settings.KOSHA_S3_BUCKET or "kosha"},
                    "object": {"key": key, "size": size, "eTag": "x"},
                },
            }
        ]
    }


def _sns(payload):
    return {"Type": "Notification", "MessageId": str(uuid.uuid4()), "Message": json.dumps(payload)}


def _minio(payload, key):
    return {"EventName": payload["Records"][0]["eventName"], "Key": f"kosha/{key}", **payload}


def _seaweedfs(key, *, event_type="create", size=0, bucket=None):
    """What SeaweedFS 4.48's filer webhook posted for a presigned PUT (captured, chunks trimmed)."""
    from django.conf import settings

    path = f"/buckets/{bucket or settings.KOSHA_S3_BUCKET or 'kosha'}/{key}"
    return {
        "event_type": event_type,
        "key": path,
        "message": {
            "new_entry": {
                "name": key.rsplit("/", 1)[-1],
                "chunks": [{"size": size, "e_tag": "XUFAKrxLKna5cZ2REBfFkg==", "fid": {"volume_id": 3, "file_key": 1}}],
                "attributes": {"file_size": size, "mtime": 1796069265, "file_mode": 432, "mime": "text/plain"},
                "extended": {"Seaweed-X-Amz-ETag": "NWQ0MTQwMmFiYzRiMmE3NmI5NzE5ZDkxMTAxN2M1OTI="},
            },
            "delete_chunks": True,
            "new_parent_path": path.rsplit("/", 1)[0],
            "signatures": [1130907762],
        },
    }


def _post(client, payload, *, auth=f"Bearer {SECRET}", content_type="application/json"):
    headers = {"Authorization": auth} if auth else {}
    return client.post(URL, data=json.dumps(payload), content_type=content_type, headers=headers)


def _put_without_complete(protocol, data: bytes, name="note.txt"):
    """A client that uploads its bytes and then vanishes."""
    started = protocol.start(name=name, size=len(data), content_type="text/plain")
    assert started.status_code == 201, started.json()
    started = started.json()
    assert protocol.put(started["url"], data, started["headers"]).status_code == 200
    return UploadSession.objects.get(pk=started["id"])


# --- the event finishes an abandoned upload ---------------------------------------------------


@pytest.mark.parametrize("shape", ["aws", "sns", "minio", "seaweedfs"])
def test_an_upload_never_completed_is_finished_by_the_storage_event(protocol, owner, events, shape):
    data = os.urandom(3000)
    upload = _put_without_complete(protocol, data)
    payload = _records(upload.key, size=len(data))
    if shape == "sns":
        payload = _sns(payload)
    elif shape == "minio":
        payload = _minio(_records(upload.key, name="s3:ObjectCreated:Put", size=len(data)), upload.key)
    elif shape == "seaweedfs":
        payload = _seaweedfs(upload.key, size=len(data))

    # SNS posts its JSON as text/plain.
    response = _post(events, payload, content_type="text/plain" if shape == "sns" else "application/json")

    assert response.status_code == 200, response.json()
    assert response.json()["records"][0]["outcome"] == "completed"
    assert_upload_completed_as_first_file(upload, name="note.txt", data=data)


def test_event_then_client_complete_record_one_version(protocol, owner, events):
    data = b"hello from a flaky client"
    upload = _put_without_complete(protocol, data)

    assert _post(events, _records(upload.key)).json()["records"][0]["outcome"] == "completed"
    response = protocol.complete(upload.pk)

    assert response.status_code == 200, response.json()
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert response.json()["id"] == str(FileVersion.objects.get().file_id)
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)


def test_client_complete_then_event_record_one_version(protocol, owner, events, enqueued):
    data = b"hello twice"
    upload = _put_without_complete(protocol, data)
    assert protocol.complete(upload.pk).status_code == 200

    response = _post(events, _records(upload.key))

    assert response.json()["records"][0]["outcome"] == "completed"
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)
    assert enqueued == []  # a known key is no orphan


def test_multipart_assembled_in_the_store_but_never_recorded_is_finished_by_the_event(
    protocol, owner, events, small_multipart
):
    data = os.urandom(6 * MiB)
    started = protocol.start(name="big.bin", size=len(data)).json()
    etags = protocol.put_parts(started["id"], {1: data})
    upload = UploadSession.objects.get(pk=started["id"])
    # Our complete asked the store to assemble the object, then the process died.
    get_backend().multipart_complete(key=upload.key, upload_id=upload.multipart_upload_id, parts=[(1, etags[1])])

    response = _post(events, _records(upload.key, name="ObjectCreated:CompleteMultipartUpload", size=len(data)))
    retried = protocol.complete(upload.pk, etags)

    assert response.json()["records"][0]["outcome"] == "completed"
    assert retried.status_code == 200, retried.json()
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)


def test_a_wrong_sized_object_fails_the_session_like_a_complete_would(s3_settings, owner, owner_client, events):
    started = owner_client.post("/api/v1/uploads/", {"name": "a.txt", "size": 10}, format="json").json()
    upload = UploadSession.objects.get(pk=started["id"])
    get_backend().put_bytes(key=upload.key, data=b"only five", content_type="application/octet-stream")

    response = _post(events, _records(upload.key))

    assert response.json()["records"][0]["outcome"] == "verification_failed"
    assert_upload_failed_leaving_nothing(upload, files_left=0)


def test_an_expired_session_is_not_finished(s3_settings, owner, owner_client, events):
    started = owner_client.post("/api/v1/uploads/", {"name": "a.txt", "size": 3}, format="json").json()
    upload = UploadSession.objects.get(pk=started["id"])
    get_backend().put_bytes(key=upload.key, data=b"abc", content_type="application/octet-stream")
    UploadSession.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = _post(events, _records(upload.key))

    assert response.json()["records"][0]["outcome"] == "gone"
    assert File.objects.filter(owner=owner).count() == 0


def test_store_unreachable_answers_503_so_the_sender_retries(protocol, owner, events, monkeypatch):
    upload = _put_without_complete(protocol, b"abc")
    backend = get_backend()

    def unreachable(**kwargs):
        raise BackendError("timeout")

    monkeypatch.setattr(backend, "head", unreachable)
    first = _post(events, _records(upload.key))
    monkeypatch.undo()
    second = _post(events, _records(upload.key))

    assert first.status_code == 503
    assert second.status_code == 200
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert_usage_consistent(owner)


# --- keys we do not know -----------------------------------------------------------------------


def test_an_unknown_blob_key_enqueues_an_orphan_check(s3_settings, owner, events, enqueued):
    key = keys.blob_key(owner.pk)

    response = _post(events, _records(key))

    assert response.json()["records"][0]["outcome"] == "orphan_check"
    assert enqueued == [("storage.tasks.orphan_check_task", key)]


def test_an_aborted_sessions_late_object_enqueues_an_orphan_check(s3_settings, owner, owner_client, events, enqueued):
    started = owner_client.post("/api/v1/uploads/", {"name": "a.txt", "size": 3}, format="json").json()
    assert owner_client.delete(f"/api/v1/uploads/{started['id']}/").status_code == 204
    key = UploadSession.objects.get(pk=started["id"]).key

    response = _post(events, _records(key))

    assert response.json()["records"][0]["outcome"] == "orphan_check"
    assert enqueued == [("storage.tasks.orphan_check_task", key)]


@pytest.mark.parametrize(
    ("name", "key", "bucket"),
    [
        ("ObjectRemoved:Delete", "users/{owner}/blobs/" + str(uuid.uuid4()), None),
        ("ObjectCreated:Put", "users/{owner}/thumbs/x-256.webp", None),
        ("ObjectCreated:Put", "elsewhere/file.txt", None),
        ("ObjectCreated:Put", "users/{owner}/blobs/" + str(uuid.uuid4()), "another-bucket"),
    ],
)
def test_other_events_and_keys_are_ignored(s3_settings, owner, events, enqueued, name, key, bucket):
    response = _post(events, _records(key.format(owner=owner.pk), name=name, bucket=bucket))

    assert response.status_code == 200
    assert response.json()["records"][0]["outcome"] == "ignored"
    assert enqueued == []


@pytest.mark.parametrize(
    "payload",
    [
        {"event_type": "create", "key": "/buckets/{bucket}/.uploads/abc/0001_x.part"},
        {"event_type": "create", "key": "/buckets/{bucket}/users/{owner}/blobs"},
        {"event_type": "delete", "key": "/buckets/{bucket}/users/{owner}/blobs/" + str(uuid.uuid4())},
        {"event_type": "create", "key": "/elsewhere/users/{owner}/blobs/" + str(uuid.uuid4())},
    ],
)
def test_seaweedfs_filer_entries_that_are_not_new_blobs_are_ignored(s3_settings, owner, events, enqueued, payload):
    payload = {**payload, "key": payload["key"].format(bucket=s3_settings.KOSHA_S3_BUCKET, owner=owner.pk)}

    response = _post(events, payload)

    assert response.status_code == 200
    assert response.json()["records"][0]["outcome"] == "ignored"
    assert enqueued == []


def test_a_seaweedfs_event_of_an_unknown_type_is_refused(events):
    response = _post(events, {"event_type": "chmod", "key": "/buckets/kosha/x"})

    assert response.status_code == 400


def test_sns_subscription_confirmation_is_logged_for_the_operator(events, caplog):
    payload = {
        "Type": "SubscriptionConfirmation",
        "TopicArn": "arn:aws:sns:us-east-1:123:kosha",
        "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc",
    }

    with caplog.at_level(logging.WARNING, logger="storage.webhooks"):
        response = _post(events, payload, content_type="text/plain")

    assert response.status_code == 200
    assert response.json() == {"records": [], "notice": "subscription_confirmation"}
    assert "Action=ConfirmSubscription&Token=abc" in caplog.text


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Bearer wrong-secret",
        f"Token {SECRET}",
        f"Bearer {SECRET}x",
        "Basic !!!",
        "Basic " + base64.b64encode(b"sns:nope").decode(),
    ],
)
def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(protocol, owner, events, auth):
    upload = _put_without_complete(protocol, b"abc")

    response = _post(events, _records(upload.key), auth=auth)

    assert response.status_code == 401
    upload.refresh_from_db()
    assert upload.status == UploadSession.Status.PENDING
    assert File.objects.filter(owner=owner).count() == 0


def test_basic_auth_with_the_secret_as_password_is_accepted_for_sns(protocol, owner, events):
    upload = _put_without_complete(protocol, b"abc")
    basic = "Basic " + base64.b64encode(f"sns:{SECRET}".encode()).decode()

    response = _post(events, _sns(_records(upload.key)), auth=basic, content_type="text/plain")

    assert response.status_code == 200
    assert response.json()["records"][0]["outcome"] == "completed"


def test_the_endpoint_is_off_without_a_secret(settings, api_client):
    settings.KOSHA_STORAGE_WEBHOOK_SECRET = ""

    assert _post(api_client, _records("users/x/blobs/y"), auth="Bearer ").status_code == 404


def test_a_malformed_delivery_is_refused(events):
    response = events.post(
        URL, data="{not json", content_type="application/json", headers={"Authorization": f"Bearer {SECRET}"}
    )
    records = _post(events, {"Records": [{"eventName": "ObjectCreated:Put"}]})

    assert response.status_code == 400
    assert records.status_code == 400


# --- the race (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["client", "event"])
def test_event_and_client_complete_at_once_record_one_version(s3_settings, owner, owner_client, first):
    """Each side passes its pending check and HEAD; the other then records in between
    (right after the first side's HEAD), so the first finds the upload already recorded."""
    data = b"raced bytes"
    started = owner_client.post("/api/v1/uploads/", {"name": "race.txt", "size": len(data)}, format="json").json()
    upload = UploadSession.objects.get(pk=started["id"])
    get_backend().put_bytes(key=upload.key, data=data, content_type="application/octet-stream")
    finish = {
        "client": lambda: upload_complete(actor=owner, upload=upload, origin=TASK),
        "event": lambda: upload_complete_from_event(key=upload.key),
    }
    other = "event" if first == "client" else "client"

    with run_after("storage.backends.s3.S3Backend.head", finish[other]) as race:
        version = finish[first]()

    assert race.result.pk == version.pk
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)
