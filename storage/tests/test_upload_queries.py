"""What each step of the single-file upload protocol costs the database (issue 12, the
query diet): exact counts, each query named, so a new one is a decision, not a drift.

The clients here are force-authenticated and the throttles count in the cache: a known
API token costs no query either (accounts/tests/test_token_cache.py)."""

import hashlib
import os

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kosha.testing import factories

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _tasks_recorded(tasks_queued):
    """Every test here counts the request's queries, not those of the tasks it enqueues."""


def _start(client, **body):
    return client.post("/api/v1/uploads/", body, format="json")


def _started_and_sent(client, live_server, name: str, data: bytes, folder=None) -> dict:
    """An upload of `data` started by `client` and its bytes sent to the live server's
    store, not completed; returns the start answer."""
    started = _start(client, **_body(name, data, folder)).json()
    url = started["url"].replace("http://testserver", live_server.url, 1)
    assert requests.put(url, data=data, headers=started["headers"], timeout=30).status_code == 200
    return started


def _complete(client, upload_id, body=None):
    return client.post(f"/api/v1/uploads/{upload_id}/complete/", body or {}, format="json")


def _count(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return response, len(queries), [q["sql"] for q in queries.captured_queries]


def _with_space_lock(count: int) -> int:
    """count on PostgreSQL; one less on SQLite, where a recording takes no space lock
    (storage/locks.py)."""
    return count if connection.vendor == "postgresql" else count - 1


def _body(name: str, data: bytes, folder=None) -> dict:
    body = {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if folder is not None:
        body["folder"] = str(folder.pk)
    return body


def test_starting_an_upload_at_the_root_costs_five_queries(local_settings, owner_client):
    data = os.urandom(1024)

    response, count, sqls = _count(lambda: _start(owner_client, **_body("a.bin", data)))

    assert response.status_code == 201, response.json()
    # 1. who holds the name: the live file and the live folder of that name, one UNION
    # 2. BEGIN
    # 3. INSERT the session
    # 4. reserve: one conditional UPDATE of the Usage row (no SELECT ... FOR UPDATE)
    # 5. COMMIT
    assert count == 5, sqls
    assert not [sql for sql in sqls if "FOR UPDATE" in sql]


def test_starting_an_upload_in_a_folder_costs_two_queries_more(local_settings, owner, owner_client):
    folder = factories.folder(owner, "photos")

    response, count, sqls = _count(lambda: _start(owner_client, **_body("a.bin", b"x", folder)))

    assert response.status_code == 201, response.json()
    # 1. the folder with its owner (the access rule, storage.places), then the five above
    # with, after BEGIN and before the INSERT, the folder still live? under its key-share
    # lock (PostgreSQL FOR KEY SHARE, against a purge of it; storage/locks.py, "Deferred
    # key checks")
    assert count == 7, sqls
    pinned = [sql for sql in sqls if sql.startswith('SELECT 1 FROM "storage_folder"')]
    assert len(pinned) == 1, sqls
    assert pinned[0].endswith("FOR KEY SHARE") == (connection.vendor == "postgresql")


def test_completing_a_new_file_costs_eleven_queries(local_settings, owner_client, live_server, tasks_queued):
    started = _started_and_sent(owner_client, live_server, "a.bin", os.urandom(64 * 1024))

    response, count, sqls = _count(lambda: _complete(owner_client, started["id"]))

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 1
    # 1. the session with its owner and folder (the door, sharing.access)
    # 2. BEGIN
    # 3. the owner's space lock, shared (PostgreSQL only: SQLite's write transactions
    #    already run one at a time; storage/locks.py)
    # 4. the session FOR UPDATE (is it still pending?)
    # 5. who holds the name (one UNION)
    # 6. INSERT the file, born pointing at its version (a deferred foreign key), unless a
    #    concurrent complete took the name (ON CONFLICT DO NOTHING on PostgreSQL)
    # 7. INSERT the version
    # 8. UPDATE the session: completed
    # 9. INSERT the activity event
    # 10. UPDATE Usage, once, last: the Usage row is locked only from here to the commit
    # 11. COMMIT
    # Nothing after: the answer is built from the rows written, the change mark from the
    # event in memory.
    assert count == _with_space_lock(11), sqls
    assert [sql for sql in sqls if '"plans_usage"' in sql] == [sqls[-2]]
    assert sqls[-2].startswith('UPDATE "plans_usage"')
    assert not [sql for sql in sqls if 'FROM "accounts_user"' in sql]
    assert tasks_queued == ["storage.tasks.version_sha1_task"]


def test_completing_into_a_folder_costs_one_query_more(local_settings, owner, owner_client, live_server):
    folder = factories.folder(owner, "photos")
    started = _started_and_sent(owner_client, live_server, "a.bin", b"x", folder)

    response, count, sqls = _count(lambda: _complete(owner_client, started["id"]))

    assert response.status_code == 200, response.json()
    # the eleven above and the destination folder, still live? (a plain read: a trash of it
    # takes the space lock exclusive, so it waits for this complete or went before)
    assert count == _with_space_lock(12), sqls
    assert not [sql for sql in sqls if "FOR UPDATE" in sql and 'FROM "storage_folder"' in sql]


def test_completing_a_new_version_costs_twelve_queries(local_settings, owner_client, live_server):
    first = _started_and_sent(owner_client, live_server, "a.bin", os.urandom(1024))
    assert _complete(owner_client, first["id"]).json()["version"] == 1
    started = _started_and_sent(owner_client, live_server, "a.bin", os.urandom(1024))

    response, count, sqls = _count(lambda: _complete(owner_client, started["id"]))

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    # 1. the session (the door), 2. BEGIN, 3. the space lock, shared (PostgreSQL), 4. the
    # session FOR UPDATE, 5. who holds the name, 6. UPDATE the file (current version,
    # size, type) RETURNING its row: its row lock, 7. its highest version number, read
    # once the lock is held, 8. INSERT the version, 9. UPDATE the session, 10. INSERT
    # the event, 11. UPDATE Usage, last, 12. COMMIT
    assert count == _with_space_lock(12), sqls
    assert sqls[-2].startswith('UPDATE "plans_usage"')


def test_completing_again_reads_two_rows(local_settings, owner_client, live_server):
    started = _started_and_sent(owner_client, live_server, "a.bin", b"x")
    first = _complete(owner_client, started["id"])

    response, count, sqls = _count(lambda: _complete(owner_client, started["id"]))

    assert response.status_code == 200
    assert response.json() == first.json()
    # 1. the session (the door), 2. its version with the file and the file's current version
    assert count == 2, sqls


def test_part_urls_cost_one_query(local_settings, owner_client, settings):
    settings.KOSHA_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    started = _start(owner_client, name="big.bin", size=20 * MiB).json()
    assert started["strategy"] == "multipart"

    response, count, sqls = _count(
        lambda: owner_client.post(f"/api/v1/uploads/{started['id']}/parts/", {"numbers": [1, 2, 3]}, format="json")
    )

    assert response.status_code == 200, response.json()
    assert [part["number"] for part in response.json()["parts"]] == [1, 2, 3]
    # 1. the session with its owner and folder (the door); signing needs no query
    assert count == 1, sqls
