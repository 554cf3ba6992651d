"""The catch-up sweeps (storage.services.followups) for the work a recorded change leaves
to a task after commit: with the broker down at the complete, a version's SHA-1 and
thumbnail, a file's prune and a folder zip's build are never queued; the sweeps do them
(or fail the zip) later, once, and racing the tasks does no harm."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from kosha.testing.factories import folder, stored_file, stored_version
from kosha.testing.races import run_before
from plans.models import Plan
from plans.services import usage_set_plan
from storage import tasks
from storage.backends import BackendError, get_backend
from storage.models import FileVersion, FolderArchive
from storage.services.archives import (
    ARCHIVE_STALLED_ERROR,
    MAX_ARCHIVES_BUILDING,
    archive_build_limit,
    archives_stalled_fail,
)
from storage.services.followups import files_prune_sweep, versions_followups_sweep
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db

NOW = timedelta(0)  # a grace of none: what was just recorded is due


def _png(size=(64, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color=(20, 20, 220)).save(out, format="PNG")
    return out.getvalue()


def _recorded_with_the_broker_down(request, django_capture_on_commit_callbacks, *args, **kwargs) -> FileVersion:
    """stored_file with the broker down when its after-commit tasks are enqueued."""
    request.getfixturevalue("broker_down")
    with django_capture_on_commit_callbacks(execute=True):
        file = stored_file(*args, **kwargs)
    return FileVersion.objects.get(pk=file.current_version_id)


# --- SHA-1 and thumbnail -----------------------------------------------------------------------


def test_a_sha1_lost_with_the_broker_down_is_computed_by_the_sweep_once_the_grace_is_past(
    local_settings, owner, request, django_capture_on_commit_callbacks
):
    version = _recorded_with_the_broker_down(request, django_capture_on_commit_callbacks, owner, "notes.txt", b"hello")
    assert version.sha1 == ""

    assert versions_followups_sweep() == 0  # within the grace: the task may still run
    assert versions_followups_sweep(grace=NOW) == 1

    version.refresh_from_db()
    assert version.sha1 == hashlib.sha1(b"hello").hexdigest()  # noqa: S324 - what WebDAV clients compare
    assert version.followups_swept_at is not None


def test_an_image_whose_thumbnail_task_was_lost_gets_its_thumbnail_from_the_sweep(
    local_settings, owner, request, django_capture_on_commit_callbacks
):
    version = _recorded_with_the_broker_down(
        request, django_capture_on_commit_callbacks, owner, "photo.png", _png(), content_type="image/png"
    )
    assert version.thumbnail_key == ""

    assert versions_followups_sweep(grace=NOW) == 1

    version.refresh_from_db()
    assert version.thumbnail_key and (version.width, version.height) == (64, 32)
    assert get_backend().head(key=version.thumbnail_key) is not None
    assert version.sha1 == hashlib.sha1(_png()).hexdigest()  # noqa: S324


def test_a_broken_image_is_swept_once_and_not_read_again(local_settings, owner, monkeypatch):
    version = FileVersion.objects.get(
        pk=stored_file(owner, "broken.png", b"not a png", content_type="image/png").current_version_id
    )
    versions_followups_sweep(grace=NOW)
    version.refresh_from_db()
    assert version.thumbnail_key == "" and version.sha1 and version.followups_swept_at is not None
    opened = []
    monkeypatch.setattr(type(get_backend()), "open", lambda self, *, key: opened.append(key))

    assert versions_followups_sweep(grace=NOW) == 0

    assert opened == []


def test_a_version_whose_object_is_missing_is_swept_once_without_a_sha1(local_settings, owner):
    version = FileVersion.objects.get(pk=stored_file(owner, "gone.txt", b"x").current_version_id)
    get_backend().delete(keys=[version.key])

    assert versions_followups_sweep(grace=NOW) == 1
    assert versions_followups_sweep(grace=NOW) == 0

    version.refresh_from_db()
    assert version.sha1 == "" and version.followups_swept_at is not None


def test_versions_that_have_their_sha1_and_thumbnail_are_not_in_the_sweep(
    local_settings, owner, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):  # the tasks run (synchronously)
        stored_file(owner, "notes.txt", b"hello")
        stored_file(owner, "photo.png", _png(), content_type="image/png")

    with django_assert_num_queries(1):  # the versions due (none: the partial index is empty)
        assert versions_followups_sweep(grace=NOW) == 0


@pytest.mark.parametrize("count", [1, 3])
def test_the_sweep_takes_a_bounded_number_of_queries_per_version(
    local_settings, owner, count, django_assert_num_queries
):
    for number in range(count):
        stored_file(owner, f"photo {number}.png", _png(), content_type="image/png")

    # 1 the versions due; per version: its claim, its SHA-1's read and UPDATE, its
    # thumbnail's read and UPDATE.
    with django_assert_num_queries(1 + 5 * count):
        assert versions_followups_sweep(grace=NOW) == count


def test_the_sweep_takes_at_most_its_batch_oldest_first(local_settings, owner):
    files = [stored_file(owner, f"{number}.txt", str(number).encode()) for number in range(3)]

    assert versions_followups_sweep(grace=NOW, limit=2) == 2

    swept = {
        file.name: bool(FileVersion.objects.get(pk=file.current_version_id).sha1)
        for file in files  # created in this order
    }
    assert swept == {"0.txt": True, "1.txt": True, "2.txt": False}


def test_a_store_down_stops_the_sweep_and_leaves_the_version_for_the_next_run(local_settings, owner, monkeypatch):
    version = FileVersion.objects.get(pk=stored_file(owner, "notes.txt", b"hello").current_version_id)
    backend_type = type(get_backend())
    real_head = backend_type.head

    def head_down(self, *, key):
        raise BackendError("the store is down")

    monkeypatch.setattr(backend_type, "head", head_down)
    assert versions_followups_sweep(grace=NOW) == 0
    version.refresh_from_db()
    assert version.sha1 == "" and version.followups_swept_at is None

    monkeypatch.setattr(backend_type, "head", real_head)
    assert versions_followups_sweep(grace=NOW) == 1
    version.refresh_from_db()
    assert version.sha1 == hashlib.sha1(b"hello").hexdigest()  # noqa: S324


class _WorkerKilled(BaseException):
    """Q_CLUSTER's timeout killing the worker mid-read: nothing after it runs in the sweep."""


