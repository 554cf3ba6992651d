"""kosha.fixed_writes' one JSON parameter on PostgreSQL (86f282b), property by property:
for values of every kind the many-row writes carry (text of any character a body may hold,
integers up to 64 bits, booleans, UUIDs, NULLs, times in any zone and at any instant,
JSON documents, IP addresses), the rows written by the statements hold what the ORM's
writes of the same rows hold, column by column as the database stores them. Each
example writes with the ORM, reads, rolls back to a savepoint, then writes with the
statements and reads again (test_fixed_writes.py's comparison, with generated values)."""

import contextlib
import uuid
from datetime import UTC, datetime, timedelta, timezone
from unittest import mock

import pytest
from django.db import DataError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activity.models import ActivityEvent
from kosha.fixed_writes import rows_insert, rows_insert_write, rows_update, rows_update_write
from kosha.json_body import INT64_MAX
from kosha.tests.test_fixed_writes import _orm_then_fixed, _stored, _without_pk
from storage.models import File, UploadSession

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _text(max_size: int) -> st.SearchStrategy[str]:
    # What a body may carry (kosha/json_body.py refuses NUL and lone surrogates before
    # any write): every other code point, control and format characters, JSON's own
    # escapes (quote, backslash, "\u0041" as six characters), astral planes, non-characters.
    characters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
    tricky = st.sampled_from(['"', "\\", "\\u0041", "\\u0000", "\n", "\t", "\u2028", "\ufeff", "🙂", "\U0010fffd", "'"])
    return st.lists(st.one_of(characters, tricky), max_size=max_size).map("".join).map(lambda text: text[:max_size])


# Any instant a column takes from Python and gives back: offsets of every kind (zoneinfo's
# historical ones to the second, fixed ones up to PostgreSQL's ±15:59), years 2..9998 so
# that no zone moves the instant out of Python's range on the way back.
_OFFSETS = st.builds(
    timezone, st.integers(-(15 * 60 + 59), 15 * 60 + 59).map(lambda minutes: timedelta(minutes=minutes))
)
_TIMES = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.one_of(st.timezones(), _OFFSETS)
)
_BIG = st.one_of(st.integers(0, INT64_MAX), st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**53 + 1, INT64_MAX]))
_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), INT64_MAX),
        st.floats(allow_nan=False, allow_infinity=False),
        _text(40),
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text(10), children, max_size=4),
    max_leaves=12,
)


