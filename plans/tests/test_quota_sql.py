"""The reservation's fixed UPDATE (plans.services._reserve_statement) against the ORM
statement it replaces: on every edge of the plan (the largest file, the bytes, the file
slots, each just fitting and just over) both change the same row the same way or leave
it alone, and neither touches another user's row."""

import itertools

import pytest
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from plans.models import Plan, Usage
from plans.services import _reserve_statement, _reserve_values, usage_set_plan

pytestmark = pytest.mark.django_db

KiB = 1024
COUNTERS = ("used_bytes", "reserved_bytes", "file_count", "reserved_files")


def _orm_reserve(*, user_id, size_bytes: int, files: int, largest: int) -> int:
    """The ORM's conditional UPDATE, as quota_reserve ran it before the fixed statement."""
    room = Plan.objects.filter(
        pk=OuterRef("plan_id"),
        max_file_bytes__gte=largest,
        storage_bytes__gte=OuterRef("used_bytes") + OuterRef("reserved_bytes") + size_bytes,
    )
    if files:
        room = room.filter(max_files__gte=OuterRef("file_count") + OuterRef("reserved_files") + files)
    return Usage.objects.filter(Exists(room), user_id=user_id).update(
        reserved_bytes=F("reserved_bytes") + size_bytes,
        reserved_files=F("reserved_files") + files,
        updated_at=timezone.now(),
    )


def _fixed_reserve(*, user_id, size_bytes: int, files: int, largest: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            _reserve_statement(with_files=bool(files)),
            _reserve_values(user_id=user_id, size_bytes=size_bytes, files=files, largest=largest),
        )
        return cursor.rowcount


def _outcome(reserve, user, other, **request) -> tuple[int, tuple, tuple]:
    """What `reserve` does to the rows, rolled back afterwards: (rows changed, the user's
    counters, the other user's counters)."""
    with transaction.atomic():
        changed = reserve(user_id=user.pk, **request)
        mine = Usage.objects.values_list(*COUNTERS).get(user=user)
        theirs = Usage.objects.values_list(*COUNTERS).get(user=other)
        transaction.set_rollback(True)
    return changed, mine, theirs


def test_the_fixed_update_changes_exactly_what_the_orms_changes(owner, stranger):
    plan = Plan.objects.create(
        code="edge", name="Edge", storage_bytes=10 * KiB, max_files=3, max_file_bytes=6 * KiB, position=9
    )
    usage_set_plan(user=owner, plan=plan)
    usage_set_plan(user=stranger, plan=plan)
    # 4 KiB used and 2 reserved, 1 file and 1 slot held: 4 KiB and 1 file slot left.
    Usage.objects.filter(user=owner).update(used_bytes=4 * KiB, reserved_bytes=2 * KiB, file_count=1, reserved_files=1)
    sizes = [0, 4 * KiB - 1, 4 * KiB, 4 * KiB + 1]
    largest = [None, 6 * KiB, 6 * KiB + 1]
    requests = [
        {"size_bytes": size, "files": files, "largest": size if big is None else big}
        for size, files, big in itertools.product(sizes, (0, 1, 2), largest)
    ]
    outcomes = set()

    for request in requests:
        fixed = _outcome(_fixed_reserve, owner, stranger, **request)
        assert fixed == _outcome(_orm_reserve, owner, stranger, **request), request
        outcomes.add(fixed[0])

    assert outcomes == {0, 1}  # both fitting and refused requests were among them
    assert Usage.objects.values_list(*COUNTERS).get(user=owner) == (4 * KiB, 2 * KiB, 1, 1)


def test_the_fixed_update_reserves_for_a_user_given_by_id(owner):
    usage_set_plan(user=owner, plan=Plan.objects.get(code="free"))

    with transaction.atomic():
        assert _fixed_reserve(user_id=owner.pk, size_bytes=KiB, files=1, largest=KiB) == 1

    usage = Usage.objects.get(user=owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (KiB, 1)
    assert abs((timezone.now() - usage.updated_at).total_seconds()) < 60
