"""Quota operations. The only code that changes Usage counters.

A reservation (`quota_reserve`) is one conditional UPDATE: the increment happens only
if the counters after it still fit the plan, checked by the database on the row it
changes (on PostgreSQL a concurrent reservation waits for the row, then the condition is
evaluated again on the row as that one left it), so no reservation can overrun the plan
and none holds the row longer than from its UPDATE to its commit: one user's parallel
uploads do not queue behind each other's SELECT ... FOR UPDATE. The other operations lock
the user's Usage row (SELECT ... FOR UPDATE) inside the caller's transaction, or take the
row the caller already locked with `usage_lock` (`usage=`), so a request locks it once.
The Usage row is the last lock of the project's lock order, which storage/locks.py
writes down (with why): a caller takes it at the end of its transaction.

Every account has its Usage row from the moment it is created (plans/signals.py runs
`usage_create` on every new user, whichever door made it: sign-up, the admin,
createsuperuser, kosha_setup); `storage.services.janitors.usage_reconcile` gives one to
an account that has none (a raw loaddata). Reads and locks never create it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from kosha.errors import FileTooLarge, QuotaExceeded, StorageFull, TooManyFiles
from kosha.sizes import size_text
from plans.hooks import usage_grew
from plans.models import GiB, Plan, Usage, UsageDrift
from plans.selectors import plan_get_default

if TYPE_CHECKING:
    from accounts.models import User

TiB = 1024 * GiB

# S3 refuses objects over 5 TiB, whatever a plan allows.
STORE_MAX_OBJECT_BYTES = 5 * TiB

# The tiers a new installation starts with (operators edit them in the admin afterwards).
DEFAULT_TIERS = [
    # code, name, storage, max files, max file, versions kept, trash days, max share days, default, position
    ("free", "Free", 5 * GiB, 10_000, 2 * GiB, 10, 30, 30, True, 0),
    ("pro", "Pro", 200 * GiB, 500_000, 50 * GiB, 50, 90, 365, False, 1),
    ("max", "Max", 2 * TiB, 5_000_000, 5 * TiB, 100, 180, 3650, False, 2),
]


def usage_lock(*, user: User | uuid.UUID) -> Usage:
    """Lock and return the user's Usage row (with its plan): `user` is a user or its id.
    Call inside atomic(). Locks only: a missing row is Usage.DoesNotExist (see above)."""
    return Usage.objects.select_for_update(of=("self",)).select_related("plan").get(user=user)


def _numbers(usage: Usage) -> dict:
    return {
        "used_bytes": usage.used_bytes,
        "reserved_bytes": usage.reserved_bytes,
        "storage_bytes": usage.plan.storage_bytes,
        "file_count": usage.file_count,
        "reserved_files": usage.reserved_files,
        "max_files": usage.plan.max_files,
        "max_file_bytes": usage.plan.max_file_bytes,
    }


def _check_fits(usage: Usage, *, size_bytes: int, files: int, largest_file_bytes: int | None = None) -> None:
    plan = usage.plan
    largest = size_bytes if largest_file_bytes is None else largest_file_bytes
    if largest > min(plan.max_file_bytes, STORE_MAX_OBJECT_BYTES):
        raise FileTooLarge(
            f"Files on the {plan.name} plan can be at most {size_text(plan.max_file_bytes)}; "
            f"this one is {size_text(largest)}.",
            size_bytes=largest,
            **_numbers(usage),
        )
    if usage.used_bytes + usage.reserved_bytes + size_bytes > plan.storage_bytes:
        free_bytes = max(plan.storage_bytes - usage.used_bytes - usage.reserved_bytes, 0)
        raise StorageFull(
            f"Not enough storage left on your plan: this needs {size_text(size_bytes)} "
            f"and {size_text(free_bytes)} of {size_text(plan.storage_bytes)} is free.",
            size_bytes=size_bytes,
            **_numbers(usage),
        )
    if files and usage.file_count + usage.reserved_files + files > plan.max_files:
        raise TooManyFiles(
            f"The {plan.name} plan holds at most {plan.max_files:,} files.",
            size_bytes=size_bytes,
            **_numbers(usage),
        )


def _announce_growth(usage: Usage, before: int) -> None:
    _announce(user_id=usage.user_id, before=before, after=usage.used_bytes, limit=usage.plan.storage_bytes)


def _announce(*, user_id: uuid.UUID, before: int, after: int, limit: int) -> None:
    # The numbers are taken now, under the Usage lock, so each growth is its own range
    # and a threshold falls in exactly one whatever order the announcements run in; the
    # receivers (notifications' quota thresholds) run after the commit, so a growth that
    # rolls back tells nobody (DESIGN.md: notifications after commit).
    if after > before:
        growth = {"user_id": user_id, "before": before, "after": after, "limit": limit}
        transaction.on_commit(lambda: usage_grew.send(sender=Usage, **growth), robust=True)


# How often a refused conditional reservation is tried again when reading the row shows
# that it fits after all (a release or commit landed between the UPDATE and the read).
_RESERVE_ATTEMPTS = 3


class _Names(NamedTuple):
    """Quoted table and column names of Usage and Plan, for the fixed statements below."""

    usage: str  # Usage's table
    plan: str  # Plan's table

    def column(self, model: type[Usage] | type[Plan], name: str) -> str:
        """The quoted column of a concrete field (never a relation's reverse side)."""
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        return connection.ops.quote_name(field.column)

    def counter(self, name: str) -> str:
        """A Usage column, qualified by its table (`"plans_usage"."used_bytes"`)."""
        return f"{self.usage}.{self.column(Usage, name)}"


def _names() -> _Names:
    quote = connection.ops.quote_name
    return _Names(usage=quote(Usage._meta.db_table), plan=quote(Plan._meta.db_table))


@functools.cache
def _reserve_statement(*, with_files: bool) -> str:
    """The conditional UPDATE of a reservation, written once from the models' tables and
    columns (only names are interpolated; every value is bound): the counters grow only if
    the row still fits the plan after it (the largest file, the bytes and, when `with_files`,
    the file slots), checked by the database on the row it changes. The same statement as
    the ORM's `Usage.objects.filter(Exists(room), user_id=...).update(...)`, without
    compiling it on every start (plans/tests/test_quota_sql.py compares the two)."""
    names = _names()
    usage, plan, column, counter = names.usage, names.plan, names.column, names.counter

    def limit(name: str) -> str:
        return f"p.{column(Plan, name)}"

    files_fit = (
        f" AND {limit('max_files')} >= {counter('file_count')} + {counter('reserved_files')} + %s" if with_files else ""
    )
    return (
        f"UPDATE {usage} SET {column(Usage, 'reserved_bytes')} = {counter('reserved_bytes')} + %s,"  # noqa: S608
        f" {column(Usage, 'reserved_files')} = {counter('reserved_files')} + %s, {column(Usage, 'updated_at')} = %s"
        f" WHERE {counter('user')} = %s AND EXISTS (SELECT 1 FROM {plan} p"
        f" WHERE {limit('id')} = {counter('plan')} AND {limit('max_file_bytes')} >= %s"
        f" AND {limit('storage_bytes')} >= {counter('used_bytes')} + {counter('reserved_bytes')} + %s{files_fit})"
    )


def _reserve_values(*, user_id: uuid.UUID, size_bytes: int, files: int, largest: int) -> list:
    """The values _reserve_statement binds, in its order, prepared as the ORM prepares them."""
    values = [
        size_bytes,
        files,
        Usage._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection),
        Usage._meta.get_field("user").get_db_prep_value(user_id, connection),
        largest,
        size_bytes,
    ]
    if files:
        values.append(files)
    return values


