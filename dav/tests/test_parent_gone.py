"""A PUT, a MKCOL, a COPY or a MOVE whose (destination's) parent collection is missing
answers 409 Conflict (RFC 4918 sections 9.7.1, 9.3.1, 9.8.5, 9.9.4): a parent that never
was (WsgiDAV and the provider's place_for_path), and a parent folder trashed or deleted
forever between the path's resolution and the write (the start, the folder create, the
copy or the move finds it gone: NotFound, the folder), which answered 404 before. Nothing
is written either way. A MOVE whose source went meanwhile is still 404."""

import pytest

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.races import run_before
from plans.models import Usage
from storage.models import File, Folder, UploadSession
from storage.services.trash import file_trash, folder_trash, trash_batches_purge

pytestmark = pytest.mark.django_db(transaction=True)


def _trash_and_purge(owner, folder) -> None:
    trashed = folder_trash(actor=owner, folder=folder, origin=TASK)
    trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])


def _assert_nothing_written(owner) -> None:
    assert not File.objects.filter(owner=owner).exists()
    assert not UploadSession.objects.filter(owner=owner).exists()
    assert list(Folder.objects.filter(owner=owner).values_list("name", flat=True)) == []
    usage = Usage.objects.get(user=owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (0, 0)


def test_a_put_into_a_parent_that_does_not_exist_is_409(owner_dav, owner):
    response = owner_dav.request("PUT", "Nowhere/notes.txt", data=b"notes")

    assert response.status_code == 409, response.text
    _assert_nothing_written(owner)


def test_a_mkcol_in_a_parent_that_does_not_exist_is_409(owner_dav, owner):
    response = owner_dav.request("MKCOL", "Nowhere/Inner/")

    assert response.status_code == 409, response.text
    _assert_nothing_written(owner)


@pytest.mark.parametrize("length", ["declared", "chunked"])
def test_a_put_into_a_parent_deleted_since_its_path_was_resolved_is_409(owner_dav, owner, length):
    folder = factories.folder(owner, "Inbox")
    body = b"notes" if length == "declared" else iter([b"no", b"tes"])  # no length: a growing body

    with run_before("dav.writes.upload_start", lambda: _trash_and_purge(owner, folder)):
        response = owner_dav.request("PUT", "Inbox/notes.txt", data=body)

    assert response.status_code == 409, response.text
    _assert_nothing_written(owner)


def test_a_mkcol_in_a_parent_deleted_since_its_path_was_resolved_is_409(owner_dav, owner):
    folder = factories.folder(owner, "Inbox")

    with run_before("dav.resources.folder_create", lambda: _trash_and_purge(owner, folder)):
        response = owner_dav.request("MKCOL", "Inbox/Inner/")

    assert response.status_code == 409, response.text
    _assert_nothing_written(owner)


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_copy_into_a_parent_that_does_not_exist_is_409(owner_dav, owner, kind):
    source = factories.folder(owner, "Source") if kind == "folder" else factories.stored_file(owner, "a.txt", b"a")
    path = "Source/" if kind == "folder" else "a.txt"

    response = owner_dav.request("COPY", path, headers={"Destination": owner_dav.url(f"Nowhere/{source.name}")})

    assert response.status_code == 409, response.text


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_copy_into_a_parent_deleted_since_its_path_was_resolved_is_409(owner_dav, owner, kind):
    source = factories.folder(owner, "Source") if kind == "folder" else factories.stored_file(owner, "a.txt", b"a")
    path = "Source/" if kind == "folder" else "a.txt"
    destination = factories.folder(owner, "Dest")
    write = "dav.resources.folder_create" if kind == "folder" else "dav.resources.file_copy"

    # RFC 4918 section 9.8.5: 409 when the destination's parent collection is missing.
    with run_before(write, lambda: _trash_and_purge(owner, destination)):
        response = owner_dav.request("COPY", path, headers={"Destination": owner_dav.url(f"Dest/{source.name}")})

    assert response.status_code == 409, response.text
    assert not Folder.objects.filter(pk=destination.pk).exists()
    assert File.objects.filter(owner=owner).count() == (0 if kind == "folder" else 1)
    assert list(Folder.objects.filter(owner=owner).values_list("name", flat=True)) == (
        ["Source"] if kind == "folder" else []
    )


def _source(owner, kind):
    """(item, path) of a MOVE's or COPY's source: a folder `Source` or a file `a.txt`."""
    if kind == "folder":
        return factories.folder(owner, "Source"), "Source/"
    return factories.stored_file(owner, "a.txt", b"a"), "a.txt"


def _trash_and_purge_file(owner, file) -> None:
    trashed = file_trash(actor=owner, file=file, origin=TASK)
    trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_move_into_a_parent_that_does_not_exist_is_409(owner_dav, owner, kind):
    source, path = _source(owner, kind)

    response = owner_dav.request("MOVE", path, headers={"Destination": owner_dav.url(f"Nowhere/{source.name}")})

    assert response.status_code == 409, response.text
    source.refresh_from_db()
    assert (source.name, source.deleted_at) == ("Source" if kind == "folder" else "a.txt", None)


@pytest.mark.parametrize("gone", ["trashed", "purged"])
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_move_into_a_parent_gone_since_its_path_was_resolved_is_409(owner_dav, owner, kind, gone):
    source, path = _source(owner, kind)
    destination = factories.folder(owner, "Dest")
    write = "dav.resources.folder_update" if kind == "folder" else "dav.resources.file_update"

    def take_destination() -> None:
        if gone == "trashed":
            folder_trash(actor=owner, folder=destination, origin=TASK)
        else:
            _trash_and_purge(owner, destination)

    # RFC 4918 section 9.9.4: 409 when the destination's parent collection is missing.
    with run_before(write, take_destination):
        response = owner_dav.request("MOVE", path, headers={"Destination": owner_dav.url(f"Dest/{source.name}")})

    assert response.status_code == 409, response.text
    source.refresh_from_db()
    parent = source.parent_id if kind == "folder" else source.folder_id
    assert (parent, source.deleted_at) == (None, None)  # still at the root, live


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_move_whose_source_went_since_its_path_was_resolved_is_404(owner_dav, owner, kind):
    source, path = _source(owner, kind)
    destination = factories.folder(owner, "Dest")
    write = "dav.resources.folder_update" if kind == "folder" else "dav.resources.file_update"
    purge = _trash_and_purge if kind == "folder" else _trash_and_purge_file

    with run_before(write, lambda: purge(owner, source)):
        response = owner_dav.request("MOVE", path, headers={"Destination": owner_dav.url(f"Dest/{source.name}")})

    assert response.status_code == 404, response.text
    assert Folder.objects.filter(pk=destination.pk, deleted_at=None).exists()
    assert not File.objects.filter(owner=owner, deleted_at=None).exists()
    assert list(Folder.objects.filter(owner=owner).values_list("name", flat=True)) == ["Dest"]
