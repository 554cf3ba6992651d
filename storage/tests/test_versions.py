"""A file's versions: list, download, restore as newest, delete, prune beyond the plan."""

import uuid

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kosha.testing.factories import stored_file, stored_version
from plans.models import Plan
from plans.services import usage_set_plan
from storage.backends import get_backend
from storage.models import File, FileVersion
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_tiers")]


def fetch(protocol, location: str) -> requests.Response:
    """GET a presigned URL as a browser would (the local store's URLs are site-relative)."""
    url = protocol.base_url + location if location.startswith("/") else protocol.absolute(location)
    return requests.get(url, timeout=30)


@pytest.fixture
def three_versions(local_settings, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        file = stored_file(owner, "notes.txt", b"v" * 10)
        versions = [file.current_version, stored_version(file, b"v" * 20), stored_version(file, b"v" * 30)]
    return versions[0].file, versions


def versions_url(file, version=None, verb=""):
    url = f"/api/v1/files/{file.pk}/versions/"
    if version is not None:
        url += f"{version.pk}/"
    return url + (f"{verb}/" if verb else "")


# --- through the real protocol, on both stores ----------------------------------------------


def test_same_name_uploads_list_as_versions_newest_first_and_each_downloads(protocol, owner):
    for body in (b"first", b"second!", b"third!!!"):
        assert protocol.upload("notes.txt", body, content_type="text/plain").status_code == 200
    file = File.objects.get(owner=owner)

    listing = protocol.api.get(versions_url(file))

    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [(item["number"], item["size"], item["is_current"]) for item in items] == [
        (3, 8, True),
        (2, 7, False),
        (1, 5, False),
    ]
    assert listing.json()["next"] is None
    assert {"id", "content_type", "created_at"} <= set(items[0])
    oldest = FileVersion.objects.get(file=file, number=1)
    redirect = protocol.api.get(versions_url(file, oldest, "download"))
    assert redirect.status_code == 302
    downloaded = fetch(protocol, redirect["Location"])
    assert downloaded.content == b"first"
    assert downloaded.headers["Content-Disposition"].startswith("attachment")


def test_restoring_a_version_copies_it_as_the_newest_and_charges_usage(protocol, owner):
    protocol.upload("notes.txt", b"old text", content_type="text/plain")
    protocol.upload("notes.txt", b"newer text!", content_type="text/plain")
    file = File.objects.get(owner=owner)
    oldest = FileVersion.objects.get(file=file, number=1)

    response = protocol.api.post(versions_url(file, oldest, "restore"))

    assert response.status_code == 201, response.json()
    assert (response.json()["number"], response.json()["size"], response.json()["is_current"]) == (3, 8, True)
    restored = FileVersion.objects.get(pk=response.json()["id"])
    assert restored.key != oldest.key
    assert get_backend().head(key=restored.key).size_bytes == 8
    file.refresh_from_db()
    assert (file.current_version_id, file.size_bytes) == (restored.pk, 8)
    assert usage_of(owner).used_bytes == 8 + 11 + 8
    assert_usage_consistent(owner)
    redirect = protocol.api.get(f"/api/v1/files/{file.pk}/download/")
    assert fetch(protocol, redirect["Location"]).content == b"old text"


def test_pruning_keeps_the_plans_newest_versions_and_deletes_the_oldest_blobs(protocol, owner):
    small = Plan.objects.create(
        code="two-versions", name="Two", storage_bytes=10**9, max_files=100, max_file_bytes=10**8, versions_kept=2
    )
    usage_set_plan(user=owner, plan=small)
    for body in (b"1", b"22", b"333", b"4444"):
        assert protocol.upload("notes.txt", body, content_type="text/plain").status_code == 200
    file = File.objects.get(owner=owner)

    kept = list(file.versions.order_by("number").values_list("number", "size_bytes"))

    assert kept == [(3, 3), (4, 4)]
    assert usage_of(owner).used_bytes == 7
    assert_usage_consistent(owner)
    backend = get_backend()
    assert all(backend.head(key=key) is not None for key in file.versions.values_list("key", flat=True))
    assert backend.head(key=f"users/{owner.pk}/blobs/nothing") is None
    blob_count = sum(1 for _ in backend.list_prefix(prefix=f"users/{owner.pk}/blobs/"))
    assert blob_count == 2


# --- services on the local store -----------------------------------------------------------


@pytest.mark.parametrize(
    ("deleted", "current", "used_bytes"),
    [
        pytest.param(0, 2, 50, id="an-old-one-leaves-the-newest-current"),
        pytest.param(2, 1, 30, id="the-current-one-makes-the-previous-one-current"),
    ],
)
def test_deleting_a_version_removes_row_and_blob_and_credits_usage(
    three_versions, owner_client, owner, django_capture_on_commit_callbacks, deleted, current, used_bytes
):
    file, versions = three_versions

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(versions_url(file, versions[deleted]))

    assert response.status_code == 204
    assert not FileVersion.objects.filter(pk=versions[deleted].pk).exists()
    assert get_backend().head(key=versions[deleted].key) is None
    assert usage_of(owner).used_bytes == used_bytes
    file.refresh_from_db()
    assert (file.current_version_id, file.size_bytes) == (versions[current].pk, versions[current].size_bytes)
    assert_usage_consistent(owner)


def test_the_last_version_cannot_be_deleted(local_settings, owner_client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        only = stored_file(owner, "single.txt", b"x" * 7).current_version

    response = owner_client.delete(versions_url(only.file, only))

    assert response.status_code == 409
    assert response.json()["error"]["reason"] == "last_version"
    assert FileVersion.objects.filter(pk=only.pk).exists()
    assert get_backend().head(key=only.key) is not None
    assert usage_of(owner).used_bytes == 7


def test_restore_over_quota_is_refused_and_changes_nothing(three_versions, owner_client, owner):
    file, (v1, v2, v3) = three_versions
    tight = Plan.objects.create(code="tight", name="Tight", storage_bytes=65, max_files=10, max_file_bytes=100)
    usage_set_plan(user=owner, plan=tight)

    response = owner_client.post(versions_url(file, v3, "restore"))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert file.versions.count() == 3
    assert sum(1 for _ in get_backend().list_prefix(prefix=f"users/{owner.pk}/")) == 3
    assert_usage_consistent(owner)


def test_versions_list_pages_with_a_signed_cursor(three_versions, owner_client):
    file, _ = three_versions

    first = owner_client.get(versions_url(file), {"limit": 2}).json()
    second = owner_client.get(versions_url(file), {"limit": 2, "cursor": first["next"]}).json()

    assert [item["number"] for item in first["items"]] == [3, 2]
    assert [item["number"] for item in second["items"]] == [1]
    assert second["next"] is None
    forged = owner_client.get(versions_url(file), {"cursor": first["next"][:-2] + "xx"})
    assert forged.status_code == 400
    assert forged.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize("count", [2, 6])
def test_versions_list_runs_a_fixed_number_of_queries(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks, count
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(count):
            version = stored_file(owner, "many.txt", b"x" * (number + 1)).current_version

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(versions_url(version.file))

    assert len(response.json()["items"]) == count
    # the file (with its current version and folder joined), then the page of versions
    assert len(queries) == 2, [query["sql"] for query in queries.captured_queries]


# --- access and bad input ------------------------------------------------------------------


def _every_endpoint(file, version):
    return [
        ("get", versions_url(file)),
        ("get", versions_url(file, version, "download")),
        ("post", versions_url(file, version, "restore")),
        ("delete", versions_url(file, version)),
    ]


def test_a_stranger_gets_404_on_every_version_endpoint(three_versions, stranger_client, owner):
    file, (v1, _, _) = three_versions

    for method, url in _every_endpoint(file, v1):
        response = getattr(stranger_client, method)(url)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "not_found"

    assert file.versions.count() == 3
    assert_usage_consistent(owner)


def test_anonymous_requests_to_version_endpoints_are_refused(three_versions, api_client):
    file, (v1, _, _) = three_versions

    for method, url in _every_endpoint(file, v1):
        assert getattr(api_client, method)(url).status_code in (401, 403), (method, url)


def test_malformed_ids_and_a_version_of_another_file_are_404_and_change_nothing(
    three_versions, owner_client, owner, django_capture_on_commit_callbacks
):
    file, (v1, _, _) = three_versions
    with django_capture_on_commit_callbacks(execute=True):
        other = stored_file(owner, "other.txt", b"o" * 5).current_version
        stored_version(other.file, b"o" * 6)
    urls = [
        ("get", "/api/v1/files/not-a-uuid/versions/"),
        ("delete", f"/api/v1/files/{file.pk}/versions/not-a-uuid/"),
        ("post", f"/api/v1/files/{file.pk}/versions/{uuid.uuid4()}/restore/"),
        ("delete", versions_url(file, other)),
        ("post", versions_url(file, other, "restore")),
        ("get", versions_url(file, other, "download")),
    ]

    for method, url in urls:
        response = getattr(owner_client, method)(url)
        assert response.status_code == 404, (method, url)

    assert FileVersion.objects.filter(file__owner=owner).count() == 5
    assert_usage_consistent(owner)


def test_versions_of_a_trashed_file_are_not_found(three_versions, owner_client):
    file, (v1, _, _) = three_versions
    assert owner_client.delete(f"/api/v1/files/{file.pk}/").status_code == 204

    assert owner_client.get(versions_url(file)).status_code == 404
    assert owner_client.post(versions_url(file, v1, "restore")).status_code == 404
