"""kosha.fixed_writes against the ORM writes they replace: the same rows written through
bulk_create / save and through the fixed statements hold the same value in every column,
as the database stores it (read back raw), on PostgreSQL and on SQLite; the constraints
still refuse what they refused."""

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from activity.models import ActivityEvent
from kosha.fixed_writes import row_insert_unless_taken, rows_insert, rows_insert_write, rows_update, rows_update_write
from kosha.testing import factories
from storage.models import File, FileVersion, UploadSession

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")


def _stored(model, pks) -> list[tuple]:
    """The rows of `model` with these primary keys, every column as the database holds it
    (no conversion: what a reader of the table sees), in the order of `pks`."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in model._meta.concrete_fields)
    found = {}
    with connection.cursor() as cursor:
        for value in pks:
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE {pk} = %s",  # noqa: S608
                [model._meta.pk.get_db_prep_value(value, connection)],
            )
            found[value] = cursor.fetchone()
    return [found[value] for value in pks]


def _without_pk(model, rows: list[tuple]) -> list[tuple]:
    at = [field.attname for field in model._meta.concrete_fields].index(model._meta.pk.attname)
    return [row[:at] + row[at + 1 :] for row in rows]


NOW = datetime(2026, 12, 1, 13, 14, 15, 123456, tzinfo=KOLKATA)


def _files_and_versions(owner, folder):
    """Rows of two files (one in a folder, one at the root) and their versions, with
    every kind of value: unicode names, times in another zone, a null creator. Their
    auto_now times are NOW, what the ORM's writes below take as the time."""
    now = NOW
    file_insert, version_insert = rows_insert(File), rows_insert(FileVersion)
    files, versions = [], []
    for number, (name, where) in enumerate([("Résumé ✓.pdf", folder), ("a" * 255, None)]):
        file_id, version_id = uuid.uuid4(), uuid.uuid4()
        files.append(
            file_insert.row(
                {
                    "id": file_id,
                    "name": name,
                    "created_at": now,
                    "updated_at": now,
                    "owner_id": owner.pk,
                    "folder_id": where.pk if where else None,
                    "current_version_id": version_id,
                    "size_bytes": 5 * 1024**4 + number,
                    "content_type": "application/pdf",
                }
            )
        )
        versions.append(
            version_insert.row(
                {
                    "id": version_id,
                    "file_id": file_id,
                    "number": number + 1,
                    "key": f"users/{owner.pk}/blobs/{version_id}",
                    "size_bytes": 5 * 1024**4 + number,
                    "content_type": "application/pdf",
                    "sha256": "ab" * 32 if number else "",
                    "etag": "d41d8cd98f00b204e9800998ecf8427e",
                    "created_at": now.astimezone(UTC),  # the same instant
                    "created_by_id": owner.pk if number else None,
                }
            )
        )
    return files, versions


def _orm_then_fixed(orm_write, fixed_write, snapshot):
    """What `snapshot` reads after orm_write, and after fixed_write instead (the ORM's
    rows rolled back in between, to a savepoint). Foreign keys are checked after each."""
    with transaction.atomic():
        orm_write()
        connection.check_constraints()
        by_orm = snapshot()
        transaction.set_rollback(True)
    with transaction.atomic():
        fixed_write()
        connection.check_constraints()
        return by_orm, snapshot()


def _written(write, rows, *, one_by_one: bool) -> list:
    """write(rows) in one call, or row by row (each call then takes the one-row
    statement); what the calls returned, concatenated."""
    if not one_by_one:
        return write(rows)
    return [value for row in rows for value in write([row])]


# Many rows (PostgreSQL: one JSON parameter, unpacked server-side) and one row at a time (the one-row VALUES
# or UPDATE ... WHERE pk = %s), which the single-file complete writes.
ONE_BY_ONE = pytest.mark.parametrize("one_by_one", [False, True], ids=["many", "one_by_one"])


