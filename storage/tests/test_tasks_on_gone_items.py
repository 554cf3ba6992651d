"""Tasks about an item that is deleted forever (purged) while they run: each ends as it
would have had the item been gone before it started (nothing to do), never as a failed
task that django-q2 records and retries."""

import pytest
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.factories import stored_file, stored_version
from kosha.testing.races import run_after, run_before
from storage.backends import get_backend
from storage.models import File, FileVersion, Folder, FolderArchive
from storage.services.archives import folder_archive_build
from storage.services.replication import version_replicate
from storage.services.trash import file_trash, folder_trash, trash_batches_purge
from storage.services.versions import version_sha1_compute
from storage.tasks import file_versions_prune_task
from storage.tests.protocol import assert_usage_consistent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_tiers")]


def purge_file(owner, file_id) -> None:
    trashed = file_trash(actor=owner, file=File.objects.get(pk=file_id), origin=TASK)
    trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])


def test_pruning_a_file_purged_after_the_task_read_its_owner_is_a_no_op(local_settings, owner):
    file = stored_file(owner, "notes.txt", b"1")
    stored_version(file, b"22")

    # The prune reads the file's owner, then locks the file: the purge comes in between.
    with run_before("storage.services.versions.space_lock", lambda: purge_file(owner, file.pk)):
        pruned = file_versions_prune_task(file.pk)

    assert pruned == 0
    assert not File.objects.filter(pk=file.pk).exists()
    assert_usage_consistent(owner)


def test_a_sha1_of_a_version_purged_after_its_head_is_none(local_settings, owner):
    file = stored_file(owner, "notes.txt", b"hello")
    FileVersion.objects.filter(file=file).update(sha1="")  # as after a presigned upload

    # The store answered the HEAD; the object goes before the read.
    with run_after("storage.backends.local.backend.LocalBackend.head", lambda: purge_file(owner, file.pk)):
        found = version_sha1_compute(version_id=file.current_version_id)

    assert found is None
    assert not FileVersion.objects.filter(file_id=file.pk).exists()


def test_replicating_a_version_purged_after_its_head_copies_nothing(local_settings, owner, tmp_path):
    local_settings.KOSHA_REPLICA_STORAGE = "local"
    local_settings.KOSHA_REPLICA_LOCAL_STORAGE_DIR = tmp_path / "replica"
    get_backend.cache_clear()
    file = stored_file(owner, "notes.txt", b"hello")
    version_id, key = file.current_version_id, file.current_version.key

    # The primary answered the HEAD; the object goes before the copy reads it.
    with run_after("storage.backends.local.backend.LocalBackend.head", lambda: purge_file(owner, file.pk)):
        done = version_replicate(version_id)

    assert done is True  # nothing is left to copy
    assert get_backend().replica_head(key=key) is None


def test_a_zip_of_a_folder_purged_while_it_is_built_ends_without_an_error(local_settings, owner):
    project = factories.folder(owner, "Project")
    stored_file(owner, "readme.txt", b"# Project\n", folder=project)
    archive = FolderArchive.objects.create(owner=owner, folder=project, expires_at=timezone.now())

    def purge_folder() -> None:
        trashed = folder_trash(actor=owner, folder=Folder.objects.get(pk=project.pk), origin=TASK)
        trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])

    # The build listed the folder's files; the folder (and the archive's row with it) goes
    # before their bytes are read.
    with run_before("storage.services.archives._write_zip", purge_folder):
        built = folder_archive_build(archive_id=archive.pk)

    assert built is None
    assert not FolderArchive.objects.filter(pk=archive.pk).exists()