def quota_reserve(
    *, user: User | uuid.UUID, size_bytes: int, files: int = 1, largest_file_bytes: int | None = None
) -> None:
    """Reserve room for an upload of size_bytes (bytes) and `files` file slots (0 for a
    new version of an existing file). For many files at once (a folder copy),
    largest_file_bytes is the biggest one's size, checked against the plan's per-file
    limit (default: size_bytes, one file).

    One conditional UPDATE (no SELECT ... FOR UPDATE before it): the row is locked from
    this statement to the caller's commit, so call it last in the caller's atomic()
    block. Raises QuotaExceeded (FileTooLarge, StorageFull, TooManyFiles, with the
    numbers of an unlocked read of the row) and changes nothing then; Usage.DoesNotExist
    for an account without its row."""
    user_id: uuid.UUID = user if isinstance(user, uuid.UUID) else user.pk
    largest = size_bytes if largest_file_bytes is None else largest_file_bytes

    def refuse() -> None:
        # Read why (unlocked) for the error's numbers; returns if the row fits by now.
        usage = Usage.objects.select_related("plan").get(user_id=user_id)
        _check_fits(usage, size_bytes=size_bytes, files=files, largest_file_bytes=largest_file_bytes)

    if largest <= STORE_MAX_OBJECT_BYTES:
        sql = _reserve_statement(with_files=bool(files))
        values = _reserve_values(user_id=user_id, size_bytes=size_bytes, files=files, largest=largest)
        for _ in range(_RESERVE_ATTEMPTS):
            with connection.cursor() as cursor:
                cursor.execute(sql, values)
                if cursor.rowcount:
                    return
            refuse()  # a row that fits now had room freed in between: try again
    refuse()  # over the store's own per-object limit: FileTooLarge
    raise StorageFull(
        "Your usage kept changing while room for this upload was reserved; try again.",
        size_bytes=size_bytes,
        **_numbers(Usage.objects.select_related("plan").get(user_id=user_id)),
    )