@ONE_BY_ONE
def test_files_and_versions_are_written_as_bulk_create_writes_them(owner, one_by_one):
    folder = factories.folder(owner, "Papers")
    files, versions = _files_and_versions(owner, folder)
    file_ids, version_ids = [row[0] for row in files], [row[0] for row in versions]

    def orm_write():
        # The ORM stamps auto_now and auto_now_add fields itself, with the time now.
        with mock.patch("django.utils.timezone.now", return_value=NOW):
            File.objects.bulk_create([File(*row) for row in files])
            FileVersion.objects.bulk_create([FileVersion(*row) for row in versions])

    def fixed_write():
        assert _written(lambda rows: rows_insert_write(rows_insert(File), rows), files, one_by_one=one_by_one) == []
        versions_written = _written(
            lambda rows: rows_insert_write(rows_insert(FileVersion), rows), versions, one_by_one=one_by_one
        )
        assert versions_written == []

    by_orm, by_statements = _orm_then_fixed(
        orm_write, fixed_write, lambda: (_stored(File, file_ids), _stored(FileVersion, version_ids))
    )

    assert by_statements == by_orm
    assert None not in by_orm[0] + by_orm[1]  # every row was there


@ONE_BY_ONE
def test_events_are_written_as_bulk_create_writes_them_and_their_ids_come_back_in_order(
    owner, collaborator, one_by_one
):
    at = datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=KOLKATA)
    statement = rows_insert(ActivityEvent)
    rows = [
        statement.row(
            {
                "actor_id": actor,
                "owner_id": owner.pk,
                "kind": ActivityEvent.Kind.UPLOAD_COMPLETED,
                "item_type": "file",
                "item_id": str(uuid.uuid4()),
                "item_name": name,
                "item_parent_id": parent,
                "detail": detail,
                "via": via,
                "ip_address": ip,
                "at": at + timedelta(microseconds=number),
            }
        )
        for number, (actor, name, parent, detail, via, ip) in enumerate(
            [
                (
                    owner.pk,
                    "photo ✓.jpg",
                    uuid.uuid4(),
                    {"version": 2, "size_bytes": 5 * 1024**4},
                    "api",
                    "203.0.113.9",
                ),
                (
                    None,
                    'quote " and \\ back',
                    None,
                    {"from": "é", "nested": {"a": [1, None, "x"]}},
                    "link",
                    "2001:db8::1",
                ),
                (collaborator.pk, "", None, {}, "web", None),
                # Text JSON escapes (PostgreSQL: the one JSON parameter of many rows).
                (owner.pk, 'tab\tnew\nline 🙂 {a,"b"} \\u0041', None, {"emoji": "🙂", "n": None}, "api", "0.0.0.0"),
            ]
        )
    ]
    item_ids = [row[5] for row in rows]
    written = {}

    def orm_write():
        written["last"] = [
            event.pk for event in ActivityEvent.objects.bulk_create([ActivityEvent(*row) for row in rows])
        ]

    def fixed_write():
        written["last"] = _written(lambda some: rows_insert_write(statement, some), rows, one_by_one=one_by_one)

    by_orm, by_statement = _orm_then_fixed(
        orm_write, fixed_write, lambda: _without_pk(ActivityEvent, _stored(ActivityEvent, written["last"]))
    )

    assert by_statement == by_orm
    assert len(written["last"]) == 4 and all(isinstance(pk, int) for pk in written["last"])
    assert [ActivityEvent.objects.get(pk=pk).item_id for pk in written["last"]] == item_ids


