"""Quota checks count only what an operation adds (issue 9, example 4).

A new version adds bytes but no file, so at the plan's file limit it still fits; a new
file needs a free slot. Every path that adds bytes or files: uploads (API), uploads the
storage event finishes, version restore, copy, drop links, and an upload meant as a
version whose file went away before it was recorded.
"""

import json

import pytest

from kosha.errors import TooManyFiles
from kosha.origin import TASK
from kosha.testing.factories import folder, link, pending_upload, stored_file, stored_version
from plans.models import Plan
from plans.services import usage_set_plan
from storage.backends import get_backend
from storage.models import File, UploadSession
from storage.services.files import file_copy
from storage.services.janitors import usage_reconcile
from storage.services.trash import file_trash
from storage.services.uploads import upload_complete, upload_complete_from_event
from storage.services.versions import file_version_restore
from storage.tests.protocol import (
    assert_upload_failed_leaving_nothing,
    assert_usage_consistent,
    usage_of,
)

pytestmark = pytest.mark.django_db
KiB = 1024


@pytest.fixture
def two_files_plan(local_settings, owner):
    """The owner's plan holds two files (and plenty of bytes)."""
    plan = Plan.objects.create(code="two", name="Two", storage_bytes=100 * KiB, max_files=2, max_file_bytes=10 * KiB)
    usage_set_plan(user=owner, plan=plan)
    return plan


def test_a_new_version_at_the_file_limit_fits_and_a_new_file_does_not(two_files_plan, owner, owner_client):
    stored_file(owner, "a.txt", b"one")
    stored_file(owner, "b.txt", b"two")

    again = owner_client.post(
        "/api/v1/uploads/", {"name": "a.txt", "size": 5, "content_type": "text/plain"}, format="json"
    )
    reserved_files = usage_of(owner).reserved_files
    get_backend().put_bytes(
        key=UploadSession.objects.get(pk=again.json()["id"]).key, data=b"three", content_type="text/plain"
    )
    completed = owner_client.post(f"/api/v1/uploads/{again.json()['id']}/complete/", {}, format="json")
    third = owner_client.post(
        "/api/v1/uploads/", {"name": "c.txt", "size": 5, "content_type": "text/plain"}, format="json"
    )

    assert again.status_code == 201, again.json()
    assert reserved_files == 0
    assert completed.status_code == 200, completed.json()
    assert (completed.json()["name"], completed.json()["version"]) == ("a.txt", 2)
    assert third.status_code == 413
    assert (third.json()["error"]["code"], third.json()["error"]["reason"]) == ("quota_exceeded", "max_files")
    assert usage_of(owner).file_count == 2
    assert_usage_consistent(owner)


def test_a_version_upload_whose_file_went_away_needs_a_free_slot_to_become_a_file(two_files_plan, owner):
    kept = stored_file(owner, "a.txt", b"one")
    stored_file(owner, "b.txt", b"two")
    upload = pending_upload(owner, "a.txt", b"again")  # a version: no slot reserved
    file_trash(actor=owner, file=kept, origin=TASK)  # trashed files still count until purged

    with pytest.raises(TooManyFiles):
        upload_complete(actor=owner, upload=upload, origin=TASK)

    assert_upload_failed_leaving_nothing(upload, files_left=2)


def test_a_version_upload_whose_file_went_away_becomes_a_new_file_where_the_plan_has_room(local_settings, owner):
    kept = stored_file(owner, "a.txt", b"one")
    upload = pending_upload(owner, "a.txt", b"again")
    file_trash(actor=owner, file=kept, origin=TASK)

    version = upload_complete(actor=owner, upload=upload, origin=TASK)

    assert version.number == 1
    assert version.file_id != kept.pk
    assert usage_of(owner).file_count == 2
    assert_usage_consistent(owner)


def test_a_new_version_finished_by_the_storage_event_at_the_file_limit(two_files_plan, owner):
    kept = stored_file(owner, "a.txt", b"one")
    stored_file(owner, "b.txt", b"two")
    upload = pending_upload(owner, "a.txt", b"again")

    version = upload_complete_from_event(key=upload.key)

    assert (version.file_id, version.number) == (kept.pk, 2)
    assert_usage_consistent(owner)


def test_restoring_a_version_at_the_file_limit_takes_no_file_slot(two_files_plan, owner):
    file = stored_file(owner, "a.txt", b"one")
    stored_version(file, b"two!")
    stored_file(owner, "b.txt", b"two")
    first = file.versions.get(number=1)

    restored = file_version_restore(actor=owner, version=first, origin=TASK)

    assert restored.number == 3
    assert usage_of(owner).file_count == 2
    assert usage_of(owner).reserved_files == 0
    assert_usage_consistent(owner)


def test_a_copy_at_the_file_limit_is_refused_for_the_file_it_adds(two_files_plan, owner):
    file = stored_file(owner, "a.txt", b"one")
    stored_file(owner, "b.txt", b"two")

    with pytest.raises(TooManyFiles):
        file_copy(actor=owner, file=file, origin=TASK)

    assert File.objects.filter(owner=owner).count() == 2
    assert_usage_consistent(owner)


def test_a_drop_at_the_file_limit_is_refused_even_for_a_taken_name(two_files_plan, owner, client):
    inbox = folder(owner, "Inbox")
    stored_file(owner, "a.txt", b"one", folder=inbox)
    stored_file(owner, "b.txt", b"two")
    _, token = link(owner, inbox, is_drop=True)

    # A dropper never versions the owner's files: a taken name becomes "a (2).txt", a file.
    response = client.post(
        f"/s/{token}/uploads/", data=json.dumps({"name": "a.txt", "size": 3}), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"  # no numbers for a dropper
    assert_usage_consistent(owner)


def test_reconciliation_counts_no_file_slot_for_a_pending_version(local_settings, owner):
    stored_file(owner, "a.txt", b"one")
    pending_upload(owner, "a.txt", b"again")
    pending_upload(owner, "new.txt", b"new")

    drift = usage_reconcile(user_id=owner.pk)

    assert drift == []
    assert usage_of(owner).reserved_files == 1