def _locked(user: User | uuid.UUID, usage: Usage | None) -> Usage:
    """The row the caller already locked in this transaction, else lock it now."""
    return usage if usage is not None else usage_lock(user=user)


def quota_commit(
    *,
    user: User | uuid.UUID,
    size_bytes: int,
    files: int = 1,
    files_added: int | None = None,
    usage: Usage | None = None,
) -> Usage:
    """Turn a reservation into usage: the bytes arrived and were recorded. Locks Usage
    (or takes `usage`, the row the caller locked with usage_lock in this transaction);
    writes it in one UPDATE.

    `files` is how many file slots were reserved; `files_added` how many files now exist
    that did not before (0 when the upload became a new version of an existing file). A
    commit that adds more files than it reserved (the file it was to version went away
    meanwhile) takes the extra slots only if the plan has room: raises TooManyFiles
    otherwise, with nothing changed.
    """
    usage = _locked(user, usage)
    extra_files = (files if files_added is None else files_added) - files
    if extra_files > 0 and usage.file_count + usage.reserved_files + extra_files > usage.plan.max_files:
        raise TooManyFiles(
            f"The {usage.plan.name} plan holds at most {usage.plan.max_files:,} files.",
            size_bytes=size_bytes,
            **_numbers(usage),
        )
    usage.reserved_bytes -= size_bytes
    usage.reserved_files -= files
    before = usage.used_bytes
    usage.used_bytes += size_bytes
    usage.file_count += files if files_added is None else files_added
    usage.save(update_fields=["reserved_bytes", "reserved_files", "used_bytes", "file_count", "updated_at"])
    _announce_growth(usage, before)
    return usage


class Committed(NamedTuple):
    """What quota_commit_last read back from the row it changed."""

    used_bytes: int  # after the commit
    storage_bytes: int  # the plan's
    versions_kept: int  # the plan's


@functools.cache
def _commit_statement(*, checks_files: bool) -> str:
    """The UPDATE of quota_commit_last, written once from the models' tables and columns
    (only names are interpolated; every value is bound). With `checks_files`, the row
    changes only if the plan holds the extra file slots (max_files >= file_count +
    reserved_files + extra), checked by the database on the row it changes."""
    names = _names()
    usage, plan, column, counter = names.usage, names.plan, names.column, names.counter

    def limit(name: str) -> str:
        # A scalar subquery, not UPDATE ... FROM: SQLite's RETURNING cannot name a FROM table.
        return f"(SELECT p.{column(Plan, name)} FROM {plan} p WHERE p.{column(Plan, 'id')} = {counter('plan')})"  # noqa: S608

    files_fit = (
        f" AND {limit('max_files')} >= {counter('file_count')} + {counter('reserved_files')} + %s"
        if checks_files
        else ""
    )
    return (
        f"UPDATE {usage} SET {column(Usage, 'reserved_bytes')} = {counter('reserved_bytes')} - %s,"  # noqa: S608
        f" {column(Usage, 'reserved_files')} = {counter('reserved_files')} - %s,"
        f" {column(Usage, 'used_bytes')} = {counter('used_bytes')} + %s,"
        f" {column(Usage, 'file_count')} = {counter('file_count')} + %s, {column(Usage, 'updated_at')} = %s"
        f" WHERE {counter('user')} = %s{files_fit}"
        f" RETURNING {counter('used_bytes')}, {limit('storage_bytes')}, {limit('versions_kept')}"
    )


