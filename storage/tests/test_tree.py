"""A tree that cannot cycle (storage/tree.py): the depth cap on create, move and restore,
a cycle check that does not depend on depth, and walks that end even on a table that
holds a loop (made here with raw SQL, as a hand edit or a bad restore would)."""

import io
import uuid
import zipfile
from contextlib import contextmanager

import pytest
from django.db import connection

from kosha.errors import InvalidInput
from kosha.origin import TASK
from kosha.testing import factories
from sharing.access import access_for_link
from storage.backends import get_backend
from storage.listing import folder_ancestry, folder_items_list_for_user
from storage.models import File, Folder, FolderArchive
from storage.places import Place
from storage.services.archives import folder_archive_build, folder_archive_start
from storage.services.folders import folder_update
from storage.services.trash import folder_trash, trash_delete, trash_restore
from storage.tree import folder_chain, folder_subtree

pytestmark = pytest.mark.django_db


@contextmanager
def query_budget(limit: int):
    """Fail (instead of hanging) once the block runs more than `limit` queries: a walk
    that loops on a cycle keeps querying until it is stopped."""
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        if count > limit:
            raise AssertionError(f"more than {limit} queries: a walk is looping")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        yield


def _chain(owner, depth: int, *, under: Folder | None = None, prefix: str = "level") -> list[Folder]:
    """`depth` nested folders in one bulk INSERT, top first. Rows, not the service: this
    is also how a tree built before the cap (or restored from an old backup) looks."""
    rows, parent_id = [], under.pk if under else None
    for level in range(depth):
        row = Folder(id=uuid.uuid4(), owner=owner, parent_id=parent_id, name=f"{prefix} {level + 1}")
        rows.append(row)
        parent_id = row.id
    return Folder.objects.bulk_create(rows)


def _close_loop(child: Folder, parent: Folder) -> None:
    """Point child's parent at parent with raw SQL, past every service."""
    table = connection.ops.quote_name(Folder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET parent_id = %s WHERE id = %s",  # noqa: S608
            [
                Folder._meta.pk.get_db_prep_value(parent.pk, connection),
                Folder._meta.pk.get_db_prep_value(child.pk, connection),
            ],
        )


def _refusal(excinfo, reason: str) -> None:
    assert excinfo.value.details["reason"] == reason


# --- the depth cap -------------------------------------------------------------------------


def test_the_cap_is_256_by_default(settings):
    assert settings.KOSHA_MAX_FOLDER_DEPTH == 256


def test_a_folder_can_be_created_at_the_cap_and_not_below_it(owner, settings):
    chain = _chain(owner, settings.KOSHA_MAX_FOLDER_DEPTH - 1)

    deepest = factories.folder(owner, "at the cap", chain[-1])
    with pytest.raises(InvalidInput) as refused:
        factories.folder(owner, "one too deep", deepest)

    _refusal(refused, "folder_too_deep")
    assert refused.value.details["max_depth"] == 256
    assert folder_chain(owner_id=owner.pk, folder_id=deepest.pk).depth == 256
    assert not Folder.objects.filter(owner=owner, name="one too deep").exists()


