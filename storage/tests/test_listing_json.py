"""The listing's answer is built from plain values (storage.api.folders.listing_json), not
through its DRF serializer: here both give the same bytes, for a page with every kind of
value, and only the folder's own children carry the "shared" marker."""

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.fields import DateTimeField
from rest_framework.renderers import JSONRenderer

from kosha.testing.factories import folder, link, share, stored_file
from sharing.access import Need, folder_for_actor
from sharing.selectors import folder_items_for_grant
from storage.api.folders import ListingOutput, listing_json, mark_shared
from storage.models import FileVersion
from storage.services.stars import star_set


def _listed_through_the_serializer(owner, target):
    found = folder_for_actor(actor=owner, folder_id=target.pk, need=Need.VIEW) if target is not None else None
    page = folder_items_for_grant(actor=owner, folder=found)
    mark_shared(page.items, owner=owner, folder=found)
    body = {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "breadcrumbs": page.breadcrumbs,
        "role": "owner",
        "owner": owner.email,
    }
    return JSONRenderer().render(ListingOutput(body).data)


def test_a_listing_answers_exactly_what_its_serializer_describes(local_settings, owner, collaborator, owner_client):
    top = folder(owner, "Top")
    here = folder(owner, "Here ✓", top)
    sub = folder(owner, "Sub", here)
    photo = stored_file(owner, "photo.png", b"png", folder=here, content_type="image/png")
    FileVersion.objects.filter(pk=photo.current_version_id).update(thumbnail_key="users/x/thumbs/y")
    note = stored_file(owner, "note.txt", b"a note", folder=here)
    star_set(actor=owner, item=note)
    share(owner, sub, collaborator)
    link(owner, photo)

    answer = owner_client.get(f"/api/v1/folders/{here.pk}/items/")

    assert answer.status_code == 200
    assert answer.content == _listed_through_the_serializer(owner, here)
    body = answer.json()
    assert [(item["name"], item["shared"], item["starred"]) for item in body["items"]] == [
        ("Sub", True, False),
        ("note.txt", False, True),
        ("photo.png", True, False),
    ]
    assert body["items"][2]["thumbnail_url"] == f"/api/v1/files/{photo.pk}/thumbnail/"


def test_only_the_folders_own_shared_children_are_marked(local_settings, owner, collaborator, owner_client):
    here = folder(owner, "Here")
    elsewhere = folder(owner, "Elsewhere")
    shared_file = stored_file(owner, "shared.txt", folder=here)
    revoked = stored_file(owner, "revoked.txt", folder=here)
    expired = stored_file(owner, "expired.txt", folder=here)
    stored_file(owner, "plain.txt", folder=here)
    share(owner, shared_file, collaborator)
    link(owner, revoked, "revoked")
    link(owner, expired, "expired")
    share(owner, stored_file(owner, "other.txt", folder=elsewhere), collaborator)
    share(owner, folder(owner, "inner", elsewhere), collaborator)
    root_file = stored_file(owner, "root.txt")
    link(owner, root_file)

    in_here = owner_client.get(f"/api/v1/folders/{here.pk}/items/").json()["items"]
    at_root = owner_client.get("/api/v1/folders/root/items/").json()["items"]

    assert {item["name"]: item["shared"] for item in in_here} == {
        "shared.txt": True,
        "revoked.txt": False,
        "expired.txt": False,
        "plain.txt": False,
    }
    assert {item["name"]: item["shared"] for item in at_root} == {"Elsewhere": False, "Here": False, "root.txt": True}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_a_listings_times_are_written_as_drf_writes_them(zone):
    times = [
        datetime(2026, 12, 1, 11, 30, 0, tzinfo=UTC),
        datetime(2026, 6, 30, 23, 59, 59, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2026, 12, 1, 11, 30, 0),  # naive: DRF's own path
    ]
    items = [
        {"kind": "file", "id": uuid.uuid4(), "name": "a", "size": 1, "content_type": "text/plain", "modified": value}
        | {"version_count": 1, "thumbnail_url": None, "shared": False, "starred": False}
        for value in times
    ]

    with timezone.override(zone):
        written = listing_json(items=items, next_cursor=None, breadcrumbs=[], role="owner", owner="a@example.com")
        expected = [DateTimeField().to_representation(value) for value in times]

    assert [item["modified"] for item in written["items"]] == expected