def quota_commit_last(*, user_id: uuid.UUID, size_bytes: int, files: int, files_added: int) -> Committed:
    """Turn a reservation into usage in one UPDATE, as quota_commit does (`files` file
    slots were reserved, `files_added` files now exist that did not before), for a caller
    that has not locked the row: the row is locked by this statement until the commit, so
    call it last in the caller's atomic() block (storage/locks.py: Usage is the last lock
    of the order). One that adds more files than it reserved (the file it was to version
    went away meanwhile) takes the extra slots only if the plan has room, checked by the
    database on the row it changes: raises TooManyFiles otherwise, with nothing changed
    (the numbers in the error from an unlocked read). The growth is announced after
    commit (plans.hooks.usage_grew). Returns the used bytes after it and the plan's
    storage_bytes and versions_kept."""
    extra_files = files_added - files
    values = [
        size_bytes,
        files,
        size_bytes,
        files_added,
        Usage._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection),
        Usage._meta.get_field("user").get_db_prep_value(user_id, connection),
    ]
    if extra_files > 0:
        values.append(extra_files)
    with connection.cursor() as cursor:
        cursor.execute(_commit_statement(checks_files=extra_files > 0), values)
        row = cursor.fetchone()
    if row is None:
        usage = Usage.objects.select_related("plan").get(user_id=user_id)
        raise TooManyFiles(
            f"The {usage.plan.name} plan holds at most {usage.plan.max_files:,} files.",
            size_bytes=size_bytes,
            **_numbers(usage),
        )
    committed = Committed(*row)
    _announce(
        user_id=user_id,
        before=committed.used_bytes - size_bytes,
        after=committed.used_bytes,
        limit=committed.storage_bytes,
    )
    return committed


def quota_release(*, user: User | uuid.UUID, size_bytes: int, files: int = 1, usage: Usage | None = None) -> Usage:
    """Give back a reservation that will not be used (abort, expiry, mismatch). Locks
    Usage (or takes `usage`, the row the caller locked in this transaction)."""
    usage = _locked(user, usage)
    usage.reserved_bytes -= size_bytes
    usage.reserved_files -= files
    usage.save(update_fields=["reserved_bytes", "reserved_files", "updated_at"])
    return usage


def quota_reserve_each(*, user: User | uuid.UUID, requests: list[tuple[int, int]]) -> list[QuotaExceeded | None]:
    """Reserve room for many uploads under one lock and one UPDATE (a batch start).

    `requests` holds (size in bytes, file slots) per upload. They are decided in order,
    each against what the ones before it reserved: an upload that does not fit gets its
    QuotaExceeded (FileTooLarge, StorageFull, TooManyFiles) and reserves nothing, and a
    later, smaller one may still fit. Returns one entry per request, None where reserved.
    Locks Usage; needs atomic()."""
    usage = usage_lock(user=user)
    refused: list[QuotaExceeded | None] = []
    for size_bytes, files in requests:
        try:
            _check_fits(usage, size_bytes=size_bytes, files=files)
        except QuotaExceeded as exc:
            refused.append(exc)
            continue
        usage.reserved_bytes += size_bytes
        usage.reserved_files += files
        refused.append(None)
    if any(entry is None for entry in refused):
        usage.save(update_fields=["reserved_bytes", "reserved_files", "updated_at"])
    return refused


def quota_commit_each(
    *, user: User | uuid.UUID, commits: list[tuple[int, int, int]], usage: Usage | None = None
) -> list[bool]:
    """Turn many reservations into usage under one lock and one UPDATE (a batch complete).

    `commits` holds (size in bytes, file slots reserved, files added) per recorded upload,
    as quota_commit takes them. One that adds more files than it reserved takes the extra
    slots only if the plan has room after the ones before it: False for it (nothing of
    it applied; the caller records it alone, which raises TooManyFiles), True for the
    others. `usage`: the row if the caller locked it already. The growth is announced
    after commit (plans.hooks.usage_grew), as quota_commit's. Locks Usage; needs atomic()."""
    usage = _locked(user, usage)
    before = usage.used_bytes
    applied: list[bool] = []
    for size_bytes, files, files_added in commits:
        if files_added > files and usage.file_count + usage.reserved_files + files_added - files > usage.plan.max_files:
            applied.append(False)
            continue
        usage.reserved_bytes -= size_bytes
        usage.reserved_files -= files
        usage.used_bytes += size_bytes
        usage.file_count += files_added
        applied.append(True)
    if any(applied):
        usage.save(update_fields=["reserved_bytes", "reserved_files", "used_bytes", "file_count", "updated_at"])
        _announce_growth(usage, before)  # a batch that fills the storage tells as one upload does
    return applied


