"""kosha.fixed_writes.instance_insert against the ORM's INSERT it replaces: the same row,
column for column (times, nulls, UUIDs as each vendor stores them); the same refusals."""

import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kosha.fixed_writes import instance_insert
from kosha.testing import factories
from storage.models import UploadSession

pytestmark = pytest.mark.django_db


def _session(owner, *, folder=None, created_by=None, **fields) -> UploadSession:
    values = {
        "name": "résumé ✓.pdf",
        "size_bytes": 5 * 1024**4,
        "content_type": "application/pdf",
        "sha256": "ab" * 32,
        "on_conflict": UploadSession.OnConflict.FAIL,
        "strategy": UploadSession.Strategy.MULTIPART,
        "part_size_bytes": 8 * 1024 * 1024,
        "reserved_files": 0,
        **fields,
    }
    return UploadSession(
        owner=owner,
        created_by=created_by,
        folder=folder,
        key=f"users/{owner.pk}/blobs/{uuid.uuid4()}",
        expires_at=timezone.now() + timedelta(hours=24),
        **values,
    )


def _row(pk) -> dict:
    row = UploadSession.objects.filter(pk=pk).values().get()
    row.pop("id")
    row.pop("key")
    return row


def _pair(owner, **kwargs) -> tuple[UploadSession, UploadSession]:
    """Two equal sessions but for their id and key: one for instance_insert, one for the ORM."""
    mine = _session(owner, **kwargs)
    orm = _session(owner, **kwargs)
    orm.expires_at = mine.expires_at
    return mine, orm


@pytest.mark.parametrize("shape", ["in a folder, by an editor", "at the root, by a link", "defaults"])
def test_a_row_inserted_is_the_row_the_orm_inserts(owner, collaborator, shape, django_assert_num_queries):
    kwargs = {
        "in a folder, by an editor": {"folder": factories.folder(owner, "Fotos"), "created_by": collaborator},
        "at the root, by a link": {"multipart_upload_id": "2~abc/+=", "status": UploadSession.Status.FAILED},
        "defaults": {"sha256": "", "part_size_bytes": None, "strategy": UploadSession.Strategy.SINGLE},
    }[shape]
    mine, orm = _pair(owner, **kwargs)
    orm.save(force_insert=True)

    with django_assert_num_queries(1):
        instance_insert(mine)

    assert _row(mine.pk) == {**_row(orm.pk), "created_at": mine.created_at}
    assert abs(mine.created_at - orm.created_at) < timedelta(minutes=1)  # auto_now_add set, as save() sets it
    assert _row(mine.pk)["created_at"] == mine.created_at
    assert (mine._state.adding, mine._state.db) == (False, orm._state.db)


def test_a_duplicate_key_is_refused_as_save_refuses_it(owner):
    first = _session(owner)
    first.save(force_insert=True)
    clash = _session(owner)
    clash.key = first.key

    with pytest.raises(IntegrityError), transaction.atomic():
        instance_insert(clash)

    assert list(UploadSession.objects.filter(owner=owner).values_list("pk", flat=True)) == [first.pk]


def test_an_instance_without_a_primary_key_is_refused_before_any_query(owner, django_assert_num_queries):
    session = _session(owner)
    session.pk = None

    with django_assert_num_queries(0), pytest.raises(ValueError, match="primary key"):
        instance_insert(session)