@contextlib.contextmanager
def _rolled_back():
    """One example's writes, undone at its end (the examples share the test's transaction)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@st.composite
def _session_values(draw, owner_id) -> dict:
    return {
        "id": uuid.uuid4(),  # distinct in every example
        "owner_id": owner_id,
        "created_by_id": draw(st.sampled_from([owner_id, None])),
        "folder_id": None,
        "name": draw(_text(255)),
        "size_bytes": draw(_BIG),
        "content_type": draw(_text(255)),
        "sha256": draw(_text(64)),
        "on_conflict": draw(_text(10)),
        "key": f"{uuid.uuid4()} {draw(_text(160))}",  # unique
        "strategy": draw(_text(10)),
        "multipart_upload_id": draw(_text(1024)),
        "part_size_bytes": draw(st.none() | _BIG),
        "status": draw(_text(10)),
        "expires_at": draw(_TIMES),
        "created_at": draw(_TIMES),
        "finished_at": draw(st.none() | _TIMES),
        "reserved_files": draw(st.integers(0, 32767)),
        "delete_after": draw(st.none() | _TIMES),
    }


@EXAMPLES
@given(data=st.data(), count=st.integers(1, 6))
def test_sessions_of_any_values_are_written_as_bulk_create_writes_them(owner, data, count):
    statement = rows_insert(UploadSession)
    rows = [statement.row(data.draw(_session_values(owner.pk))) for _ in range(count)]
    ids = [row[0] for row in rows]
    created_at = rows[0][statement.attnames.index("created_at")]

    def orm_write():
        # The ORM stamps created_at (auto_now_add) with the time now: the first row's here.
        for row in rows:
            row[statement.attnames.index("created_at")] = created_at
        with mock.patch("django.utils.timezone.now", return_value=created_at):
            UploadSession.objects.bulk_create([UploadSession(*row) for row in rows])

    with _rolled_back():
        by_orm, by_statement = _orm_then_fixed(
            orm_write, lambda: rows_insert_write(statement, rows), lambda: _stored(UploadSession, ids)
        )

    assert by_statement == by_orm
    assert None not in by_orm


@st.composite
def _event_values(draw, owner_id) -> dict:
    return {
        "actor_id": draw(st.sampled_from([owner_id, None])),
        "owner_id": draw(st.sampled_from([owner_id, None])),
        "kind": draw(_text(32)),
        "item_type": draw(_text(32)),
        "item_id": draw(_text(64)),
        "item_name": draw(_text(255)),
        "item_parent_id": draw(st.none() | st.uuids()),
        "detail": draw(_JSON.filter(lambda detail: detail is not None)),  # SQL NULL: refused by both
        "via": draw(_text(8)),
        "ip_address": draw(st.none() | st.ip_addresses().map(str)),
        "at": draw(_TIMES),
    }


@EXAMPLES
@given(data=st.data(), count=st.integers(1, 6))
def test_events_of_any_values_are_written_as_bulk_create_writes_them(owner, data, count):
    statement = rows_insert(ActivityEvent)
    rows = [statement.row(data.draw(_event_values(owner.pk))) for _ in range(count)]
    written = {}

    def orm_write():
        written["pks"] = [
            event.pk for event in ActivityEvent.objects.bulk_create([ActivityEvent(*row) for row in rows])
        ]

    def fixed_write():
        written["pks"] = rows_insert_write(statement, rows)

    with _rolled_back():
        by_orm, by_statement = _orm_then_fixed(
            orm_write, fixed_write, lambda: _without_pk(ActivityEvent, _stored(ActivityEvent, written["pks"]))
        )

    assert by_statement == by_orm
    assert len(by_orm) == count and None not in by_orm


_FILE_SET = ("name", "size_bytes", "content_type", "updated_at", "deleted_at", "trash_batch", "is_trash_root")


@EXAMPLES
@given(data=st.data(), count=st.integers(1, 6))
def test_files_updated_with_any_values_hold_what_bulk_update_writes(owner, data, count):
    with _rolled_back():
        _files_updated(owner, data, count)


def _files_updated(owner, data, count):
    files = File.objects.bulk_create(File(owner=owner, name=f"file {number} {uuid.uuid4()}") for number in range(count))
    changes = [
        (
            # A number first keeps the names distinct (one live name per folder).
            f"{number} {data.draw(_text(250))}",
            data.draw(_BIG),
            data.draw(_text(255)),
            data.draw(_TIMES),
            data.draw(st.none() | _TIMES),
            data.draw(st.none() | st.uuids()),
            data.draw(st.booleans()),
            file.pk,
        )
        for number, file in enumerate(files)
    ]

    def orm_write():
        for file, change in zip(files, changes, strict=True):
            for attname, value in zip(_FILE_SET, change, strict=False):
                setattr(file, attname, value)
        # bulk_update stamps no auto_now field (updated_at is given).
        File.objects.bulk_update(files, list(_FILE_SET))

    by_orm, by_statement = _orm_then_fixed(
        orm_write,
        lambda: rows_update_write(rows_update(File, _FILE_SET), changes),
        lambda: _stored(File, [file.pk for file in files]),
    )

    assert by_statement == by_orm


@pytest.mark.parametrize("count", [1, 3])
def test_a_nul_in_text_is_refused_as_the_orm_refuses_it(owner, count):
    # json_body refuses NUL before any write; were one to reach a write, it is the ORM's
    # DataError (PostgreSQL's text holds no NUL), not another error or a changed value.
    statement = rows_insert(UploadSession)
    rows = [
        statement.row(
            {
                "id": uuid.uuid4(),
                "owner_id": owner.pk,
                "name": "a\x00b",
                "size_bytes": 1,
                "key": f"k{number}",
                "expires_at": datetime.now(UTC),
                "created_at": datetime.now(UTC),
            }
        )
        for number in range(count)
    ]

    with pytest.raises(DataError), transaction.atomic():
        UploadSession.objects.bulk_create([UploadSession(*row) for row in rows])
    with pytest.raises(DataError), transaction.atomic():
        rows_insert_write(statement, rows)

    assert not UploadSession.objects.filter(owner=owner).exists()
