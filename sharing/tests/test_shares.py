"""Sharing with people: the grant API, the access rule, and what grantees can do through the
same endpoints as owners."""

import pytest
import requests

from kosha.errors import InvalidInput, NotFound
from kosha.origin import TASK
from kosha.testing.clients import api_as
from kosha.testing.factories import folder, share
from plans.models import Plan
from plans.services import usage_set_plan
from sharing.access import Role, access_for_user
from sharing.models import Share
from sharing.services.shares import share_create, share_update
from storage.models import File, Folder, UploadSession
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.mark.parametrize("email", ["\ud800@example.com", "a\x00b@example.com", "not an address"])
def test_sharing_with_text_that_is_no_email_address_is_a_400_from_any_door(world, email):
    # The API's JSON guard refuses the first two before the service; other doors reach it.
    with pytest.raises(InvalidInput) as refused:
        share_create(actor=world.owner, item=world.shared, email=email, origin=TASK)

    assert refused.value.details["field"] == "email"
    assert Share.objects.filter(owner=world.owner).count() == 2  # the world's viewer and editor shares


def test_sharing_twice_with_the_same_person_is_a_conflict(world):
    response = api_as(world.owner).post(
        f"{API}/shares/", {"folder": str(world.shared.pk), "email": world.viewer.email}, format="json"
    )

    assert response.status_code == 409


def test_the_permission_rule_nearest_share_wins(world):
    share(world.owner, world.sub, world.viewer, "editor")

    assert access_for_user(user=world.owner, item=world.file) == Role.OWNER
    assert access_for_user(user=world.viewer, item=world.file) == Role.VIEWER
    assert access_for_user(user=world.viewer, item=world.sub_file) == Role.EDITOR
    assert access_for_user(user=world.editor, item=world.sub_file) == Role.EDITOR
    assert access_for_user(user=world.stranger, item=world.file) is None
    assert access_for_user(user=world.viewer, item=world.sibling_file) is None


def test_the_ancestor_lookup_is_one_query(world, django_assert_num_queries):
    deep = folder(world.owner, "d1", world.sub)
    deeper = folder(world.owner, "d2", deep)

    # 1: the recursive CTE for the folder chain; 2: the shares on the item or the chain.
    with django_assert_num_queries(2):
        assert access_for_user(user=world.viewer, item=deeper) == Role.VIEWER


def test_a_grantee_reaching_a_sibling_folder_by_id_gets_404(world):
    client = api_as(world.editor)

    answers = [
        client.get(f"{API}/folders/{world.sibling.pk}/items/"),
        client.get(f"{API}/files/{world.sibling_file.pk}/download/"),
        client.patch(f"{API}/folders/{world.sibling.pk}/", {"name": "x"}, format="json"),
        client.post(f"{API}/uploads/", {"folder": str(world.sibling.pk), "name": "a", "size": 1}, format="json"),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]


def test_a_shared_folder_is_listed_at_its_own_address_with_the_role_and_breadcrumbs_from_the_share(world):
    response = api_as(world.viewer).get(f"{API}/folders/{world.sub.pk}/items/")

    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body["items"]] == ["deep.txt"]
    assert [crumb["name"] for crumb in body["breadcrumbs"]] == ["Shared", "Sub"]
    assert (body["role"], body["owner"]) == ("viewer", world.owner.email)


def test_a_viewer_asking_to_change_gets_403_read_only_and_nothing_changes(world):
    client = api_as(world.viewer)

    answers = [
        client.patch(f"{API}/files/{world.file.pk}/", {"name": "x.txt"}, format="json"),
        client.delete(f"{API}/files/{world.file.pk}/"),
        client.post(f"{API}/uploads/", {"folder": str(world.shared.pk), "name": "a", "size": 1}, format="json"),
        client.post(f"{API}/folders/", {"name": "New", "parent": str(world.shared.pk)}, format="json"),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403, 403]
    assert {answer.json()["error"]["reason"] for answer in answers} == {"read_only"}
    assert File.objects.get(pk=world.file.pk).name == "report-secret-name.txt"
    assert not Folder.objects.filter(name="New").exists()


