"""What collaborators and link visitors do is recorded by the services themselves, in the
owner's space, with the actor, the item's name at the time and the door; owners see it."""

import pytest
from django.db import transaction
from django.dispatch import receiver
from django.test import Client

from activity.hooks import events_committed
from activity.models import ActivityEvent
from kosha.testing.clients import api_as, web_as
from kosha.testing.factories import stored_file, stored_version
from kosha.testing.world import world_editor_changes
from storage.backends import get_backend
from storage.models import UploadSession

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _event(kind, **filters) -> ActivityEvent:
    return ActivityEvent.objects.get(kind=kind, **filters)


def test_an_editors_changes_are_recorded_in_the_owners_space_naming_the_editor(world):
    made = world_editor_changes(world, REMOTE_ADDR="192.0.2.10")

    events = list(ActivityEvent.objects.filter(actor=world.editor).order_by("at", "id"))
    assert [(event.kind, event.item_name) for event in events] == [
        ("upload_completed", "minutes.txt"),
        ("folder_created", "Drafts"),
        ("rename", "renamed.txt"),
        ("move", "renamed.txt"),
        ("copy", "deep (2).txt"),
        ("trash", "Sub"),
        ("restore", "Sub"),
    ]
    assert {event.owner_id for event in events} == {world.owner.pk}
    assert {event.via for event in events} == {"api"}
    assert events[0].ip_address == "192.0.2.10"
    assert events[2].detail == {"from": "report-secret-name.txt"}
    assert events[3].detail == {"from": str(world.shared.pk), "to": made["id"]}


def test_a_collaborators_download_and_version_restore_are_recorded(world):
    older = stored_version(world.file, b"second").file.versions.order_by("number").first()

    api_as(world.viewer).get(f"{API}/files/{world.file.pk}/download/")
    api_as(world.viewer).get(f"{API}/files/{world.file.pk}/preview/")  # an inline preview is not a download
    restored = api_as(world.editor).post(f"{API}/files/{world.file.pk}/versions/{older.pk}/restore/")

    assert restored.status_code == 201, restored.json()
    download = _event("download", actor=world.viewer)
    assert (download.owner, download.item_name, download.item_id) == (world.owner, world.file.name, str(world.file.pk))
    assert _event("version_restored", actor=world.editor).detail == {"from_version": 1, "version": 3}
    assert not ActivityEvent.objects.filter(actor=world.viewer).exclude(kind="download").exists()


def test_a_drop_upload_is_recorded_with_no_actor_via_the_link(world):
    link, token = world.drops["valid"]
    client = Client(REMOTE_ADDR="198.51.100.20")
    started = client.post(
        f"/s/{token}/uploads/", {"name": "dropped.txt", "size": 4}, content_type="application/json"
    ).json()
    session = UploadSession.objects.get(pk=started["id"])
    get_backend().put_bytes(key=session.key, data=b"drop", content_type="application/octet-stream")

    completed = client.post(f"/s/{token}/uploads/{started['id']}/complete/", {}, content_type="application/json")

    assert completed.status_code == 200, completed.content
    event = _event("upload_completed", owner=world.owner, item_name="dropped.txt")
    assert (event.actor, event.via, event.ip_address) == (None, "link", "198.51.100.20")
    assert session.created_by is None


def test_a_link_download_is_recorded_with_no_actor_via_the_link(world):
    _link, token = world.links["valid"]

    response = Client(REMOTE_ADDR="198.51.100.30").get(f"/s/{token}/download/{world.file.pk}")

    assert response.status_code == 302
    event = _event("download", owner=world.owner)
    assert (event.actor, event.via, event.item_name) == (None, "link", world.file.name)


def test_the_owner_sees_collaborators_actions_and_a_collaborator_only_their_own(world):
    api_as(world.editor).patch(f"{API}/files/{world.file.pk}/", {"name": "by-editor.txt"}, format="json")
    stored_file(world.owner, "owner-only.txt", folder=world.sibling)

    owner_page = web_as(world.owner).get("/activity/").content.decode()
    editor_page = web_as(world.editor).get("/activity/").content.decode()
    viewer_page = web_as(world.viewer).get("/activity/").content.decode()

    assert "by-editor.txt" in owner_page and world.editor.email in owner_page
    assert "by-editor.txt" in editor_page
    assert "owner-only.txt" in owner_page and "owner-only.txt" not in editor_page
    assert "by-editor.txt" not in viewer_page


def test_a_refused_change_records_nothing(world):
    before = ActivityEvent.objects.count()

    taken = api_as(world.editor).patch(f"{API}/folders/{world.sub.pk}/", {"name": world.file.name}, format="json")
    read_only = api_as(world.viewer).patch(f"{API}/files/{world.file.pk}/", {"name": "x.txt"}, format="json")

    assert (taken.status_code, read_only.status_code) == (409, 403)
    assert ActivityEvent.objects.count() == before


def test_events_are_announced_only_after_the_change_commits(world, django_capture_on_commit_callbacks):
    announced: list[list[int]] = []

    @receiver(events_committed, weak=False, dispatch_uid="test-announcements")
    def remember(sender, event_ids, **kwargs):
        announced.append(event_ids)

    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
            api_as(world.editor).patch(f"{API}/files/{world.file.pk}/", {"name": "later.txt"}, format="json")
            assert announced == []
        for callback in callbacks:
            callback()
    finally:
        events_committed.disconnect(dispatch_uid="test-announcements")

    rename = _event("rename", actor=world.editor)
    assert [rename.pk] in announced
