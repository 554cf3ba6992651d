"""A start (single, batch, a copy's reservation) into a folder that went to the trash or
was deleted forever after the door read it live: the answer the door would have given a
moment later (404, the folder), with no session recorded and nothing reserved. The start
checks its folder under a key-share lock first in its transaction, before Usage
(storage/locks.py, "Deferred key checks"); on SQLite and PostgreSQL alike. The races with
a purge on PostgreSQL are in test_lock_order_races.py."""

import pytest

from kosha.errors import NotFound
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.races import run_after
from storage.backends import get_backend
from storage.models import Folder, UploadSession
from storage.places import Place
from storage.services.files import file_copy
from storage.services.trash import folder_trash, trash_batches_purge
from storage.services.uploads import upload_start
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db


def _assert_nothing_started(owner, *, sessions_before: int = 0) -> None:
    assert UploadSession.objects.filter(owner=owner).count() == sessions_before
    usage = usage_of(owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (0, 0)
    assert_usage_consistent(owner)


def _assert_folder_not_found(response) -> None:
    assert response.status_code == 404, response.json()
    error = response.json()["error"]
    assert (error["code"], error["resource"], error["field"]) == ("not_found", "folder", "folder")


def test_a_start_into_a_folder_trashed_after_the_door_read_it_is_404_and_starts_nothing(
    local_settings, owner, owner_client
):
    folder = factories.folder(owner, "Inbox")

    # The door (sharing.access.place_for_actor) has read the folder live; then it goes.
    with run_after("storage.api.views.place_for_actor", lambda: folder_trash(actor=owner, folder=folder, origin=TASK)):
        response = owner_client.post(
            "/api/v1/uploads/", {"name": "late.bin", "size": 10, "folder": str(folder.pk)}, format="json"
        )

    _assert_folder_not_found(response)
    _assert_nothing_started(owner)


def test_a_batch_start_into_a_folder_trashed_after_the_door_read_it_is_404_and_starts_nothing(
    local_settings, owner, owner_client
):
    folder = factories.folder(owner, "Inbox")
    files = [{"name": f"late {number}.bin", "size": 10} for number in range(3)]

    with run_after("storage.api.batch.place_for_actor", lambda: folder_trash(actor=owner, folder=folder, origin=TASK)):
        response = owner_client.post(
            "/api/v1/uploads/batch/", {"files": files, "folder": str(folder.pk)}, format="json"
        )

    _assert_folder_not_found(response)
    _assert_nothing_started(owner)


def test_a_start_into_a_folder_deleted_forever_since_the_door_read_it_is_not_found(local_settings, owner):
    folder = factories.folder(owner, "Inbox")
    place = Place(owner=owner, folder=folder)  # what the door read
    trashed = folder_trash(actor=owner, folder=folder, origin=TASK)
    trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])
    assert not Folder.objects.filter(pk=folder.pk).exists()

    # Before: the session's key to the deleted folder failed at the commit (IntegrityError, a 500).
    with pytest.raises(NotFound) as refused:
        upload_start(actor=owner, place=place, name="late.bin", size_bytes=10)

    assert refused.value.details == {"resource": "folder", "field": "folder"}
    _assert_nothing_started(owner)


def test_a_copy_into_a_folder_trashed_since_the_door_read_it_is_not_found_and_copies_nothing(local_settings, owner):
    source = factories.stored_file(owner, "source.txt", b"copied bytes")
    folder = factories.folder(owner, "Inbox")
    place = Place(owner=owner, folder=folder)  # what the door read
    folder_trash(actor=owner, folder=folder, origin=TASK)
    sessions_before = UploadSession.objects.filter(owner=owner).count()  # the source's upload
    keys_before = {listed.key for listed in get_backend().list_prefix(prefix=f"users/{owner.pk}/")}

    with pytest.raises(NotFound):
        file_copy(actor=owner, file=source, place=place, origin=TASK)

    assert {listed.key for listed in get_backend().list_prefix(prefix=f"users/{owner.pk}/")} == keys_before
    _assert_nothing_started(owner, sessions_before=sessions_before)
