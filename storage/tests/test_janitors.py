"""Janitors: the orphan sweep and check against both stores, their command and task."""

import os
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kosha.testing import factories
from kosha.testing.factories import stored_file
from storage import keys
from storage.backends import BackendError, get_backend
from storage.backends.s3_direct import http_session_of
from storage.backends.s3_probe import PROBE_PREFIX, store_verifies_checksums
from storage.models import FileVersion, FolderArchive
from storage.places import Place
from storage.services.janitors import orphan_check, orphans_sweep
from storage.services.uploads import upload_abort, upload_start
from storage.tasks import orphan_check_task, orphan_sweep_task
from storage.tests.protocol import assert_usage_consistent

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=25)  # past the default 24-hour grace period


def put(key, data=b"orphan"):
    get_backend().put_bytes(key=key, data=data, content_type="application/octet-stream")
    return key


def stored_keys(prefix="users/"):
    return {listed.key for listed in get_backend().list_prefix(prefix=prefix)}


@pytest.fixture
def world(store, owner):
    """Every kind of referenced object for the owner, plus one unreferenced blob."""
    version = stored_file(owner, "kept.txt").current_version
    thumb = put(keys.thumbnail_key(owner.pk, version.pk, 256), b"webp")
    FileVersion.objects.filter(pk=version.pk).update(thumbnail_key=thumb)
    pending = upload_start(
        actor=owner, place=Place(owner=owner), name="pending.txt", size_bytes=7, content_type="text/plain"
    ).upload
    put(pending.key, b"pending")
    folder = factories.folder(owner, "Zipped")
    archive = FolderArchive.objects.create(
        owner=owner, folder=folder, status=FolderArchive.Status.READY, expires_at=timezone.now() + timedelta(days=1)
    )
    archive_key = put(keys.archive_key(owner.pk, archive.pk), b"zip")
    FolderArchive.objects.filter(pk=archive.pk).update(key=archive_key)
    orphan = put(keys.blob_key(owner.pk), b"nobody points here")
    referenced = {version.key, thumb, pending.key, archive_key}
    return {"referenced": referenced, "orphan": orphan}


def test_sweep_deletes_only_unreferenced_objects_past_the_grace_period(world, owner):
    result = orphans_sweep(dry_run=False, now=timezone.now() + LATER)

    assert [listed.key for listed in result.orphans] == [world["orphan"]]
    assert result.deleted == 1
    assert result.orphan_bytes == len(b"nobody points here")
    assert stored_keys() == world["referenced"]
    assert_usage_consistent(owner)


def test_fresh_unreferenced_objects_survive_the_grace_period(world):
    result = orphans_sweep(dry_run=False)

    assert result.orphans == []
    assert stored_keys() == world["referenced"] | {world["orphan"]}


def test_a_dry_run_reports_and_deletes_nothing(world):
    result = orphans_sweep(now=timezone.now() + LATER)

    assert result.dry_run is True
    assert [listed.key for listed in result.orphans] == [world["orphan"]]
    assert result.deleted == 0
    assert world["orphan"] in stored_keys()


def test_sweep_is_idempotent(world):
    orphans_sweep(dry_run=False, now=timezone.now() + LATER)

    again = orphans_sweep(dry_run=False, now=timezone.now() + LATER)

    assert again.orphans == []
    assert stored_keys() == world["referenced"]


def test_objects_of_a_deleted_user_and_of_no_user_are_swept(store, owner, stranger):
    mine = put(keys.blob_key(owner.pk))
    theirs = put(keys.blob_key(stranger.pk))
    stranger.delete()
    ghost = put(keys.blob_key(uuid.uuid4()))
    not_a_user = put("users/not-a-uuid/blobs/x")

    scoped = orphans_sweep(user_id=owner.pk, dry_run=True, now=timezone.now() + LATER)
    swept = orphans_sweep(dry_run=False, now=timezone.now() + LATER)

    assert [listed.key for listed in scoped.orphans] == [mine]
    assert {listed.key for listed in swept.orphans} == {mine, theirs, ghost, not_a_user}
    assert stored_keys() == set()


def test_a_late_write_to_an_ended_sessions_key_is_swept_without_waiting_out_the_grace(store, owner):
    upload = upload_start(
        actor=owner, place=Place(owner=owner), name="late.txt", size_bytes=4, content_type="text/plain"
    ).upload
    upload_abort(upload=upload)
    late = put(upload.key, b"late")  # what a PUT to the session's URL after the abort leaves
    unknown = put(keys.blob_key(owner.pk))  # no row knows it: maybe a server-side write in flight

    result = orphans_sweep(dry_run=False)

    assert [listed.key for listed in result.orphans] == [late]
    assert stored_keys() == {unknown}


def test_objects_of_a_deleted_user_are_swept_without_waiting_out_the_grace(store, owner, stranger):
    theirs = put(keys.blob_key(stranger.pk))
    stranger.delete()
    mine = put(keys.blob_key(owner.pk))

    result = orphans_sweep(dry_run=False)

    assert [listed.key for listed in result.orphans] == [theirs]
    assert stored_keys() == {mine}