def test_a_version_whose_work_never_ends_is_tried_once_and_holds_no_other_back(local_settings, owner, monkeypatch):
    stuck, later = (
        FileVersion.objects.get(pk=stored_file(owner, name, b"x").current_version_id)
        for name in ("huge.bin", "notes.txt")  # stuck is the older
    )
    backend_type = type(get_backend())
    real_open = backend_type.open
    opened = []

    def open_killed(self, *, key):
        if key == stuck.key:  # an object too large to read within the worker's timeout
            opened.append(key)
            raise _WorkerKilled
        return real_open(self, key=key)

    monkeypatch.setattr(backend_type, "open", open_killed)
    with pytest.raises(_WorkerKilled):
        versions_followups_sweep(grace=NOW)

    assert versions_followups_sweep(grace=NOW) == 1  # the next run: the others, not stuck again
    assert versions_followups_sweep(grace=NOW) == 0

    later.refresh_from_db()
    assert later.sha1 == hashlib.sha1(b"x").hexdigest()  # noqa: S324
    assert opened == [stuck.key]


def test_a_run_overlapping_another_skips_the_version_it_is_reading(local_settings, owner, monkeypatch):
    version = FileVersion.objects.get(pk=stored_file(owner, "notes.txt", b"hello").current_version_id)
    backend_type = type(get_backend())
    real_open = backend_type.open
    opened = []

    def open_counted(self, *, key):
        opened.append(key)
        return real_open(self, key=key)

    monkeypatch.setattr(backend_type, "open", open_counted)
    overlapping = []
    # The next scheduled run starts while this one is at the version (a run may last
    # Q_TIMEOUT, the schedule is every 5 minutes).
    with run_before(
        "storage.services.followups.version_sha1_compute",
        lambda: overlapping.append(versions_followups_sweep(grace=NOW)),
    ):
        assert versions_followups_sweep(grace=NOW) == 1

    assert overlapping == [0]
    assert opened == [version.key]  # read once


