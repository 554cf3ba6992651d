"""Locks belong to the item, not to one user's path: a lock taken by the owner is met by
an editor reaching the same item under `Shared with me/`, and the other way round."""

import pytest

from dav.tests.conftest import dav_client_for
from kosha.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)

LOCK_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>'
    "<D:locktype><D:write/></D:locktype><D:owner>test</D:owner></D:lockinfo>"
)


def lock(client, path: str, *, depth: str = "0") -> str:
    response = client.request("LOCK", path, data=LOCK_BODY, headers={"Depth": depth, "Content-Type": "application/xml"})
    assert response.status_code in (200, 201), response.text
    return response.headers["Lock-Token"].strip("<>")


@pytest.fixture
def team(owner_dav, owner, collaborator, live_server):
    """The owner's Team folder with plan.txt, shared with the collaborator as editor:
    (owner's client, editor's client)."""
    owner_dav.request("MKCOL", "Team")
    owner_dav.request("PUT", "Team/plan.txt", data=b"the plan")
    factories.share(owner=owner, item=owner.folders.get(name="Team"), grantee=collaborator, role="editor")
    return owner_dav, dav_client_for(collaborator, live_server=live_server)


def test_the_owners_lock_makes_the_editors_write_423(team):
    owner_dav, editor = team
    token = lock(owner_dav, "Team/plan.txt")

    blocked = editor.request("PUT", "Shared with me/Team/plan.txt", data=b"editor's")
    with_owner_token = editor.request(
        "PUT", "Shared with me/Team/plan.txt", data=b"editor's", headers={"If": f"(<{token}>)"}
    )
    owners = owner_dav.request("PUT", "Team/plan.txt", data=b"owner's", headers={"If": f"(<{token}>)"})

    assert blocked.status_code == 423
    # The token is the owner's, not theirs: refused (412, the If header does not hold).
    assert with_owner_token.status_code in (412, 423)
    assert owners.status_code == 204
    assert owner_dav.request("GET", "Team/plan.txt").content == b"owner's"


def test_the_editors_lock_through_shared_with_me_makes_the_owners_write_423(team):
    owner_dav, editor = team
    token = lock(editor, "Shared with me/Team/plan.txt")

    blocked = owner_dav.request("PUT", "Team/plan.txt", data=b"owner's")
    deleted = owner_dav.request("DELETE", "Team/plan.txt")
    listing = owner_dav.request("PROPFIND", "Team/plan.txt", headers={"Depth": "0"})
    editors = editor.request("PUT", "Shared with me/Team/plan.txt", data=b"editor's", headers={"If": f"(<{token}>)"})

    assert (blocked.status_code, deleted.status_code) == (423, 423)
    assert token in listing.text  # lockdiscovery shows the editor's lock to the owner
    assert editors.status_code == 204
    unlocked = editor.request("UNLOCK", "Shared with me/Team/plan.txt", headers={"Lock-Token": f"<{token}>"})
    assert unlocked.status_code == 204
    assert owner_dav.request("PUT", "Team/plan.txt", data=b"owner's").status_code == 204


def test_a_depth_infinity_lock_on_the_folder_covers_new_files_for_everyone(team):
    owner_dav, editor = team
    lock(owner_dav, "Team", depth="infinity")

    new_file = editor.request("PUT", "Shared with me/Team/new.txt", data=b"new")
    new_folder = editor.request("MKCOL", "Shared with me/Team/Sub")

    assert (new_file.status_code, new_folder.status_code) == (423, 423)
    assert owner_dav.request("GET", "Team/new.txt").status_code == 404


def test_locks_elsewhere_do_not_touch_the_collaborator(team, collaborator):
    owner_dav, editor = team
    owner_dav.request("PUT", "private.txt", data=b"mine")
    lock(owner_dav, "private.txt")
    editor.request("PUT", "private.txt", data=b"theirs")  # the editor's own file of that name

    assert editor.request("PUT", "private.txt", data=b"theirs again").status_code == 204
    assert editor.request("PUT", "Shared with me/Team/plan.txt", data=b"editor's").status_code == 204


def test_a_lock_on_a_file_shared_by_itself_is_met_under_shared_with_me(owner_dav, owner, collaborator, live_server):
    owner_dav.request("MKCOL", "Private")
    owner_dav.request("PUT", "Private/notes.txt", data=b"notes")
    factories.share(owner=owner, item=owner.files.get(name="notes.txt"), grantee=collaborator, role="editor")
    editor = dav_client_for(collaborator, live_server=live_server)
    token = lock(owner_dav, "Private/notes.txt")

    blocked = editor.request("PUT", "Shared with me/notes.txt", data=b"editor's")
    owner_dav.request("UNLOCK", "Private/notes.txt", headers={"Lock-Token": f"<{token}>"})
    allowed = editor.request("PUT", "Shared with me/notes.txt", data=b"editor's")

    assert (blocked.status_code, allowed.status_code) == (423, 204)
    assert owner_dav.request("GET", "Private/notes.txt").content == b"editor's"
