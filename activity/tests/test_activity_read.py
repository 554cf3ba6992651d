"""Reading the activity log, on the page and through GET /api/v1/activity/: the item by the
name it had (still there after it is deleted forever), who acted (You, a collaborator's
name, someone with the link), every action in words and never a stored code, who sees
what, and the same queries at N and 3N events."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from activity.models import ActivityEvent
from kosha.origin import TASK
from kosha.testing.clients import api_as, web_as
from kosha.testing.factories import link, stored_file, stored_version
from kosha.testing.world import world_editor_changes
from storage.backends import get_backend
from storage.models import UploadSession
from storage.services.trash import trash_delete

pytestmark = pytest.mark.django_db
API = "/api/v1"
PAGE = "/activity/"
# Stored codes and model names people must never read on the page.
# (A code that is also a plain word, like "rename", is no give-away.)
INTERNAL_NAMES = ["sharelink", "trash_item", "share_link", *(kind for kind in ActivityEvent.Kind.values if "_" in kind)]


def _items(user) -> list[dict]:
    response = api_as(user).get(f"{API}/activity/?limit=200")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def _drop(world, name: str) -> None:
    _link, token = world.drops["valid"]
    client = Client(REMOTE_ADDR="198.51.100.20")
    started = client.post(f"/s/{token}/uploads/", {"name": name, "size": 4}, content_type="application/json").json()
    session = UploadSession.objects.get(pk=started["id"])
    get_backend().put_bytes(key=session.key, data=b"drop", content_type="application/octet-stream")
    completed = client.post(f"/s/{token}/uploads/{started['id']}/complete/", {}, content_type="application/json")
    assert completed.status_code == 200, completed.content


def _everything(world) -> None:
    """Every action the log knows, by the owner, the editor, the viewer and a link visitor."""
    owner, editor = api_as(world.owner), api_as(world.editor)
    older = stored_version(world.file, b"second").file.versions.order_by("number").first()
    assert editor.post(f"{API}/files/{world.file.pk}/versions/{older.pk}/restore/").status_code == 201
    world_editor_changes(world)
    api_as(world.viewer).get(f"{API}/files/{world.file.pk}/download/")
    created = owner.post(f"{API}/share-links/", {"folder": str(world.shared.pk)}, format="json").json()
    owner.patch(f"{API}/share-links/{created['id']}/", {"name": "Team", "max_downloads": 9}, format="json")
    owner.delete(f"{API}/share-links/{created['id']}/")
    owner.post(f"{API}/shares/", {"file": str(world.sibling_file.pk), "email": world.stranger.email}, format="json")
    _drop(world, "dropped.txt")


def test_the_owner_reads_every_action_in_words_with_who_did_it(world):
    world.editor.name = "Edith Editor"
    world.editor.save(update_fields=["name"])
    _everything(world)

    items = _items(world.owner)

    read = {(item["actor"]["name"], item["action"], item["item"]["name"] if item["item"] else None) for item in items}
    assert {
        ("Edith Editor", "Uploaded", "minutes.txt"),
        ("Edith Editor", "Created a folder", "Drafts"),
        ("Edith Editor", "Renamed", "renamed.txt"),
        ("Edith Editor", "Moved", "renamed.txt"),
        ("Edith Editor", "Copied", "deep (2).txt"),
        ("Edith Editor", "Restored a version", "report-secret-name.txt"),
        ("Edith Editor", "Moved to trash", "Sub"),
        ("Edith Editor", "Restored", "Sub"),
        (world.viewer.email, "Downloaded", "renamed.txt"),
        ("You", "Created a link", "Shared"),
        ("You", "Changed a link", "Shared"),
        ("You", "Removed a link", "Shared"),
        ("You", "Shared", "private.txt"),
        ("Someone with the link", "Dropped a file through a link", "dropped.txt"),
    } <= read
    by_action: dict = {}
    for item in items:  # newest first: the latest of each action
        by_action.setdefault(item["action"], item)
    assert by_action["Renamed"]["note"] == "was “report-secret-name.txt”"
    assert by_action["Changed a link"]["note"] == "changed download limit, name"
    assert by_action["Shared"]["note"] == f"with {world.stranger.email} as viewer"
    assert by_action["Restored a version"]["note"] == "version 1 is now version 3"
    assert {item["actor"]["kind"] for item in items} == {"you", "person", "link"}
    assert by_action["Renamed"]["item"] == {"kind": "file", "id": str(world.file.pk), "name": "renamed.txt"}


def test_the_page_shows_the_same_words_and_no_internal_name(world):
    _everything(world)

    html = web_as(world.owner).get(PAGE).content.decode()

    for words in ["Dropped a file through a link", "Someone with the link", "Restored a version", "Created a folder"]:
        assert words in html
    assert world.editor.email in html
    for name in INTERNAL_NAMES:
        assert name not in html, name


def test_the_name_stays_readable_after_the_item_is_deleted_forever(world):
    doomed = stored_file(world.owner, "to-be-purged.txt", b"bye")
    api_as(world.owner).delete(f"{API}/files/{doomed.pk}/")
    doomed.refresh_from_db()

    trash_delete(actor=world.owner, item=doomed, origin=TASK)

    names = {(item["action"], item["item"]["name"]) for item in _items(world.owner) if item["item"]}
    assert {("Moved to trash", "to-be-purged.txt"), ("Deleted forever", "to-be-purged.txt")} <= names
    assert "to-be-purged.txt" in web_as(world.owner).get(PAGE).content.decode()


def test_a_collaborator_sees_their_own_actions_and_not_the_owners(world):
    api_as(world.editor).patch(f"{API}/files/{world.file.pk}/", {"name": "by-editor.txt"}, format="json")
    api_as(world.owner).patch(f"{API}/files/{world.sub_file.pk}/", {"name": "by-owner.txt"}, format="json")

    editors = _items(world.editor)
    owners = _items(world.owner)

    assert [(item["actor"]["name"], item["item"]["name"]) for item in editors] == [("You", "by-editor.txt")]
    assert {(item["actor"]["name"], item["item"]["name"]) for item in owners} >= {
        (world.editor.email, "by-editor.txt"),
        ("You", "by-owner.txt"),
    }
    assert _items(world.stranger) == []
    assert "by-owner.txt" not in web_as(world.editor).get(PAGE).content.decode()


def test_a_sign_in_has_no_item(owner):
    from kosha.testing.factories import PASSWORD

    Client().post("/accounts/login/", {"login": owner.email, "password": PASSWORD})

    (event,) = _items(owner)
    assert (event["action"], event["item"], event["actor"]["name"]) == ("Signed in", None, "You")


def test_a_bad_cursor_or_limit_is_a_400(owner):
    client = api_as(owner)

    assert client.get(f"{API}/activity/?cursor=nonsense").status_code == 400
    assert client.get(f"{API}/activity/?limit=100000").status_code == 400
    assert api_as(None).get(f"{API}/activity/").status_code == 401


def _events(world, count: int) -> None:
    for number in range(count):
        api_as(world.editor).patch(f"{API}/files/{world.file.pk}/", {"name": f"name-{number}.txt"}, format="json")
    link(world.owner, world.file)


@pytest.mark.parametrize("target", ["api", "page"])
def test_reading_costs_the_same_queries_at_n_and_3n_events(world, target):
    def queries(count: int) -> int:
        ActivityEvent.objects.all().delete()
        _events(world, count)
        client = api_as(world.owner) if target == "api" else web_as(world.owner)
        path = f"{API}/activity/" if target == "api" else PAGE
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        shown = (
            len(response.json()["items"])
            if target == "api"
            else response.content.decode().count("data-activity-event=")
        )
        # The renames and the link (and, on the page, the client's sign-in).
        assert shown == count + (1 if target == "api" else 2)
        return len(captured)

    # The API (its user forced): one query, the page of events with their actors joined.
    # The page adds the session, its user and the header's unread notification count.
    # Nothing per event.
    assert queries(4) == queries(12) == (1 if target == "api" else 4)
