"""Folder downloads as zip: ask, poll, download; the zip's entries and bytes match the
folder's live subtree in both stores; refusals; and the archive never counts as usage."""

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.factories import stored_file
from plans.models import Plan
from storage.backends import get_backend
from storage.models import File, FolderArchive
from storage.services.archives import folder_archive_build, folder_archive_start
from storage.services.trash import file_trash, folder_trash
from storage.tests.protocol import usage_of

pytestmark = pytest.mark.django_db


def nested_project(owner):
    """Project/{readme.txt, photo.jpg, src/{main.py, lib/{util.py}}, empty/} plus things
    that must stay out of its zip: a trashed file, a trashed subfolder, a file elsewhere."""
    project = factories.folder(owner, "Project")
    src = factories.folder(owner, "src", project)
    lib = factories.folder(owner, "lib", src)
    factories.folder(owner, "empty", project)
    old = factories.folder(owner, "old", project)
    contents = {
        "readme.txt": (project, b"# Project\n" * 50, "text/plain"),
        "photo.jpg": (project, bytes(range(256)) * 40, "image/jpeg"),
        "src/main.py": (src, b"print('hello')\n", "text/x-python"),
        "src/lib/util.py": (lib, b"def util():\n    return 42\n", "text/x-python"),
    }
    for path, (folder, data, content_type) in contents.items():
        stored_file(owner, path.rpartition("/")[2], data, folder=folder, content_type=content_type)
    stored_file(owner, "forgotten.txt", b"in the old folder", folder=old)
    folder_trash(actor=owner, folder=old, origin=TASK)
    binned = stored_file(owner, "binned.txt", b"trashed", folder=project)
    file_trash(actor=owner, file=binned, origin=TASK)
    stored_file(owner, "outside.txt", b"not in the project")
    return project, {path: data for path, (_, data, _) in contents.items()}