def test_an_editor_moves_within_the_shared_tree_but_not_out_of_it(world):
    client = api_as(world.editor)

    inside = client.patch(f"{API}/files/{world.file.pk}/", {"folder": str(world.sub.pk)}, format="json")
    to_sibling = client.patch(f"{API}/files/{world.file.pk}/", {"folder": str(world.sibling.pk)}, format="json")
    to_root = client.patch(f"{API}/folders/{world.sub.pk}/", {"parent": None}, format="json")
    to_own_space = client.patch(
        f"{API}/files/{world.file.pk}/", {"folder": str(folder(world.editor, "Mine").pk)}, format="json"
    )

    assert inside.status_code == 200, inside.json()
    assert to_sibling.status_code == 404  # the owner's other folders are not the editor's to see
    assert (to_root.status_code, to_root.json()["error"]["reason"]) == (400, "other_space")
    assert (to_own_space.status_code, to_own_space.json()["error"]["reason"]) == (400, "other_space")
    assert File.objects.get(pk=world.file.pk).folder_id == world.sub.pk
    assert Folder.objects.get(pk=world.sub.pk).parent_id == world.shared.pk


def test_an_editor_arranges_what_is_inside_but_not_the_shared_folder_itself(world):
    client = api_as(world.editor)

    renamed_inside = client.patch(f"{API}/folders/{world.sub.pk}/", {"name": "Renamed"}, format="json")
    renamed_root = client.patch(f"{API}/folders/{world.shared.pk}/", {"name": "Mine now"}, format="json")
    trashed_root = client.delete(f"{API}/folders/{world.shared.pk}/")

    assert renamed_inside.status_code == 200
    assert [answer.status_code for answer in (renamed_root, trashed_root)] == [403, 403]
    assert renamed_root.json()["error"]["reason"] == "shared_item_fixed"
    assert Folder.objects.get(pk=world.shared.pk).name == "Shared"
    assert Folder.objects.get(pk=world.shared.pk).deleted_at is None


def test_the_deprecated_shared_routes_answer_like_the_main_ones(world):
    client = api_as(world.editor)

    listed = client.get(f"{API}/shared/folders/{world.sub.pk}/items/")
    moved = client.patch(
        f"{API}/shared/folders/{world.sub.pk}/", {"folder": str(world.shared.pk), "name": "S2"}, format="json"
    )
    shown = client.get(f"{API}/shared/files/{world.file.pk}/")

    assert [listed.status_code, moved.status_code, shown.status_code] == [200, 200, 200]
    assert listed.json()["role"] == "editor"
    assert Folder.objects.get(pk=world.sub.pk).name == "S2"


def test_role_changes_and_revocation_take_effect_at_once(world):
    owner = api_as(world.owner)
    viewer = api_as(world.viewer)
    url = f"{API}/files/{world.file.pk}/"

    assert viewer.patch(url, {"name": "a.txt"}, format="json").status_code == 403
    assert owner.patch(f"{API}/shares/{world.viewer_share.pk}/", {"role": "editor"}, format="json").status_code == 200
    assert viewer.patch(url, {"name": "a.txt"}, format="json").status_code == 200
    assert owner.delete(f"{API}/shares/{world.viewer_share.pk}/").status_code == 204
    assert viewer.get(url).status_code == 404


def test_shared_with_me_is_cursor_paginated(world):
    for index in range(3):
        share(world.owner, folder(world.owner, f"f{index}"), world.viewer)
    client = api_as(world.viewer)

    first = client.get(f"{API}/shared-with-me/?limit=2").json()
    second = client.get(f"{API}/shared-with-me/", {"limit": 2, "cursor": first["next"]}).json()

    names = [item["item"]["name"] for page in (first, second) for item in page["items"]]
    assert names == ["f2", "f1", "f0", "Shared"]
    assert second["next"] is None
    assert first["items"][0]["owner"] == world.owner.email
    assert api_as(world.stranger).get(f"{API}/shared-with-me/", {"cursor": first["next"]}).status_code == 400


