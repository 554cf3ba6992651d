"""Inside a trashed folder: GET /api/v1/trash/<id>/items/ lists what was trashed with it,
and POST /api/v1/trash/<id>/restore/ with the id of a file or subfolder inside brings back
that one alone, into the folder the trashed folder was in (else the owner's root)."""

import pytest

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.clients import api_as
from kosha.testing.factories import stored_file
from storage.models import File, Folder
from storage.services.trash import folder_trash
from storage.tests.protocol import assert_usage_consistent

pytestmark = pytest.mark.django_db


def test_a_trashed_folder_lists_what_was_trashed_with_it(local_settings, owner_client, owner):
    _, docs, sub = factories.trashed_tree(owner)

    top = owner_client.get(f"/api/v1/trash/{docs.pk}/items/")
    inner = owner_client.get(f"/api/v1/trash/{sub.pk}/items/")

    assert top.status_code == inner.status_code == 200
    assert [(item["kind"], item["name"]) for item in top.json()["items"]] == [("folder", "sub"), ("file", "a.txt")]
    assert [item["name"] for item in inner.json()["items"]] == ["b.txt"]
    assert [crumb["name"] for crumb in inner.json()["breadcrumbs"]] == ["docs", "sub"]


def test_restoring_a_file_from_inside_puts_it_where_the_trashed_folder_was(local_settings, owner_client, owner):
    work, docs, _ = factories.trashed_tree(owner)
    a = File.objects.get(name="a.txt")

    response = owner_client.post(f"/api/v1/trash/{a.pk}/restore/")

    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["folder"]) == ("a.txt", str(work.pk))
    a.refresh_from_db()
    assert (a.deleted_at, a.folder_id, a.trash_batch) == (None, work.pk, None)
    docs.refresh_from_db()
    assert docs.deleted_at is not None and docs.is_trash_root  # the rest stays in the trash
    assert [item["name"] for item in owner_client.get(f"/api/v1/trash/{docs.pk}/items/").json()["items"]] == ["sub"]
    assert_usage_consistent(owner)


def test_restoring_a_subfolder_brings_back_what_was_trashed_with_it(local_settings, owner_client, owner):
    work, docs, sub = factories.trashed_tree(owner)

    response = owner_client.post(f"/api/v1/trash/{sub.pk}/restore/")

    assert response.status_code == 200
    sub.refresh_from_db()
    assert (sub.deleted_at, sub.parent_id) == (None, work.pk)
    assert File.objects.get(name="b.txt").deleted_at is None
    assert File.objects.get(name="a.txt").deleted_at is not None
    listing = owner_client.get(f"/api/v1/folders/{work.pk}/items/").json()["items"]
    assert [item["name"] for item in listing] == ["sub"]


def test_a_taken_name_comes_back_as_restored_and_a_gone_parent_means_the_root(local_settings, owner_client, owner):
    work, _, _ = factories.trashed_tree(owner)
    stored_file(owner, "a.txt", b"new", folder=work)
    a = File.objects.get(name="a.txt", deleted_at__isnull=False)
    b = File.objects.get(name="b.txt")

    clash = owner_client.post(f"/api/v1/trash/{a.pk}/restore/")
    folder_trash(actor=owner, folder=work, origin=TASK)
    rooted = owner_client.post(f"/api/v1/trash/{b.pk}/restore/")

    assert clash.json()["name"] == "a (restored).txt"
    assert (rooted.status_code, rooted.json()["folder"]) == (200, None)


def test_a_stranger_gets_404_and_a_live_item_is_not_in_the_trash(local_settings, owner, stranger):
    work, docs, _ = factories.trashed_tree(owner)
    b = File.objects.get(name="b.txt")

    responses = [
        api_as(stranger).get(f"/api/v1/trash/{docs.pk}/items/"),
        api_as(stranger).post(f"/api/v1/trash/{b.pk}/restore/"),
        api_as(owner).post(f"/api/v1/trash/{work.pk}/restore/"),
        api_as(owner).get(f"/api/v1/trash/{work.pk}/items/"),
        api_as(owner).get(f"/api/v1/trash/{b.pk}/items/"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404, 404]
    assert File.objects.get(pk=b.pk).deleted_at is not None
    assert Folder.objects.filter(deleted_at__isnull=False).count() == 2
