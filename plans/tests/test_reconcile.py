"""Usage reconciliation: counters recomputed from the rows, drift corrected and recorded."""

from io import StringIO

import pytest
from django.core.management import call_command

from plans.models import Usage, UsageDrift
from plans.services import usage_reconcile as usage_reconcile_counters
from storage.backends import get_backend
from storage.services.janitors import usage_reconcile
from storage.services.trash import file_trash
from storage.services.uploads import upload_complete, upload_start
from storage.tasks import usage_reconcile_task
from storage.tests.protocol import assert_usage_consistent

pytestmark = pytest.mark.django_db


def make_file(user, name, data):
    started = upload_start(user=user, name=name, size_bytes=len(data), content_type="text/plain")
    get_backend().put_bytes(key=started.upload.key, data=data, content_type="text/plain")
    return upload_complete(user=user, upload_id=started.upload.pk).file


@pytest.fixture
def stored(local_settings, owner):
    """Two files (one trashed, one with two versions) and one pending upload: 35 bytes
    used, 2 files, 9 bytes and 1 file reserved."""
    make_file(owner, "a.txt", b"a" * 10)
    make_file(owner, "a.txt", b"A" * 15)
    trashed = make_file(owner, "b.txt", b"b" * 10)
    file_trash(user=owner, file_id=trashed.pk)
    upload_start(user=owner, name="c.txt", size_bytes=9, content_type="text/plain")
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
def test_an_upload_completing_during_reconciliation_is_not_corrected_away(local_settings, owner, monkeypatch):
    """The janitor counts under the Usage lock: a completion racing it waits for the lock
    and is counted after, instead of being "corrected" back to the stale numbers."""
    import threading
    import time

    from django.db import connection

    from storage.services import janitors

    started = upload_start(user=owner, name="late.txt", size_bytes=5, content_type="text/plain").upload
    get_backend().put_bytes(key=started.key, data=b"hello", content_type="text/plain")
    errors = []

    def complete():
        try:
            upload_complete(user=owner, upload_id=started.pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    racer = threading.Thread(target=complete)
    real_actual = janitors.usage_actual_for_user

    def actual_then_race(user_id):
        numbers = real_actual(user_id)
        racer.start()
        time.sleep(0.5)  # the completion runs now, and must block on the Usage lock
        return numbers

    monkeypatch.setattr(janitors, "usage_actual_for_user", actual_then_race)

    drift = usage_reconcile(user_id=owner.pk)
    racer.join(timeout=30)

    assert errors == []
    assert drift == []
    assert not UsageDrift.objects.exists()
    assert_usage_consistent(owner)
    assert Usage.objects.get(user=owner).used_bytes == 5
