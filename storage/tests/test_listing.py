"""GET /api/v1/folders/<id|root>/items/: folders then files, every sort, keyset cursors,
breadcrumbs, and a constant number of queries per page whatever the folder holds."""

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone
from rest_framework.test import APIClient

from kosha.pages import cursor_unsign
from kosha.testing import factories
from storage.listing import SORT_CHOICES
from storage.models import File, FileVersion, Folder

pytestmark = pytest.mark.django_db

BASE = timezone.now().replace(microsecond=0) - timedelta(days=10)


def _items_url(folder, **params):
    target = "root" if folder is None else folder.pk
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/folders/{target}/items/?{query}"


def _fill(owner, parent, *, folders: int, files: int) -> None:
    """Rows straight into the tables: with ties in every sort key so the id tiebreak matters."""
    Folder.objects.bulk_create(
        [Folder(owner=owner, parent=parent, name=f"dir {index:04d}") for index in range(folders)]
    )
    File.objects.bulk_create(
        [
            File(
                owner=owner,
                folder=parent,
                name=f"file {index:04d}.bin",
                size_bytes=(index % 4) * 10,
                content_type=["text/plain", "image/png", "application/pdf"][index % 3],
            )
            for index in range(files)
        ]
    )
    # Modified times with ties: three distinct instants.
    for index, folder in enumerate(Folder.objects.filter(owner=owner, parent=parent)):
        Folder.objects.filter(pk=folder.pk).update(updated_at=BASE + timedelta(minutes=index % 3))
    for index, file in enumerate(File.objects.filter(owner=owner, folder=parent)):
        File.objects.filter(pk=file.pk).update(updated_at=BASE + timedelta(minutes=index % 3))