def test_the_sweep_racing_the_tasks_makes_one_sha1_and_one_thumbnail(local_settings, owner):
    version = FileVersion.objects.get(
        pk=stored_file(owner, "photo.png", _png(), content_type="image/png").current_version_id
    )

    # The tasks run between the sweep's read of the versions due and its own work.
    with (
        run_before("storage.services.followups.version_sha1_compute", lambda: tasks.version_sha1_task(str(version.pk))),
        run_before(
            "storage.services.followups.version_thumbnail_make", lambda: tasks.version_thumbnail_task(str(version.pk))
        ),
    ):
        assert versions_followups_sweep(grace=NOW) == 1

    made = FileVersion.objects.get(pk=version.pk)
    assert made.sha1 == hashlib.sha1(_png()).hexdigest()  # noqa: S324
    assert made.thumbnail_key and get_backend().head(key=made.thumbnail_key) is not None
    thumbnails = [
        listed.key for listed in get_backend().list_prefix(prefix=f"users/{owner.pk}/") if "thumb" in listed.key
    ]
    assert thumbnails == [made.thumbnail_key]


# --- prune -------------------------------------------------------------------------------------


def _keep_two(owner) -> None:
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="two", name="Two", storage_bytes=10**6, max_files=10, max_file_bytes=10**6, versions_kept=2
        ),
    )


def test_a_prune_lost_with_the_broker_down_is_done_by_the_sweep(
    local_settings, owner, request, django_capture_on_commit_callbacks
):
    _keep_two(owner)
    file = stored_file(owner, "notes.txt", b"1")
    stored_version(file, b"22")
    request.getfixturevalue("broker_down")
    with django_capture_on_commit_callbacks(execute=True):
        newest = stored_version(file, b"333")  # its prune task is never queued
    assert file.versions.count() == 3

    assert files_prune_sweep() == 1

    assert sorted(file.versions.values_list("number", flat=True)) == [2, 3]
    assert file.versions.filter(pk=newest.pk).exists()
    assert usage_of(owner).used_bytes == 5
    assert_usage_consistent(owner)
    assert files_prune_sweep() == 0


def test_the_prune_sweep_reads_once_when_no_file_is_over_its_plan(local_settings, owner, django_assert_num_queries):
    _keep_two(owner)
    stored_version(stored_file(owner, "notes.txt", b"1"), b"22")

    with django_assert_num_queries(1):  # the files over their plan's versions (none)
        assert files_prune_sweep() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_the_prune_sweep_takes_a_bounded_number_of_queries_per_file(
    local_settings, owner, count, django_assert_num_queries
):
    _keep_two(owner)
    for number in range(count):
        stored_version(stored_version(stored_file(owner, f"{number}.txt", b"1"), b"22").file, b"333")

    # 1 the files over their plan; per file, file_versions_prune's 13: its owner, the
    # savepoint, the space lock, the file's lock, the plan's count, its versions, the
    # delete's 4 (its collector's read, the file's and an upload session's references
    # cleared, the rows), the usage credit's 2 (the lock, the UPDATE), the release.
    with django_assert_num_queries(1 + 13 * count):
        assert files_prune_sweep() == count

    assert_usage_consistent(owner)


