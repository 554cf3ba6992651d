"""storage.fixed_reads against the ORM query each statement replaces: the same instances,
field for field, with the owner loaded, and nothing for a trashed or unknown id."""

import uuid

import pytest
from django.utils import timezone

from kosha.testing import factories
from storage.fixed_reads import live_folder_with_owner
from storage.models import Folder

pytestmark = pytest.mark.django_db


def _values(instance) -> list:
    return [getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields]


def test_a_live_folder_is_read_as_the_orm_reads_it_with_its_owner(owner, django_assert_num_queries):
    parent = factories.folder(owner, "Parent")
    child = factories.folder(owner, "Child ✓", parent)
    expected = Folder.objects.select_related("owner").filter(pk=child.pk, deleted_at__isnull=True).first()

    with django_assert_num_queries(1):
        found = live_folder_with_owner(child.pk)
        assert found.owner.email == owner.email

    assert _values(found) == _values(expected)
    assert [type(value) for value in _values(found)] == [type(value) for value in _values(expected)]
    assert _values(found.owner) == _values(expected.owner)
    assert (found._state.adding, found._state.db) == (False, expected._state.db)
    assert found.owner._state.adding is False


def test_a_trashed_or_unknown_folder_is_not_read(owner):
    trashed = factories.folder(owner, "Old")
    Folder.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now(), trash_batch=uuid.uuid4())

    assert live_folder_with_owner(trashed.pk) is None
    assert live_folder_with_owner(uuid.uuid4()) is None
