"""The trash: trash files and folder subtrees, list, restore, delete forever, empty, purge."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kosha.errors import Conflict
from kosha.origin import TASK
from kosha.testing.factories import folder, pending_upload, stored_file, stored_version
from kosha.testing.races import run_after
from plans.models import Plan
from storage.backends import get_backend
from storage.models import File, FileVersion, Folder, UploadSession
from storage.places import Place
from storage.selectors import folder_children_for_user
from storage.services.trash import file_trash, folder_trash
from storage.services.uploads import upload_complete, upload_start
from storage.tasks import trash_purge_task
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_tiers")]

TRASH = "/api/v1/trash/"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what a call schedules on commit (tasks run synchronously in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def tree(local_settings, owner, run_on_commit):
    """Photos/{a.txt (2 versions), 2024/{b.txt}, old/{c.txt}} and top.txt at the root."""
    photos = folder(owner, "Photos")
    year = folder(owner, "2024", photos)
    old = folder(owner, "old", photos)
    with run_on_commit():
        a = stored_file(owner, "a.txt", b"a" * 10, folder=photos)
        stored_version(a, b"A" * 15)
        b = stored_file(owner, "b.txt", b"b" * 20, folder=year)
        c = stored_file(owner, "c.txt", b"c" * 40, folder=old)
        top = stored_file(owner, "top.txt", b"t" * 5)
    return {"photos": photos, "year": year, "old": old, "a": a, "b": b, "c": c, "top": top}


def keys_of(*files) -> list[str]:
    return list(FileVersion.objects.filter(file__in=files).values_list("key", flat=True))


def live_names(owner, folder=None) -> set[str]:
    folders, files = folder_children_for_user(user=owner, folder=folder)
    return {item.name for item in [*folders, *files]}


# --- trash and list ------------------------------------------------------------------------


def test_trashing_a_folder_hides_its_subtree_and_lists_one_root(tree, owner, owner_client):
    photos = tree["photos"]

    folder_trash(actor=owner, folder=photos, origin=TASK)

    assert live_names(owner) == {"top.txt"}
    assert not Folder.objects.filter(owner=owner, deleted_at__isnull=True).exists()
    batch = Folder.objects.get(pk=photos.pk).trash_batch
    assert Folder.objects.filter(trash_batch=batch).count() == 3
    assert File.objects.filter(trash_batch=batch).count() == 3
    assert list(File.objects.filter(trash_batch=batch, is_trash_root=True)) == []
    body = owner_client.get(TRASH).json()
    assert body["next"] is None
    [item] = body["items"]
    assert (item["id"], item["kind"], item["name"], item["size"]) == (str(photos.pk), "folder", "Photos", 15 + 20 + 40)
    assert item["folder"] is None and item["folder_is_trashed"] is False
    deleted_at = Folder.objects.get(pk=photos.pk).deleted_at
    assert item["purge_at"].startswith((deleted_at + timedelta(days=30)).date().isoformat())
    for query in ("b.txt", "2024", "Photos"):
        search = owner_client.get("/api/v1/search/", {"q": query})
        assert search.status_code == 200
        assert {item["name"] for item in search.json()["items"]} <= {"top.txt"}
    assert usage_of(owner).used_bytes == 10 + 15 + 20 + 40 + 5
    usage = owner_client.get("/api/v1/usage/").json()
    assert usage["trash_bytes"] == 10 + 15 + 20 + 40
    assert_usage_consistent(owner)


def test_delete_on_a_file_moves_it_to_the_trash(tree, owner, owner_client):
    response = owner_client.delete(f"/api/v1/files/{tree['top'].pk}/")

    assert response.status_code == 204
    assert owner_client.get(f"/api/v1/files/{tree['top'].pk}/").status_code == 404
    [item] = owner_client.get(TRASH).json()["items"]
    assert (item["kind"], item["name"], item["size"]) == ("file", "top.txt", 5)
    assert owner_client.delete(f"/api/v1/files/{tree['top'].pk}/").status_code == 404


def test_restore_brings_back_exactly_its_batch(tree, owner, owner_client):
    file_trash(actor=owner, file=tree["b"], origin=TASK)  # trashed on its own first
    folder_trash(actor=owner, folder=tree["photos"], origin=TASK)
    assert len(owner_client.get(TRASH).json()["items"]) == 2

    response = owner_client.post(f"{TRASH}{tree['photos'].pk}/restore/")

    assert response.status_code == 200, response.json()
    assert response.json() == {"id": str(tree["photos"].pk), "kind": "folder", "name": "Photos", "folder": None}
    assert live_names(owner) == {"Photos", "top.txt"}
    assert live_names(owner, tree["photos"]) == {"a.txt", "2024", "old"}
    assert live_names(owner, tree["year"]) == set()
    assert live_names(owner, tree["old"]) == {"c.txt"}
    [left] = owner_client.get(TRASH).json()["items"]
    assert (left["name"], left["folder"], left["folder_is_trashed"]) == ("b.txt", str(tree["year"].pk), False)
    assert not Folder.objects.filter(owner=owner, trash_batch__isnull=False).exists()

    again = owner_client.post(f"{TRASH}{tree['b'].pk}/restore/")

    assert again.status_code == 200
    assert again.json()["folder"] == str(tree["year"].pk)
    assert live_names(owner, tree["year"]) == {"b.txt"}
    assert owner_client.get(TRASH).json()["items"] == []


def test_a_name_clash_restores_as_name_restored(tree, owner, owner_client, run_on_commit):
    file_trash(actor=owner, file=tree["top"], origin=TASK)
    with run_on_commit():
        newer = stored_file(owner, "top.txt", b"newer")

    first = owner_client.post(f"{TRASH}{tree['top'].pk}/restore/")

    assert first.json()["name"] == "top (restored).txt"
    file_trash(actor=owner, file=newer, origin=TASK)
    with run_on_commit():
        stored_file(owner, "top.txt", b"newest")
    second = owner_client.post(f"{TRASH}{newer.pk}/restore/")
    assert second.json()["name"] == "top (restored 2).txt"
    assert live_names(owner) == {"Photos", "top.txt", "top (restored).txt", "top (restored 2).txt"}
    assert_usage_consistent(owner)


def test_restoring_into_a_trashed_folder_restores_to_the_root(tree, owner, owner_client):
    file_trash(actor=owner, file=tree["c"], origin=TASK)
    folder_trash(actor=owner, folder=tree["photos"], origin=TASK)
    listed = {item["name"]: item for item in owner_client.get(TRASH).json()["items"]}
    assert listed["c.txt"]["folder_is_trashed"] is True

    response = owner_client.post(f"{TRASH}{tree['c'].pk}/restore/")

    assert response.json()["folder"] is None
    assert live_names(owner) == {"top.txt", "c.txt"}
    assert File.objects.get(pk=tree["c"].pk).folder_id is None


# --- delete forever, empty, purge --------------------------------------------------------------


def test_delete_forever_removes_blobs_rows_and_usage_and_keeps_other_batches(tree, owner, owner_client):
    file_trash(actor=owner, file=tree["c"], origin=TASK)  # its own batch, inside Photos/old
    folder_trash(actor=owner, folder=tree["photos"], origin=TASK)
    doomed_keys = keys_of(tree["a"], tree["b"])
    backend = get_backend()

    response = owner_client.delete(f"{TRASH}{tree['photos'].pk}/")

    assert response.status_code == 204
    assert all(backend.head(key=key) is None for key in doomed_keys)
    assert not Folder.objects.filter(owner=owner).exists()
    assert set(File.objects.filter(owner=owner).values_list("name", flat=True)) == {"c.txt", "top.txt"}
    assert backend.head(key=keys_of(tree["c"])[0]) is not None
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count) == (40 + 5, 2)
    assert_usage_consistent(owner)
    [left] = owner_client.get(TRASH).json()["items"]
    assert (left["name"], left["folder"]) == ("c.txt", None)
    assert owner_client.post(f"{TRASH}{tree['c'].pk}/restore/").json()["folder"] is None


def test_emptying_the_trash_deletes_everything_in_it(tree, owner, owner_client):
    file_trash(actor=owner, file=tree["top"], origin=TASK)
    folder_trash(actor=owner, folder=tree["photos"], origin=TASK)
    keys = keys_of(tree["a"], tree["b"], tree["c"], tree["top"])

    response = owner_client.post(f"{TRASH}empty/")

    assert response.status_code == 200
    assert response.json() == {"items": 2, "files": 4, "size": 10 + 15 + 20 + 40 + 5}
    assert not File.objects.filter(owner=owner).exists()
    assert not Folder.objects.filter(owner=owner).exists()
    assert all(get_backend().head(key=key) is None for key in keys)
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count) == (0, 0)
    assert owner_client.get("/api/v1/usage/").json()["trash_bytes"] == 0
    assert owner_client.get(TRASH).json() == {"items": [], "next": None}


def test_the_purge_task_deletes_only_trash_older_than_the_plans_days(tree, owner):
    folder_trash(actor=owner, folder=tree["photos"], origin=TASK)
    file_trash(actor=owner, file=tree["top"], origin=TASK)
    long_ago = timezone.now() - timedelta(days=31)
    batch = Folder.objects.get(pk=tree["photos"].pk).trash_batch
    Folder.objects.filter(trash_batch=batch).update(deleted_at=long_ago)
    File.objects.filter(trash_batch=batch).update(deleted_at=long_ago)
    keys = keys_of(tree["a"], tree["b"], tree["c"])

    purged = trash_purge_task()

    assert purged == 1
    assert all(get_backend().head(key=key) is None for key in keys)
    assert list(File.objects.filter(owner=owner).values_list("name", flat=True)) == ["top.txt"]
    assert usage_of(owner).used_bytes == 5
    assert_usage_consistent(owner)
    assert trash_purge_task() == 0


def test_purging_a_folder_fails_uploads_aimed_at_it_and_releases_their_reservation(tree, owner, owner_client):
    started = upload_start(actor=owner, place=Place(owner=owner, folder=tree["year"]), name="late.txt", size_bytes=9)
    folder_trash(actor=owner, folder=tree["photos"], origin=TASK)

    owner_client.delete(f"{TRASH}{tree['photos'].pk}/")

    upload = UploadSession.objects.get(pk=started.upload.pk)
    assert (upload.status, upload.folder_id) == (UploadSession.Status.FAILED, None)
    assert usage_of(owner).reserved_bytes == 0
    assert_usage_consistent(owner)


# --- paging and query counts -------------------------------------------------------------------


def test_the_trash_pages_newest_first_with_a_signed_cursor(local_settings, owner, owner_client):
    now = timezone.now()
    for index in range(5):
        Folder.objects.create(
            owner=owner,
            name=f"f{index}",
            deleted_at=now - timedelta(minutes=index),
            trash_batch=uuid.uuid4(),
            is_trash_root=True,
        )

    first = owner_client.get(TRASH, {"limit": 3}).json()
    second = owner_client.get(TRASH, {"limit": 3, "cursor": first["next"]}).json()

    assert [item["name"] for item in first["items"]] == ["f0", "f1", "f2"]
    assert [item["name"] for item in second["items"]] == ["f3", "f4"]
    assert second["next"] is None
    assert owner_client.get(TRASH, {"cursor": "garbage"}).status_code == 400
    assert owner_client.get(TRASH, {"limit": "0"}).status_code == 400


@pytest.mark.parametrize("count", [3, 9])
def test_the_trash_list_runs_a_fixed_number_of_queries(local_settings, owner, owner_client, count):
    parent = Folder.objects.create(owner=owner, name="parent")
    now = timezone.now()
    for index in range(count):
        Folder.objects.create(
            owner=owner, parent=parent, name=f"d{index}", deleted_at=now, trash_batch=uuid.uuid4(), is_trash_root=True
        )
        File.objects.create(
            owner=owner, folder=parent, name=f"f{index}", deleted_at=now, trash_batch=uuid.uuid4(), is_trash_root=True
        )

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(TRASH)

    assert len(response.json()["items"]) == 2 * count
    # 1. the folder roots with their parent, batch size, trasher and owner (with the
    #    owner's usage and plan, for trash_days) joined
    # 2. the file roots with the same joins
    # (none of another person's: no share lookup)
    assert len(queries) == 2, [query["sql"] for query in queries.captured_queries]


# --- access and bad input ------------------------------------------------------------------


def _trash_endpoints(item_id):
    return [
        ("post", f"{TRASH}{item_id}/restore/"),
        ("delete", f"{TRASH}{item_id}/"),
    ]


def test_a_stranger_gets_404_and_sees_an_empty_trash(tree, owner, stranger_client):
    folder_trash(actor=owner, folder=tree["photos"], origin=TASK)

    for method, url in [
        *_trash_endpoints(tree["photos"].pk),
        ("delete", f"/api/v1/files/{tree['top'].pk}/"),
        ("delete", f"/api/v1/folders/{tree['photos'].pk}/"),
    ]:
        response = getattr(stranger_client, method)(url)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "not_found"
    assert stranger_client.get(TRASH).json()["items"] == []
    assert stranger_client.post(f"{TRASH}empty/").json()["items"] == 0

    assert Folder.objects.get(pk=tree["photos"].pk).is_trash_root
    assert File.objects.get(pk=tree["top"].pk).deleted_at is None
    assert_usage_consistent(owner)


def test_anonymous_requests_to_the_trash_are_refused(tree, api_client):
    for method, url in [
        ("get", TRASH),
        ("post", f"{TRASH}empty/"),
        *_trash_endpoints(tree["photos"].pk),
        ("delete", f"/api/v1/files/{tree['top'].pk}/"),
    ]:
        assert getattr(api_client, method)(url).status_code in (401, 403), (method, url)


def test_bad_ids_are_404_and_change_nothing(tree, owner, owner_client):
    file_trash(actor=owner, file=tree["b"], origin=TASK)  # a trashed item that is not a root:
    folder_trash(actor=owner, folder=tree["year"], origin=TASK)
    for bad in ["not-a-uuid", uuid.uuid4(), tree["top"].pk, tree["a"].pk]:
        for method, url in _trash_endpoints(bad):
            response = getattr(owner_client, method)(url)
            assert response.status_code == 404, (method, url)

    assert File.objects.filter(owner=owner).count() == 4
    assert len(owner_client.get(TRASH).json()["items"]) == 2
    assert_usage_consistent(owner)


# --- PostgreSQL: usage stays exact -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_trash_restore_and_purge_keep_usage_exact_on_postgres(local_settings, owner, owner_client):
    assert connection.vendor == "postgresql"
    photos = folder(owner, "Photos")
    inner = folder(owner, "inner", photos)
    for name, size, parent in [("a", 11, photos), ("a", 12, photos), ("b", 13, inner), ("c", 14, None)]:
        stored_file(owner, name, b"x" * size, folder=parent)
    assert_usage_consistent(owner)

    folder_trash(actor=owner, folder=photos, origin=TASK)
    assert_usage_consistent(owner)
    assert owner_client.get("/api/v1/usage/").json()["trash_bytes"] == 11 + 12 + 13
    assert owner_client.post(f"{TRASH}{photos.pk}/restore/").status_code == 200
    assert_usage_consistent(owner)
    folder_trash(actor=owner, folder=inner, origin=TASK)
    assert owner_client.delete(f"{TRASH}{inner.pk}/").status_code == 204
    assert_usage_consistent(owner)
    assert usage_of(owner).used_bytes == 11 + 12 + 14
    folder_trash(actor=owner, folder=photos, origin=TASK)
    long_ago = timezone.now() - timedelta(days=Plan.objects.get(code="free").trash_days + 1)
    Folder.objects.filter(owner=owner, deleted_at__isnull=False).update(deleted_at=long_ago)
    File.objects.filter(owner=owner, deleted_at__isnull=False).update(deleted_at=long_ago)

    assert trash_purge_task() == 1

    assert_usage_consistent(owner)
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count) == (14, 1)


# --- the race with an upload ---------------------------------------------------------------------


def test_a_folder_trashed_while_an_upload_into_it_completes_records_nothing(s3_settings, owner):
    """The folder goes to the trash after the complete's HEAD and before it records: the
    record, under the folder's row lock, sees it trashed, refuses, and frees the reservation."""
    photos = folder(owner, "Photos")
    upload = pending_upload(owner, "late.txt", b"late bytes", folder=photos)

    with run_after("storage.backends.s3.S3Backend.head", lambda: folder_trash(actor=owner, folder=photos, origin=TASK)):
        with pytest.raises(Conflict) as refused:
            upload_complete(actor=owner, upload=upload, origin=TASK)

    assert refused.value.details["reason"] == "folder_trashed"
    assert not File.objects.filter(owner=owner).exists()
    assert UploadSession.objects.get(pk=upload.pk).status == UploadSession.Status.FAILED
    assert get_backend().head(key=upload.key) is None
    assert usage_of(owner).reserved_bytes == 0
    assert_usage_consistent(owner)