def test_many_rows_in_one_statement_each(owner, django_assert_num_queries):
    folder = factories.folder(owner, "Many")
    statement = rows_insert(File)
    now = datetime.now(UTC)
    rows = [
        statement.row(
            {
                "id": uuid.uuid4(),
                "name": f"f{number}",
                "created_at": now,
                "updated_at": now,
                "owner_id": owner.pk,
                "folder_id": folder.pk,
                "size_bytes": number,
                "content_type": "text/plain",
            }
        )
        for number in range(60)
    ]

    # One statement on PostgreSQL; SQLite's chunks of its parameter limit hold these too.
    with django_assert_num_queries(1):
        rows_insert_write(statement, rows)
    with django_assert_num_queries(1):
        rows_update_write(rows_update(File, ("size_bytes",)), [(7, row[0]) for row in rows])

    assert sorted(File.objects.filter(folder=folder).values_list("name", flat=True)) == sorted(
        f"f{n}" for n in range(60)
    )
    assert set(File.objects.filter(folder=folder).values_list("size_bytes", flat=True)) == {7}


@ONE_BY_ONE
def test_updates_by_primary_key_write_what_the_orm_writes(local_settings, owner, one_by_one):
    versioned = factories.stored_file(owner, "a.txt", b"one")
    first = versioned.current_version_id
    versioned = factories.stored_version(versioned, b"two").file
    other = factories.stored_file(owner, "b.txt", b"three")
    # The first version as no session's any more (a session points at one version).
    UploadSession.objects.filter(version_id=first).update(version=None)
    sessions = [factories.pending_upload(owner, f"s{number}.bin") for number in range(2)]
    when = datetime(2027, 1, 2, 3, 4, 5, 678901, tzinfo=KOLKATA)
    file_fields = ("current_version_id", "size_bytes", "content_type", "updated_at")
    changes = [(first, 12, "text/csv", when, versioned.pk)]
    closes = [
        (UploadSession.Status.COMPLETED, when, first, sessions[0].pk),
        (UploadSession.Status.FAILED, None, None, sessions[1].pk),
    ]
    files, session_ids = [versioned.pk, other.pk], [session.pk for session in sessions]

    def orm_write():
        for attname, value in zip(file_fields, changes[0], strict=False):
            setattr(versioned, attname, value)
        File.objects.bulk_update([versioned], ["current_version", "size_bytes", "content_type", "updated_at"])
        for (status, finished_at, version_id, _), session in zip(closes, sessions, strict=True):
            session.status, session.finished_at, session.version_id = status, finished_at, version_id
            session.save(update_fields=["status", "finished_at", "version"])

    def fixed_write():
        statement = rows_update(UploadSession, ("status", "finished_at", "version_id"))
        rows_update_write(rows_update(File, file_fields), changes)  # one row: the one-row UPDATE
        _written(lambda rows: rows_update_write(statement, rows) or [], closes, one_by_one=one_by_one)

    before = (_stored(File, files), _stored(UploadSession, session_ids))
    by_orm, by_statements = _orm_then_fixed(
        orm_write, fixed_write, lambda: (_stored(File, files), _stored(UploadSession, session_ids))
    )

    assert by_statements == by_orm
    assert by_orm != before


