"""The start's sessions, written by fixed INSERTs (kosha.fixed_writes: one for a batch, the
one-row statement for a single start) from storage.services.uploads.start.session_row,
against what the ORM wrote before: the session built as the single start built it and
saved by bulk_create, for the same files. Every column holds the same value as the
database stores it, but the id and the blob key, which are fresh for each session (and
keep their form), on PostgreSQL and on SQLite."""

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kosha.fixed_writes import rows_insert, rows_insert_write
from kosha.testing import factories
from storage import keys
from storage.models import UploadSession
from storage.places import Place
from storage.services.uploads.start import session_row, start_request_clean

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 13, 14, 15, 123456, tzinfo=UTC)
FIELDS = [field for field in UploadSession._meta.concrete_fields if field.attname not in ("id", "key")]
_REQUEST_FIELDS = ("name", "size_bytes", "content_type", "sha256", "on_conflict", "strategy", "part_size_bytes")


def _orm_session(*, actor, place, request, reserved_files, lifetime=None) -> UploadSession:
    """The unsaved session as upload_start built it for the ORM's save() before
    session_row (its session_build)."""
    return UploadSession(
        owner=place.owner,
        created_by=actor,
        folder=place.folder,
        key=keys.blob_key(place.owner.pk),
        expires_at=timezone.now() + (lifetime or timedelta(hours=settings.KOSHA_UPLOAD_SESSION_HOURS)),
        reserved_files=reserved_files,
        **{field: getattr(request, field) for field in _REQUEST_FIELDS},
    )


def _stored(pks) -> list[tuple]:
    """Every column but id and key of these sessions, raw as the database holds it, in
    the order of pks; and their keys."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in FIELDS)
    rows, keys = [], []
    with connection.cursor() as cursor:
        for pk in pks:
            cursor.execute(
                f"SELECT {columns}, {quote('key')} FROM {quote(UploadSession._meta.db_table)} WHERE id = %s",  # noqa: S608
                [UploadSession._meta.pk.get_db_prep_value(pk, connection)],
            )
            *row, key = cursor.fetchone()
            rows.append(tuple(row))
            keys.append(key)
    return rows, keys


REQUESTS = [
    # A single PUT with a checksum, one without (the default type), a multipart file,
    # names with every kind of character, each on_conflict.
    {"name": "Résumé ✓.pdf", "size_bytes": 65536, "content_type": "Application/PDF; charset=x", "sha256": "AB" * 32},
    {"name": "a" * 255, "size_bytes": 0, "on_conflict": "fail"},
    {
        "name": "big.iso",
        "size_bytes": 5 * 1024**4,
        "content_type": "application/x-iso9660-image",
        "on_conflict": "rename",
    },
    {"name": "part-sized", "size_bytes": 10, "part_size_bytes": 8 * 1024**2},
]


@pytest.mark.parametrize("lifetime", [None, timedelta(hours=1)], ids=["default lifetime", "a drop's lifetime"])
@pytest.mark.parametrize("one_by_one", [False, True], ids=["a batch", "single starts"])
@pytest.mark.parametrize("where", ["root", "folder", "as an editor"])
def test_the_starts_sessions_are_the_rows_the_orm_wrote(owner, collaborator, where, one_by_one, lifetime):
    folder = factories.folder(owner, "Photos") if where != "root" else None
    actor = collaborator if where == "as an editor" else owner
    place = Place(owner=owner, folder=folder)
    requests = [(start_request_clean(**fields), slot) for fields, slot in zip(REQUESTS, [1, 0, 1, 1], strict=True)]

    with transaction.atomic():
        with mock.patch("django.utils.timezone.now", return_value=NOW):
            built = [
                _orm_session(actor=actor, place=place, request=r, reserved_files=s, lifetime=lifetime)
                for r, s in requests
            ]
            UploadSession.objects.bulk_create(built)
        by_orm, orm_keys = _stored([session.pk for session in built])
        transaction.set_rollback(True)
    with transaction.atomic():
        rows = [
            session_row(actor=actor, place=place, request=r, slots=s, now=NOW, lifetime=lifetime) for r, s in requests
        ]
        # A single start writes its one row by the one-row INSERT; a batch all at once.
        for written in [[row] for row in rows] if one_by_one else [rows]:
            rows_insert_write(rows_insert(UploadSession), written)
        connection.check_constraints()
        by_statement, keys = _stored([row[0] for row in rows])

    assert by_statement == by_orm
    assert None not in [row[0] for row in by_orm]  # every row was there
    blob_key = re.compile(rf"^users/{owner.pk}/blobs/[0-9a-f-]{{36}}$")
    assert all(blob_key.match(key) for key in keys + orm_keys)
    assert len(set(keys + orm_keys)) == len(keys) * 2
