"""POST /api/v1/folders/<id>/copy/: a server-side copy of a whole tree (local store and
S3 on moto), checked against the destination owner's quota before any byte moves."""

import pytest

from kosha.testing import factories
from kosha.testing.answers import assert_error
from kosha.testing.clients import api_as
from kosha.testing.factories import stored_file
from plans.models import Plan
from plans.services import usage_set_plan
from storage.backends import get_backend
from storage.keys import user_prefix
from storage.models import File, Folder, UploadSession
from storage.services.trash import file_trash, folder_trash
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db

STORES = ["local", "moto"]


@pytest.fixture(params=STORES)
def copy_store(request):
    """The copy runs against the local store and S3 on moto's HTTP server."""
    request.getfixturevalue({"local": "local_settings", "moto": "s3_settings"}[request.param])
    return request.param


def _read(key: str) -> bytes:
    with get_backend().open(key=key) as stream:
        return stream.read()


def _objects(user) -> list[str]:
    return sorted(listed.key for listed in get_backend().list_prefix(prefix=user_prefix(user.pk)))


def _state(user):
    usage = usage_of(user)
    return (
        sorted(Folder.objects.filter(owner=user).values_list("id", "name", "parent_id")),
        sorted(File.objects.filter(owner=user).values_list("id", "name", "folder_id")),
        (usage.used_bytes, usage.reserved_bytes, usage.file_count, usage.reserved_files),
        _objects(user),
    )


def _tree(owner):
    """docs/ (a.txt, sub/ (b.bin, deeper/ (c.txt)), empty/)"""
    docs = factories.folder(owner, "docs")
    sub = factories.folder(owner, "sub", docs)
    deeper = factories.folder(owner, "deeper", sub)
    factories.folder(owner, "empty", docs)
    stored_file(owner, "a.txt", b"alpha", folder=docs)
    stored_file(owner, "b.bin", b"\x00\x01" * 50, folder=sub, content_type="application/octet-stream")
    stored_file(owner, "c.txt", b"gamma", folder=deeper)
    return docs


def _walk(folder) -> dict:
    """{path: bytes or None for a folder} of a live tree."""
    found: dict = {}

    def visit(node, path):
        for child in Folder.objects.filter(parent=node, deleted_at__isnull=True):
            found[f"{path}{child.name}/"] = None
            visit(child, f"{path}{child.name}/")
        for file in File.objects.filter(folder=node, deleted_at__isnull=True).select_related("current_version"):
            found[f"{path}{file.name}"] = _read(file.current_version.key)

    visit(folder, "")
    return found


def test_copy_of_a_tree_copies_every_folder_and_file_in_the_store(copy_store, owner_client, owner):
    docs = _tree(owner)
    backup = factories.folder(owner, "backup")
    before = usage_of(owner)
    source_keys = set(File.objects.filter(owner=owner).values_list("current_version__key", flat=True))

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {"parent": str(backup.pk)}, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["parent"]) == ("docs", str(backup.pk))
    copy = Folder.objects.get(pk=response.json()["id"])
    assert (
        _walk(copy)
        == _walk(docs)
        == {
            "sub/": None,
            "sub/deeper/": None,
            "sub/deeper/c.txt": b"gamma",
            "sub/b.bin": b"\x00\x01" * 50,
            "empty/": None,
            "a.txt": b"alpha",
        }
    )
    copied_keys = set(File.objects.filter(owner=owner).values_list("current_version__key", flat=True)) - source_keys
    assert len(copied_keys) == 3  # new objects, not the source's keys
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count) == (before.used_bytes + 110, before.file_count + 3)
    assert not UploadSession.objects.filter(owner=owner, status=UploadSession.Status.PENDING).exists()
    assert_usage_consistent(owner)


def test_copy_beside_the_source_takes_a_numbered_name(local_settings, owner_client, owner):
    docs = _tree(owner)

    first = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {}, format="json")
    second = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {"name": "archive"}, format="json")

    assert first.status_code == second.status_code == 201
    assert (first.json()["name"], first.json()["parent"]) == ("docs (2)", None)
    assert second.json()["name"] == "archive"
    assert_usage_consistent(owner)


def test_trashed_items_inside_the_source_are_not_copied(local_settings, owner_client, owner):
    docs = _tree(owner)
    file_trash(actor=owner, file=File.objects.get(name="a.txt"), origin=factories.TASK)
    folder_trash(actor=owner, folder=Folder.objects.get(name="sub"), origin=factories.TASK)

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {}, format="json")

    assert response.status_code == 201
    assert _walk(Folder.objects.get(pk=response.json()["id"])) == {"empty/": None}


@pytest.mark.parametrize("store_name", STORES)
def test_a_tree_over_quota_is_413_before_anything_is_copied(request, store_name, owner_client, owner):
    request.getfixturevalue({"local": "local_settings", "moto": "s3_settings"}[store_name])
    docs = _tree(owner)
    # Each file fits, the tree does not: 110 bytes used, 110 more would pass 200.
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(code="tiny", name="Tiny", storage_bytes=200, max_files=100, max_file_bytes=150),
    )
    before = _state(owner)

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {}, format="json")

    assert response.status_code == 413
    assert response.json()["error"]["reason"] == "storage_bytes"
    assert _state(owner) == before
    assert not UploadSession.objects.filter(owner=owner).exclude(version__isnull=False).exists()