def test_the_unique_live_name_still_refuses_a_second_file_of_a_name(local_settings, owner):
    factories.stored_file(owner, "taken.txt", b"x")
    statement = rows_insert(File)
    now = datetime.now(UTC)
    row = statement.row(
        {"id": uuid.uuid4(), "name": "taken.txt", "created_at": now, "updated_at": now, "owner_id": owner.pk}
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert_write(statement, [row])

    assert File.objects.filter(owner=owner, name="taken.txt").count() == 1


def test_a_row_gets_the_orms_constant_defaults_and_must_be_given_the_rest():
    now = datetime.now(UTC)

    with pytest.raises(ValueError, match="File.id needs a value"):
        rows_insert(File).row({"name": "x"})
    with pytest.raises(ValueError, match="ActivityEvent.at needs a value"):
        rows_insert(ActivityEvent).row({"kind": "upload_completed", "detail": {}})
    row = rows_insert(FileVersion).row(
        {"id": uuid.uuid4(), "file_id": uuid.uuid4(), "number": 1, "size_bytes": 0, "created_at": now}
    )
    made_up = dict(zip(rows_insert(FileVersion).attnames, row, strict=True))
    assert (made_up["thumbnail_key"], made_up["sha1"], made_up["width"], made_up["replicated_at"]) == (
        "",
        "",
        None,
        None,
    )


@pytest.mark.postgres
def test_a_value_too_long_for_its_column_is_refused_as_the_orm_refuses_it_not_cut(owner):
    # PostgreSQL cuts an over-long value silently under an explicit cast to varchar(n)
    # (and so under ::varchar(n)[]); the ORM's INSERT and UPDATE refuse it (DataError).
    statement = rows_insert(File)
    now = datetime.now(UTC)
    row = statement.row(
        {"id": uuid.uuid4(), "name": "n" * 256, "created_at": now, "updated_at": now, "owner_id": owner.pk}
    )
    with pytest.raises(DataError), transaction.atomic():
        File.objects.create(owner=owner, name="n" * 256)

    fitting = statement.row(
        {"id": uuid.uuid4(), "name": "fits", "created_at": now, "updated_at": now, "owner_id": owner.pk}
    )
    for rows in ([row], [fitting, row]):  # the one-row statement, and the arrays
        with pytest.raises(DataError), transaction.atomic():
            rows_insert_write(statement, rows)
    stored = factories.stored_file(owner, "a.txt", b"x")
    other = factories.stored_file(owner, "b.txt", b"x")
    for changes in ([("t" * 256, stored.pk)], [("text/csv", other.pk), ("t" * 256, stored.pk)]):
        with pytest.raises(DataError), transaction.atomic():
            rows_update_write(rows_update(File, ("content_type",)), changes)

    assert not File.objects.filter(owner=owner, name__startswith="nn").exists()
    assert not File.objects.filter(owner=owner, name="fits").exists()
    assert File.objects.get(pk=stored.pk).content_type == "text/plain"
    assert File.objects.get(pk=other.pk).content_type == "text/plain"


def test_a_naive_time_is_written_as_the_orm_writes_it_local_to_time_zone_with_its_warning(owner, settings):
    # The ORM takes a naive time as local to TIME_ZONE (with a RuntimeWarning); psycopg,
    # given it as it is, would take it as the connection's zone, UTC: 5.5 hours off here.
    settings.TIME_ZONE = "Asia/Kolkata"
    naive = datetime(2026, 12, 1, 13, 14, 15, 123456)
    statement = rows_insert(ActivityEvent)
    row = statement.row(
        {
            "owner_id": owner.pk,
            "kind": ActivityEvent.Kind.UPLOAD_COMPLETED,
            "item_type": "file",
            "item_id": str(uuid.uuid4()),
            "item_name": "late.txt",
            "detail": {},
            "at": naive,
        }
    )
    file = factories.stored_file(owner, "a.txt", b"one")
    written = {}

    def orm_write():
        with pytest.warns(RuntimeWarning, match="naive datetime"):
            written["event"] = ActivityEvent.objects.bulk_create([ActivityEvent(*row)])[0].pk
            File.objects.filter(pk=file.pk).update(updated_at=naive)

    def fixed_write():
        with pytest.warns(RuntimeWarning, match="naive datetime"):
            [written["event"]] = rows_insert_write(statement, [row])
            rows_update_write(rows_update(File, ("updated_at",)), [(naive, file.pk)])

    def snapshot():
        return _without_pk(ActivityEvent, _stored(ActivityEvent, [written["event"]])), _stored(File, [file.pk])

    by_orm, by_statements = _orm_then_fixed(orm_write, fixed_write, snapshot)

    assert by_statements == by_orm
    assert ActivityEvent.objects.get(pk=written["event"]).at == naive.replace(tzinfo=KOLKATA)
    assert File.objects.get(pk=file.pk).updated_at == naive.replace(tzinfo=KOLKATA)


def test_an_aware_time_goes_to_the_database_as_it_is_and_text_as_the_orm_parses_it(owner):
    statement = rows_insert(ActivityEvent)
    aware = datetime(2026, 12, 1, 13, 14, 15, 123456, tzinfo=KOLKATA)
    rows = [
        statement.row(
            {
                "owner_id": owner.pk,
                "kind": ActivityEvent.Kind.UPLOAD_COMPLETED,
                "item_type": "file",
                "item_id": str(uuid.uuid4()),
                "detail": {},
                "at": at,
            }
        )
        for at in (aware, "2026-12-01T07:44:15.123456Z")
    ]

    pks = rows_insert_write(statement, rows)

    assert [ActivityEvent.objects.get(pk=pk).at for pk in pks] == [aware, aware]


class _Instant(datetime):
    """A datetime subclass (as a frozen clock makes): not the exact type the per-column
    conversion takes, so it goes through json.dumps' default."""


def test_ids_and_times_of_any_form_in_one_column_are_stored_as_given(owner):
    """The ids and times of a many-row write are made text a column at a time (a UUID as
    its hex digits); an id given as text, hyphenated or not, and a time of a datetime
    subclass, in the same columns, are stored as the same values."""
    statement = rows_insert(ActivityEvent)
    at = datetime(2026, 12, 1, 13, 14, 15, 123456, tzinfo=KOLKATA)
    parents = [uuid.uuid4() for _ in range(4)]
    given = [parents[0], str(parents[1]), parents[2].hex, None]
    times = [at, _Instant(2026, 12, 1, 13, 14, 15, 123456, tzinfo=KOLKATA), at.astimezone(UTC), at]
    rows = [
        statement.row(
            {
                "owner_id": str(owner.pk) if number % 2 else owner.pk,
                "kind": ActivityEvent.Kind.UPLOAD_COMPLETED,
                "item_type": "file",
                "item_id": str(uuid.uuid4()),
                "item_parent_id": parent,
                "detail": {"n": number},
                "at": moment,
            }
        )
        for number, (parent, moment) in enumerate(zip(given, times, strict=True))
    ]

    pks = rows_insert_write(statement, rows)

    events = [ActivityEvent.objects.get(pk=pk) for pk in pks]
    assert [event.item_parent_id for event in events] == [*parents[:3], None]
    assert [event.owner_id for event in events] == [owner.pk] * 4
    assert [event.at for event in events] == [at] * 4
    assert [event.detail for event in events] == [{"n": number} for number in range(4)]


def test_a_row_inserted_unless_taken_is_written_as_the_orm_writes_it(owner):
    folder = factories.folder(owner, "Papers")
    files, versions = _files_and_versions(owner, folder)

    def orm_write():
        with mock.patch("django.utils.timezone.now", return_value=NOW):
            File.objects.bulk_create([File(*files[0])])
        FileVersion.objects.bulk_create([FileVersion(*versions[0])])  # the file's current version

    def fixed_write():
        assert row_insert_unless_taken(rows_insert(File), files[0]) is True
        FileVersion.objects.bulk_create([FileVersion(*versions[0])])

    by_orm, by_statement = _orm_then_fixed(orm_write, fixed_write, lambda: _stored(File, [files[0][0]]))

    assert by_statement == by_orm
    assert None not in by_orm[0][:2]


@pytest.mark.postgres
def test_a_row_whose_name_is_taken_is_not_inserted_and_the_transaction_goes_on(owner):
    factories.stored_file(owner, "taken.txt", b"x")
    statement = rows_insert(File)
    now = datetime.now(UTC)
    row = statement.row(
        {"id": uuid.uuid4(), "name": "taken.txt", "created_at": now, "updated_at": now, "owner_id": owner.pk}
    )

    with transaction.atomic():
        assert row_insert_unless_taken(statement, row) is False
        assert File.objects.filter(owner=owner, name="taken.txt").count() == 1  # still usable
