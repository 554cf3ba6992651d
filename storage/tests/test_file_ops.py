"""PATCH /api/v1/files/<id>/ (rename, move) and POST /api/v1/files/<id>/copy/.

Rename and move change one row and no object; copy is a server-side copy in the store
(local and S3 on moto) that counts against quota like an upload."""

import pytest
from rest_framework.test import APIClient

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.bad_input import BAD_NAMES
from kosha.testing.factories import stored_file
from kosha.testing.races import run_before
from plans.models import Plan
from plans.services import usage_set_plan
from storage.backends import get_backend
from storage.keys import user_prefix
from storage.models import File, FileVersion, UploadSession
from storage.services.recording import session_abandon
from storage.services.trash import file_trash, trash_batches_purge
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db


def _read(key: str) -> bytes:
    with get_backend().open(key=key) as stream:
        return stream.read()


def _snapshot(owner):
    return sorted(File.objects.filter(owner=owner).values_list("id", "name", "folder_id", "current_version_id"))


def _objects(owner) -> list[str]:
    return sorted(listed.key for listed in get_backend().list_prefix(prefix=user_prefix(owner.pk)))


def _usage_numbers(owner):
    usage = usage_of(owner)
    return usage.used_bytes, usage.reserved_bytes, usage.file_count, usage.reserved_files


# --- rename and move ------------------------------------------------------------------------


def test_rename_changes_the_name_and_touches_no_object(local_settings, owner_client, owner):
    file = stored_file(owner, "draft.txt", b"hello")
    key = file.current_version.key
    objects = _objects(owner)

    response = owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": "final – v2.txt"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "final – v2.txt"
    assert response.json()["version"] == 1
    file.refresh_from_db()
    assert file.name == "final – v2.txt"
    assert file.current_version.key == key
    assert _objects(owner) == objects
    assert _read(key) == b"hello"
    assert_usage_consistent(owner)


def test_move_into_a_folder_and_back_to_the_root(local_settings, owner_client, owner):
    folder = factories.folder(owner, "docs")
    file = stored_file(owner, "a.txt", b"a")

    into = owner_client.patch(f"/api/v1/files/{file.pk}/", {"folder": str(folder.pk)}, format="json")

    assert into.status_code == 200, into.json()
    assert into.json()["folder"] == str(folder.pk)

    back = owner_client.patch(f"/api/v1/files/{file.pk}/", {"folder": None}, format="json")

    assert back.status_code == 200
    assert back.json()["folder"] is None
    assert_usage_consistent(owner)


def test_move_and_rename_together(local_settings, owner_client, owner):
    folder = factories.folder(owner, "docs")
    file = stored_file(owner, "a.txt", b"a")

    response = owner_client.patch(
        f"/api/v1/files/{file.pk}/", {"folder": str(folder.pk), "name": "b.txt"}, format="json"
    )

    assert response.status_code == 200
    file.refresh_from_db()
    assert (file.name, file.folder_id) == ("b.txt", folder.pk)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_rename_refuses_a_bad_name_and_changes_nothing(local_settings, owner_client, owner, name):
    file = stored_file(owner, "a.txt", b"a")
    before = _snapshot(owner)

    response = owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": name}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_name"
    assert _snapshot(owner) == before


def test_rename_or_move_onto_a_taken_name_is_409(local_settings, owner_client, owner):
    folder = factories.folder(owner, "docs")
    factories.folder(owner, "sub")
    file = stored_file(owner, "a.txt", b"a")
    stored_file(owner, "b.txt", b"b")
    stored_file(owner, "a.txt", b"other a", folder=folder)
    before = _snapshot(owner)

    onto_file = owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": "b.txt"}, format="json")
    onto_folder = owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": "sub"}, format="json")
    moved_onto_file = owner_client.patch(f"/api/v1/files/{file.pk}/", {"folder": str(folder.pk)}, format="json")

    assert onto_file.status_code == onto_folder.status_code == moved_onto_file.status_code == 409
    assert onto_file.json()["error"]["reason"] == "name_taken"
    assert onto_folder.json()["error"]["reason"] == "name_taken_by_folder"
    assert moved_onto_file.json()["error"]["reason"] == "name_taken"
    assert _snapshot(owner) == before


def test_rename_to_the_same_name_is_a_no_op(local_settings, owner_client, owner):
    file = stored_file(owner, "a.txt", b"a")

    response = owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": "a.txt", "folder": None}, format="json")

    assert response.status_code == 200


