"""Managing my links: a name, changes, and whether the list says a link works now."""

import pytest

from kosha.origin import TASK
from kosha.testing.clients import api_as
from kosha.testing.factories import link
from sharing.link_tokens import token_open
from sharing.models import ShareLink
from storage.services.trash import file_trash, trash_restore

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
