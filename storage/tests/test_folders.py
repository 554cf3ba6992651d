"""Folders through the API: create, show, rename, move; every name rule and refusal."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kosha.errors import DomainError
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.answers import assert_error
from kosha.testing.bad_input import BAD_NAMES
from kosha.testing.races import run_after
from storage.listing import folder_ancestry
from storage.models import File, Folder
from storage.places import Place
from storage.services.folders import folder_update

pytestmark = pytest.mark.django_db


def _tree(owner):
    """root/a/b/c and root/other."""
    a = factories.folder(owner, "a")
    b = factories.folder(owner, "b", a)
    c = factories.folder(owner, "c", b)
    other = factories.folder(owner, "other")
    return a, b, c, other


def _snapshot(owner):
    return sorted(Folder.objects.filter(owner=owner).values_list("id", "name", "parent_id", "deleted_at"))


# --- create ---------------------------------------------------------------------------------


def test_create_folder_in_root_and_in_a_subfolder(owner_client, owner):
    response = owner_client.post("/api/v1/folders/", {"name": "Photos", "parent": None}, format="json")

    assert response.status_code == 201, response.json()
    photos = response.json()
    assert photos["name"] == "Photos"
    assert photos["parent"] is None

    response = owner_client.post("/api/v1/folders/", {"name": "2026 – Été", "parent": photos["id"]}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == photos["id"]
    assert Folder.objects.get(pk=response.json()["id"]).owner == owner
    assert owner_client.get(f"/api/v1/folders/{photos['id']}/").json()["name"] == "Photos"


def test_create_without_parent_lands_in_the_root(owner_client, owner):
    response = owner_client.post("/api/v1/folders/", {"name": "Docs"}, format="json")

    assert response.status_code == 201
    assert Folder.objects.get(pk=response.json()["id"]).parent_id is None


def test_create_normalises_the_name_to_nfc(owner_client):
    response = owner_client.post("/api/v1/folders/", {"name": "Cafe\u0301"}, format="json")

    assert response.status_code == 201
    assert response.json()["name"] == "Café"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_create_refuses_a_bad_name_and_creates_nothing(owner_client, owner, name):
    response = owner_client.post("/api/v1/folders/", {"name": name, "parent": None}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_name"
    assert response.json()["error"]["field"] == "name"
    assert not Folder.objects.filter(owner=owner).exists()


def test_create_refuses_a_duplicate_live_name_with_409(owner_client, owner):
    a, *_ = _tree(owner)

    in_root = owner_client.post("/api/v1/folders/", {"name": "a"}, format="json")
    nested = owner_client.post("/api/v1/folders/", {"name": "b", "parent": str(a.pk)}, format="json")

    assert in_root.status_code == nested.status_code == 409
    assert in_root.json()["error"]["code"] == "conflict"
    assert in_root.json()["error"]["reason"] == "name_taken"
    assert nested.json()["error"]["reason"] == "name_taken"
    assert Folder.objects.filter(owner=owner).count() == 4


def test_create_refuses_a_name_taken_by_a_file(owner_client, owner):
    File.objects.create(owner=owner, folder=None, name="notes.txt")

    response = owner_client.post("/api/v1/folders/", {"name": "notes.txt"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["reason"] == "name_taken_by_file"
    assert not Folder.objects.filter(owner=owner).exists()


def test_same_name_is_fine_in_another_folder_for_another_user_and_after_trashing(owner_client, owner, stranger):
    a, *_ = _tree(owner)
    factories.folder(stranger, "b")
    Folder.objects.filter(pk=a.pk).update(deleted_at=timezone.now())

    assert owner_client.post("/api/v1/folders/", {"name": "b"}, format="json").status_code == 201
    assert owner_client.post("/api/v1/folders/", {"name": "a"}, format="json").status_code == 201


def test_create_in_a_strangers_or_trashed_or_malformed_parent_is_404(owner_client, owner, stranger):
    theirs = factories.folder(stranger, "theirs")
    trashed = factories.folder(owner, "gone")
    Folder.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())

    for parent in (str(theirs.pk), str(trashed.pk), "not-a-uuid"):
        response = owner_client.post("/api/v1/folders/", {"name": "x", "parent": parent}, format="json")
        assert response.status_code == 404, parent
        assert response.json()["error"]["code"] == "not_found"
    # A folder id is a string: a number is refused by the typed input, as the schema says.
    number = owner_client.post("/api/v1/folders/", {"name": "x", "parent": 7}, format="json")
    assert (number.status_code, number.json()["error"]["field"]) == (400, "parent")
    assert not Folder.objects.filter(name="x").exists()


def test_create_refuses_a_body_that_is_not_an_object(owner_client, owner):
    response = owner_client.post("/api/v1/folders/", ["a"], format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not Folder.objects.filter(owner=owner).exists()


# --- rename ---------------------------------------------------------------------------------


def test_rename_changes_only_the_name(owner_client, owner):
    a, b, _, _ = _tree(owner)

    response = owner_client.patch(f"/api/v1/folders/{b.pk}/", {"name": "B renamed"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "B renamed"
    b.refresh_from_db()
    assert (b.name, b.parent_id) == ("B renamed", a.pk)


def test_rename_to_its_own_name_is_a_no_op(owner_client, owner):
    a, *_ = _tree(owner)

    response = owner_client.patch(f"/api/v1/folders/{a.pk}/", {"name": "a"}, format="json")

    assert response.status_code == 200


@pytest.mark.parametrize("name", BAD_NAMES)
def test_rename_refuses_a_bad_name_and_changes_nothing(owner_client, owner, name):
    a, *_ = _tree(owner)
    before = _snapshot(owner)

    response = owner_client.patch(f"/api/v1/folders/{a.pk}/", {"name": name}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_name"
    assert _snapshot(owner) == before


def test_rename_to_a_siblings_name_is_409(owner_client, owner):
    a, _, _, other = _tree(owner)
    File.objects.create(owner=owner, folder=None, name="file.txt")
    before = _snapshot(owner)

    to_folder = owner_client.patch(f"/api/v1/folders/{a.pk}/", {"name": "other"}, format="json")
    to_file = owner_client.patch(f"/api/v1/folders/{a.pk}/", {"name": "file.txt"}, format="json")

    assert to_folder.status_code == to_file.status_code == 409
    assert to_folder.json()["error"]["reason"] == "name_taken"
    assert to_file.json()["error"]["reason"] == "name_taken_by_file"
    assert _snapshot(owner) == before


def test_patch_with_nothing_to_change_is_400(owner_client, owner):
    a, *_ = _tree(owner)

    response = owner_client.patch(f"/api/v1/folders/{a.pk}/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


# --- move -----------------------------------------------------------------------------------


def test_move_into_another_folder_and_back_to_the_root(owner_client, owner):
    a, b, c, other = _tree(owner)

    into_other = owner_client.patch(f"/api/v1/folders/{b.pk}/", {"parent": str(other.pk)}, format="json")

    assert into_other.status_code == 200, into_other.json()
    assert into_other.json()["parent"] == str(other.pk)
    assert [crumb.name for crumb in folder_ancestry(user=owner, folder_id=c.pk)] == ["other", "b", "c"]

    to_root = owner_client.patch(f"/api/v1/folders/{b.pk}/", {"parent": None}, format="json")

    assert to_root.status_code == 200
    b.refresh_from_db()
    assert b.parent_id is None


def test_move_and_rename_together(owner_client, owner):
    a, b, _, other = _tree(owner)

    response = owner_client.patch(f"/api/v1/folders/{b.pk}/", {"parent": str(other.pk), "name": "moved"}, format="json")

    assert response.status_code == 200
    b.refresh_from_db()
    assert (b.name, b.parent_id) == ("moved", other.pk)


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
def test_move_into_itself_or_a_descendant_is_refused(owner_client, owner, target):
    a, b, c, _ = _tree(owner)
    target_id = {"self": a.pk, "child": b.pk, "grandchild": c.pk}[target]
    before = _snapshot(owner)

    response = owner_client.patch(f"/api/v1/folders/{a.pk}/", {"parent": str(target_id), "name": "z"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["reason"] == "folder_cycle"
    assert response.json()["error"]["field"] == "parent"
    assert _snapshot(owner) == before


def test_move_onto_a_taken_name_is_409_and_changes_nothing(owner_client, owner):
    a, b, _, other = _tree(owner)
    factories.folder(owner, "b", other)
    before = _snapshot(owner)

    response = owner_client.patch(f"/api/v1/folders/{b.pk}/", {"parent": str(other.pk)}, format="json")

    assert_error(response, 409, reason="name_taken")
    assert _snapshot(owner) == before


def test_move_into_a_strangers_or_trashed_folder_is_404(owner_client, owner, stranger):
    a, *_ = _tree(owner)
    targets = factories.unreachable_folder_ids(owner, stranger)
    before = _snapshot(owner)

    for target in targets:
        response = owner_client.patch(f"/api/v1/folders/{a.pk}/", {"parent": target}, format="json")
        assert response.status_code == 404, target
    assert _snapshot(owner) == before
    assert Folder.objects.get(pk=targets[0]).parent_id is None  # the stranger's stays where it was


# --- access ---------------------------------------------------------------------------------


def test_a_stranger_gets_404_for_every_folder_endpoint(stranger_client, owner):
    a, b, *_ = _tree(owner)
    before = _snapshot(owner)

    show = stranger_client.get(f"/api/v1/folders/{a.pk}/")
    rename = stranger_client.patch(f"/api/v1/folders/{a.pk}/", {"name": "mine"}, format="json")
    move = stranger_client.patch(f"/api/v1/folders/{b.pk}/", {"parent": None}, format="json")
    create_inside = stranger_client.post("/api/v1/folders/", {"name": "x", "parent": str(a.pk)}, format="json")
    items = stranger_client.get(f"/api/v1/folders/{a.pk}/items/")

    for response in (show, rename, move, create_inside, items):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert _snapshot(owner) == before


def test_anonymous_requests_are_refused(owner):
    a, *_ = _tree(owner)
    anonymous = APIClient()

    responses = [
        anonymous.post("/api/v1/folders/", {"name": "x"}, format="json"),
        anonymous.get(f"/api/v1/folders/{a.pk}/"),
        anonymous.patch(f"/api/v1/folders/{a.pk}/", {"name": "y"}, format="json"),
        anonymous.get("/api/v1/folders/root/items/"),
    ]

    assert {response.status_code for response in responses} <= {401, 403}
    assert all(response.json()["error"]["code"] == "not_authenticated" for response in responses)
    assert Folder.objects.get(pk=a.pk).name == "a"


def test_breadcrumbs_come_from_one_query(owner, django_assert_num_queries):
    a, b, c, _ = _tree(owner)

    with django_assert_num_queries(1):  # the recursive CTE up the parent chain
        crumbs = folder_ancestry(user=owner, folder_id=c.pk)

    assert [(crumb.id, crumb.name) for crumb in crumbs] == [(a.pk, "a"), (b.pk, "b"), (c.pk, "c")]


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_crossing_moves_cannot_make_a_cycle(owner):
    """a into b, and b into a once the first move has checked its target's ancestors: each
    check alone passes, so only the owner's space lock (taken first and exclusive by every
    move, storage/locks.py) keeps the second from seeing a stale tree."""
    a = factories.folder(owner, "a")
    b = factories.folder(owner, "b")

    def move_b_into_a():
        try:
            return folder_update(actor=owner, folder=b, place=Place(owner=owner, folder=a), origin=TASK)
        except DomainError as exc:
            return exc

    with run_after("storage.services.folders.chain_for_attaching", move_b_into_a, in_thread=True) as crossing:
        results = [folder_update(actor=owner, folder=a, place=Place(owner=owner, folder=b), origin=TASK)]
    results.append(crossing.result)

    refused = [result for result in results if isinstance(result, DomainError)]
    assert len(refused) == 1
    assert refused[0].details["reason"] == "folder_cycle"
    parents = dict(Folder.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "parent_id"))
    assert None in parents.values()