def quota_charge(*, user: User | uuid.UUID, size_bytes: int, files: int = 0) -> Usage:
    """Add usage directly, checked against the plan (server-side copies). Locks Usage."""
    usage = usage_lock(user=user)
    _check_fits(usage, size_bytes=size_bytes, files=files)
    before = usage.used_bytes
    usage.used_bytes += size_bytes
    usage.file_count += files
    usage.save(update_fields=["used_bytes", "file_count", "updated_at"])
    _announce_growth(usage, before)
    return usage


def quota_credit(*, user: User | uuid.UUID, size_bytes: int, files: int = 0) -> Usage:
    """Remove usage of stored bytes that were purged. Locks Usage."""
    usage = usage_lock(user=user)
    usage.used_bytes -= size_bytes
    usage.file_count -= files
    usage.save(update_fields=["used_bytes", "file_count", "updated_at"])
    return usage


def usage_set_plan(*, user: User | uuid.UUID, plan: Plan) -> Usage:
    """Move a user to another tier. Limits are read from the plan row, so nothing else changes."""
    with transaction.atomic():
        usage = usage_lock(user=user)
        usage.plan = plan
        usage.save(update_fields=["plan", "updated_at"])
    return usage


def usages_move_to_plan(*, user_ids: Iterable[uuid.UUID], plan: Plan) -> int:
    """Move many users to a tier in one UPDATE (admin action). Returns how many moved."""
    return Usage.objects.filter(user_id__in=list(user_ids)).update(plan=plan)


def plans_seed_defaults(*, plan_model: type[Plan] = Plan) -> list[Plan]:
    """Create DEFAULT_TIERS if no plan exists at all (a new installation, a flushed or
    hand-emptied table); an operator's edited tiers are never touched. Returns the plans
    created (empty when there were plans already). The seed migration calls it with its
    historical model as `plan_model`, so the tiers are written down once. Locks nothing."""
    if plan_model.objects.exists():
        return []
    for code, name, storage, max_files, max_file, versions, trash, share, default, position in DEFAULT_TIERS:
        plan_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "storage_bytes": storage,
                "max_files": max_files,
                "max_file_bytes": max_file,
                "versions_kept": versions,
                "trash_days": trash,
                "max_share_days": share,
                "is_default": default,
                "position": position,
            },
        )
    return list(plan_model.objects.order_by("position"))


def usage_create(*, user: User | uuid.UUID) -> Usage:
    """Give an account its Usage row on the default plan, seeding the tiers if there are
    none; idempotent (an existing row is returned as it is)."""
    with transaction.atomic():
        plans_seed_defaults()
        usage, _ = Usage.objects.get_or_create(user=user, defaults={"plan": plan_get_default()})
    return usage


# The counters reconciliation recomputes, in the order drift is recorded.
RECONCILED_FIELDS = ("used_bytes", "reserved_bytes", "file_count", "reserved_files")


def usage_reconcile(*, user: User | uuid.UUID, actual: dict[str, int]) -> list[UsageDrift]:
    """Set the user's counters to `actual` (what the stored rows add up to) and record a
    UsageDrift for each one that was wrong. Locks Usage. The caller must compute `actual`
    after taking the same lock in the same transaction, or a commit racing in between
    would be "corrected" away. Returns the drift found (empty when all agreed)."""
    with transaction.atomic():
        usage = usage_lock(user=user)
        drift = [
            UsageDrift(user_id=usage.user_id, field=field, recorded=getattr(usage, field), actual=int(actual[field]))
            for field in RECONCILED_FIELDS
            if getattr(usage, field) != int(actual[field])
        ]
        if drift:
            for row in drift:
                setattr(usage, row.field, row.actual)
            usage.save(update_fields=[row.field for row in drift] + ["updated_at"])
            UsageDrift.objects.bulk_create(drift)
    return drift
