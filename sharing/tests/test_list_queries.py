"""Each sharing list answers in a fixed number of queries, at N and at 3N rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kosha.origin import TASK
from kosha.testing.clients import api_as
from kosha.testing.factories import folder, link, share, stored_file, user
from storage.services.trash import file_trash

pytestmark = pytest.mark.django_db


def _world(owner, grantee, start: int, stop: int) -> None:
    for index in range(start, stop):
        item = folder(owner, f"Folder {index}")
        share(owner, item, grantee)
        link(owner, item)


@pytest.mark.parametrize(
    ("url", "as_grantee", "queries"),
    [
        # 2. the shares with their item and grantee joined, and the pending invitations with
        # their item (limit + 1 rows each, merged: they list alike, sharing.selectors)
        ("/api/v1/shares/", False, 2),
        # 1. the shares made to me with item and owner joined
        ("/api/v1/shared-with-me/", True, 1),
        # 1. the links with their item joined
        ("/api/v1/share-links/", False, 1),
    ],
)
def test_sharing_lists_cost_the_same_queries_at_n_and_3n(local_settings, owner, url, as_grantee, queries):
    grantee = user("grantee")
    counts = []
    made = 0
    for total in (4, 12):
        _world(owner, grantee, made, total)
        made = total
        client = api_as(grantee if as_grantee else owner)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.json()["items"]) == total
        counts.append(len(captured))

    assert counts[0] == counts[1], counts
    assert counts[0] == queries, [query["sql"] for query in captured.captured_queries]


# --- what collaborators list: a shared folder, search over what is shared, their trash -------


def _listed_at_n_and_3n(client, url: str, make, n: int = 4) -> tuple[list[dict], list[int], list[str]]:
    """Rows are made (`make(index)`) until there are n, then 3n; after each, `client` lists
    `url`. Returns the answers' bodies, their query counts, and the last answer's SQL."""
    bodies, counts = [], []
    for total in (n, 3 * n):
        for index in range(len(bodies) * n, total):
            make(index)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        bodies.append(response.json())
        counts.append(len(captured))
    return bodies, counts, [query["sql"] for query in captured.captured_queries]


def test_an_editor_lists_a_shared_folder_in_the_same_queries_at_n_and_3n(world):
    def note(index: int) -> None:
        stored_file(world.owner, f"note {index:02}.txt", folder=world.sub)

    bodies, counts, queries = _listed_at_n_and_3n(api_as(world.editor), f"/api/v1/folders/{world.sub.pk}/items/", note)

    assert [len(body["items"]) for body in bodies] == [4 + 1, 12 + 1]  # and deep.txt

    # 1. the folder with its owner (sharing.access), 2. its chain up to the root (the
    # recursive CTE), 3. the editor's shares on that chain; 4. the breadcrumbs (the same
    # walk, for the listing), 5. folders, 6. files. No shared markers: those are the owner's.
    assert counts == [6, 6], queries


def test_search_over_shared_items_costs_the_same_queries_at_n_and_3n(world):
    def ledger(index: int) -> None:
        stored_file(world.owner, f"ledger {index:02}.txt", folder=world.sub)

    bodies, counts, queries = _listed_at_n_and_3n(api_as(world.viewer), "/api/v1/search/?q=ledger&limit=100", ledger)

    assert [len(body["items"]) for body in bodies] == [4, 12]
    for body in bodies:
        assert {(item["owner"], item["role"]) for item in body["items"]} == {(world.owner.email, "viewer")}
        assert {tuple(item["path"]) for item in body["items"]} == {("Shared", "Sub")}

    # 1. the viewer's shares with their owners, 2. the folders under the shared ones (one
    # recursive query), a savepoint, (PostgreSQL: the similarity threshold), 3.-4. own
    # files and folders, 5.-6. shared files and folders, the release. No own results, so
    # no path query: shared paths come from query 2.
    expected = 8 + (1 if connection.vendor == "postgresql" else 0)
    assert counts == [expected, expected], queries


def test_an_editors_trash_costs_the_same_queries_at_n_and_3n(world):
    def binned(index: int) -> None:
        file = stored_file(world.owner, f"binned {index}.txt", folder=world.shared)
        file_trash(actor=world.editor, file=file, origin=TASK)

    bodies, counts, queries = _listed_at_n_and_3n(api_as(world.editor), "/api/v1/trash/", binned, n=3)

    assert [len(body["items"]) for body in bodies] == [3, 9]
    for body in bodies:
        assert {item["trashed_by"] for item in body["items"]} == {world.editor.email}
        assert not any(item["can_delete"] for item in body["items"])

    # 1. folder roots, 2. file roots (trasher, owner, usage and plan joined), and as some
    # are another person's: 3. the editor's shares, 4. the folders under them.
    assert counts == [4, 4], queries
