"""Quota under concurrency, on PostgreSQL: the Usage row lock is the only thing that
stops twenty simultaneous initiations from overrunning the plan."""

import pytest
from django.db import connection

from kosha.errors import NameTaken, QuotaExceeded
from kosha.origin import TASK
from kosha.testing.factories import pending_upload
from kosha.testing.races import run_after, run_concurrently
from plans.models import Plan
from plans.services import usage_set_plan
from storage.backends import get_backend
from storage.models import File, FileVersion, UploadSession
from storage.places import Place
from storage.services.uploads import upload_abort, upload_complete, upload_start
from storage.services.uploads.batch import uploads_complete_batch
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SIZE = 1000


def test_twenty_concurrent_initiations_with_room_for_five_reserve_exactly_five(local_settings, owner):
    assert connection.vendor == "postgresql"
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="room5",
            name="Room for five",
            storage_bytes=5 * SIZE,
            max_files=100,
            max_file_bytes=SIZE,
            versions_kept=5,
        ),
    )

    results = run_concurrently(
        20,
        lambda i: upload_start(
            actor=owner,
            place=Place(owner=owner),
            name=f"file-{i}.bin",
            size_bytes=SIZE,
            content_type="application/octet-stream",
        ),
    )

    started = [result for result in results if not isinstance(result, Exception)]
    refused = [result for result in results if isinstance(result, QuotaExceeded)]
    assert len(started) == 5
    assert len(refused) == 15
    usage = usage_of(owner)
    assert (usage.reserved_bytes, usage.reserved_files, usage.used_bytes) == (5 * SIZE, 5, 0)
    assert UploadSession.objects.filter(owner=owner).count() == 5

    # Then: three complete (bytes written straight to the store), two abort.
    backend = get_backend()
    for result in started:
        backend.put_bytes(key=result.upload.key, data=b"x" * SIZE, content_type="application/octet-stream")
    outcomes = run_concurrently(
        5,
        lambda i: (
            upload_complete(actor=owner, upload=started[i].upload, origin=TASK)
            if i < 3
            else upload_abort(upload=started[i].upload)
        ),
    )

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count, usage.reserved_files) == (3 * SIZE, 0, 3, 0)
    assert_usage_consistent(owner)


def test_concurrent_completes_of_one_upload_record_one_version(local_settings, owner):
    upload = pending_upload(owner, "same.bin", b"y" * SIZE)

    results = run_concurrently(6, lambda i: upload_complete(actor=owner, upload=upload, origin=TASK))

    assert not [result for result in results if isinstance(result, Exception)], results
    assert len({result.pk for result in results}) == 1
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count, usage.reserved_bytes) == (SIZE, 1, 0)
    assert_usage_consistent(owner)


def test_concurrent_same_name_uploads_become_versions_of_one_file(local_settings, owner):
    uploads = [pending_upload(owner, "report.txt", b"z" * SIZE) for _ in range(4)]

    results = run_concurrently(4, lambda i: upload_complete(actor=owner, upload=uploads[i], origin=TASK))

    # Completes of one owner serialise on the Usage row lock, so the first creates the
    # file and the rest become its versions: no duplicate names, no lost upload.
    assert not [result for result in results if isinstance(result, Exception)], results
    assert len({version.file_id for version in results}) == 1
    assert sorted(version.number for version in results) == [1, 2, 3, 4]
    assert_usage_consistent(owner)


def test_a_name_taken_between_a_batchs_check_and_its_insert_records_nothing_until_retried(local_settings, owner):
    uploads = [pending_upload(owner, f"b{number}.txt", b"w" * SIZE) for number in range(3)]

    def appears():
        # A file of one of the batch's names, committed on another connection after the
        # batch checked the names and before it inserts its files: the unique live-name
        # constraint is what stops a second live "b1.txt".
        return File.objects.create(owner=owner, name="b1.txt", content_type="text/plain")

    with run_after("storage.services.uploads.batch_record._names_taken", appears, in_thread=True) as race:
        with pytest.raises(NameTaken):
            uploads_complete_batch(actor=owner, uploads=uploads, origin=TASK)

    assert race.fired and race.result.name == "b1.txt"
    assert not FileVersion.objects.filter(file__owner=owner).exists()
    assert set(UploadSession.objects.filter(owner=owner).values_list("status", flat=True)) == {"pending"}
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count, usage.reserved_bytes, usage.reserved_files) == (0, 0, 3 * SIZE, 3)

    retried = uploads_complete_batch(actor=owner, uploads=uploads, origin=TASK)

    # The retry finds the file and, as on_conflict "version" says, adds a version to it.
    assert [retried[upload.pk].file.name for upload in uploads] == ["b0.txt", "b1.txt", "b2.txt"]
    assert retried[uploads[1].pk].file_id == race.result.pk
    assert File.objects.filter(owner=owner, deleted_at__isnull=True).count() == 3
    assert set(UploadSession.objects.filter(owner=owner).values_list("status", flat=True)) == {"completed"}
