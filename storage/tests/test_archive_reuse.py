"""Folder zips are bounded although they count in no usage (issue 10, fault 4): an
unchanged folder's ready archive is handed out again, a changed folder gets a new one,
and an owner's archives building and stored are capped with a 429 and Retry-After."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.factories import stored_file
from storage.backends import get_backend
from storage.models import FolderArchive
from storage.services import archives
from storage.services.trash import file_trash
from storage.tests.test_archives import ask_for_archive

pytestmark = pytest.mark.django_db


def _ready_archive(client, folder, callbacks) -> str:
    response = ask_for_archive(client, folder, callbacks)
    assert response.status_code == 202, response.content
    archive = FolderArchive.objects.get(pk=response.json()["id"])
    assert archive.status == FolderArchive.Status.READY
    return str(archive.pk)


def test_an_unchanged_folder_gets_its_ready_archive_again_not_a_rebuild(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks
):
    project = factories.folder(owner, "Project")
    stored_file(owner, "a.txt", b"alpha", folder=project)
    first = _ready_archive(owner_client, project, django_capture_on_commit_callbacks)

    again = [ask_for_archive(owner_client, project, django_capture_on_commit_callbacks) for _ in range(6)]

    assert {response.json()["id"] for response in again} == {first}
    assert FolderArchive.objects.count() == 1


@pytest.mark.parametrize("change", ["add", "trash", "new-version", "rename", "subfolder"])
def test_a_changed_folder_gets_a_new_archive(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks, change
):
    project = factories.folder(owner, "Project")
    file = stored_file(owner, "a.txt", b"alpha", folder=project)
    first = _ready_archive(owner_client, project, django_capture_on_commit_callbacks)

    if change == "add":
        stored_file(owner, "b.txt", b"beta", folder=project)
    elif change == "trash":
        file_trash(actor=owner, file=file, origin=TASK)
    elif change == "new-version":
        stored_file(owner, "a.txt", b"alpha, edited", folder=project)
    elif change == "rename":
        assert owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": "c.txt"}, format="json").status_code == 200
    else:
        factories.folder(owner, "empty", project)
    second = _ready_archive(owner_client, project, django_capture_on_commit_callbacks)

    assert second != first
    assert FolderArchive.objects.count() == 2


def test_an_archive_about_to_expire_is_not_handed_out_again(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks
):
    project = factories.folder(owner, "Project")
    first = _ready_archive(owner_client, project, django_capture_on_commit_callbacks)
    FolderArchive.objects.filter(pk=first).update(expires_at=timezone.now() + dt.timedelta(minutes=5))

    second = _ready_archive(owner_client, project, django_capture_on_commit_callbacks)

    assert second != first


def test_archives_building_are_capped_per_owner_with_retry_after(local_settings, owner, owner_client):
    folders = [factories.folder(owner, f"F{number}") for number in range(archives.MAX_ARCHIVES_BUILDING + 1)]

    # No on-commit callbacks run here, so every archive stays pending.
    answers = [owner_client.post(f"/api/v1/folders/{folder.pk}/archive/") for folder in folders]

    assert [answer.status_code for answer in answers] == [202] * archives.MAX_ARCHIVES_BUILDING + [429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) == archives.BUILDING_RETRY_AFTER_SECONDS
    assert FolderArchive.objects.count() == archives.MAX_ARCHIVES_BUILDING


def test_archives_stored_are_capped_per_owner_until_the_oldest_expires(
    local_settings, owner, owner_client, monkeypatch
):
    monkeypatch.setattr(archives, "MAX_ARCHIVES_STORED", 2)
    folders = [factories.folder(owner, f"F{number}") for number in range(3)]
    now = timezone.now()
    for number, folder in enumerate(folders[:2]):
        FolderArchive.objects.create(
            owner=owner,
            folder=folder,
            status=FolderArchive.Status.READY,
            key=f"k{number}",
            expires_at=now + dt.timedelta(hours=2 + number),
        )

    refused = owner_client.post(f"/api/v1/folders/{folders[2].pk}/archive/")

    assert refused.status_code == 429
    assert 2 * 3600 - 60 <= int(refused["Retry-After"]) <= 2 * 3600 + 1
    assert FolderArchive.objects.count() == 2


def test_expired_archives_are_deleted_with_their_zips_once_their_download_urls_have_ended(
    local_settings, settings, owner, owner_client, django_capture_on_commit_callbacks
):
    project = factories.folder(owner, "Project")
    stored_file(owner, "a.txt", b"alpha", folder=project)
    expired, live = (
        _ready_archive(owner_client, project, django_capture_on_commit_callbacks),
        _ready_archive(owner_client, factories.folder(owner, "Other"), django_capture_on_commit_callbacks),
    )
    failed = FolderArchive.objects.create(
        owner=owner, folder=project, status=FolderArchive.Status.FAILED, expires_at=timezone.now()
    )
    expired_key = FolderArchive.objects.get(pk=expired).key
    now = timezone.now()
    url_lifetime = dt.timedelta(seconds=settings.KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS)
    FolderArchive.objects.filter(pk__in=[expired, failed.pk]).update(expires_at=now - url_lifetime)
    backend = get_backend()

    just_expired = archives.archives_expired_delete(now=now - dt.timedelta(seconds=1))
    assert just_expired == 0  # a URL signed just before the expiry may still be in use
    assert backend.head(key=expired_key) is not None

    assert archives.archives_expired_delete(now=now) == 2

    assert set(FolderArchive.objects.values_list("pk", flat=True)) == {uuid.UUID(live)}
    assert backend.head(key=expired_key) is None
    assert owner_client.get(f"/api/v1/archives/{expired}/").status_code == 404
    assert archives.archives_expired_delete(now=now) == 0


def test_the_expired_archive_sweep_reads_in_one_query_and_deletes_in_batches(local_settings, owner):
    long_ago = timezone.now() - dt.timedelta(days=2)
    FolderArchive.objects.bulk_create(
        FolderArchive(owner=owner, status=FolderArchive.Status.FAILED, expires_at=long_ago) for _ in range(3)
    )

    with CaptureQueriesContext(connection) as nothing_due:
        assert archives.archives_expired_delete(now=long_ago) == 0
    assert len(nothing_due) == 1

    assert archives.archives_expired_delete(limit=2) == 2
    assert archives.archives_expired_delete(limit=2) == 1
    assert not FolderArchive.objects.exists()