def ask_for_archive(client, folder, django_capture_on_commit_callbacks):
    """POST, with the task that the commit enqueues run synchronously (as in tests always)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/folders/{folder.pk}/archive/")
    return response


def test_a_nested_folder_zips_with_relative_paths_and_exact_bytes(
    store, owner, owner_client, django_capture_on_commit_callbacks
):
    project, expected = nested_project(owner)
    used_before = usage_of(owner).used_bytes

    response = ask_for_archive(owner_client, project, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "pending"
    assert response.json()["url"] is None
    polled = owner_client.get(f"/api/v1/archives/{response.json()['id']}/")
    assert polled.status_code == 200
    body = polled.json()
    assert body["status"] == "ready", body
    assert body["url"]
    archive = FolderArchive.objects.get(pk=body["id"])
    assert archive.key == f"users/{owner.pk}/archives/{archive.pk}.zip"
    assert body["size"] == archive.size_bytes == store.head(key=archive.key).size_bytes
    with store.open(key=archive.key) as stream:
        zipped = zipfile.ZipFile(io.BytesIO(stream.read()))
    assert zipped.testzip() is None
    files = {info.filename: zipped.read(info) for info in zipped.infolist() if not info.is_dir()}
    assert files == expected
    directories = sorted(info.filename for info in zipped.infolist() if info.is_dir())
    assert directories == ["empty/", "src/", "src/lib/"]
    assert zipped.getinfo("photo.jpg").compress_type == zipfile.ZIP_STORED
    assert zipped.getinfo("readme.txt").compress_type == zipfile.ZIP_DEFLATED
    # Archives are not user files: usage is unchanged.
    assert usage_of(owner).used_bytes == used_before


def test_the_download_url_is_an_attachment_named_after_the_folder(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks
):
    project, _ = nested_project(owner)
    archive_id = ask_for_archive(owner_client, project, django_capture_on_commit_callbacks).json()["id"]

    url = owner_client.get(f"/api/v1/archives/{archive_id}/").json()["url"]

    answer = owner_client.get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"].startswith("attachment")
    assert "Project.zip" in answer["Content-Disposition"]


def test_a_folder_over_the_plans_file_limit_fails_with_a_message(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks
):
    project, expected = nested_project(owner)
    Plan.objects.filter(pk=usage_of(owner).plan_id).update(max_file_bytes=sum(map(len, expected.values())) - 1)

    response = ask_for_archive(owner_client, project, django_capture_on_commit_callbacks)

    body = owner_client.get(f"/api/v1/archives/{response.json()['id']}/").json()
    assert body["status"] == "failed"
    assert "at most" in body["error"]
    assert body["url"] is None
    assert list(get_backend().list_prefix(prefix=f"users/{owner.pk}/archives/")) == []


def test_building_twice_keeps_the_first_result(local_settings, owner):
    project, _ = nested_project(owner)
    archive = FolderArchive.objects.create(owner=owner, folder=project, expires_at=timezone.now())

    first = folder_archive_build(archive_id=archive.pk)
    second = folder_archive_build(archive_id=archive.pk)

    assert first.status == second.status == FolderArchive.Status.READY
    assert (second.key, second.size_bytes, second.finished_at) == (first.key, first.size_bytes, first.finished_at)


def test_a_folder_trashed_before_the_build_fails(local_settings, owner):
    project, _ = nested_project(owner)
    archive = FolderArchive.objects.create(owner=owner, folder=project, expires_at=timezone.now())
    folder_trash(actor=owner, folder=project, origin=TASK)

    built = folder_archive_build(archive_id=archive.pk)

    assert built.status == FolderArchive.Status.FAILED
    assert built.error


def test_a_missing_blob_fails_the_archive_without_crashing(local_settings, owner):
    project, _ = nested_project(owner)
    readme = File.objects.select_related("current_version").get(folder=project, name="readme.txt")
    get_backend().delete(keys=[readme.current_version.key])
    archive = FolderArchive.objects.create(owner=owner, folder=project, expires_at=timezone.now())

    built = folder_archive_build(archive_id=archive.pk)

    assert built.status == FolderArchive.Status.FAILED
    assert list(get_backend().list_prefix(prefix=f"users/{owner.pk}/archives/")) == []


def test_asking_again_while_pending_reuses_the_archive(local_settings, owner, owner_client):
    project = factories.folder(owner, "Project")

    first = owner_client.post(f"/api/v1/folders/{project.pk}/archive/")
    second = owner_client.post(f"/api/v1/folders/{project.pk}/archive/")

    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert FolderArchive.objects.count() == 1


def test_an_expired_archive_is_gone(local_settings, owner, owner_client, django_capture_on_commit_callbacks):
    project, _ = nested_project(owner)
    archive_id = ask_for_archive(owner_client, project, django_capture_on_commit_callbacks).json()["id"]
    FolderArchive.objects.filter(pk=archive_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = owner_client.get(f"/api/v1/archives/{archive_id}/")

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "gone"


def test_the_stranger_can_neither_ask_for_nor_see_an_archive(
    local_settings, owner, owner_client, stranger_client, django_capture_on_commit_callbacks
):
    project, _ = nested_project(owner)
    archive_id = ask_for_archive(owner_client, project, django_capture_on_commit_callbacks).json()["id"]

    assert stranger_client.post(f"/api/v1/folders/{project.pk}/archive/").status_code == 404
    assert stranger_client.get(f"/api/v1/archives/{archive_id}/").status_code == 404
    assert owner_client.get("/api/v1/archives/not-a-uuid/").status_code == 404
    assert owner_client.post("/api/v1/folders/not-a-uuid/archive/").status_code == 404
    assert FolderArchive.objects.filter(owner=owner).count() == 1


# --- entries that would clash once extracted on macOS or Windows ---------------------------


def _zip_names(owner, folder) -> list[str]:
    archive = folder_archive_build(archive_id=folder_archive_start(actor=owner, folder=folder, origin=TASK).pk)
    assert archive.status == FolderArchive.Status.READY, archive.error
    with get_backend().open(key=archive.key) as stream, zipfile.ZipFile(io.BytesIO(stream.read())) as zipped:
        return [info.filename for info in zipped.infolist()]


def test_names_differing_only_in_case_get_counters_in_the_zip(local_settings, owner):
    box = factories.folder(owner, "Box")
    for name in ("Report.txt", "report.txt", "REPORT.TXT"):  # oldest first
        stored_file(owner, name, name.encode(), folder=box)

    names = _zip_names(owner, box)

    # Which name gets a counter is the point here; the zip order is test_name_order's.
    assert sorted(names) == sorted(["Report.txt", "report (2).txt", "REPORT (3).TXT"])


def test_folders_differing_only_in_case_keep_their_contents_apart(local_settings, owner):
    box = factories.folder(owner, "Box")
    upper = factories.folder(owner, "Docs", box)
    lower = factories.folder(owner, "docs", box)
    stored_file(owner, "a.txt", b"upper", folder=upper)
    stored_file(owner, "a.txt", b"lower", folder=lower)
    stored_file(owner, "DOCS", b"a file named like the folders", folder=box)

    names = _zip_names(owner, box)

    assert sorted(names) == sorted(["Docs/", "docs (2)/", "Docs/a.txt", "docs (2)/a.txt", "DOCS (3)"])
    assert len({name.casefold() for name in names}) == len(names)


def test_names_differing_only_in_unicode_normalisation_get_counters(local_settings, owner):
    box = factories.folder(owner, "Box")
    stored_file(owner, "caf\u00e9.txt", b"composed", folder=box)
    legacy = stored_file(owner, "other.txt", b"decomposed", folder=box)
    # Names are stored NFC by the name rule; a row from before it could hold NFD.
    File.objects.filter(pk=legacy.pk).update(name="cafe\u0301.txt")

    names = _zip_names(owner, box)

    # Which name gets a counter is the point here; the zip order is test_name_order's.
    assert sorted(names) == sorted(["caf\u00e9.txt", "cafe\u0301 (2).txt"])