def test_the_api_refuses_a_folder_past_the_cap_with_400(owner, owner_client, settings):
    settings.KOSHA_MAX_FOLDER_DEPTH = 3
    chain = _chain(owner, 3)

    response = owner_client.post("/api/v1/folders/", {"name": "x", "parent": str(chain[-1].pk)}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "folder_too_deep"


def test_a_move_that_would_pass_the_cap_is_refused_and_one_that_fits_is_not(owner, settings):
    settings.KOSHA_MAX_FOLDER_DEPTH = 8
    left = _chain(owner, 4, prefix="left")
    right = _chain(owner, 5, prefix="right")

    with pytest.raises(InvalidInput) as refused:
        folder_update(
            actor=owner, folder=right[0], place=Place(owner=owner, folder=left[-1]), origin=TASK
        )  # 4 + 5 = 9 levels
    moved = folder_update(
        actor=owner, folder=right[1], place=Place(owner=owner, folder=left[-1]), origin=TASK
    )  # 4 + 4 = 8 levels

    _refusal(refused, "folder_too_deep")
    assert moved.parent_id == left[-1].pk
    assert folder_chain(owner_id=owner.pk, folder_id=right[-1].pk).depth == 8


def test_a_trashed_folder_that_no_longer_fits_where_it_was_comes_back_at_the_root(owner, settings):
    settings.KOSHA_MAX_FOLDER_DEPTH = 6
    top, _middle, bottom = _chain(owner, 3)
    tail = _chain(owner, 3, under=bottom, prefix="tail")  # depths 4..6
    folder_trash(actor=owner, folder=tail[0], origin=TASK)
    extra = _chain(owner, 2, prefix="extra")
    folder_update(
        actor=owner, folder=top, place=Place(owner=owner, folder=extra[-1]), origin=TASK
    )  # bottom now at depth 5

    restored = trash_restore(actor=owner, item=tail[0], origin=TASK)

    assert restored.parent_id is None
    assert folder_chain(owner_id=owner.pk, folder_id=tail[-1].pk).depth == 3


def test_a_trashed_folder_that_still_fits_comes_back_where_it_was(owner, settings):
    settings.KOSHA_MAX_FOLDER_DEPTH = 6
    _top, _middle, bottom = _chain(owner, 3)
    tail = _chain(owner, 3, under=bottom, prefix="tail")
    folder_trash(actor=owner, folder=tail[0], origin=TASK)

    restored = trash_restore(actor=owner, item=tail[0], origin=TASK)

    assert restored.parent_id == bottom.pk
    assert folder_chain(owner_id=owner.pk, folder_id=tail[-1].pk).depth == 6


# --- a cycle check that does not depend on depth --------------------------------------------


def test_moving_the_top_of_a_1002_deep_chain_under_its_bottom_is_refused(owner):
    chain = _chain(owner, 1002)  # past the cap and past the 1,000 steps the old walk took

    with pytest.raises(InvalidInput) as refused:
        folder_update(actor=owner, folder=chain[0], place=Place(owner=owner, folder=chain[-1]), origin=TASK)

    assert refused.value.details["reason"] in ("folder_cycle", "folder_too_deep")
    assert Folder.objects.get(pk=chain[0].pk).parent_id is None


def test_moving_a_folder_under_its_own_descendant_is_refused_at_any_depth(owner, settings):
    chain = _chain(owner, settings.KOSHA_MAX_FOLDER_DEPTH)

    with pytest.raises(InvalidInput) as refused:
        folder_update(actor=owner, folder=chain[1], place=Place(owner=owner, folder=chain[-1]), origin=TASK)

    _refusal(refused, "folder_cycle")
    assert Folder.objects.get(pk=chain[1].pk).parent_id == chain[0].pk


def test_the_api_refuses_a_move_under_a_descendant_with_400(owner, owner_client):
    top, _middle, bottom = _chain(owner, 3)

    response = owner_client.patch(f"/api/v1/folders/{top.pk}/", {"parent": str(bottom.pk)}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "folder_cycle"


def test_nothing_can_be_attached_below_a_chain_that_loops(owner):
    a, b, c = _chain(owner, 3)
    _close_loop(a, c)  # a -> b -> c -> a: no root above any of them
    outsider = factories.folder(owner, "outsider")

    with pytest.raises(InvalidInput) as moved:
        folder_update(actor=owner, folder=outsider, place=Place(owner=owner, folder=b), origin=TASK)
    with pytest.raises(InvalidInput) as created:
        factories.folder(owner, "inside", b)

    _refusal(moved, "folder_cycle")
    _refusal(created, "folder_cycle")
    assert Folder.objects.get(pk=outsider.pk).parent_id is None


# --- every walk ends on a table that holds a loop -------------------------------------------


@pytest.fixture
def loop(owner, local_settings):
    """a -> b -> c -> a (and d under c, a file in each), closed with raw SQL."""
    a, b, c = _chain(owner, 3)
    d = factories.folder(owner, "d", c)
    for folder in (a, b, c, d):
        factories.stored_file(owner, f"in {folder.name}.txt", folder=folder)
    _close_loop(a, c)
    return a, b, c, d


def test_the_chain_walk_stops_on_a_loop_and_says_it_does_not_reach_the_root(owner, loop):
    a, b, c, d = loop

    with query_budget(1):
        chain = folder_chain(owner_id=owner.pk, folder_id=d.pk)

    assert chain.ids[-1] == d.pk
    assert sorted(chain.ids) == sorted([a.pk, b.pk, c.pk, d.pk])  # each once, then it stops
    assert not chain.reaches_root


def test_the_subtree_walk_visits_each_folder_of_a_loop_once(owner, loop):
    a, b, c, d = loop

    with query_budget(1):
        rows = folder_subtree(owner_id=owner.pk, folder_id=b.pk)

    assert sorted(row.id for row in rows) == sorted([a.pk, b.pk, c.pk, d.pk])


def test_listing_a_folder_in_a_loop_answers(owner, loop):
    _a, b, _c, _d = loop

    with query_budget(5):
        page = folder_items_list_for_user(user=owner, folder_id=b.pk)
        crumbs = folder_ancestry(user=owner, folder_id=b.pk)

    assert [item["name"] for item in page.items] == ["level 3", "in level 2.txt"]
    assert len({crumb.id for crumb in crumbs}) == len(crumbs) == 3


def test_trashing_a_folder_in_a_loop_answers_and_trashes_the_loop(owner, loop):
    a, b, c, d = loop

    with query_budget(20):
        folder_trash(actor=owner, folder=b, origin=TASK)

    assert not Folder.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk], deleted_at__isnull=True).exists()
    assert not File.objects.filter(owner=owner, deleted_at__isnull=True).exists()


def test_purging_a_loop_from_the_trash_answers_and_deletes_it(owner, loop):
    a, b, c, d = loop
    with query_budget(20):
        folder_trash(actor=owner, folder=b, origin=TASK)

    with query_budget(60):
        purged = trash_delete(actor=owner, item=Folder.objects.get(pk=b.pk), origin=TASK)

    assert purged.files == 4
    assert not Folder.objects.filter(owner=owner).exists()


def test_archiving_a_folder_in_a_loop_answers_with_each_file_once(owner, loop):
    _a, b, _c, _d = loop

    with query_budget(40):
        archive = folder_archive_build(archive_id=folder_archive_start(actor=owner, folder=b, origin=TASK).pk)

    assert archive.status == FolderArchive.Status.READY
    with get_backend().open(key=archive.key) as stream, zipfile.ZipFile(io.BytesIO(stream.read())) as zipped:
        names = sorted(info.filename for info in zipped.infolist() if not info.is_dir())
    assert len(names) == 4
    assert "in level 2.txt" in names


def test_a_link_to_a_folder_outside_a_loop_reaches_nothing_in_it(owner, loop):
    _a, b, _c, _d = loop
    elsewhere = factories.folder(owner, "elsewhere")
    link, _token = factories.link(owner, elsewhere)

    with query_budget(2):
        role = access_for_link(link=link, item=b)

    assert role is None
