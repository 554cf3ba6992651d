"""The conditional reservation under races, on PostgreSQL: quota_reserve takes no
SELECT ... FOR UPDATE, so what keeps it inside the plan is the database evaluating the
UPDATE's condition again on the row a concurrent reservation left."""

import pytest
from django.db import connection, transaction

from kosha.errors import QuotaExceeded, StorageFull, TooManyFiles
from kosha.testing.races import run_after, run_concurrently
from plans import services
from plans.models import Plan, Usage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KiB = 1024


@pytest.fixture
def small_plan(owner):
    plan = Plan.objects.create(
        code="small", name="Small", storage_bytes=10 * KiB, max_files=3, max_file_bytes=8 * KiB, position=9
    )
    services.usage_set_plan(user=owner, plan=plan)
    return plan


def _reserve(owner, size_bytes, files=1):
    try:
        with transaction.atomic():
            services.quota_reserve(user=owner, size_bytes=size_bytes, files=files)
    except QuotaExceeded as exc:
        return exc
    return "reserved"


def _counters(owner):
    row = Usage.objects.get(user=owner)
    return row.used_bytes, row.reserved_bytes, row.file_count, row.reserved_files


def test_a_reservation_that_waited_for_the_row_is_checked_against_what_the_other_left(owner, small_plan):
    assert connection.vendor == "postgresql"

    # The first reservation holds the row (its transaction still open) when the second
    # one's UPDATE arrives and waits; once the first commits, the second's condition is
    # evaluated again on the row as the first left it: 6 + 6 KiB do not fit in 10.
    with (
        run_after("plans.services.quota_reserve", lambda: _reserve(owner, 6 * KiB), in_thread=True) as race,
        transaction.atomic(),
    ):
        services.quota_reserve(user=owner, size_bytes=6 * KiB)

    assert isinstance(race.result, StorageFull)
    assert race.result.details["reserved_bytes"] == 6 * KiB
    assert _counters(owner) == (0, 6 * KiB, 0, 1)


def test_many_reservations_at_once_take_exactly_the_free_file_slots(owner, small_plan):
    results = run_concurrently(12, lambda i: _reserve(owner, 10))

    assert results.count("reserved") == 3
    assert all(isinstance(result, TooManyFiles) for result in results if result != "reserved")
    assert _counters(owner) == (0, 30, 0, 3)


def test_reservations_of_versions_at_once_fill_the_bytes_exactly(owner, small_plan):
    # files=0 (new versions): only the bytes limit applies; 2 KiB each, 10 KiB free.
    results = run_concurrently(9, lambda i: _reserve(owner, 2 * KiB, files=0))

    assert results.count("reserved") == 5
    assert all(isinstance(result, StorageFull) for result in results if result != "reserved")
    assert _counters(owner) == (0, 10 * KiB, 0, 0)
