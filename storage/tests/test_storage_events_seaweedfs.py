"""SeaweedFS's own event format, end to end: a real `weed server` whose filer webhook
(`notification.webhook`, set through its WEED_* environment as docker-compose.yml does)
posts to Kosha's live server, which finishes an upload whose client never called complete."""

import time

import pytest

from kosha.testing.factories import pending_upload
from kosha.testing.fixtures.stores import use_s3_bucket
from storage.backends import get_backend
from storage.models import FileVersion, UploadSession
from storage.tests.protocol import assert_usage_consistent, usage_of
from storage.tests.stores import ACCESS_KEY, SECRET_KEY, SeaweedFS, s3_client

SECRET = "seaweedfs-webhook-secret"


@pytest.fixture
def seaweed_with_webhook(tmp_path, monkeypatch, settings, live_server):
    """A SeaweedFS of its own (the session's one has no webhook) posting to the live server."""
    settings.KOSHA_STORAGE_WEBHOOK_SECRET = SECRET
    monkeypatch.setenv("WEED_NOTIFICATION_WEBHOOK_ENABLED", "true")
    monkeypatch.setenv("WEED_NOTIFICATION_WEBHOOK_ENDPOINT", f"{live_server.url}/api/v1/webhooks/storage/")
    monkeypatch.setenv("WEED_NOTIFICATION_WEBHOOK_BEARER_TOKEN", SECRET)
    server = SeaweedFS(tmp_path)
    server.start()
    bucket = "kosha-events"
    s3_client(server.endpoint).create_bucket(Bucket=bucket)
    use_s3_bucket(settings, endpoint=server.endpoint, bucket=bucket, access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    yield server
    server.stop()
    get_backend.cache_clear()


def _wait_for(predicate, *, seconds=60):
    """Poll until the webhook has been delivered; the filer sends it asynchronously."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "SeaweedFS's event never finished the upload"
        time.sleep(0.2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seaweedfs_filer_webhook_finishes_an_upload_never_completed(seaweed_with_webhook, owner):
    data = b"bytes the browser sent before its tab closed"

    upload = pending_upload(owner, "note.txt", data)

    _wait_for(lambda: UploadSession.objects.get(pk=upload.pk).status == UploadSession.Status.COMPLETED)
    version = FileVersion.objects.get(pk=UploadSession.objects.get(pk=upload.pk).version_id)
    assert (version.file.name, version.size_bytes, version.key) == ("note.txt", len(data), upload.key)
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)
