"""The task broker down (Redis unreachable) after a change committed: the change stands
and is answered as done; the follow-up work that could not be queued is logged, and left
to the sweep that covers it where there is one."""

import logging
from datetime import timedelta

import pytest

from kosha.testing.factories import pending_upload, stored_file, stored_version
from storage.backends import get_backend
from storage.models import File, FileVersion, UploadSession
from storage.services.janitors import orphans_sweep
from storage.tests.protocol import assert_usage_consistent, usage_of


def _enqueue_failures(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "kosha.task_broker"]


@pytest.mark.django_db(transaction=True)
def test_a_complete_whose_follow_ups_cannot_be_queued_is_answered_200_and_logged(
    local_settings, broker_down, owner, owner_client, caplog
):
    upload = pending_upload(owner, "notes.txt", b"hello")
    owner_client.raise_request_exception = False

    with caplog.at_level(logging.ERROR, logger="kosha.task_broker"):
        response = owner_client.post(f"/api/v1/uploads/{upload.pk}/complete/", {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "notes.txt"
    assert UploadSession.objects.get(pk=upload.pk).status == UploadSession.Status.COMPLETED
    assert usage_of(owner).used_bytes == 5
    assert_usage_consistent(owner)
    failures = _enqueue_failures(caplog)
    assert len(failures) == 1 and "storage.tasks.version_sha1_task" in failures[0]


@pytest.mark.django_db
def test_a_batch_complete_whose_follow_ups_cannot_be_queued_records_every_file(
    local_settings, broker_down, owner, owner_client, caplog, django_capture_on_commit_callbacks
):
    uploads = [pending_upload(owner, f"photo {number}.txt", b"x" * number) for number in (1, 2, 3)]

    with caplog.at_level(logging.ERROR, logger="kosha.task_broker"), django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/api/v1/uploads/batch/complete/", {"uploads": [str(upload.pk) for upload in uploads]}, format="json"
        )

    assert response.status_code == 200
    assert [answer["status"] for answer in response.json()["uploads"]] == [200, 200, 200]
    assert File.objects.filter(owner=owner).count() == 3
    assert_usage_consistent(owner)
    assert any("storage.tasks.versions_sha1_task" in message for message in _enqueue_failures(caplog))


@pytest.mark.django_db
def test_a_version_deleted_while_the_broker_is_down_is_deleted_and_its_blob_left_to_the_orphan_sweep(
    local_settings, owner, owner_client, caplog, django_capture_on_commit_callbacks, request
):
    file = stored_file(owner, "notes.txt", b"1")
    old = file.current_version
    stored_version(file, b"22")
    request.getfixturevalue("broker_down")

    with caplog.at_level(logging.ERROR, logger="kosha.task_broker"), django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(f"/api/v1/files/{file.pk}/versions/{old.pk}/")

    assert response.status_code == 204
    assert not FileVersion.objects.filter(pk=old.pk).exists()
    assert usage_of(owner).used_bytes == 2
    assert any("storage.tasks.blobs_delete_task" in message for message in _enqueue_failures(caplog))
    assert get_backend().head(key=old.key) is not None
    orphans_sweep(user_id=owner.pk, grace=timedelta(0), dry_run=False)
    assert get_backend().head(key=old.key) is None
