"""The change feed, GET /api/v1/changes/: every change kind, who sees what (owner,
editor, viewer, stranger, a revoked share), pagination, bad cursors, query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kosha.origin import TASK
from kosha.pages import cursor_sign
from kosha.testing.clients import api_as
from kosha.testing.factories import folder, pending_upload, stored_file, stored_version
from sharing.changes import changes_list_for_user
from sharing.services.shares import share_delete
from storage.services.uploads import upload_complete

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def settled_at_once(settings):
    """Serve events as soon as they are written: each test's changes are all committed."""
    settings.KOSHA_CHANGES_SETTLE_SECONDS = 0


def start(client) -> str:
    response = client.get(f"{API}/changes/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["items"], body["has_more"]) == ([], False)
    return body["cursor"]


def changes(client, cursor: str, **params) -> dict:
    response = client.get(f"{API}/changes/", {"cursor": cursor, **params})
    assert response.status_code == 200, response.content
    return response.json()


def seen(client, cursor: str) -> list[tuple[str, str, str]]:
    return [(entry["event"], entry["kind"], entry["name"]) for entry in changes(client, cursor)["items"]]


# --- every change kind, for the owner ----------------------------------------------------------


def test_a_first_call_gives_a_cursor_at_now_and_nothing_before_it(owner):
    stored_file(owner, "before.txt")
    client = api_as(owner)

    cursor = start(client)
    stored_file(owner, "after.txt")

    assert seen(client, cursor) == [("created", "file", "after.txt")]


def test_each_change_kind_is_one_entry_with_item_kind_name_parent_event_time_and_actor(owner):
    client = api_as(owner)
    docs = folder(owner, "Docs")
    cursor = start(client)

    box = client.post(f"{API}/folders/", {"name": "Box", "parent": None}, format="json").json()
    file = stored_file(owner, "a.txt", b"one", folder=docs)
    stored_version(file, b"two")
    client.patch(f"{API}/files/{file.pk}/", {"name": "b.txt"}, format="json")
    client.patch(f"{API}/files/{file.pk}/", {"folder": box["id"]}, format="json")
    client.delete(f"{API}/files/{file.pk}/")
    client.post(f"{API}/trash/{file.pk}/restore/")
    client.delete(f"{API}/files/{file.pk}/")
    client.delete(f"{API}/trash/{file.pk}/")

    items = changes(client, cursor)["items"]
    assert [(entry["event"], entry["kind"], entry["name"], entry["parent"]) for entry in items] == [
        ("created", "folder", "Box", None),
        ("created", "file", "a.txt", str(docs.pk)),
        ("modified", "file", "a.txt", str(docs.pk)),
        ("renamed", "file", "b.txt", str(docs.pk)),
        ("moved", "file", "b.txt", box["id"]),
        ("trashed", "file", "b.txt", box["id"]),
        ("restored", "file", "b.txt", box["id"]),
        ("trashed", "file", "b.txt", box["id"]),
        ("deleted", "file", "b.txt", box["id"]),
    ]
    assert {entry["item"] for entry in items[1:]} == {str(file.pk)}
    assert {entry["actor"] for entry in items} == {owner.email}
    assert [entry["id"] for entry in items] == sorted(entry["id"] for entry in items)
    assert all(entry["at"] for entry in items)


def test_a_folder_rename_move_and_trash_are_entries_and_other_activity_is_not(owner):
    client = api_as(owner)
    docs = folder(owner, "Docs")
    target = folder(owner, "Target")
    file = stored_file(owner, "a.txt")
    cursor = start(client)

    client.get(f"{API}/files/{file.pk}/download/")
    client.patch(f"{API}/folders/{docs.pk}/", {"name": "Papers"}, format="json")
    client.patch(f"{API}/folders/{docs.pk}/", {"parent": str(target.pk)}, format="json")
    client.delete(f"{API}/folders/{docs.pk}/")

    assert seen(client, cursor) == [
        ("renamed", "folder", "Papers"),
        ("moved", "folder", "Papers"),
        ("trashed", "folder", "Papers"),
    ]


def test_a_link_visitors_upload_has_no_actor(owner):
    client = api_as(owner)
    drops = folder(owner, "Drops")
    cursor = start(client)

    upload_complete(actor=None, upload=pending_upload(owner, "dropped.txt", folder=drops), origin=TASK)

    items = changes(client, cursor)["items"]
    assert [(entry["event"], entry["name"], entry["parent"], entry["actor"]) for entry in items] == [
        ("created", "dropped.txt", str(drops.pk), None)
    ]


def test_restoring_an_old_version_is_a_modification(owner):
    client = api_as(owner)
    file = stored_file(owner, "a.txt", b"one")
    stored_version(file, b"two")
    first = file.versions.order_by("number").first()
    cursor = start(client)

    response = client.post(f"{API}/files/{file.pk}/versions/{first.pk}/restore/")

    assert response.status_code in (200, 201), response.content
    assert seen(client, cursor) == [("modified", "file", "a.txt")]


# --- shares: who sees what ---------------------------------------------------------------------


def test_an_editors_change_in_a_shared_folder_is_seen_by_the_owner_with_the_editor_as_actor(world):
    owner_client = api_as(world.owner)
    cursor = start(owner_client)

    folder(world.owner, "From editor", world.shared, by=world.editor)
    api_as(world.editor).patch(f"{API}/files/{world.file.pk}/", {"name": "edited.txt"}, format="json")

    items = changes(owner_client, cursor)["items"]
    assert [(entry["event"], entry["name"], entry["actor"]) for entry in items] == [
        ("created", "From editor", world.editor.email),
        ("renamed", "edited.txt", world.editor.email),
    ]


def test_the_owners_changes_are_seen_by_a_viewer_inside_the_share_only(world):
    viewer = api_as(world.viewer)
    cursor = start(viewer)

    stored_file(world.owner, "new.txt", folder=world.sub)
    stored_file(world.owner, "private.txt", folder=world.sibling)
    stored_file(world.owner, "top.txt")
    api_as(world.owner).patch(f"{API}/folders/{world.shared.pk}/", {"name": "Shared now"}, format="json")

    items = changes(viewer, cursor)["items"]
    assert [(entry["event"], entry["name"], entry["parent"]) for entry in items] == [
        ("created", "new.txt", str(world.sub.pk)),
        # The shared folder itself: its parent is the owner's, not the viewer's to see.
        ("renamed", "Shared now", None),
    ]


def test_a_move_out_of_a_shared_folder_reaches_the_viewer_without_where_it_went(world):
    viewer = api_as(world.viewer)
    cursor = start(viewer)

    api_as(world.owner).patch(f"{API}/files/{world.file.pk}/", {"folder": str(world.sibling.pk)}, format="json")

    items = changes(viewer, cursor)["items"]
    assert [(entry["event"], entry["item"], entry["parent"]) for entry in items] == [
        ("moved", str(world.file.pk), None)
    ]
    assert str(world.sibling.pk) not in str(items)


def test_a_stranger_sees_none_of_it(world):
    stranger = api_as(world.stranger)
    cursor = start(stranger)

    stored_file(world.owner, "new.txt", folder=world.shared)
    folder(world.owner, "From editor", world.shared, by=world.editor)

    assert changes(stranger, cursor)["items"] == []


def test_a_revoked_share_stops_the_feed_for_its_items_and_says_unshared(world):
    viewer, editor = api_as(world.viewer), api_as(world.editor)
    cursor, editor_cursor = start(viewer), start(editor)
    stored_file(world.owner, "before-revoke.txt", folder=world.shared)

    share_delete(actor=world.owner, share=world.viewer_share, origin=TASK)
    stored_file(world.owner, "after-revoke.txt", folder=world.shared)

    # Not even what changed while it was shared: the feed asks the access rule again.
    assert seen(viewer, cursor) == [("unshared", "folder", "Shared")]
    assert seen(editor, editor_cursor) == [
        ("created", "file", "before-revoke.txt"),
        ("created", "file", "after-revoke.txt"),
    ]


def test_the_shared_folder_trashed_and_restored_reaches_the_viewer(world):
    viewer, owner = api_as(world.viewer), api_as(world.owner)
    cursor = start(viewer)

    owner.delete(f"{API}/folders/{world.shared.pk}/")
    owner.post(f"{API}/trash/{world.shared.pk}/restore/")
    owner.delete(f"{API}/folders/{world.shared.pk}/")

    items = changes(viewer, cursor)["items"]
    assert [(entry["event"], entry["name"], entry["parent"]) for entry in items] == [
        ("trashed", "Shared", None),
        ("restored", "Shared", None),
        ("trashed", "Shared", None),
    ]


def test_a_new_share_is_an_entry_for_its_grantee(world):
    stranger = api_as(world.stranger)
    cursor = start(stranger)

    api_as(world.owner).post(
        f"{API}/shares/", {"folder": str(world.sibling.pk), "email": world.stranger.email}, format="json"
    )

    assert seen(stranger, cursor) == [("shared", "folder", "Private sibling")]


# --- pages and cursors -------------------------------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats(owner):
    client = api_as(owner)
    cursor = start(client)
    for number in range(5):
        stored_file(owner, f"f{number}.txt")

    names, pages = [], 0
    while True:
        body = changes(client, cursor, limit=2)
        names += [entry["name"] for entry in body["items"]]
        cursor, pages = body["cursor"], pages + 1
        if not body["has_more"]:
            break

    assert names == [f"f{number}.txt" for number in range(5)]
    assert pages == 3
    assert changes(client, cursor)["items"] == []
    stored_file(owner, "later.txt")
    assert seen(client, cursor) == [("created", "file", "later.txt")]


def test_an_entry_waits_until_it_has_settled(settings, owner):
    settings.KOSHA_CHANGES_SETTLE_SECONDS = 60
    client = api_as(owner)
    cursor = cursor_sign([timezone.now() - timedelta(minutes=5), 0], scope=f"changes:{owner.pk}")
    stored_file(owner, "fresh.txt")

    assert changes(client, cursor)["items"] == []
    later = changes_list_for_user(user=owner, cursor=cursor, limit=10, now=timezone.now() + timedelta(seconds=61))
    assert [change.name for change in later.items] == ["fresh.txt"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cursor": "garbage"}, "cursor"), ({"limit": "0"}, "limit"), ({"cursor": "x", "limit": "ten"}, "limit")],
)
def test_a_bad_cursor_or_limit_is_a_400_naming_the_field(owner, params, field):
    response = api_as(owner).get(f"{API}/changes/", params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["field"] == field


def test_another_persons_cursor_or_another_lists_cursor_is_refused(owner, stranger):
    mine = start(api_as(owner))
    other_list = cursor_sign([timezone.now(), 0], scope=f"activity:{owner.pk}")

    assert api_as(stranger).get(f"{API}/changes/", {"cursor": mine}).status_code == 400
    assert api_as(owner).get(f"{API}/changes/", {"cursor": other_list}).status_code == 400


def test_a_cursor_older_than_the_log_is_410_gone(settings, owner):
    old = cursor_sign(
        [timezone.now() - timedelta(days=settings.KOSHA_ACTIVITY_RETENTION_DAYS + 1), 0], scope=f"changes:{owner.pk}"
    )

    response = api_as(owner).get(f"{API}/changes/", {"cursor": old})

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "gone"


def test_anonymous_callers_are_refused(client):
    assert client.get(f"{API}/changes/").status_code in (401, 403)


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 9])
def test_an_owners_page_is_three_queries_whatever_its_length(django_assert_num_queries, owner, count):
    client = api_as(owner)
    cursor = start(client)
    for number in range(count):
        stored_file(owner, f"f{number}.txt")

    # 1. the live items shared with the owner (none), 2. the shares' items also in the
    # trash (none), 3. the events with their actors.
    with django_assert_num_queries(3):
        body = changes(client, cursor)

    assert len(body["items"]) == count


@pytest.mark.parametrize("count", [3, 9])
def test_a_grantees_page_is_four_queries_whatever_its_length(django_assert_num_queries, world, count):
    client = api_as(world.viewer)
    cursor = start(client)
    for number in range(count):
        folder(world.owner, f"f{number}", world.sub, by=world.editor)

    # 1. the live items shared with the viewer, 2. the folders under the shared one,
    # 3. the shares' items also in the trash, 4. the events with their actors.
    with django_assert_num_queries(4):
        body = changes(client, cursor)

    assert len(body["items"]) == count