def test_the_largest_file_is_checked_against_the_per_file_limit_not_the_tree_total(local_settings, owner_client, owner):
    docs = _tree(owner)
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(code="small", name="Small", storage_bytes=10**6, max_files=100, max_file_bytes=100),
    )

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {}, format="json")

    # 110 bytes in the tree, the largest file is 100: it fits.
    assert response.status_code == 201, response.json()
    assert_usage_consistent(owner)


def test_a_tree_with_too_many_files_is_413(local_settings, owner_client, owner):
    docs = _tree(owner)
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(code="five", name="Five", storage_bytes=10**6, max_files=5, max_file_bytes=10**6),
    )
    before = _state(owner)

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {}, format="json")

    assert response.status_code == 413
    assert response.json()["error"]["reason"] == "max_files"
    assert _state(owner) == before


@pytest.mark.parametrize("target", ["itself", "subfolder"])
def test_copy_into_itself_or_below_is_refused_like_a_move(local_settings, owner_client, owner, target):
    docs = _tree(owner)
    parent = docs if target == "itself" else Folder.objects.get(name="deeper")
    before = _state(owner)

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {"parent": str(parent.pk)}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "folder_cycle"
    assert _state(owner) == before


def test_copy_that_would_nest_too_deep_is_refused(local_settings, settings, owner_client, owner):
    docs = _tree(owner)  # 3 levels
    settings.KOSHA_MAX_FOLDER_DEPTH = 4
    target = factories.folder(owner, "one", factories.folder(owner, "top"))  # depth 2
    before = _state(owner)

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {"parent": str(target.pk)}, format="json")

    assert_error(response, 400, reason="folder_too_deep")
    assert _state(owner) == before


def test_a_viewer_copies_a_shared_tree_into_their_own_space_on_their_quota(local_settings, owner, collaborator):
    docs = _tree(owner)
    factories.share(owner, docs, collaborator, role="viewer")
    owner_before = _state(owner)

    response = api_as(collaborator).post(f"/api/v1/folders/{docs.pk}/copy/", {"parent": None}, format="json")

    assert response.status_code == 201, response.json()
    copy = Folder.objects.get(pk=response.json()["id"])
    assert copy.owner == collaborator and copy.parent_id is None
    assert _walk(copy) == _walk(docs)
    assert (usage_of(collaborator).used_bytes, usage_of(collaborator).file_count) == (110, 3)
    assert _state(owner) == owner_before
    assert_usage_consistent(collaborator)


def test_a_viewer_cannot_copy_beside_the_source_or_into_a_folder_they_only_view(local_settings, owner, collaborator):
    docs = _tree(owner)
    factories.share(owner, docs, collaborator, role="viewer")
    sub = Folder.objects.get(name="sub")
    before = _state(owner)

    into_viewed = api_as(collaborator).post(f"/api/v1/folders/{sub.pk}/copy/", {"parent": str(docs.pk)}, format="json")
    beside = api_as(collaborator).post(f"/api/v1/folders/{sub.pk}/copy/", {}, format="json")

    assert into_viewed.status_code == beside.status_code == 403
    assert _state(owner) == before


def test_an_editor_copy_into_the_owners_folder_counts_against_the_owner(local_settings, owner, collaborator):
    docs = _tree(owner)
    inbox = factories.folder(owner, "inbox")
    factories.share(owner, inbox, collaborator, role="editor")
    theirs = _tree(collaborator)
    collaborator_before = _state(collaborator)

    response = api_as(collaborator).post(f"/api/v1/folders/{theirs.pk}/copy/", {"parent": str(inbox.pk)}, format="json")

    assert response.status_code == 201, response.json()
    copy = Folder.objects.get(pk=response.json()["id"])
    assert copy.owner == owner and copy.parent_id == inbox.pk
    assert _walk(copy) == _walk(docs)
    assert _state(collaborator) == collaborator_before
    assert_usage_consistent(owner)


def test_a_stranger_gets_404_for_the_source_and_for_the_destination(local_settings, owner, stranger):
    docs = _tree(owner)
    theirs = factories.folder(stranger, "mine")
    before = _state(owner)

    source = api_as(stranger).post(f"/api/v1/folders/{docs.pk}/copy/", {"parent": None}, format="json")
    destination = api_as(owner).post(f"/api/v1/folders/{docs.pk}/copy/", {"parent": str(theirs.pk)}, format="json")

    assert source.status_code == destination.status_code == 404
    assert _state(owner) == before


def test_a_copy_the_store_cannot_make_is_503_and_records_nothing(copy_store, owner_client, owner):
    docs = _tree(owner)
    get_backend().delete(keys=[File.objects.get(name="b.bin").current_version.key])
    before = _state(owner)

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", {}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"
    assert _state(owner) == before  # no folders, no files, no reservation, no stray objects
    assert_usage_consistent(owner)


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "a/b"}, {"parent": "nope"}, {"name": ["x"]}])
def test_bad_input_is_4xx_and_changes_nothing(local_settings, owner_client, owner, body):
    docs = _tree(owner)
    before = _state(owner)

    response = owner_client.post(f"/api/v1/folders/{docs.pk}/copy/", body, format="json")

    assert 400 <= response.status_code < 500
    assert _state(owner) == before
