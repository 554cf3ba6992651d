"""A multi-selection downloaded as one zip: POST /api/v1/archives/ with the chosen files and
folders of one folder; the zip holds them with unique names; refusals; reuse and caps as a
folder's zip."""

import io
import zipfile

import pytest

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.clients import api_as
from kosha.testing.factories import stored_file
from storage.backends import get_backend
from storage.models import FolderArchive
from storage.services.archives import MAX_ARCHIVES_BUILDING, archive_download_name
from storage.services.trash import file_trash
from storage.tests.test_archives import nested_project

pytestmark = pytest.mark.django_db


def ask(client, django_capture_on_commit_callbacks, *, files=(), folders=()):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            "/api/v1/archives/",
            {"files": [str(item.pk) for item in files], "folders": [str(item.pk) for item in folders]},
            format="json",
        )


def zipped(archive: FolderArchive) -> zipfile.ZipFile:
    with get_backend().open(key=archive.key) as stream:
        return zipfile.ZipFile(io.BytesIO(stream.read()))


def test_files_and_folders_of_one_folder_zip_together_with_unique_names(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks
):
    project, expected = nested_project(owner)
    notes = stored_file(owner, "notes.txt", b"chosen")
    clash = stored_file(owner, "PROJECT", b"a file named like the chosen folder")
    stored_file(owner, "left-out.txt", b"not chosen")

    response = ask(owner_client, django_capture_on_commit_callbacks, files=[notes, clash], folders=[project])

    assert response.status_code == 202, response.json()
    assert (response.json()["folder"], response.json()["items"]) == (None, 3)
    body = owner_client.get(f"/api/v1/archives/{response.json()['id']}/").json()
    assert body["status"] == "ready", body
    archive = FolderArchive.objects.get(pk=body["id"])
    assert archive_download_name(archive) == "My files (3 items).zip"
    zip_file = zipped(archive)
    files = {info.filename: zip_file.read(info) for info in zip_file.infolist() if not info.is_dir()}
    assert files == {
        **{f"Project/{path}": data for path, data in expected.items()},
        "notes.txt": b"chosen",
        "PROJECT (2)": b"a file named like the chosen folder",
    }
    directories = sorted(info.filename for info in zip_file.infolist() if info.is_dir())
    assert directories == ["Project/", "Project/empty/", "Project/src/", "Project/src/lib/"]


def test_a_selection_inside_a_shared_folder_for_its_editor(
    local_settings, owner, collaborator, django_capture_on_commit_callbacks
):
    team = factories.folder(owner, "Team")
    plan = stored_file(owner, "plan.txt", b"plan", folder=team)
    budget = stored_file(owner, "budget.txt", b"money", folder=team)
    factories.share(owner, team, collaborator, "viewer")
    client = api_as(collaborator)

    response = ask(client, django_capture_on_commit_callbacks, files=[plan, budget])

    assert response.status_code == 202, response.json()
    body = client.get(f"/api/v1/archives/{response.json()['id']}/").json()
    assert body["status"] == "ready"
    archive = FolderArchive.objects.get(pk=body["id"])
    assert archive.owner_id == owner.pk
    assert archive_download_name(archive) == "Team (2 items).zip"
    assert sorted(zipped(archive).namelist()) == ["budget.txt", "plan.txt"]


def test_refusals_change_nothing(local_settings, owner, owner_client, stranger_client, collaborator):
    inbox = factories.folder(owner, "Inbox")
    here = stored_file(owner, "here.txt")
    there = stored_file(owner, "there.txt", folder=inbox)
    binned = stored_file(owner, "binned.txt")
    file_trash(actor=owner, file=binned, origin=TASK)

    def post(client, **body):
        return client.post("/api/v1/archives/", body, format="json")

    assert post(owner_client).status_code == 400
    assert post(owner_client, files=[], folders=[]).json()["error"]["field"] == "items"
    apart = post(owner_client, files=[str(here.pk), str(there.pk)])
    assert apart.status_code == 400
    assert apart.json()["error"]["message"] == "Choose items that are all in one folder."
    assert post(owner_client, files=["not-an-id"]).status_code == 404
    assert post(owner_client, files=[str(binned.pk)]).status_code == 404
    assert post(owner_client, files=[str(here.pk)], folders=[str(here.pk)]).status_code == 404
    assert post(owner_client, files="here").status_code == 400
    # Another person's items are not found, even one beside one's own.
    assert post(stranger_client, files=[str(here.pk)]).status_code == 404
    assert post(stranger_client, files=[str(here.pk), str(there.pk)]).status_code == 404
    # Shared one by one at the top of the owner's space: not zipped together.
    other = stored_file(owner, "other.txt")
    factories.share(owner, here, collaborator)
    factories.share(owner, other, collaborator)
    lonely = post(api_as(collaborator), files=[str(here.pk), str(other.pk)])
    assert lonely.status_code == 400
    assert "one by one" in lonely.json()["error"]["message"]
    assert FolderArchive.objects.count() == 0


def test_the_same_selection_is_reused_and_the_caps_hold(local_settings, owner, owner_client):
    first = stored_file(owner, "first.txt")
    second = stored_file(owner, "second.txt")
    body = {"files": [str(first.pk), str(second.pk)]}

    one = owner_client.post("/api/v1/archives/", body, format="json")
    again = owner_client.post("/api/v1/archives/", {"files": [str(second.pk), str(first.pk)]}, format="json")
    other = owner_client.post("/api/v1/archives/", {"files": [str(first.pk)]}, format="json")

    assert one.json()["id"] == again.json()["id"]
    assert other.json()["id"] != one.json()["id"]
    while FolderArchive.objects.filter(status=FolderArchive.Status.PENDING).count() < MAX_ARCHIVES_BUILDING:
        FolderArchive.objects.create(owner=owner, folder=None, selection={"files": []}, expires_at=first.created_at)
    capped = owner_client.post("/api/v1/archives/", {"files": [str(second.pk)]}, format="json")
    assert capped.status_code == 429
    assert capped.headers["Retry-After"]