def test_patch_with_nothing_to_change_is_400(local_settings, owner_client, owner):
    file = stored_file(owner, "a.txt", b"a")

    assert owner_client.patch(f"/api/v1/files/{file.pk}/", {}, format="json").status_code == 400
    assert owner_client.patch(f"/api/v1/files/{file.pk}/", ["name"], format="json").status_code == 400


def test_move_into_a_strangers_trashed_or_malformed_folder_is_404(local_settings, owner_client, owner, stranger):
    file = stored_file(owner, "a.txt", b"a")
    targets = factories.unreachable_folder_ids(owner, stranger)
    before = _snapshot(owner)

    for target in targets:
        response = owner_client.patch(f"/api/v1/files/{file.pk}/", {"folder": target}, format="json")
        assert response.status_code == 404, target
        assert response.json()["error"]["code"] == "not_found"
    # A folder id is a string: a number is refused by the typed input, as the schema says.
    number = owner_client.patch(f"/api/v1/files/{file.pk}/", {"folder": 12}, format="json")
    assert (number.status_code, number.json()["error"]["field"]) == (400, "folder")
    assert _snapshot(owner) == before


@pytest.mark.parametrize("write", ["rename", "trash"])
def test_a_file_deleted_forever_after_the_door_read_it_is_404_not_500(local_settings, owner_client, owner, write):
    file = stored_file(owner, "a.txt", b"a")
    service = "storage.api.views.file_update" if write == "rename" else "storage.api.views.file_trash"

    def purge() -> None:
        trashed = file_trash(actor=owner, file=File.objects.get(pk=file.pk), origin=TASK)
        trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])

    # The file's row goes between the access check and the service's lock of it.
    with run_before(service, purge):
        if write == "rename":
            response = owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": "b.txt"}, format="json")
        else:
            response = owner_client.delete(f"/api/v1/files/{file.pk}/")

    assert response.status_code == 404, response.content
    assert (response.json()["error"]["code"], response.json()["error"]["resource"]) == ("not_found", "file")
    assert not File.objects.filter(owner=owner).exists()


def test_a_stranger_cannot_rename_move_or_copy_the_owners_file(local_settings, stranger_client, owner, stranger):
    file = stored_file(owner, "a.txt", b"secret")
    their_folder = factories.folder(stranger, "loot")
    before = _snapshot(owner)

    rename = stranger_client.patch(f"/api/v1/files/{file.pk}/", {"name": "mine.txt"}, format="json")
    move = stranger_client.patch(f"/api/v1/files/{file.pk}/", {"folder": str(their_folder.pk)}, format="json")
    copy = stranger_client.post(f"/api/v1/files/{file.pk}/copy/", {"folder": str(their_folder.pk)}, format="json")

    for response in (rename, move, copy):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert _snapshot(owner) == before
    assert not File.objects.filter(owner=stranger).exists()
    assert_usage_consistent(stranger)


def test_anonymous_rename_and_copy_are_refused(local_settings, owner):
    file = stored_file(owner, "a.txt", b"a")
    anonymous = APIClient()

    rename = anonymous.patch(f"/api/v1/files/{file.pk}/", {"name": "b.txt"}, format="json")
    copy = anonymous.post(f"/api/v1/files/{file.pk}/copy/", {}, format="json")

    assert rename.status_code in (401, 403)
    assert copy.status_code in (401, 403)
    assert File.objects.get(pk=file.pk).name == "a.txt"
    assert File.objects.filter(owner=owner).count() == 1


# --- copy -----------------------------------------------------------------------------------


def test_copy_in_the_same_folder_gets_a_numbered_name_and_counts_quota(store, owner_client, owner):
    data = b"copy me " * 100
    file = stored_file(owner, "report.pdf", data, content_type="application/pdf")
    used, _, count, _ = _usage_numbers(owner)

    first = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {}, format="json")
    second = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {}, format="json")

    assert first.status_code == second.status_code == 201, first.json()
    assert first.json()["name"] == "report (2).pdf"
    assert second.json()["name"] == "report (3).pdf"
    copy = File.objects.get(pk=first.json()["id"])
    assert (copy.folder_id, copy.size_bytes, copy.content_type) == (None, len(data), "application/pdf")
    version = FileVersion.objects.get(file=copy)
    assert version.number == 1
    assert version.key != file.current_version.key
    assert version.key.startswith(f"users/{owner.pk}/blobs/")
    assert _read(version.key) == data
    assert _read(file.current_version.key) == data
    assert _usage_numbers(owner) == (used + 2 * len(data), 0, count + 2, 0)
    assert_usage_consistent(owner)


