"""Managing my links: a name, changes, and whether the list says a link works now."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing.clients import api_as
from kosha.testing.factories import link
from plans.selectors import usage_get_for_user
from sharing.link_tokens import token_open
from sharing.models import ShareLink
from storage.services.trash import file_trash, folder_trash, trash_restore

pytestmark = pytest.mark.django_db


def _listed(owner, link_id) -> dict:
    items = api_as(owner).get("/api/v1/share-links/").json()["items"]
    return next(item for item in items if item["id"] == str(link_id))


def test_a_link_is_named_at_creation_and_renamed_later(world):
    client = api_as(world.owner)
    created = client.post(
        "/api/v1/share-links/", {"file": str(world.file.pk), "name": "  For the auditors "}, format="json"
    ).json()
    assert created["name"] == "For the auditors"

    response = client.patch(f"/api/v1/share-links/{created['id']}/", {"name": "Audit 2026"}, format="json")

    assert response.status_code == 200 and response.json()["name"] == "Audit 2026"
    assert _listed(world.owner, created["id"])["name"] == "Audit 2026"
    client.patch(f"/api/v1/share-links/{created['id']}/", {"name": None}, format="json")
    assert ShareLink.objects.get(pk=created["id"]).name == ""


@pytest.mark.parametrize("bad", ["x" * 101, 7, ["a"]])
def test_a_bad_name_is_a_400_and_changes_nothing(world, bad):
    made, _token = link(world.owner, world.file)
    ShareLink.objects.filter(pk=made.pk).update(name="Kept")

    response = api_as(world.owner).patch(f"/api/v1/share-links/{made.pk}/", {"name": bad}, format="json")

    assert response.status_code == 400 and response.json()["error"]["field"] == "name"
    assert ShareLink.objects.get(pk=made.pk).name == "Kept"
    creating = api_as(world.owner).post(
        "/api/v1/share-links/", {"file": str(world.file.pk), "name": bad}, format="json"
    )
    assert creating.status_code == 400
    assert ShareLink.objects.filter(file=world.file).count() == 1


def test_another_users_link_cannot_be_renamed(world):
    made, _token = link(world.owner, world.file)

    response = api_as(world.stranger).patch(f"/api/v1/share-links/{made.pk}/", {"name": "Mine"}, format="json")

    assert response.status_code == 404
    assert ShareLink.objects.get(pk=made.pk).name == ""


def test_the_list_says_a_link_is_not_live_while_its_item_is_in_the_trash(world):
    made, token = link(world.owner, world.file)
    assert _listed(world.owner, made.pk)["is_live"] is True

    file_trash(actor=world.owner, file=world.file, origin=TASK)

    assert _listed(world.owner, made.pk)["is_live"] is False
    assert api_as(None).get(f"/s/{token}").status_code == 404
    world.file.refresh_from_db()
    trash_restore(actor=world.owner, item=world.file, origin=TASK)
    assert _listed(world.owner, made.pk)["is_live"] is True


def test_the_owner_can_copy_a_links_address_again_but_the_database_holds_no_token(world):
    created = api_as(world.owner).post("/api/v1/share-links/", {"file": str(world.file.pk)}, format="json").json()
    token = created["token"]

    listed = _listed(world.owner, created["id"])

    assert listed["url"] == created["url"] and listed["url"].endswith(f"/s/{token}")
    assert "token" not in listed
    row = ShareLink.objects.filter(pk=created["id"]).values().get()
    assert token not in str(row)
    assert token_open(row["token_sealed"]) == token


def test_a_sealed_token_opens_only_under_the_secret_key_or_its_fallbacks(world, settings):
    made, token = link(world.owner, world.file)
    sealed = ShareLink.objects.get(pk=made.pk).token_sealed
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key", [old_key]
    assert token_open(sealed) == token
    settings.SECRET_KEY_FALLBACKS = []
    assert token_open(sealed) is None
    assert _listed(world.owner, made.pk)["url"] is None
    # Lookups go by hash: the link still opens for its visitors.
    assert api_as(None).get(f"/s/{token}").status_code == 200


@pytest.mark.parametrize("sealed", ["", "not-a-fernet-token", "gAAAAA" + "x" * 100])
def test_a_missing_or_tampered_seal_opens_as_none(sealed):
    assert token_open(sealed) is None


def _state(owner, link_id) -> tuple[str, str, bool]:
    listed = _listed(owner, link_id)
    return listed["state"], listed["state_label"], listed["is_live"]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("valid", ("live", "Live", True)),
        ("expired", ("expired", "Expired", False)),
        ("exhausted", ("limit_reached", "Download limit reached", False)),
        ("revoked", ("revoked", "Turned off", False)),
    ],
)
def test_the_list_says_whether_each_link_works_now_and_why_not(world, state, expected):
    made, _token = link(world.owner, world.file, state)

    assert _state(world.owner, made.pk) == expected


def test_a_link_inside_a_trashed_folder_is_in_trash_until_the_folder_is_restored(world):
    made, token = link(world.owner, world.sub_file)
    folder_trash(actor=world.owner, folder=world.sub, origin=TASK)

    assert _state(world.owner, made.pk) == ("in_trash", "Item in trash", False)
    assert api_as(None).get(f"/s/{token}").status_code == 404

    world.sub.refresh_from_db()
    trash_restore(actor=world.owner, item=world.sub, origin=TASK)

    assert _state(world.owner, made.pk) == ("live", "Live", True)


def test_revoked_wins_over_every_other_reason(world):
    made, _token = link(world.owner, world.file, "exhausted")
    ShareLink.objects.filter(pk=made.pk).update(revoked_at=timezone.now(), expires_at=timezone.now())
    file_trash(actor=world.owner, file=world.file, origin=TASK)

    assert _state(world.owner, made.pk)[0] == "revoked"


def test_extending_an_expired_link_or_raising_its_limit_makes_it_live_again(world):
    expired, _ = link(world.owner, world.file, "expired")
    used_up, _ = link(world.owner, world.file, "exhausted")
    client = api_as(world.owner)

    extended = client.patch(
        f"/api/v1/share-links/{expired.pk}/",
        {"expires_at": (timezone.now() + timedelta(days=2)).isoformat()},
        format="json",
    )
    raised = client.patch(f"/api/v1/share-links/{used_up.pk}/", {"max_downloads": 5}, format="json")

    assert (extended.json()["state"], raised.json()["state"]) == ("live", "live")


def test_an_expiry_beyond_the_plan_is_refused_with_the_limit_not_shortened(world):
    made, _token = link(world.owner, world.file)
    before = ShareLink.objects.get(pk=made.pk).expires_at
    max_days = usage_get_for_user(user=world.owner).plan.max_share_days

    response = api_as(world.owner).patch(
        f"/api/v1/share-links/{made.pk}/",
        {"expires_at": (timezone.now() + timedelta(days=max_days, hours=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["field"], error["max_share_days"]) == ("expires_at", max_days)
    assert f"at most {max_days} days" in error["message"]
    assert ShareLink.objects.get(pk=made.pk).expires_at == before


def test_a_password_is_set_changed_and_removed(world):
    made, token = link(world.owner, world.file)
    client = api_as(world.owner)
    path = f"/api/v1/share-links/{made.pk}/"

    assert client.patch(path, {"password": "first"}, format="json").json()["has_password"] is True
    first_hash = ShareLink.objects.get(pk=made.pk).password_hash
    client.patch(path, {"password": "second"}, format="json")
    changed = ShareLink.objects.get(pk=made.pk)
    assert changed.password_hash != first_hash and check_password("second", changed.password_hash)
    assert client.patch(path, {"password": None}, format="json").json()["has_password"] is False
    assert ShareLink.objects.get(pk=made.pk).password_hash == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 5}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"password": 1234}, "password"),
        ({"max_downloads": 0}, "max_downloads"),
        ({"max_downloads": "3"}, "max_downloads"),
        ({"expires_at": "2030-01-01"}, "expires_at"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_a_bad_change_is_a_400_naming_its_field_and_changes_nothing(world, body, field):
    made, _token = link(world.owner, world.file)
    before = ShareLink.objects.values().get(pk=made.pk)

    response = api_as(world.owner).patch(f"/api/v1/share-links/{made.pk}/", body, format="json")

    assert response.status_code == 400 and response.json()["error"]["field"] == field
    assert ShareLink.objects.values().get(pk=made.pk) == before
