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
from storage.services.uploads import batch_record, upload_abort, upload_complete, upload_start
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

    # The first to insert the name creates the file; the others' inserts wait for it on
    # the unique index, then find the file and become its versions (storage/locks.py):
    # no duplicate names, no lost upload.
    assert not [result for result in results if isinstance(result, Exception)], results
    assert len({version.file_id for version in results}) == 1
    assert sorted(version.number for version in results) == [1, 2, 3, 4]
    assert_usage_consistent(owner)


def test_a_name_taken_between_a_batchs_check_and_its_insert_fails_no_other_file(local_settings, owner):
    uploads = [pending_upload(owner, f"b{number}.txt", b"w" * SIZE) for number in range(4)]
    # b3.txt refuses a taken name (on_conflict "fail"); the others become a version of it.
    UploadSession.objects.filter(pk=uploads[3].pk).update(on_conflict=UploadSession.OnConflict.FAIL)
    uploads[3].on_conflict = UploadSession.OnConflict.FAIL

    def appears():
        # Files of two of the batch's names, committed on another connection after the
        # batch checked the names and before it inserts its files: the unique live-name
        # constraint is what stops a second live "b1.txt".
        return [File.objects.create(owner=owner, name=name, content_type="text/plain") for name in ("b1.txt", "b3.txt")]

    with run_after("storage.services.uploads.batch_record._names_taken", appears, in_thread=True) as race:
        results = uploads_complete_batch(actor=owner, uploads=uploads, origin=TASK)

    # The batch is recorded again once it failed on the name, with nothing of the first
    # attempt kept: each file as its on_conflict says, one refusal for one file only.
    assert race.fired
    assert [results[upload.pk].file.name for upload in uploads[:3]] == ["b0.txt", "b1.txt", "b2.txt"]
    assert results[uploads[1].pk].file_id == race.result[0].pk
    assert isinstance(results[uploads[3].pk], NameTaken)
    assert File.objects.filter(owner=owner, deleted_at__isnull=True).count() == 4
    statuses = dict(UploadSession.objects.filter(owner=owner).values_list("id", "status"))
    assert [statuses[upload.pk] for upload in uploads] == ["completed", "completed", "completed", "failed"]
    assert FileVersion.objects.filter(file__owner=owner).count() == 3
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count, usage.reserved_bytes, usage.reserved_files) == (3 * SIZE, 2, 0, 0)


def test_a_batch_whose_names_are_taken_again_on_its_retry_records_each_upload_alone(local_settings, owner, monkeypatch):
    uploads = [pending_upload(owner, f"c{number}.txt", b"w" * SIZE) for number in range(4)]
    original = batch_record._names_taken
    appeared = []

    def names_taken_then_a_file_appears(items):
        # Each of the first two attempts checks the names, then (committed on another
        # connection) a file takes one of them before the attempt inserts its files.
        taken = original(items)
        if len(appeared) < 2:
            name = f"c{len(appeared) + 1}.txt"
            created = run_concurrently(
                1, lambda _: File.objects.create(owner=owner, name=name, content_type="text/plain")
            )
            appeared.append(created[0])
        return taken

    monkeypatch.setattr(batch_record, "_names_taken", names_taken_then_a_file_appears)

    results = uploads_complete_batch(actor=owner, uploads=uploads, origin=TASK)

    assert [file.name for file in appeared] == ["c1.txt", "c2.txt"]
    assert [results[upload.pk].file.name for upload in uploads] == ["c0.txt", "c1.txt", "c2.txt", "c3.txt"]
    assert [results[upload.pk].file_id for upload in uploads[1:3]] == [file.pk for file in appeared]
    assert set(UploadSession.objects.filter(owner=owner).values_list("status", flat=True)) == {"completed"}
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count, usage.reserved_bytes, usage.reserved_files) == (4 * SIZE, 2, 0, 0)
