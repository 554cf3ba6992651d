"""kosha.json_in.texts_in as an `__in` lookup's right-hand side finds what the list of
the same values finds, in one statement, for names of any character a name may hold, on
PostgreSQL and SQLite."""

import pytest

from kosha.json_in import texts_in
from kosha.testing import factories
from storage.models import File, Folder

pytestmark = pytest.mark.django_db

NAMES = ['a "quoted" name.txt', "100%_sure.txt", "é ü 漢字.txt", "🙂 emoji.txt", "it's.txt", "u0041;.txt", "absent"]


def test_the_subquery_finds_what_the_list_finds_in_one_query(owner, django_assert_num_queries):
    parent = factories.folder(owner, "Papers")
    for name in NAMES[:-1]:
        factories.stored_file(owner, name, folder=parent)
    factories.folder(owner, NAMES[0])
    asked = [*NAMES, "absent.txt", 'A "QUOTED" NAME.TXT']

    with django_assert_num_queries(2):
        files = set(File.objects.filter(owner=owner, name__in=texts_in(asked)).values_list("name", flat=True))
        folders = set(
            Folder.objects.filter(owner=owner, parent=None, name__in=texts_in(asked)).values_list("name", flat=True)
        )

    assert files == set(File.objects.filter(owner=owner, name__in=asked).values_list("name", flat=True))
    assert files == set(NAMES[:-1])
    assert folders == {NAMES[0]}
    assert not File.objects.filter(owner=owner, name__in=texts_in(["none"])).exists()