def _expected(owner, parent, sort: str) -> list[str]:
    """The order the API promises, computed in Python: folders, then files, each by the
    sort key (folders fall back to name for size and type), then by id."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    folder_key = {"name": lambda f: (f.name,), "modified": lambda f: (f.updated_at,)}.get(key, lambda f: (f.name,))
    file_key = {
        "name": lambda f: (f.name,),
        "modified": lambda f: (f.updated_at,),
        "size": lambda f: (f.size_bytes,),
        "type": lambda f: (f.content_type, f.name),
    }[key]
    folders = sorted(
        Folder.objects.filter(owner=owner, parent=parent, deleted_at__isnull=True),
        key=lambda f: (*folder_key(f), f.id.hex),
        reverse=descending,
    )
    files = sorted(
        File.objects.filter(owner=owner, folder=parent, deleted_at__isnull=True),
        key=lambda f: (*file_key(f), f.id.hex),
        reverse=descending,
    )
    return [str(f.id) for f in folders] + [str(f.id) for f in files]


def _walk(client, folder, *, sort: str, limit: int) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        params = {"sort": sort, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = client.get(_items_url(folder, **params))
        assert response.status_code == 200, response.json()
        body = response.json()
        assert len(body["items"]) <= limit
        items.extend(body["items"])
        cursor = body["next"]
        pages += 1
        assert pages < 1000
        if cursor is None:
            return items


# --- order and pagination -------------------------------------------------------------------


def test_folders_come_before_files_whatever_the_names(owner_client, owner):
    File.objects.create(owner=owner, name="aaa.txt")
    factories.folder(owner, "zzz")

    body = owner_client.get(_items_url(None)).json()

    assert [(item["kind"], item["name"]) for item in body["items"]] == [("folder", "zzz"), ("file", "aaa.txt")]
    assert body["next"] is None
    assert body["breadcrumbs"] == []


@pytest.mark.parametrize("sort", SORT_CHOICES)
@pytest.mark.parametrize("limit", [1, 4, 7, 100])
def test_pagination_walks_the_whole_folder_in_order_with_no_duplicates_or_misses(owner_client, owner, sort, limit):
    parent = factories.folder(owner, "big")
    _fill(owner, parent, folders=7, files=17)

    items = _walk(owner_client, parent, sort=sort, limit=limit)

    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 24
    assert ids == _expected(owner, parent, sort)
    kinds = [item["kind"] for item in items]
    assert kinds == ["folder"] * 7 + ["file"] * 17


def test_a_page_that_ends_exactly_after_the_last_folder_points_at_the_files(owner_client, owner):
    _fill(owner, None, folders=3, files=2)

    first = owner_client.get(_items_url(None, limit=3)).json()
    second = owner_client.get(_items_url(None, limit=3, cursor=first["next"])).json()

    assert [item["kind"] for item in first["items"]] == ["folder"] * 3
    assert first["next"] is not None
    assert [item["kind"] for item in second["items"]] == ["file"] * 2
    assert second["next"] is None


def test_exactly_limit_folders_and_no_files_has_no_next_page(owner_client, owner):
    _fill(owner, None, folders=3, files=0)

    body = owner_client.get(_items_url(None, limit=3)).json()

    assert len(body["items"]) == 3
    assert body["next"] is None


def test_an_empty_folder_lists_nothing(owner_client, owner):
    parent = factories.folder(owner, "empty")

    body = owner_client.get(_items_url(parent)).json()

    assert body == {
        "items": [],
        "next": None,
        "breadcrumbs": [{"id": str(parent.pk), "name": "empty"}],
        "role": "owner",
        "owner": owner.email,
    }


def test_trashed_children_and_other_folders_children_are_not_listed(owner_client, owner, stranger):
    parent = factories.folder(owner, "p")
    _fill(owner, parent, folders=2, files=2)
    Folder.objects.filter(parent=parent, name="dir 0000").update(deleted_at=timezone.now())
    File.objects.filter(folder=parent, name="file 0000.bin").update(deleted_at=timezone.now())
    File.objects.create(owner=owner, name="in root.txt")
    File.objects.create(owner=stranger, name="theirs.txt")

    body = owner_client.get(_items_url(parent)).json()

    assert [item["name"] for item in body["items"]] == ["dir 0001", "file 0001.bin"]


def test_items_carry_kind_size_type_versions_and_thumbnail(owner_client, owner):
    folder = factories.folder(owner, "pics")
    image = File.objects.create(owner=owner, name="cat.png", size_bytes=20, content_type="image/png")
    FileVersion.objects.create(file=image, number=1, key="k1", size_bytes=10, content_type="image/png")
    current = FileVersion.objects.create(
        file=image, number=2, key="k2", size_bytes=20, content_type="image/png", thumbnail_key="t2"
    )
    File.objects.filter(pk=image.pk).update(current_version=current)
    plain = File.objects.create(owner=owner, name="notes.txt", size_bytes=0, content_type="text/plain")

    items = owner_client.get(_items_url(None)).json()["items"]

    assert items[0] == {
        "kind": "folder",
        "id": str(folder.pk),
        "name": "pics",
        "size": None,
        "content_type": None,
        "modified": items[0]["modified"],
        "version_count": None,
        "thumbnail_url": None,
        "shared": False,
        "starred": False,
    }
    assert items[1]["kind"] == "file"
    assert (items[1]["name"], items[1]["size"], items[1]["content_type"]) == ("cat.png", 20, "image/png")
    assert items[1]["version_count"] == 2
    assert items[1]["thumbnail_url"] == f"/api/v1/files/{image.pk}/thumbnail/"
    assert items[1]["shared"] is False
    assert items[2]["id"] == str(plain.pk)
    assert (items[2]["version_count"], items[2]["thumbnail_url"]) == (0, None)
    assert all(item["modified"] for item in items)


def test_breadcrumbs_run_from_the_top_folder_to_this_one(owner_client, owner):
    a = factories.folder(owner, "a")
    b = factories.folder(owner, "b", a)
    c = factories.folder(owner, "c", b)

    body = owner_client.get(_items_url(c)).json()

    assert body["breadcrumbs"] == [
        {"id": str(a.pk), "name": "a"},
        {"id": str(b.pk), "name": "b"},
        {"id": str(c.pk), "name": "c"},
    ]


# --- bad input --------------------------------------------------------------------------------


def _a_next_cursor(client, owner, parent):
    _fill(owner, parent, folders=2, files=3)
    body = client.get(_items_url(parent, limit=2)).json()
    assert body["next"]
    return body["next"]


def test_a_tampered_cursor_is_400(owner_client, owner):
    parent = factories.folder(owner, "p")
    cursor = _a_next_cursor(owner_client, owner, parent)
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    phase, *_ = cursor_unsign(cursor, scope=f"storage.listing:{owner.pk}:{parent.pk}:name")
    forged_payload = signing.dumps([phase, "aaa", "00000000-0000-0000-0000-000000000000"], salt="other")

    for bad in (flipped, "garbage", "a" * 3000, forged_payload, cursor + "x"):
        response = owner_client.get(_items_url(parent, limit=2, cursor=bad))
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid"
        assert response.json()["error"]["field"] == "cursor"


def test_a_cursor_is_refused_with_another_sort_folder_or_user(owner_client, stranger_client, owner, stranger):
    parent = factories.folder(owner, "p")
    cursor = _a_next_cursor(owner_client, owner, parent)
    root_cursor = owner_client.get(_items_url(None, limit=1)).json()["next"]
    _fill(stranger, None, folders=2, files=0)

    other_sort = owner_client.get(_items_url(parent, limit=2, sort="-name", cursor=cursor))
    other_folder = owner_client.get(_items_url(None, limit=2, cursor=cursor))
    other_user = stranger_client.get(_items_url(None, limit=1, cursor=root_cursor))

    for response in (other_sort, other_folder, other_user):
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sort": "owner"}, "sort"), ({"sort": "--name"}, "sort"), ({"limit": "abc"}, "limit"), ({"limit": "0"}, "limit")],
)
def test_bad_sort_or_limit_is_400(owner_client, params, field):
    response = owner_client.get(_items_url(None, **params))

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_a_limit_over_500_is_refused_and_500_is_a_full_page(owner_client, owner):
    _fill(owner, None, folders=0, files=501)

    refused = owner_client.get(_items_url(None, limit=501))
    body = owner_client.get(_items_url(None, limit=500)).json()

    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "limit"
    assert len(body["items"]) == 500
    assert body["next"] is not None


def test_the_default_page_is_100_items(owner_client, owner):
    _fill(owner, None, folders=60, files=60)

    body = owner_client.get(_items_url(None)).json()

    assert len(body["items"]) == 100


def test_a_strangers_folder_a_trashed_folder_and_a_malformed_id_are_404(owner_client, stranger_client, owner):
    mine = factories.folder(owner, "mine")
    trashed = factories.folder(owner, "trashed")
    Folder.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())

    assert stranger_client.get(_items_url(mine)).status_code == 404
    assert owner_client.get(_items_url(trashed)).status_code == 404
    assert owner_client.get("/api/v1/folders/not-a-uuid/items/").status_code == 404


def test_root_is_each_users_own_root(owner_client, stranger_client, owner, stranger):
    File.objects.create(owner=owner, name="owner.txt")
    File.objects.create(owner=stranger, name="stranger.txt")

    assert [i["name"] for i in owner_client.get(_items_url(None)).json()["items"]] == ["owner.txt"]
    assert [i["name"] for i in stranger_client.get(_items_url(None)).json()["items"]] == ["stranger.txt"]


def test_anonymous_listing_is_refused(owner):
    assert APIClient().get(_items_url(None)).status_code in (401, 403)


# --- query counts -----------------------------------------------------------------------------


@pytest.fixture
def memory_cache(settings):
    """The rate limiter keeps its counters in the configured cache, which defaults to the
    database: keep those (per-request, not per-item) queries out of the listing's count."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _with_versions(owner, parent):
    """Give every file two versions, so an N+1 on version_count would show."""
    versions = []
    for file in File.objects.filter(owner=owner, folder=parent):
        versions += [
            FileVersion(file=file, number=number, key=f"{file.pk}-{number}", size_bytes=1, content_type="x/y")
            for number in (1, 2)
        ]
    FileVersion.objects.bulk_create(versions)


