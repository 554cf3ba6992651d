"""GET /api/v1/recent/, GET /api/v1/starred/ and PUT/DELETE /api/v1/<files|folders>/<id>/star/:
what a person sees across folders (their space and what is shared with them), newest
first, keyset-paginated at a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kosha.testing import factories
from kosha.testing.clients import api_as
from kosha.testing.factories import stored_file
from storage.models import File, Folder, Star
from storage.services.trash import file_trash

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory_cache(settings):
    """Keep the rate limiter's (per-request) cache queries out of the counts."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _age(item, minutes: int) -> None:
    """Pretend `item` last changed `minutes` ago."""
    type(item).objects.filter(pk=item.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes))


def _names(body) -> list[str]:
    return [item["name"] for item in body["items"]]


def _all_pages(client, url: str, limit: int) -> list[str]:
    names, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params).json()
        names += _names(body)
        cursor = body["next"]
        if cursor is None:
            return names


# --- Recent -------------------------------------------------------------------------------


def test_recent_lists_my_files_and_files_shared_with_me_newest_first(local_settings, owner, collaborator, stranger):
    mine = stored_file(collaborator, "mine.txt", b"1")
    shared_folder = factories.folder(owner, "Team")
    inside = stored_file(owner, "plan.txt", b"22", folder=factories.folder(owner, "Deep", shared_folder))
    direct = stored_file(owner, "direct.pdf", b"333", content_type="application/pdf")
    unshared = stored_file(owner, "private.txt", b"4")
    strangers = stored_file(stranger, "theirs.txt", b"5")
    factories.share(owner, shared_folder, collaborator, role="editor")
    factories.share(owner, direct, collaborator, role="viewer")
    for minutes, item in enumerate([inside, direct, mine, unshared, strangers]):
        _age(item, minutes)

    response = api_as(collaborator).get("/api/v1/recent/")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["plan.txt", "direct.pdf", "mine.txt"]
    by_name = {item["name"]: item for item in items}
    assert by_name["plan.txt"]["role"] == "editor"
    assert by_name["plan.txt"]["owner"] == owner.email
    assert by_name["plan.txt"]["parent"] == str(inside.folder_id)
    assert by_name["direct.pdf"]["role"] == "viewer"
    assert by_name["direct.pdf"]["parent"] is None  # the owner's root is not the reader's to open
    assert (by_name["mine.txt"]["role"], by_name["mine.txt"]["owner"]) == ("owner", collaborator.email)
    assert by_name["direct.pdf"]["size"] == 3 and by_name["direct.pdf"]["version_count"] == 1


def test_recent_leaves_out_trashed_files_and_follows_a_new_version(local_settings, owner_client, owner):
    old = stored_file(owner, "old.txt", b"1")
    gone = stored_file(owner, "gone.txt", b"2")
    stored_file(owner, "newer.txt", b"3")
    file_trash(actor=owner, file=gone, origin=factories.TASK)
    _age(old, 60)

    stored_file(owner, "old.txt", b"a new version")  # bumps the file

    assert _names(owner_client.get("/api/v1/recent/").json()) == ["old.txt", "newer.txt"]