def test_copy_into_another_folder_with_a_new_name(store, owner_client, owner):
    folder = factories.folder(owner, "backup")
    file = stored_file(owner, "a.txt", b"abc")

    response = owner_client.post(
        f"/api/v1/files/{file.pk}/copy/", {"folder": str(folder.pk), "name": "a-backup.txt"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["folder"]) == ("a-backup.txt", str(folder.pk))
    assert response.json()["version"] == 1
    assert_usage_consistent(owner)


def test_copy_to_the_root_with_null_folder(store, owner_client, owner):
    folder = factories.folder(owner, "docs")
    file = stored_file(owner, "a.txt", b"abc", folder=folder)

    response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {"folder": None}, format="json")

    assert response.status_code == 201
    assert (response.json()["name"], response.json()["folder"]) == ("a.txt", None)
    assert_usage_consistent(owner)


def test_copy_onto_a_folders_name_picks_a_numbered_name(store, owner_client, owner):
    factories.folder(owner, "b.txt")
    file = stored_file(owner, "a.txt", b"abc")

    response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {"name": "b.txt"}, format="json")

    assert response.status_code == 201
    assert response.json()["name"] == "b (2).txt"


def test_copy_over_quota_is_413_and_changes_nothing(store, owner_client, owner):
    file = stored_file(owner, "a.txt", b"x" * 600)
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(code="tiny", name="Tiny", storage_bytes=1000, max_files=10, max_file_bytes=1000),
    )
    before = (_snapshot(owner), _usage_numbers(owner), _objects(owner))

    response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {}, format="json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert response.json()["error"]["reason"] == "storage_bytes"
    assert (_snapshot(owner), _usage_numbers(owner), _objects(owner)) == before
    assert not UploadSession.objects.filter(owner=owner, status=UploadSession.Status.PENDING).exists()
    assert_usage_consistent(owner)


def test_copy_over_the_file_count_is_413(store, owner_client, owner):
    file = stored_file(owner, "a.txt", b"x")
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(code="one", name="One", storage_bytes=10**6, max_files=1, max_file_bytes=10**6),
    )

    response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {}, format="json")

    assert response.status_code == 413
    assert response.json()["error"]["reason"] == "max_files"
    assert File.objects.filter(owner=owner).count() == 1
    assert_usage_consistent(owner)


def test_a_copy_the_store_cannot_make_is_503_and_releases_the_reservation(store, owner_client, owner):
    file = stored_file(owner, "a.txt", b"abc")
    get_backend().delete(keys=[file.current_version.key])  # the blob is gone from the store
    before = (_snapshot(owner), _usage_numbers(owner))

    response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"
    assert (_snapshot(owner), _usage_numbers(owner)) == before
    assert _objects(owner) == []
    assert_usage_consistent(owner)


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("aborted", "This copy was cancelled before it finished; nothing was copied."),
        ("expired", "This copy took too long and was cancelled; nothing was copied."),
        (
            "failed",
            "This copy failed before it was recorded (its destination folder may have been deleted); "
            "nothing was copied.",
        ),
    ],
)
def test_a_copy_whose_session_ended_meanwhile_is_410_and_says_how_it_ended(
    local_settings, owner_client, owner, status, says
):
    file = stored_file(owner, "a.txt", b"abc")

    def end_the_copys_session():
        session = UploadSession.objects.get(owner=owner, status=UploadSession.Status.PENDING)
        session_abandon(session=session, status=status)

    with run_before("storage.services.copies.version_record", end_the_copys_session):
        response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {}, format="json")

    assert response.status_code == 410
    assert response.json()["error"] == {"code": "gone", "message": says, "reason": f"copy_{status}"}
    assert File.objects.filter(owner=owner).count() == 1
    assert_usage_consistent(owner)


@pytest.mark.parametrize("name", ["", "a/b", " x", "..", 3, ["a"]])
def test_copy_with_a_bad_name_is_400_and_changes_nothing(local_settings, owner_client, owner, name):
    file = stored_file(owner, "a.txt", b"abc")
    before = (_snapshot(owner), _usage_numbers(owner), _objects(owner))

    response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {"name": name}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_name"
    assert (_snapshot(owner), _usage_numbers(owner), _objects(owner)) == before


def test_copy_into_a_strangers_or_trashed_folder_is_404(local_settings, owner_client, owner, stranger):
    file = stored_file(owner, "a.txt", b"abc")
    targets = factories.unreachable_folder_ids(owner, stranger)
    before = (_snapshot(owner), _usage_numbers(owner), _objects(owner))

    for target in targets:
        response = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {"folder": target}, format="json")
        assert response.status_code == 404, target
    assert (_snapshot(owner), _usage_numbers(owner), _objects(owner)) == before
    assert not File.objects.filter(owner=stranger).exists()
