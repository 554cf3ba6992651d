"""Each sharing list answers in a fixed number of queries, at N and at 3N rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kosha.testing.clients import api_as
from kosha.testing.factories import folder, link, share, user

pytestmark = pytest.mark.django_db


def _world(owner, grantee, start: int, stop: int) -> None:
    for index in range(start, stop):
        item = folder(owner, f"Folder {index}")
        share(owner, item, grantee)
        link(owner, item)


@pytest.mark.parametrize(
    ("url", "as_grantee", "queries"),
    [
        # 1. the shares with their item and grantee joined (limit + 1 rows)
        ("/api/v1/shares/", False, 1),
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