def test_trashed_items_leave_shared_with_me(world):
    api_as(world.owner).delete(f"{API}/folders/{world.shared.pk}/")

    assert api_as(world.viewer).get(f"{API}/shared-with-me/").json()["items"] == []


def test_an_editor_uploads_into_a_shared_folder_on_the_owners_quota(s3_settings, owner, collaborator):
    team = folder(owner, "Team")
    share(owner, team, collaborator, "editor")
    client = api_as(collaborator)
    data = b"editor's bytes"

    started = client.post(
        f"{API}/uploads/", {"folder": str(team.pk), "name": "plan.txt", "size": len(data)}, format="json"
    )
    assert started.status_code == 201, started.json()
    body = started.json()
    put = requests.put(body["url"], data=data, headers=body["headers"], timeout=30)
    state = client.get(f"{API}/uploads/{body['id']}/")
    completed = client.post(f"{API}/uploads/{body['id']}/complete/", {}, format="json")

    assert put.status_code == 200 and state.status_code == 200
    assert completed.status_code == 200, completed.json()
    file = File.objects.get(pk=completed.json()["id"])
    assert (file.owner_id, file.folder_id, file.current_version.created_by_id) == (owner.pk, team.pk, collaborator.pk)
    assert usage_of(owner).used_bytes == len(data)
    assert usage_of(collaborator).used_bytes == 0
    assert_usage_consistent(owner)
    assert api_as(owner).get(f"{API}/uploads/{body['id']}/").status_code == 200  # every session in my space


def test_the_owners_listing_marks_shared_items(owner, collaborator, owner_client):
    shared = folder(owner, "Shared")
    folder(owner, "Private")
    share(owner, shared, collaborator)

    items = owner_client.get("/api/v1/folders/root/items/").json()["items"]

    assert {item["name"]: item["shared"] for item in items} == {"Private": False, "Shared": True}


def test_an_editors_upload_at_the_owners_quota_is_a_413_before_any_byte_moves(world):
    usage_set_plan(
        user=world.owner,
        plan=Plan.objects.create(code="snug", name="Snug", storage_bytes=100, max_files=100, max_file_bytes=100),
    )
    sessions_before = UploadSession.objects.count()
    editor_before, owner_before = usage_of(world.editor), usage_of(world.owner)

    response = api_as(world.editor).post(
        f"{API}/uploads/", {"folder": str(world.shared.pk), "name": "big.bin", "size": 90}, format="json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert "url" not in response.json()  # no URL to send a byte to
    assert UploadSession.objects.count() == sessions_before
    assert usage_of(world.owner).reserved_bytes == owner_before.reserved_bytes
    assert usage_of(world.editor).used_bytes == editor_before.used_bytes
    assert_usage_consistent(world.owner)


def test_a_viewer_copies_into_their_own_files_on_their_own_quota(world):
    mine = folder(world.viewer, "Mine")

    response = api_as(world.viewer).post(f"{API}/files/{world.file.pk}/copy/", {"folder": str(mine.pk)}, format="json")

    assert response.status_code == 201, response.json()
    copy = File.objects.get(pk=response.json()["id"])
    assert (copy.owner_id, copy.folder_id) == (world.viewer.pk, mine.pk)
    assert usage_of(world.viewer).used_bytes == world.file.size_bytes
    assert_usage_consistent(world.viewer)
    assert_usage_consistent(world.owner)


def test_a_role_change_of_a_share_removed_since_it_was_read_is_404(owner, collaborator, local_settings):
    shared = folder(owner, "Team")
    made = share(owner, shared, collaborator)
    read = Share.objects.get(pk=made.pk)  # the door's read
    Share.objects.filter(pk=made.pk).delete()  # the grantee leaves it, or the owner revokes it, meanwhile

    # Before: save(update_fields=...) found no row (DatabaseError, a 500).
    with pytest.raises(NotFound):
        share_update(actor=owner, share=read, role="editor", origin=TASK)

    assert not Share.objects.exists()