def test_the_prune_sweep_racing_the_prune_task_deletes_each_version_once(local_settings, owner):
    _keep_two(owner)
    file = stored_file(owner, "notes.txt", b"1")
    stored_version(stored_version(file, b"22").file, b"333")

    # The task prunes the file between the sweep's read and its own prune.
    with run_before(
        "storage.services.followups.file_versions_prune", lambda: tasks.file_versions_prune_task(file.pk)
    ) as race:
        assert files_prune_sweep() == 0

    assert race.result == 1
    assert sorted(file.versions.values_list("number", flat=True)) == [2, 3]
    assert usage_of(owner).used_bytes == 5
    assert_usage_consistent(owner)


def test_a_plan_lowered_since_the_last_version_is_applied_by_the_prune_sweep(local_settings, owner):
    file = stored_file(owner, "notes.txt", b"1")
    stored_version(stored_version(file, b"22").file, b"333")
    assert file.versions.count() == 3

    _keep_two(owner)
    assert files_prune_sweep() == 1

    assert sorted(file.versions.values_list("number", flat=True)) == [2, 3]


# --- folder zips -------------------------------------------------------------------------------


def _zip_asked_with_the_broker_down(client, folder_id, request, django_capture_on_commit_callbacks) -> FolderArchive:
    request.getfixturevalue("broker_down")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/folders/{folder_id}/archive/")
    assert response.status_code == 202, response.content
    return FolderArchive.objects.get(pk=response.json()["id"])


def _asked_ago(archive: FolderArchive, age: timedelta) -> None:
    FolderArchive.objects.filter(pk=archive.pk).update(created_at=timezone.now() - age)


def test_a_zip_whose_build_was_never_queued_is_failed_once_no_build_can_be_running(
    local_settings, owner, owner_client, request, django_capture_on_commit_callbacks
):
    docs = folder(owner, "Docs")
    stored_file(owner, "a.txt", b"alpha", folder=docs)
    archive = _zip_asked_with_the_broker_down(owner_client, docs.pk, request, django_capture_on_commit_callbacks)
    _asked_ago(archive, archive_build_limit() - timedelta(minutes=1))
    assert archives_stalled_fail() == 0  # a build may still be running

    _asked_ago(archive, archive_build_limit() + timedelta(minutes=1))
    assert tasks.archives_stalled_fail_task() == 1

    answer = owner_client.get(f"/api/v1/archives/{archive.pk}/").json()
    assert (answer["status"], answer["error"]) == ("failed", ARCHIVE_STALLED_ERROR)


def test_stalled_zips_no_longer_hold_the_owners_builds_at_their_cap(
    local_settings, owner, owner_client, request, django_capture_on_commit_callbacks
):
    folders = [folder(owner, f"F{number}") for number in range(MAX_ARCHIVES_BUILDING + 1)]
    for place in folders[:MAX_ARCHIVES_BUILDING]:
        archive = _zip_asked_with_the_broker_down(owner_client, place.pk, request, django_capture_on_commit_callbacks)
        _asked_ago(archive, archive_build_limit() + timedelta(minutes=1))
    assert owner_client.post(f"/api/v1/folders/{folders[-1].pk}/archive/").status_code == 429

    assert archives_stalled_fail() == MAX_ARCHIVES_BUILDING

    assert owner_client.post(f"/api/v1/folders/{folders[-1].pk}/archive/").status_code == 202


def test_a_zip_built_before_the_sweep_stays_ready(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    docs = folder(owner, "Docs")
    stored_file(owner, "a.txt", b"alpha", folder=docs)
    with django_capture_on_commit_callbacks(execute=True):  # built: tasks run inline in the tests
        response = owner_client.post(f"/api/v1/folders/{docs.pk}/archive/")
    archive = FolderArchive.objects.get(pk=response.json()["id"])
    _asked_ago(archive, archive_build_limit() + timedelta(minutes=1))

    with django_assert_num_queries(1):  # one conditional UPDATE
        assert archives_stalled_fail() == 0

    archive.refresh_from_db()
    assert archive.status == FolderArchive.Status.READY
