"""One owner's completes side by side, on PostgreSQL (storage/locks.py, issue 12): a
complete holds the owner's space lock shared and the Usage row only from the counters'
UPDATE to its commit, so another complete of the same owner records meanwhile; what the
old first-taken Usage lock guaranteed still holds: one live file per name with the
outcome each on_conflict policy promises, and the plan's file count at its edge."""

import pytest

from kosha.errors import NameTaken, TooManyFiles
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.races import run_after, run_concurrently
from plans.models import Plan
from plans.services import usage_set_plan
from storage.backends import get_backend
from storage.models import File, UploadSession
from storage.places import Place
from storage.services.trash import file_trash, trash_delete
from storage.services.uploads import upload_complete, upload_start
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DATA = b"q" * 1000


def _sent(owner, name: str, on_conflict: str = "version") -> UploadSession:
    """A started upload whose bytes are in the store, not completed."""
    started = upload_start(
        actor=owner, place=Place(owner=owner), name=name, size_bytes=len(DATA), on_conflict=on_conflict
    )
    get_backend().put_bytes(key=started.upload.key, data=DATA, content_type="application/octet-stream")
    return started.upload


def test_a_complete_records_while_another_of_the_same_owner_is_still_in_its_transaction(local_settings, owner):
    first, second = _sent(owner, "first.bin"), _sent(owner, "second.bin")

    def other_complete():
        version = upload_complete(actor=owner, upload=second, origin=TASK)
        # Read on this thread's connection: the first complete has not committed yet.
        first_status = UploadSession.objects.values_list("status", flat=True).get(pk=first.pk)
        return version, first_status

    # The second complete runs (on its own connection) while the first is between its
    # name check and its insert, inside its transaction. Under the old order it waited
    # there for the first's Usage row lock until the first committed.
    with run_after("storage.services.recording._name_for", other_complete, in_thread=True) as race:
        recorded = upload_complete(actor=owner, upload=first, origin=TASK)

    version, first_status_meanwhile = race.result
    assert version.file.name == "second.bin"
    assert first_status_meanwhile == UploadSession.Status.PENDING
    assert recorded.file.name == "first.bin"
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count, usage.reserved_bytes, usage.reserved_files) == (2 * len(DATA), 2, 0, 0)
    assert_usage_consistent(owner)


@pytest.mark.parametrize(
    ("policy", "names", "numbers"),
    [
        ("version", ["report.txt"], [1, 2]),
        ("rename", ["report (2).txt", "report.txt"], [1, 1]),
    ],
)
def test_a_name_a_concurrent_complete_inserted_first_gets_what_the_policy_says(
    local_settings, owner, policy, names, numbers
):
    first, second = _sent(owner, "report.txt"), _sent(owner, "report.txt", on_conflict=policy)

    # The second complete checks the name while the first's new file is inserted but not
    # committed: it finds the name free, its insert waits for the first's transaction on
    # the unique index, then it chooses again, as if it had come second.
    with run_after(
        "storage.services.recording.row_insert_unless_taken",
        lambda: upload_complete(actor=owner, upload=second, origin=TASK),
        in_thread=True,
    ) as race:
        recorded = upload_complete(actor=owner, upload=first, origin=TASK)

    assert recorded.number == 1
    live = File.objects.filter(owner=owner, deleted_at__isnull=True)
    assert sorted(live.values_list("name", flat=True)) == names
    assert sorted([recorded.number, race.result.number]) == numbers
    assert set(UploadSession.objects.filter(owner=owner).values_list("status", flat=True)) == {"completed"}
    assert_usage_consistent(owner)


def test_a_name_a_concurrent_complete_inserted_first_fails_the_one_that_said_fail(local_settings, owner):
    first, second = _sent(owner, "report.txt"), _sent(owner, "report.txt", on_conflict="fail")

    def other_complete():
        try:
            return upload_complete(actor=owner, upload=second, origin=TASK)
        except NameTaken as exc:
            return exc

    with run_after("storage.services.recording.row_insert_unless_taken", other_complete, in_thread=True) as race:
        upload_complete(actor=owner, upload=first, origin=TASK)

    assert isinstance(race.result, NameTaken)
    assert File.objects.filter(owner=owner).count() == 1
    second.refresh_from_db()
    assert second.status == UploadSession.Status.FAILED
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count, usage.reserved_bytes, usage.reserved_files) == (len(DATA), 1, 0, 0)
    assert_usage_consistent(owner)


def test_two_completes_that_each_need_a_file_slot_at_the_plans_edge_record_exactly_one(local_settings, owner):
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="two", name="Two files", storage_bytes=10**6, max_files=2, max_file_bytes=10**6, versions_kept=5
        ),
    )
    a = factories.stored_file(owner, "a.txt", b"a")
    b = factories.stored_file(owner, "b.txt", b"b")
    # New versions of live files: they reserve no file slot.
    uploads = [_sent(owner, "a.txt"), _sent(owner, "b.txt")]
    assert usage_of(owner).reserved_files == 0
    # Both files go: each upload now becomes a new file, needing a slot it did not
    # reserve; after the purge of one of them the plan has room for exactly one.
    file_trash(actor=owner, file=a, origin=TASK)
    file_trash(actor=owner, file=b, origin=TASK)
    a.refresh_from_db()
    trash_delete(actor=owner, item=a, origin=TASK)
    assert usage_of(owner).file_count == 1

    results = run_concurrently(2, lambda i: upload_complete(actor=owner, upload=uploads[i], origin=TASK))

    refused = [result for result in results if isinstance(result, TooManyFiles)]
    recorded = [result for result in results if not isinstance(result, Exception)]
    assert (len(recorded), len(refused)) == (1, 1), results
    statuses = sorted(UploadSession.objects.filter(pk__in=[u.pk for u in uploads]).values_list("status", flat=True))
    assert statuses == ["completed", "failed"]
    usage = usage_of(owner)
    assert (usage.file_count, usage.reserved_bytes, usage.reserved_files) == (2, 0, 0)
    assert_usage_consistent(owner)
