"""PROPFIND reads a folder from the database in a fixed number of queries, whatever its
size (up to sharing.paths.CHILDREN_BATCH rows per query): no query per member, not even
for lockdiscovery."""

import base64
import io
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import app_password_create
from dav import app as dav_app_module
from kosha.testing import factories


def _propfind(user, key: str, path: str) -> tuple[str, bytes, int]:
    credentials = base64.b64encode(f"{user.email}:{key}".encode()).decode()
    environ = {
        "REQUEST_METHOD": "PROPFIND",
        "PATH_INFO": f"/dav/{path}",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_DEPTH": "1",
        "HTTP_AUTHORIZATION": f"Basic {credentials}",
        "CONTENT_LENGTH": "0",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status: list[str] = []
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(dav_app_module.dav_door(environ, lambda s, h, e=None: status.append(s)))
    return status[0], body, len(queries)


@pytest.mark.django_db
def test_propfind_depth_1_costs_the_same_at_n_and_3n_files(local_settings, seeded_tiers, owner, monkeypatch):
    # The test's transaction is the connection: the door must not close it.
    monkeypatch.setattr(dav_app_module, "close_old_connections", lambda: None)
    _, key = app_password_create(user=owner, name="bench")
    box = factories.folder(owner, "box")
    _propfind(owner, key, "")  # the first use writes last_used_at; later ones within a minute do not
    counts = []
    for total in (4, 12):
        while box.files.filter(deleted_at__isnull=True).count() < total:
            factories.stored_file(owner, f"f{box.files.count():03d}.txt", folder=box)

        status, body, queries = _propfind(owner, key, "box/")

        assert status.startswith("207")
        assert body.count(b"<ns0:response>") == total + 1
        counts.append(queries)

    # the app password, the path, the folder through
    # sharing.access, the usage row, the child folders, the files, the user's locks
    assert counts[0] == counts[1]
    assert counts[1] <= 10
