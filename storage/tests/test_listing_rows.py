"""The listing's fixed row statements (storage/listing_rows.py) against the ORM queryset
they replace: the same rows with the same values, in the same order, for every sort and
direction, from the start and after a cursor taken at each row, with and without a
viewer's stars, in a folder, at the root and in a trash batch."""

import uuid
from datetime import timedelta

import pytest
from django.db.models import BooleanField, Exists, OuterRef, Value
from django.utils import timezone

from kosha.pages import cursor_sign, cursor_unsign, keyset_after, keyset_order
from storage.collation import name_collated
from storage.listing import SORTS, _rows, file_rows_annotate
from storage.models import File, FileVersion, Folder, Star

pytestmark = pytest.mark.django_db

BASE = timezone.now().replace(microsecond=0) - timedelta(days=3)
# Case, accents, digits by number, punctuation and equal primary keys ("a.txt", "A.txt").
NAMES = ["file10.txt", "file2.txt", "File1.txt", "Äpfel.jpg", "apple.jpg", "a.txt", "A.txt", "_x", "zeta", "Ωmega"]


def _reference(files: bool, *, owner, parent_id, keys, descending, after, limit, viewer, trash_batch) -> list[dict]:
    """The rows as the ORM read them before the fixed statements (storage/listing.py at ea883ba)."""
    model = File if files else Folder
    alive = {"deleted_at__isnull": True} if trash_batch is None else {"trash_batch": trash_batch}
    queryset = model.objects.filter(owner=owner, **{"folder" if files else "parent_id": parent_id}, **alive)
    queryset = queryset.annotate(name_sort=name_collated())
    if after is not None:
        queryset = queryset.filter(keyset_after(keys, after, descending=descending))
    queryset = queryset.order_by(*keyset_order(keys, descending=descending))
    if files:
        queryset = file_rows_annotate(queryset, viewer=viewer)
        fields = ["id", "name", "size_bytes", "content_type", "updated_at", "version_count", "thumbnail_key"]
    else:
        starred = (
            Exists(Star.objects.filter(user=viewer, folder=OuterRef("pk")))
            if viewer is not None
            else Value(False, output_field=BooleanField())
        )
        queryset = queryset.annotate(starred=starred)
        fields = ["id", "name", "updated_at"]
    return list(queryset.values("name_sort", *fields, "starred")[:limit])


def _normal(rows: list[dict]) -> list[dict]:
    # SQLite answers EXISTS with 0/1; the listing reads it with bool().
    return [{**row, "starred": bool(row["starred"])} for row in rows]


def _fill(owner, viewer, parent, *, trash_batch=None) -> None:
    deleted_at = timezone.now() if trash_batch else None
    for index, name in enumerate(NAMES):
        folder = Folder.objects.create(
            owner=owner, parent=parent, name=f"dir {name}", deleted_at=deleted_at, trash_batch=trash_batch
        )
        file = File.objects.create(
            owner=owner,
            folder=parent,
            name=name,
            size_bytes=(index % 3) * 100,
            content_type=["text/plain", "image/jpeg"][index % 2],
            deleted_at=deleted_at,
            trash_batch=trash_batch,
        )
        for number in range(index % 3):
            version = FileVersion.objects.create(
                file=file,
                number=number + 1,
                key=f"k/{uuid.uuid4()}",
                size_bytes=1,
                content_type="image/jpeg",
                thumbnail_key=f"t/{uuid.uuid4()}" if index % 2 else "",
            )
            File.objects.filter(pk=file.pk).update(current_version=version)
        # Modified times with ties, so the id tiebreak matters.
        Folder.objects.filter(pk=folder.pk).update(updated_at=BASE + timedelta(minutes=index % 3))
        File.objects.filter(pk=file.pk).update(updated_at=BASE + timedelta(minutes=index % 3))
        if index % 3 == 0:
            Star.objects.create(user=viewer, folder=folder)
            Star.objects.create(user=viewer, file=file)
    # Rows that must not show: a trashed file beside the live ones, another owner's file.
    File.objects.create(
        owner=owner, folder=parent, name="gone.txt", deleted_at=timezone.now(), trash_batch=uuid.uuid4()
    )


@pytest.mark.parametrize("place", ["folder", "root", "trash"])
def test_fixed_statements_read_what_the_orm_read(owner, collaborator, place):
    trash_batch = uuid.uuid4() if place == "trash" else None
    parent = None if place == "root" else Folder.objects.create(owner=owner, name="parent")
    _fill(owner, collaborator, parent, trash_batch=trash_batch)
    File.objects.create(owner=collaborator, folder=None, name="theirs.txt")
    parent_id = parent.pk if parent is not None else None
    checked = 0

    for files in (False, True):
        for sort, (folder_keys, file_keys) in SORTS.items():
            keys = [*(file_keys if files else folder_keys), "id"]
            for descending in (False, True):
                for viewer in (collaborator, None):
                    shape = dict(parent_id=parent_id, keys=keys, descending=descending, viewer=viewer)
                    shape |= dict(trash_batch=trash_batch)
                    whole, rows = _both(files, owner=owner, shape=shape, after=None, limit=100)
                    assert len(whole) == len(NAMES)
                    assert rows == whole, (files, sort, descending)
                    for row in whole:
                        # The keyset values as a cursor carries them (ids as text, times from ISO).
                        after = tuple(cursor_unsign(cursor_sign([row[key] for key in keys], scope="t"), scope="t"))
                        expected, got = _both(files, owner=owner, shape=shape, after=after, limit=4)
                        assert got == expected, (files, sort, descending, row["name"])
                        checked += 1

    assert checked == 2 * len(SORTS) * 2 * 2 * len(NAMES)


def _both(files: bool, *, owner, shape: dict, after, limit: int) -> tuple[list[dict], list[dict]]:
    """The rows the ORM read and the rows the fixed statement reads, for one shape."""
    expected = _reference(files, owner=owner, **shape, after=after, limit=limit)
    return _normal(expected), _normal(_rows(files=files, user=owner, **shape, after=after, limit=limit))
