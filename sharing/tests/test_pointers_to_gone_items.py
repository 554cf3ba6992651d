"""Rows that point at a folder or a file, made in a request whose door read the item live
just before it went to the trash and was deleted forever: a star, a public link, a share
with an account or an invitation of an address, a zip of the folder or of a selection in
it. Each answers what the door would have answered a moment later (404), with nothing
written, on SQLite and PostgreSQL alike. Before, the new row's key to the deleted item
failed at the commit (the deferred key check): an IntegrityError, a 500, or a 409
"already shared" for a share that never was. The write pins its item first
(storage.locks.item_pin: key share, live); the race with the purge on PostgreSQL is in
storage/tests/test_lock_order_races.py."""

import pytest

from activity.models import ActivityEvent
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.races import run_after
from sharing.models import Invitation, Share, ShareLink
from storage.models import File, Folder, FolderArchive, Star
from storage.services.trash import file_trash, folder_trash, trash_batches_purge

pytestmark = pytest.mark.django_db(transaction=True)  # each request commits: its key checks run

API = "/api/v1"


def _trash_and_purge(owner, folder, *, purge: bool = True) -> None:
    trashed = folder_trash(actor=owner, folder=folder, origin=TASK)
    if purge:
        trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])
        assert not Folder.objects.filter(pk=folder.pk).exists()


def _assert_not_found(response) -> None:
    assert response.status_code == 404, (response.status_code, response.content)
    assert response.json()["error"]["code"] == "not_found"


def _assert_nothing_points_at_it(owner, folder) -> None:
    for model in (Star, ShareLink, Share, Invitation, FolderArchive):
        assert not model.objects.filter(folder_id=folder.pk).exists(), model
    kinds = {ActivityEvent.Kind.LINK_CREATED, ActivityEvent.Kind.SHARE_CREATED, ActivityEvent.Kind.DOWNLOAD}
    assert not ActivityEvent.objects.filter(owner=owner, kind__in=kinds).exists()


def _requests(folder, grantee):
    """(the door's dotted path in the view module, the request), by case."""
    folder_id = str(folder.pk)
    return {
        "star": ("sharing.api.collections.folder_for_actor", "put", f"{API}/folders/{folder_id}/star/", None),
        "link": ("sharing.api.views.item_for_actor", "post", f"{API}/share-links/", {"folder": folder_id}),
        "share": (
            "sharing.api.views.item_for_actor",
            "post",
            f"{API}/shares/",
            {"folder": folder_id, "email": grantee.email, "role": "viewer"},
        ),
        "invitation": (
            "sharing.api.views.item_for_actor",
            "post",
            f"{API}/shares/",
            {"folder": folder_id, "email": "nobody-yet@example.com", "role": "viewer"},
        ),
        "archive": ("storage.api.archives.folder_for_actor", "post", f"{API}/folders/{folder_id}/archive/", None),
        "selection archive": ("storage.api.archives.selection_for_actor", "post", f"{API}/archives/", "selection"),
    }


CASES = ["star", "link", "share", "invitation", "archive", "selection archive"]


@pytest.mark.parametrize("purge", [True, False], ids=["purged", "trashed"])
@pytest.mark.parametrize("case", CASES)
def test_a_row_pointing_at_a_folder_gone_since_the_door_read_it_is_404_and_writes_nothing(
    local_settings, owner, owner_client, collaborator, case, purge
):
    top = factories.folder(owner, "Top")
    inner = factories.folder(owner, "Inner", parent=top)
    factories.stored_file(owner, "kept.txt", b"kept", folder=top)
    door, method, url, body = _requests(top, collaborator)[case]
    if body == "selection":  # a zip of a folder inside `top`: the archive points at `top`
        body = {"folders": [str(inner.pk)]}

    with run_after(door, lambda: _trash_and_purge(owner, top, purge=purge)):
        response = getattr(owner_client, method)(url, body, format="json")

    _assert_not_found(response)
    _assert_nothing_points_at_it(owner, top)


def _file_requests(file, grantee):
    """(the door's dotted path in the view module, the request), by case."""
    file_id = str(file.pk)
    share = {"file": file_id, "email": grantee.email, "role": "viewer"}
    return {
        "star": ("sharing.api.collections.file_for_actor", "put", f"{API}/files/{file_id}/star/", None),
        "link": ("sharing.api.views.item_for_actor", "post", f"{API}/share-links/", {"file": file_id}),
        "share": ("sharing.api.views.item_for_actor", "post", f"{API}/shares/", share),
        "invitation": (
            "sharing.api.views.item_for_actor",
            "post",
            f"{API}/shares/",
            {**share, "email": "nobody-yet@example.com"},
        ),
    }


def _trash_and_purge_file(owner, file, *, purge: bool) -> None:
    trashed = file_trash(actor=owner, file=file, origin=TASK)
    if purge:
        trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])
        assert not File.objects.filter(pk=file.pk).exists()


@pytest.mark.parametrize("purge", [True, False], ids=["purged", "trashed"])
@pytest.mark.parametrize("case", ["star", "link", "share", "invitation"])
def test_a_row_pointing_at_a_file_gone_since_the_door_read_it_is_404_and_writes_nothing(
    local_settings, owner, owner_client, collaborator, case, purge
):
    file = factories.stored_file(owner, "notes.txt", b"notes")
    door, method, url, body = _file_requests(file, collaborator)[case]

    with run_after(door, lambda: _trash_and_purge_file(owner, file, purge=purge)):
        response = getattr(owner_client, method)(url, body, format="json")

    _assert_not_found(response)
    for model in (Star, ShareLink, Share, Invitation):
        assert not model.objects.filter(file_id=file.pk).exists(), model
    kinds = {ActivityEvent.Kind.LINK_CREATED, ActivityEvent.Kind.SHARE_CREATED}
    assert not ActivityEvent.objects.filter(owner=owner, kind__in=kinds).exists()
