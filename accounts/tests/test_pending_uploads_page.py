"""Settings → Unfinished uploads (issue 10, fault 3): the owner sees every pending upload
into their space, whoever started it (themselves, an editor of a shared folder, a visitor
through a drop link), with its folder, size, starter or link, start and expiry; each
row carries what the page script needs to abort it through the API. (A signed-out
visitor is sent to sign in: kosha/tests/test_unauthenticated.py.)"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kosha.testing import factories
from kosha.testing.clients import api_as

pytestmark = pytest.mark.django_db
PAGE = "/settings/uploads/"


def _drop_start(token: str, name: str, size: int = 10, address: str = "203.0.113.9"):
    body = {"name": name, "size": size, "content_type": "text/plain"}
    response = Client(REMOTE_ADDR=address).post(f"/s/{token}/uploads/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _api_start(user, name: str, folder=None, size: int = 1234):
    body = {"name": name, "size": size, **({"folder": str(folder.pk)} if folder else {})}
    response = api_as(user).post("/api/v1/uploads/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_the_owner_sees_every_unfinished_upload_into_their_space_and_who_started_it(
    local_settings, owner, owner_web, stranger
):
    inbox = factories.folder(owner, "Inbox")
    team = factories.folder(owner, "Team")
    link, token = factories.link(owner, inbox, is_drop=True)
    link.name = "Client files"
    link.save(update_fields=["name"])
    editor = factories.user("editor")
    factories.share(owner, team, editor, "editor")
    mine = _api_start(owner, "mine.bin", size=2048)
    theirs = _api_start(editor, "plan.txt", folder=team)
    dropped = _drop_start(token, "dropped.txt")
    _api_start(stranger, "not-yours.txt")

    response = owner_web.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Unfinished uploads<' in html
    for upload_id in (mine, theirs, dropped):
        assert f'data-pending-upload="{upload_id}"' in html
    assert f'data-pending-upload="{dropped}" data-pending-upload-link="{link.pk}"' in html
    assert "not-yours.txt" not in html
    assert "mine.bin" in html and "2.0\xa0KB" in html and "My files" in html
    assert "plan.txt" in html and editor.email in html and ">Team<" in html
    assert "A visitor, through drop link “Client files”" in html and ">Inbox<" in html
    assert f'data-pending-link="{link.pk}"' in html and "Abort all from this link" in html
    assert 'src="/static/js/pages/pending-uploads.js"' in html


def test_with_nothing_pending_the_page_says_so(owner_web):
    html = owner_web.get(PAGE).content.decode()

    assert "No unfinished uploads" in html
    assert "data-pending-upload=" not in html


def test_the_page_takes_the_same_queries_at_n_and_3n_uploads(local_settings, owner, owner_web):
    _link, token = factories.link(owner, factories.folder(owner, "Inbox"), is_drop=True)
    counts = []
    for total in (2, 6):
        while owner.upload_sessions.count() < total:
            number = owner.upload_sessions.count()
            _drop_start(token, f"{number}.txt", address=f"203.0.113.{number + 10}")
        # The session, the user, the usage card's queries and one for the page of uploads
        # (its folder, starter and drop link joined), whatever the number of rows.
        with CaptureQueriesContext(connection) as queries:
            assert owner_web.get(PAGE).content.decode().count("data-pending-upload=") == total
        counts.append(len(queries))

    assert counts[0] == counts[1]
