"""Usage reconciliation: counters recomputed from the rows, drift corrected and recorded."""

from io import StringIO

import pytest
from django.core.management import call_command

from kosha.origin import TASK
from kosha.testing.factories import pending_upload, stored_file, stored_version
from kosha.testing.races import run_after
from plans.models import Usage, UsageDrift
from plans.services import usage_reconcile as usage_reconcile_counters
from storage.places import Place
from storage.services.janitors import usage_reconcile
from storage.services.trash import file_trash
from storage.services.uploads import upload_complete, upload_start
from storage.tasks import usage_reconcile_task
from storage.tests.protocol import assert_usage_consistent

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(local_settings, owner):
    """Two files (one trashed, one with two versions) and one pending upload: 35 bytes
    used, 2 files, 9 bytes and 1 file reserved."""
    stored_version(stored_file(owner, "a.txt", b"a" * 10), b"A" * 15)
    trashed = stored_file(owner, "b.txt", b"b" * 10)
    file_trash(actor=owner, file=trashed, origin=TASK)
    upload_start(actor=owner, place=Place(owner=owner), name="c.txt", size_bytes=9, content_type="text/plain")
    assert_usage_consistent(owner)
    return owner


def test_reconciliation_restores_drifted_counters_and_records_the_drift(stored, collaborator):
    Usage.objects.filter(user=stored).update(used_bytes=999, reserved_bytes=0, file_count=7, reserved_files=3)

    drift = usage_reconcile()

    assert_usage_consistent(stored)
    assert_usage_consistent(collaborator)
    recorded = {row.field: (row.recorded, row.actual) for row in UsageDrift.objects.filter(user=stored)}
    assert recorded == {
        "used_bytes": (999, 35),
        "reserved_bytes": (0, 9),
        "file_count": (7, 2),
        "reserved_files": (3, 1),
    }
    assert len(drift) == 4
    assert not UsageDrift.objects.filter(user=collaborator).exists()


def test_reconciling_twice_records_no_new_drift(stored):
    Usage.objects.filter(user=stored).update(used_bytes=1)
    usage_reconcile(user_id=stored.pk)

    again = usage_reconcile(user_id=stored.pk)

    assert again == []
    assert UsageDrift.objects.count() == 1
    assert_usage_consistent(stored)


def test_a_consistent_account_has_no_drift(stored):
    assert usage_reconcile() == []
    assert not UsageDrift.objects.exists()


def test_the_plans_service_sets_exactly_the_numbers_it_is_given(owner):
    actual = {"used_bytes": 5, "reserved_bytes": 0, "file_count": 1, "reserved_files": 0}

    drift = usage_reconcile_counters(user=owner, actual=actual)

    usage = Usage.objects.get(user=owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count, usage.reserved_files) == (5, 0, 1, 0)
    assert {row.field for row in drift} == {"used_bytes", "file_count"}


def test_the_command_and_the_task_reconcile(stored):
    Usage.objects.filter(user=stored).update(file_count=40)
    out = StringIO()

    call_command("usage_reconcile", "--user", str(stored.pk), stdout=out)

    assert f"{stored.pk}\tfile_count\t40 -> 2" in out.getvalue()
    assert "Corrected 1 counter(s)." in out.getvalue()
    Usage.objects.filter(user=stored).update(used_bytes=0)
    assert usage_reconcile_task() == 1
    assert_usage_consistent(stored)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_upload_completing_during_reconciliation_is_not_corrected_away(local_settings, owner):
    """The janitor counts under the Usage lock: a completion racing it waits for the lock
    and is counted after, instead of being "corrected" back to the stale numbers."""
    started = pending_upload(owner, "late.txt", b"hello")

    # The completion comes right after the janitor has counted, and must wait for its lock.
    with run_after(
        "storage.services.janitors.usage_actual_for_user",
        lambda: upload_complete(actor=owner, upload=started, origin=TASK),
        in_thread=True,
    ):
        drift = usage_reconcile(user_id=owner.pk)

    assert drift == []
    assert not UsageDrift.objects.exists()
    assert_usage_consistent(owner)
    assert Usage.objects.get(user=owner).used_bytes == 5