def test_orphan_check_deletes_a_late_write_to_an_ended_sessions_key_at_once(store, owner):
    upload = upload_start(
        actor=owner, place=Place(owner=owner), name="late.txt", size_bytes=4, content_type="text/plain"
    ).upload
    upload_abort(upload=upload)
    late = put(upload.key, b"late")

    assert orphan_check(key=late) is True
    assert stored_keys() == set()


def test_objects_outside_users_are_never_touched(store, owner):
    sentinel = put("health/ready")

    orphans_sweep(dry_run=False, now=timezone.now() + LATER)

    assert orphan_check(key=sentinel, now=timezone.now() + LATER) is False
    assert stored_keys("health/") == {sentinel}


def _probe_dying_before_its_delete(monkeypatch) -> set[str]:
    """The store probe run as a process that dies before deleting its objects (its delete
    fails): the keys it leaves under kosha-probes/."""
    backend = get_backend()

    def died(*, keys):
        raise BackendError("the process died here")

    with monkeypatch.context() as patched:
        patched.setattr(backend, "delete", died)
        store_verifies_checksums(backend, http_session_of(backend.client))
    return stored_keys(PROBE_PREFIX)


def test_the_sweep_deletes_the_objects_of_a_probe_that_died_once_they_are_an_hour_old(s3_settings, owner, monkeypatch):
    left = _probe_dying_before_its_delete(monkeypatch)
    unknown = put(keys.blob_key(owner.pk))  # young, no row knows it: kept by the grace
    assert len(left) == 2  # moto takes both PUTs: the control and the mismatching one

    running = orphans_sweep(dry_run=False)  # a probe this young may still be running
    one_user = orphans_sweep(user_id=owner.pk, dry_run=False, now=timezone.now() + timedelta(minutes=61))
    reported = orphans_sweep(dry_run=True, now=timezone.now() + timedelta(minutes=61))
    assert running.orphans == one_user.orphans == []
    assert stored_keys(PROBE_PREFIX) == left

    swept = orphans_sweep(dry_run=False, now=timezone.now() + timedelta(minutes=61))

    assert {listed.key for listed in reported.orphans} == {listed.key for listed in swept.orphans} == left
    assert (reported.deleted, swept.deleted) == (0, 2)
    assert stored_keys("kosha-probes/") == set()
    assert stored_keys() == {unknown}


def test_the_scheduled_sweep_deletes_stale_probe_objects(local_settings):
    stale, fresh = put(f"{PROBE_PREFIX}stale"), put(f"{PROBE_PREFIX}fresh")
    _age(stale, hours=2)

    assert orphan_sweep_task() == 1
    assert stored_keys(PROBE_PREFIX) == {fresh}


def test_orphan_check_deletes_one_unknown_old_key_and_keeps_referenced_ones(world):
    assert orphan_check(key=world["orphan"]) is False  # still young
    for key in world["referenced"]:
        assert orphan_check(key=key, now=timezone.now() + LATER) is False

    assert orphan_check(key=world["orphan"], now=timezone.now() + LATER) is True
    assert orphan_check(key=world["orphan"], now=timezone.now() + LATER) is False  # already gone
    assert stored_keys() == world["referenced"]


def _age(key, hours=48):
    """Make a local-store object look old (S3 sets Last-Modified itself)."""
    path = get_backend().object_path(key)
    past = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (past, past))


def test_the_command_reports_by_default_and_deletes_with_apply(local_settings, owner):
    orphan = put(keys.blob_key(owner.pk))
    _age(orphan)

    dry = StringIO()
    call_command("orphans_sweep", stdout=dry)
    assert orphan in dry.getvalue()
    assert "Dry run: 1 orphaned object(s)" in dry.getvalue()
    assert orphan in stored_keys()

    applied = StringIO()
    call_command("orphans_sweep", "--apply", "--user", str(owner.pk), stdout=applied)
    assert "Deleted 1 of 1 orphaned object(s)" in applied.getvalue()
    assert stored_keys() == set()


def test_the_scheduled_tasks_apply(local_settings, owner):
    swept, checked = put(keys.blob_key(owner.pk)), put(keys.blob_key(owner.pk))
    _age(swept)
    _age(checked)

    assert orphan_check_task(checked) is True
    assert orphan_sweep_task() == 1
    assert stored_keys() == set()


def test_uploads_expire_command_runs_the_upload_sweep(local_settings, owner):
    upload = upload_start(
        actor=owner, place=Place(owner=owner), name="late.txt", size_bytes=3, content_type="text/plain"
    ).upload
    type(upload).objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    out = StringIO()
    call_command("uploads_expire", stdout=out)

    assert "Expired 1 upload session(s)." in out.getvalue()
    upload.refresh_from_db()
    assert upload.status == "expired"
    assert_usage_consistent(owner)
