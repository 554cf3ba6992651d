"""A PUT over a file that went to the trash (or was deleted forever) between the path's
resolution and the write keeps the client's bytes: they become a new file at that path,
as a PUT to a path with no resource creates one (RFC 4918 section 9.7.1). It answered
404 before, and a client's save was lost. The trashed file stays in the trash, untouched.
Where the actor may not add a file at that path (a file shared with them alone, under
`Shared with me/`), the answer is what a PUT of a new file there gets: nothing is written."""

import pytest

from dav.tests.conftest import dav_client_for
from dav.tests.test_chunked_put import put_without_length
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.races import run_after, run_before
from storage.models import File, UploadSession
from storage.services.trash import file_trash, trash_delete
from storage.tests.protocol import assert_usage_consistent

pytestmark = pytest.mark.django_db(transaction=True)


def _take(owner, file, gone: str) -> None:
    trashed = file_trash(actor=owner, file=File.objects.get(pk=file.pk), origin=TASK)
    if gone == "purged":
        trash_delete(actor=owner, item=trashed, origin=TASK)


def _assert_saved_as_a_new_file(owner_dav, owner, old, gone, body: bytes) -> None:
    live = File.objects.get(owner=owner, deleted_at=None)
    assert (live.name, live.folder_id) == (old.name, old.folder_id)
    assert live.pk != old.pk
    assert owner_dav.request("GET", "Inbox/notes.txt").content == body
    trashed = File.objects.filter(pk=old.pk).first()
    assert trashed is None if gone == "purged" else trashed.current_version.size_bytes == len(b"old notes")
    assert not UploadSession.objects.filter(owner=owner, status=UploadSession.Status.PENDING).exists()
    assert_usage_consistent(owner)


@pytest.mark.parametrize("length", ["declared", "chunked"])
@pytest.mark.parametrize("gone", ["trashed", "purged"])
def test_a_put_over_a_file_gone_before_the_write_saves_the_bytes_as_a_new_file(owner_dav, owner, gone, length):
    folder = factories.folder(owner, "Inbox")
    old = factories.stored_file(owner, "notes.txt", b"old notes", folder=folder)

    # A chunked body goes to the WSGI application itself: the test server (wsgiref) does
    # not decode one (dav/tests/test_chunked_put.py).
    with run_before("dav.resources.file_for_actor", lambda: _take(owner, old, gone)):
        if length == "declared":
            status = owner_dav.request("PUT", "Inbox/notes.txt", data=b"new notes").status_code
        else:
            status = put_without_length(owner, "Inbox/notes.txt", b"new notes")

    assert status in (201, 204)
    _assert_saved_as_a_new_file(owner_dav, owner, old, gone, b"new notes")


@pytest.mark.parametrize("gone", ["trashed", "purged"])
def test_a_put_over_a_file_gone_while_its_body_arrived_saves_the_bytes_as_a_new_file(owner_dav, owner, gone):
    folder = factories.folder(owner, "Inbox")
    old = factories.stored_file(owner, "notes.txt", b"old notes", folder=folder)

    with run_after("dav.writes.upload_start", lambda: _take(owner, old, gone)):
        response = owner_dav.request("PUT", "Inbox/notes.txt", data=b"new notes")

    assert response.status_code in (201, 204), response.text
    _assert_saved_as_a_new_file(owner_dav, owner, old, gone, b"new notes")


def test_a_put_over_a_file_shared_alone_and_trashed_meanwhile_adds_nothing_to_the_owners_space(
    owner_dav, owner, collaborator, live_server
):
    old = factories.stored_file(owner, "plan.txt", b"the plan")
    factories.share(owner=owner, item=old, grantee=collaborator, role="editor")
    editor = dav_client_for(collaborator, live_server=live_server)
    new_file = editor.request("PUT", "Shared with me/other.txt", data=b"x")

    with run_before("dav.resources.file_for_actor", lambda: _take(owner, old, "trashed")):
        response = editor.request("PUT", "Shared with me/plan.txt", data=b"mine now")

    assert response.status_code == new_file.status_code == 403, response.text
    assert [(file.name, file.deleted_at is not None) for file in File.objects.filter(owner=owner)] == [
        ("plan.txt", True)
    ]
    assert not File.objects.filter(owner=collaborator).exists()