@pytest.mark.parametrize("count", [1, 500])
def test_a_page_of_a_subfolder_costs_five_queries_at_1_and_500_files(
    owner_client, owner, count, django_assert_num_queries, memory_cache
):
    parent = factories.folder(owner, "p")
    _fill(owner, parent, folders=0, files=count)
    _with_versions(owner, parent)

    # 1. the folder with its owner joined: the access rule (sharing.access; for the owner
    #    it needs no share lookup)
    # 2. breadcrumbs (the recursive CTE)
    # 3. folders after the cursor, limit + 1
    # 4. files after the cursor, with version_count and thumbnail key in the same SELECT
    # 5. which of the folder's items are shared (shares UNION live links, fixed SQL)
    with django_assert_num_queries(5):
        response = owner_client.get(_items_url(parent))

    assert response.status_code == 200
    assert len(response.json()["items"]) == min(count, 100)
    assert all(item["version_count"] == 2 for item in response.json()["items"])


@pytest.mark.parametrize("count", [1, 500])
def test_a_page_of_the_root_costs_three_queries_at_1_and_500_files(
    owner_client, owner, count, django_assert_num_queries, memory_cache
):
    _fill(owner, None, folders=0, files=count)

    # 1. folders, 2. files (the root has no breadcrumbs to read), 3. the shared markers
    with django_assert_num_queries(3):
        response = owner_client.get(_items_url(None, sort="-size"))

    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 500])
def test_every_page_of_a_mixed_folder_costs_at_most_five_queries(
    owner_client, owner, count, django_assert_max_num_queries, memory_cache
):
    parent = factories.folder(owner, "p")
    _fill(owner, parent, folders=count // 2, files=count // 2)
    cursor, seen = None, 0

    while True:
        params = {"sort": "type", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        # the folder (access), breadcrumbs, then folders and/or files, then the shared
        # markers: never more, however deep the page
        with django_assert_max_num_queries(5):
            body = owner_client.get(_items_url(parent, **params)).json()
        seen += len(body["items"])
        cursor = body["next"]
        if cursor is None:
            break

    assert seen == count
