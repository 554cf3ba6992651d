"""The quota operations: the only code that changes Usage counters."""

import pytest
from django.db import transaction

from kosha.errors import QuotaExceeded
from plans.models import Plan, Usage
from plans.services import (
    quota_charge,
    quota_commit,
    quota_credit,
    quota_release,
    quota_reserve,
    usage_set_plan,
    usages_move_to_plan,
)

KiB = 1024


@pytest.fixture
def small_plan():
    return Plan.objects.create(
        code="small", name="Small", storage_bytes=10 * KiB, max_files=3, max_file_bytes=6 * KiB, position=9
    )


@pytest.fixture
def usage(owner, small_plan) -> Usage:
    return usage_set_plan(user=owner, plan=small_plan)


def _counters(user) -> tuple[int, int, int, int]:
    row = Usage.objects.get(user=user)
    return row.used_bytes, row.reserved_bytes, row.file_count, row.reserved_files


def _refused(**kwargs) -> QuotaExceeded:
    with pytest.raises(QuotaExceeded) as caught, transaction.atomic():
        quota_reserve(**kwargs)
    return caught.value


def test_a_new_user_lands_on_the_default_plan(owner):
    usage = Usage.objects.select_related("plan").get(user=owner)

    assert usage.plan.is_default
    assert usage.plan.code == "free"
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count, usage.reserved_files) == (0, 0, 0, 0)


def test_reserve_within_the_plan_holds_bytes_and_a_file_slot(owner, usage):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=4 * KiB)

    assert _counters(owner) == (0, 4 * KiB, 0, 1)


def test_reserve_over_storage_is_refused_with_the_numbers_and_changes_nothing(owner, usage):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=5 * KiB)
        quota_commit(user=owner, size_bytes=5 * KiB)
        quota_reserve(user=owner, size_bytes=3 * KiB)
    before = _counters(owner)

    error = _refused(user=owner, size_bytes=3 * KiB)

    assert error.code == "quota_exceeded"
    assert error.status == 413
    assert error.as_dict() == {
        "code": "quota_exceeded",
        "message": error.message,
        "reason": "storage_bytes",
        "size_bytes": 3 * KiB,
        "used_bytes": 5 * KiB,
        "reserved_bytes": 3 * KiB,
        "storage_bytes": 10 * KiB,
        "file_count": 1,
        "reserved_files": 1,
        "max_files": 3,
        "max_file_bytes": 6 * KiB,
    }
    assert _counters(owner) == before


def test_reserve_exactly_up_to_the_limit_is_allowed(owner, usage):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=6 * KiB)
        quota_reserve(user=owner, size_bytes=4 * KiB)

    assert _counters(owner) == (0, 10 * KiB, 0, 2)


def test_reserve_over_the_max_file_size_is_refused(owner, usage):
    error = _refused(user=owner, size_bytes=6 * KiB + 1)

    assert error.code == "quota_exceeded"
    assert error.details["reason"] == "max_file_bytes"
    assert error.details["size_bytes"] == 6 * KiB + 1
    assert error.details["max_file_bytes"] == 6 * KiB
    assert _counters(owner) == (0, 0, 0, 0)


def test_reserve_over_max_files_is_refused(owner, usage):
    with transaction.atomic():
        for _ in range(3):
            quota_reserve(user=owner, size_bytes=KiB)
            quota_commit(user=owner, size_bytes=KiB)

    error = _refused(user=owner, size_bytes=KiB)

    assert error.code == "quota_exceeded"
    assert error.details["reason"] == "max_files"
    assert error.details["file_count"] == 3
    assert error.details["max_files"] == 3
    assert _counters(owner) == (3 * KiB, 0, 3, 0)


def test_pending_reservations_count_against_max_files(owner, usage):
    with transaction.atomic():
        for _ in range(3):
            quota_reserve(user=owner, size_bytes=KiB)

    error = _refused(user=owner, size_bytes=KiB)

    assert error.details["reason"] == "max_files"
    assert _counters(owner) == (0, 3 * KiB, 0, 3)


def test_reserving_a_new_version_takes_no_file_slot(owner, usage):
    with transaction.atomic():
        for _ in range(3):
            quota_reserve(user=owner, size_bytes=KiB)
            quota_commit(user=owner, size_bytes=KiB)

        quota_reserve(user=owner, size_bytes=KiB, files=0)

    assert _counters(owner) == (3 * KiB, KiB, 3, 0)


def test_commit_moves_the_reservation_into_usage(owner, usage):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=4 * KiB)

        quota_commit(user=owner, size_bytes=4 * KiB)

    assert _counters(owner) == (4 * KiB, 0, 1, 0)


def test_release_gives_the_reservation_back(owner, usage):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=4 * KiB)

        quota_release(user=owner, size_bytes=4 * KiB)

    assert _counters(owner) == (0, 0, 0, 0)


def test_charge_adds_usage_within_the_plan(owner, usage):
    with transaction.atomic():
        quota_charge(user=owner, size_bytes=4 * KiB, files=1)

    assert _counters(owner) == (4 * KiB, 0, 1, 0)


def test_charge_over_the_plan_is_refused_and_changes_nothing(owner, usage):
    with transaction.atomic():
        quota_charge(user=owner, size_bytes=6 * KiB, files=1)

    with pytest.raises(QuotaExceeded) as caught, transaction.atomic():
        quota_charge(user=owner, size_bytes=5 * KiB, files=1)

    assert caught.value.code == "quota_exceeded"
    assert caught.value.details["reason"] == "storage_bytes"
    assert _counters(owner) == (6 * KiB, 0, 1, 0)


def test_credit_removes_purged_usage(owner, usage):
    with transaction.atomic():
        quota_charge(user=owner, size_bytes=6 * KiB, files=2)

        quota_credit(user=owner, size_bytes=4 * KiB, files=1)

    assert _counters(owner) == (2 * KiB, 0, 1, 0)


def test_counters_cannot_go_negative(owner, usage):
    # The database's check constraints are the last line against an accounting bug.
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        quota_credit(user=owner, size_bytes=KiB)

    assert _counters(owner) == (0, 0, 0, 0)


def test_moving_to_a_bigger_plan_lets_a_refused_upload_through(owner, usage):
    _refused(user=owner, size_bytes=8 * KiB)

    usage_set_plan(user=owner, plan=Plan.objects.get(code="free"))

    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=8 * KiB)
    assert _counters(owner) == (0, 8 * KiB, 0, 1)


def test_usages_move_to_plan_moves_only_the_given_users(owner, collaborator, stranger, small_plan):
    moved = usages_move_to_plan(user_ids=[owner.pk, collaborator.pk], plan=small_plan)

    assert moved == 2
    assert set(Usage.objects.filter(plan=small_plan).values_list("user_id", flat=True)) == {owner.pk, collaborator.pk}
    assert Usage.objects.get(user=stranger).plan.code == "free"
