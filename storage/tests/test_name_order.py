"""Names sort as people expect (storage/collation.py): case-insensitive, accent-aware and
natural, the same in the listing's sort=name (ascending, descending, across keyset pages),
search results, a folder's zip, and on SQLite (the embedded database)."""

import io
import sqlite3
import zipfile
from types import SimpleNamespace

import pytest

from kosha.testing import factories
from kosha.testing.factories import stored_file
from storage.collation import NAME_COLLATION, name_sort_key, sqlite_collation_register
from storage.models import File, Folder, FolderArchive

pytestmark = pytest.mark.django_db

# The issue's example, shuffled: byte order put "Zebra.txt" first and "Äpfel.txt" last.
NAMES = ["file10", "Zebra.txt", "file2", "_underscore.txt", "Äpfel.txt", "file100", "apple.txt", "file1", "banana"]
NATURAL = ["_underscore.txt", "Äpfel.txt", "apple.txt", "banana", "file1", "file2", "file10", "file100", "Zebra.txt"]


def _walk(client, folder_id: str, *, sort: str, limit: int) -> list[str]:
    names, cursor = [], None
    while True:
        params = {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"/api/v1/folders/{folder_id}/items/", params).json()
        names.extend(item["name"] for item in body["items"])
        cursor = body["next"]
        if cursor is None:
            return names


@pytest.mark.parametrize("limit", [1, 2, 4, 100])
def test_the_listing_sorts_files_naturally_across_pages(owner_client, owner, limit):
    parent = factories.folder(owner, "sorted")
    File.objects.bulk_create([File(owner=owner, folder=parent, name=name) for name in NAMES])

    assert _walk(owner_client, parent.pk, sort="name", limit=limit) == NATURAL
    assert _walk(owner_client, parent.pk, sort="-name", limit=limit) == NATURAL[::-1]


def test_folders_sort_naturally_too_and_still_before_files(owner_client, owner):
    Folder.objects.bulk_create([Folder(owner=owner, name=f"Dir {name}") for name in NAMES])
    File.objects.create(owner=owner, name="a.txt")

    names = _walk(owner_client, "root", sort="name", limit=3)

    assert names == [f"Dir {name}" for name in NATURAL] + ["a.txt"]


def test_names_equal_but_for_case_keep_one_stable_order_across_pages(owner_client, owner):
    parent = factories.folder(owner, "cases")
    File.objects.bulk_create([File(owner=owner, folder=parent, name=name) for name in ["B", "a", "A", "b", "á"]])

    walked = [_walk(owner_client, parent.pk, sort="name", limit=limit) for limit in (1, 2, 5)]

    assert walked[0] == walked[1] == walked[2]
    assert sorted(walked[0]) == ["A", "B", "a", "b", "á"]
    assert {name.casefold() for name in walked[0][:3]} == {"a", "á"}


def test_search_results_of_equal_rank_sort_naturally(owner_client, owner):
    # Names of one shape score the same; byte order would be Port b, port 9, port C, port a.
    for name in ["port C", "port a", "Port b", "port 9"]:
        File.objects.create(owner=owner, name=name)

    response = owner_client.get("/api/v1/search/", {"q": "port"})

    assert response.status_code == 200, response.json()
    assert [item["name"] for item in response.json()["items"]] == ["port 9", "port a", "Port b", "port C"]


def test_a_zip_stores_its_entries_in_natural_order(store, owner, owner_client, django_capture_on_commit_callbacks):
    project = factories.folder(owner, "Project")
    for name in NAMES:
        stored_file(owner, name, name.encode(), folder=project)

    with django_capture_on_commit_callbacks(execute=True):
        archive_id = owner_client.post(f"/api/v1/folders/{project.pk}/archive/").json()["id"]
    archive = FolderArchive.objects.get(pk=archive_id)
    with store.open(key=archive.key) as stream:
        zipped = zipfile.ZipFile(io.BytesIO(stream.read()))

    assert [info.filename for info in zipped.infolist() if not info.is_dir()] == NATURAL


def test_the_python_key_orders_the_issues_example_naturally():
    assert sorted(NAMES, key=name_sort_key) == NATURAL


def test_sqlite_orders_by_the_registered_collation():
    raw = sqlite3.connect(":memory:")
    sqlite_collation_register(None, SimpleNamespace(vendor="sqlite", connection=raw))
    raw.execute("CREATE TABLE item (name TEXT)")
    raw.executemany("INSERT INTO item VALUES (?)", [(name,) for name in NAMES])

    rows = raw.execute(f'SELECT name FROM item ORDER BY name COLLATE "{NAME_COLLATION}"').fetchall()

    assert [name for (name,) in rows] == NATURAL