def test_recent_pages_on_a_keyset_without_gaps_or_repeats(local_settings, owner_client, owner):
    files = File.objects.bulk_create([File(owner=owner, name=f"f{index:02}") for index in range(25)])
    now = timezone.now()
    for index, file in enumerate(files):
        # Pairs share a timestamp: the id breaks the tie.
        File.objects.filter(pk=file.pk).update(updated_at=now - timedelta(seconds=index // 2))

    names = _all_pages(owner_client, "/api/v1/recent/", limit=4)

    assert sorted(names) == sorted(file.name for file in files)
    assert len(names) == 25


@pytest.mark.parametrize("count", [5, 15])
def test_a_recent_page_costs_the_same_queries_at_n_and_3n_files(
    local_settings, owner, collaborator, count, django_assert_num_queries, memory_cache
):
    team = factories.folder(owner, "Team")
    factories.share(owner, team, collaborator, role="viewer")
    File.objects.bulk_create([File(owner=owner, folder=team, name=f"t{index}") for index in range(count)])
    File.objects.bulk_create([File(owner=collaborator, name=f"m{index}") for index in range(count)])
    client = api_as(collaborator)

    # 1. the shares with me (owners joined), 2. the folders under the shared ones (one
    # recursive query), 3. the page of files with version counts, thumbnails and my stars
    with django_assert_num_queries(3):
        response = client.get("/api/v1/recent/", {"limit": 100})

    assert len(response.json()["items"]) == 2 * count


def test_recent_with_a_bad_cursor_or_limit_is_400(local_settings, owner_client):
    assert owner_client.get("/api/v1/recent/", {"cursor": "nope"}).status_code == 400
    assert owner_client.get("/api/v1/recent/", {"limit": "0"}).status_code == 400


def test_recent_and_starred_need_a_signed_in_user(local_settings):
    assert api_as(None).get("/api/v1/recent/").status_code in (401, 403)
    assert api_as(None).get("/api/v1/starred/").status_code in (401, 403)


# --- Stars --------------------------------------------------------------------------------


def test_star_and_unstar_are_idempotent_and_show_in_the_listing(local_settings, owner_client, owner):
    file = stored_file(owner, "a.txt", b"1")
    folder = factories.folder(owner, "Docs")

    first = owner_client.put(f"/api/v1/files/{file.pk}/star/")
    again = owner_client.put(f"/api/v1/files/{file.pk}/star/")
    folder_star = owner_client.put(f"/api/v1/folders/{folder.pk}/star/")

    assert (first.status_code, again.status_code, folder_star.status_code) == (201, 200, 201)
    assert first.json() == {"kind": "file", "id": str(file.pk), "starred": True}
    listing = {
        item["name"]: item["starred"] for item in owner_client.get("/api/v1/folders/root/items/").json()["items"]
    }
    assert listing == {"Docs": True, "a.txt": True}

    assert owner_client.delete(f"/api/v1/files/{file.pk}/star/").status_code == 204
    assert owner_client.delete(f"/api/v1/files/{file.pk}/star/").status_code == 204
    assert Star.objects.filter(user=owner).count() == 1
    listing = {
        item["name"]: item["starred"] for item in owner_client.get("/api/v1/folders/root/items/").json()["items"]
    }
    assert listing == {"Docs": True, "a.txt": False}


def test_a_collaborator_stars_a_shared_item_and_the_owner_does_not_see_it(local_settings, owner, collaborator):
    team = factories.folder(owner, "Team")
    file = stored_file(owner, "plan.txt", b"1", folder=team)
    factories.share(owner, team, collaborator, role="viewer")

    response = api_as(collaborator).put(f"/api/v1/files/{file.pk}/star/")

    assert response.status_code == 201
    shared_listing = api_as(collaborator).get(f"/api/v1/folders/{team.pk}/items/").json()["items"]
    assert [item["starred"] for item in shared_listing] == [True]
    owner_listing = api_as(owner).get(f"/api/v1/folders/{team.pk}/items/").json()["items"]
    assert [item["starred"] for item in owner_listing] == [False]
    assert api_as(owner).get("/api/v1/starred/").json()["items"] == []


def test_a_stranger_cannot_star_and_gets_404(local_settings, owner, stranger):
    file = stored_file(owner, "a.txt", b"1")
    folder = factories.folder(owner, "Docs")

    responses = [
        api_as(stranger).put(f"/api/v1/files/{file.pk}/star/"),
        api_as(stranger).put(f"/api/v1/folders/{folder.pk}/star/"),
        api_as(stranger).delete(f"/api/v1/files/{file.pk}/star/"),
        api_as(stranger).put("/api/v1/files/not-an-id/star/"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert not Star.objects.exists()


def test_starred_lists_what_i_may_still_see_newest_star_first(local_settings, owner, collaborator):
    team = factories.folder(owner, "Team")
    plan = stored_file(owner, "plan.txt", b"1", folder=team)
    later_unshared = stored_file(owner, "solo.txt", b"2")
    mine = factories.folder(collaborator, "Mine")
    trashed = stored_file(collaborator, "trashed.txt", b"3")
    factories.share(owner, team, collaborator, role="editor")
    solo_share = factories.share(owner, later_unshared, collaborator, role="viewer")
    client = api_as(collaborator)
    for path in [
        f"files/{plan.pk}",
        f"folders/{team.pk}",
        f"files/{later_unshared.pk}",
        f"folders/{mine.pk}",
        f"files/{trashed.pk}",
    ]:
        assert client.put(f"/api/v1/{path}/star/").status_code == 201
    file_trash(actor=collaborator, file=trashed, origin=factories.TASK)
    solo_share.delete()

    body = client.get("/api/v1/starred/").json()

    assert _names(body) == ["Mine", "Team", "plan.txt"]
    by_name = {item["name"]: item for item in body["items"]}
    assert (by_name["Team"]["kind"], by_name["Team"]["role"], by_name["Team"]["parent"]) == ("folder", "editor", None)
    assert (by_name["plan.txt"]["parent"], by_name["plan.txt"]["owner"]) == (str(team.pk), owner.email)
    assert (by_name["Mine"]["role"], by_name["Mine"]["owner"]) == ("owner", collaborator.email)
    assert all(item["starred"] for item in body["items"])


@pytest.mark.parametrize("count", [4, 12])
def test_a_starred_page_costs_the_same_queries_at_n_and_3n_stars(
    local_settings, owner, collaborator, count, django_assert_num_queries, memory_cache
):
    team = factories.folder(owner, "Team")
    factories.share(owner, team, collaborator, role="viewer")
    files = File.objects.bulk_create([File(owner=owner, folder=team, name=f"t{index}") for index in range(count)])
    folders = Folder.objects.bulk_create([Folder(owner=collaborator, name=f"d{index}") for index in range(count)])
    Star.objects.bulk_create(
        [Star(user=collaborator, file=file) for file in files] + [Star(user=collaborator, folder=f) for f in folders]
    )
    client = api_as(collaborator)

    # 1. the shares with me, 2. the folders under them, 3. the page of stars with their
    # folders joined, 4. the page's files with version counts and thumbnails
    with django_assert_num_queries(4):
        response = client.get("/api/v1/starred/", {"limit": 100})

    assert len(response.json()["items"]) == 2 * count


def test_starred_pages_on_a_keyset(local_settings, owner_client, owner):
    folders = Folder.objects.bulk_create([Folder(owner=owner, name=f"d{index:02}") for index in range(9)])
    Star.objects.bulk_create([Star(user=owner, folder=folder) for folder in folders])

    names = _all_pages(owner_client, "/api/v1/starred/", limit=2)

    assert sorted(names) == [folder.name for folder in folders]
