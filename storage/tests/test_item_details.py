"""GET /api/v1/files/<id>/details/ and /folders/<id>/details/: what the details panel shows
(size, type, dates, versions, who has access for the owner, recent activity), to whom, and
in how many queries."""

import pytest

from kosha.testing.clients import api_as
from kosha.testing.factories import folder, link, share, stored_file, stored_version

pytestmark = pytest.mark.django_db


def test_a_file_s_details_for_its_owner(local_settings, owner, owner_client, collaborator):
    report = stored_file(owner, "report.txt", b"first")
    stored_version(report, b"second draft")
    share(owner, report, collaborator, "editor")
    link(owner, report)

    response = owner_client.get(f"/api/v1/files/{report.pk}/details/")

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "file"
    assert body["name"] == "report.txt"
    assert body["role"] == "owner"
    assert body["size"] == len(b"second draft")
    assert body["content_type"] == "text/plain"
    assert body["version_count"] == 2
    assert body["file_count"] is None
    assert [(entry["email"], entry["role"]) for entry in body["shares"]] == [(collaborator.email, "editor")]
    assert len(body["links"]) == 1
    assert body["links"][0]["has_password"] is False
    kinds = [event["kind"] for event in body["activity"]]
    assert kinds[:2] == ["link_created", "share_created"]
    assert kinds.count("upload_completed") == 2
    assert {event["actor"] for event in body["activity"]} == {"You"}


def test_a_folder_s_details_count_its_live_files_all_levels_down(local_settings, owner, owner_client):
    photos = folder(owner, "Photos")
    trip = folder(owner, "Trip", photos)
    stored_file(owner, "a.jpg", b"12345", folder=photos)
    stored_file(owner, "b.jpg", b"123", folder=trip)
    gone = stored_file(owner, "c.jpg", b"1234567", folder=trip)
    owner_client.delete(f"/api/v1/files/{gone.pk}/")

    body = owner_client.get(f"/api/v1/folders/{photos.pk}/details/").json()

    assert (body["kind"], body["size"], body["file_count"], body["version_count"]) == ("folder", 8, 2, None)
    assert body["content_type"] is None
    assert body["shares"] == [] and body["links"] == []
    assert body["activity"][0]["kind"] == "folder_created"


def test_a_collaborator_sees_details_but_not_who_has_access(local_settings, owner, collaborator):
    shared = folder(owner, "Shared")
    inside = stored_file(owner, "plan.txt", b"plan", folder=shared)
    share(owner, shared, collaborator, "viewer")
    link(owner, inside)

    body = api_as(collaborator).get(f"/api/v1/files/{inside.pk}/details/").json()

    assert body["role"] == "viewer"
    assert body["owner"] == owner.email
    assert body["shares"] is None and body["links"] is None
    assert owner.email in {event["actor"] for event in body["activity"]}


def test_another_person_s_item_or_a_bad_id_is_a_404(local_settings, owner, stranger_client, owner_client):
    report = stored_file(owner, "report.txt")
    photos = folder(owner, "Photos")

    assert stranger_client.get(f"/api/v1/files/{report.pk}/details/").status_code == 404
    assert stranger_client.get(f"/api/v1/folders/{photos.pk}/details/").status_code == 404
    assert owner_client.get("/api/v1/files/not-an-id/details/").status_code == 404
    assert owner_client.get(f"/api/v1/folders/{report.pk}/details/").status_code == 404


@pytest.mark.parametrize("events", [1, 8])
def test_the_details_take_the_same_queries_however_much_happened(
    local_settings, owner, owner_client, collaborator, django_assert_num_queries, events
):
    report = stored_file(owner, "report.txt")
    for _ in range(events):
        link(owner, report)
    share(owner, report, collaborator)
    photos = folder(owner, "Photos")
    for number in range(events):
        stored_file(owner, f"{number}.txt", folder=folder(owner, f"sub{number}", photos))

    # the file with its owner and version, its version count, shares, links, activity
    with django_assert_num_queries(5):
        assert owner_client.get(f"/api/v1/files/{report.pk}/details/").status_code == 200
    with django_assert_num_queries(6):  # the folder: the subtree and its totals instead of versions
        assert owner_client.get(f"/api/v1/folders/{photos.pk}/details/").status_code == 200


def test_details_list_only_links_that_open_now_and_word_events_as_the_activity_page(local_settings, owner):
    report = stored_file(owner, "report.txt")
    live, _ = link(owner, report)
    link(owner, report, "exhausted")
    link(owner, report, "expired")

    body = api_as(owner).get(f"/api/v1/files/{report.pk}/details/").json()

    assert [entry["id"] for entry in body["links"]] == [str(live.pk)]
    assert body["activity"][0]["label"] == "Created a link"
    assert body["activity"][-1]["label"] == "Uploaded"
