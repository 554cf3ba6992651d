"""Integers out of range get a 400 at the edge, never a database error: every integer a
client sends is bounded to what its column holds (kosha/integers.py), the same on
SQLite and PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError

from kosha.testing import factories
from plans.models import Plan
from sharing.models import ShareLink
from storage.backends import get_backend
from storage.models import UploadSession

pytestmark = pytest.mark.django_db

INT32_PAST = 2**31  # past PostgreSQL's integer: "integer out of range" (a 500) before
INT64_LAST = 2**63 - 1  # passes the JSON guard; past what SQLite's check would catch


def _invalid(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["field"] == field
    return error


@pytest.mark.parametrize("max_downloads", [INT32_PAST, INT64_LAST, 0, -1, 1.5, "10", True])
def test_a_link_download_limit_out_of_the_columns_range_is_400(owner, owner_client, max_downloads):
    file = factories.stored_file(owner, "a.txt")

    response = owner_client.post(
        "/api/v1/share-links/", {"file": str(file.pk), "max_downloads": max_downloads}, format="json"
    )

    _invalid(response, "max_downloads")
    assert not ShareLink.objects.filter(owner=owner).exists()


def test_the_largest_limit_the_column_holds_is_accepted(owner, owner_client):
    file = factories.stored_file(owner, "a.txt")

    response = owner_client.post(
        "/api/v1/share-links/", {"file": str(file.pk), "max_downloads": INT32_PAST - 1}, format="json"
    )

    assert response.status_code == 201
    assert ShareLink.objects.get(owner=owner).max_downloads == INT32_PAST - 1


def test_changing_a_link_limit_past_the_column_is_400_and_changes_nothing(owner, owner_client):
    file = factories.stored_file(owner, "a.txt")
    link, _token = factories.link(owner, file)

    response = owner_client.patch(f"/api/v1/share-links/{link.pk}/", {"max_downloads": INT32_PAST}, format="json")

    error = _invalid(response, "max_downloads")
    assert str(INT32_PAST - 1) in error["message"]  # the schema declares it as the maximum too
    link.refresh_from_db()
    assert link.max_downloads is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "a.txt", "size": INT64_LAST}, "size"),
        ({"name": "a.txt", "size": -1}, "size"),
    ],
)
def test_upload_sizes_out_of_range_are_400(local_settings, owner, owner_client, body, field):
    response = owner_client.post("/api/v1/uploads/", body, format="json")

    _invalid(response, field)
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_part_numbers_out_of_range_are_400(local_settings, owner, owner_client, small_multipart):
    started = owner_client.post("/api/v1/uploads/", {"name": "big.bin", "size": 6 * 1024 * 1024}, format="json")

    response = owner_client.post(
        f"/api/v1/uploads/{started.json()['id']}/parts/", {"numbers": [INT64_LAST]}, format="json"
    )

    _invalid(response, "numbers")


@pytest.mark.parametrize("param", ["min_size", "max_size"])
def test_search_sizes_past_64_bits_are_400(owner_client, param):
    response = owner_client.get("/api/v1/search/", {"q": "report", param: str(2**63)})

    _invalid(response, param)


@pytest.mark.parametrize(
    ("field", "value"),
    [("trash_days", 2**15), ("max_share_days", 2**15), ("versions_kept", 2**15), ("max_files", INT32_PAST)],
)
def test_plan_limits_past_their_column_are_refused_on_every_database(seeded_tiers, field, value):
    # Django's own validators follow the database in use (SQLite: 64 bits); these do not,
    # so a trash_days no date arithmetic can handle never reaches the purge task.
    plan = Plan.objects.get(code="free")
    setattr(plan, field, value)

    with pytest.raises(ValidationError) as refused:
        plan.full_clean()

    assert field in refused.value.message_dict


def test_plan_admin_refuses_days_past_the_column(admin_web, seeded_tiers):
    plan = Plan.objects.get(code="free")
    form = {
        field: getattr(plan, field)
        for field in ("code", "name", "storage_bytes", "max_files", "max_file_bytes", "versions_kept", "max_share_days")
    }

    response = admin_web.post(
        f"/admin/plans/plan/{plan.pk}/change/", {**form, "trash_days": 2**62, "position": plan.position}
    )

    assert response.status_code == 200  # the form again, with the error
    assert "trash_days" in response.context["adminform"].form.errors
    plan.refresh_from_db()
    assert plan.trash_days != 2**62


def test_the_local_store_answers_a_5000_digit_range_without_a_500(local_settings, client):
    backend = get_backend()
    backend.put_bytes(key="users/x/blobs/y", data=b"0123456789", content_type="text/plain")
    url = backend.presign_get(
        key="users/x/blobs/y", filename="a.txt", content_type="text/plain", inline=False, expires_seconds=60
    )

    response = client.get(url, HTTP_RANGE="bytes=" + "9" * 5000 + "-")

    assert response.status_code == 200  # an unusable Range is ignored, as S3 does
    assert b"".join(response.streaming_content) == b"0123456789"


def test_the_local_store_refuses_a_content_length_of_non_ascii_digits(local_settings, client, owner):
    started = factories.pending_upload(owner, "a.txt", b"abc")
    put = get_backend().presign_put(
        key=started.key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60
    )

    response = client.generic("PUT", put.url, b"abc", content_type="text/plain", CONTENT_LENGTH="\u00b3")

    assert response.status_code == 411
