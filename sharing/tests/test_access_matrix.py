"""Every sharing endpoint and public page × every kind of caller → the expected status.

The table must name every URL of the sharing app (see the resolver test below): adding
an endpoint without deciding who may call it fails the suite. API rows give the status
for the signed-in personas and for anonymous callers; callers holding only a link are
anonymous to the API. Page rows give the status per link state; signed-in personas
and anonymous callers holding the live link answer as the live link does.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from kosha.testing.clients import api_as, web_as
from kosha.testing.factories import LINK_PASSWORD
from sharing.tests.conftest import World
from sharing.views import DROP_SESSION_KEY
from storage.services.uploads import upload_start

pytestmark = pytest.mark.django_db

USER_PERSONAS = ["owner", "viewer", "editor", "stranger", "anonymous"]
LINK_PERSONAS = ["valid_link", "expired_link", "revoked_link", "exhausted_link", "wrong_password"]
PERSONAS = USER_PERSONAS + LINK_PERSONAS
LINK_STATE = {
    "valid_link": "valid",
    "expired_link": "expired",
    "revoked_link": "revoked",
    "exhausted_link": "exhausted",
    "wrong_password": "locked",
}
ANON = 403  # DRF's answer to an unauthenticated API call (session auth first: no 401 challenge)


@dataclass(frozen=True)
class Api:
    method: str
    path: Callable[[World, dict], str]
    owner: int
    viewer: int
    editor: int
    stranger: int
    body: Callable[[World], dict] | None = None
    anonymous: int = ANON
    web: bool = False  # a signed-in page (session of a force_login), not the DRF API


@dataclass(frozen=True)
class Page:
    method: str
    path: Callable[[World, str, dict], str]
    valid: int
    expired: int = 410
    revoked: int = 410
    exhausted: int = 404
    locked: int = 403
    drop: bool = False
    body: dict | None = None


def _editor_upload(world: World) -> str:
    started = upload_start(
        user=world.editor, owner=world.owner, folder_id=world.shared.pk, name="from-editor.txt", size_bytes=3
    )
    return str(started.upload.pk)


API = "/api/v1"
TABLE: dict[tuple[str, str], Api | Page] = {
    ("sharing-api:share-list", "get"): Api("get", lambda w, x: f"{API}/shares/", 200, 200, 200, 200),
    ("sharing-api:share-list", "post"): Api(
        "post",
        lambda w, x: f"{API}/shares/",
        201,
        404,
        404,
        404,
        body=lambda w: {"folder": str(w.sub.pk), "email": w.stranger.email, "role": "viewer"},
    ),
    ("sharing-api:share-detail", "patch"): Api(
        "patch",
        lambda w, x: f"{API}/shares/{w.viewer_share.pk}/",
        200,
        404,
        404,
        404,
        body=lambda w: {"role": "editor"},
    ),
    ("sharing-api:share-detail", "delete"): Api(
        "delete", lambda w, x: f"{API}/shares/{w.viewer_share.pk}/", 204, 404, 404, 404
    ),
    ("sharing-api:shared-with-me", "get"): Api("get", lambda w, x: f"{API}/shared-with-me/", 200, 200, 200, 200),
    ("sharing-api:shared-folder", "patch"): Api(
        "patch",
        lambda w, x: f"{API}/shared/folders/{w.sub.pk}/",
        200,
        404,
        200,
        404,
        body=lambda w: {"name": "Renamed"},
    ),
    ("sharing-api:shared-folder", "delete"): Api(
        "delete", lambda w, x: f"{API}/shared/folders/{w.sub.pk}/", 204, 404, 204, 404
    ),
    ("sharing-api:shared-folder-items", "get"): Api(
        "get", lambda w, x: f"{API}/shared/folders/{w.shared.pk}/items/", 200, 200, 200, 404
    ),
    ("sharing-api:shared-file", "get"): Api("get", lambda w, x: f"{API}/shared/files/{w.file.pk}/", 200, 200, 200, 404),
    ("sharing-api:shared-file", "patch"): Api(
        "patch", lambda w, x: f"{API}/shared/files/{w.file.pk}/", 200, 404, 200, 404, body=lambda w: {"name": "new.txt"}
    ),
    ("sharing-api:shared-file", "delete"): Api(
        "delete", lambda w, x: f"{API}/shared/files/{w.file.pk}/", 204, 404, 204, 404
    ),
    ("sharing-api:shared-file-download", "get"): Api(
        "get", lambda w, x: f"{API}/shared/files/{w.file.pk}/download/", 302, 302, 302, 404
    ),
    ("sharing-api:shared-upload-start", "post"): Api(
        "post",
        lambda w, x: f"{API}/shared/uploads/",
        201,
        404,
        201,
        404,
        body=lambda w: {"folder": str(w.shared.pk), "name": "new.bin", "size": 5},
    ),
    # Only the editor who started the session reaches it; the owner uses /uploads/.
    ("sharing-api:shared-upload-detail", "get"): Api(
        "get", lambda w, x: f"{API}/shared/uploads/{x['upload']}/", 404, 404, 200, 404
    ),
    ("sharing-api:shared-upload-detail", "delete"): Api(
        "delete", lambda w, x: f"{API}/shared/uploads/{x['upload']}/", 404, 404, 204, 404
    ),
    # A single-PUT session has no parts (409), and nothing was uploaded yet (409).
    ("sharing-api:shared-upload-parts", "post"): Api(
        "post",
        lambda w, x: f"{API}/shared/uploads/{x['upload']}/parts/",
        404,
        404,
        409,
        404,
        body=lambda w: {"numbers": [1]},
    ),
    ("sharing-api:shared-upload-complete", "post"): Api(
        "post", lambda w, x: f"{API}/shared/uploads/{x['upload']}/complete/", 404, 404, 409, 404, body=lambda w: {}
    ),
    ("sharing-api:share-link-list", "get"): Api("get", lambda w, x: f"{API}/share-links/", 200, 200, 200, 200),
    ("sharing-api:share-link-list", "post"): Api(
        "post", lambda w, x: f"{API}/share-links/", 201, 404, 404, 404, body=lambda w: {"folder": str(w.shared.pk)}
    ),
    ("sharing-api:share-link-detail", "patch"): Api(
        "patch",
        lambda w, x: f"{API}/share-links/{w.links['valid'][0].pk}/",
        200,
        404,
        404,
        404,
        body=lambda w: {"max_downloads": 5},
    ),
    ("sharing-api:share-link-detail", "delete"): Api(
        "delete", lambda w, x: f"{API}/share-links/{w.links['valid'][0].pk}/", 204, 404, 404, 404
    ),
    # Signed-in pages about shares with me: anonymous callers go to the sign-in page.
    ("sharing:shared-with-me", "get"): Api("get", lambda w, x: "/shared/", 200, 200, 200, 200, anonymous=302, web=True),
    ("sharing:shared-folder", "get"): Api(
        "get", lambda w, x: f"/shared/f/{w.sub.pk}", 200, 200, 200, 404, anonymous=302, web=True
    ),
    # Pages. A locked link shows its password form (200) and refuses everything else (403).
    ("sharing:link", "get"): Page("get", lambda w, t, x: f"/s/{t}", valid=200, locked=200),
    ("sharing:link", "post"): Page("post", lambda w, t, x: f"/s/{t}", valid=302, body={"password": "wrong"}),
    ("sharing:link-folder", "get"): Page("get", lambda w, t, x: f"/s/{t}/f/{w.sub.pk}", valid=200),
    ("sharing:link-download", "get"): Page("get", lambda w, t, x: f"/s/{t}/download/{w.file.pk}", valid=302),
    ("sharing:drop-upload-start", "post"): Page(
        "post", lambda w, t, x: f"/s/{t}/uploads/", valid=201, drop=True, body={"name": "dropped.txt", "size": 4}
    ),
    ("sharing:drop-upload-detail", "get"): Page(
        "get", lambda w, t, x: f"/s/{t}/uploads/{x['drop_upload']}/", valid=200, drop=True
    ),
    ("sharing:drop-upload-detail", "delete"): Page(
        "delete", lambda w, t, x: f"/s/{t}/uploads/{x['drop_upload']}/", valid=204, drop=True
    ),
    ("sharing:drop-upload-parts", "post"): Page(
        "post", lambda w, t, x: f"/s/{t}/uploads/{x['drop_upload']}/parts/", valid=409, drop=True, body={"numbers": [1]}
    ),
    ("sharing:drop-upload-complete", "post"): Page(
        "post", lambda w, t, x: f"/s/{t}/uploads/{x['drop_upload']}/complete/", valid=409, drop=True, body={}
    ),
}


def _sharing_url_names(resolver=None, namespace=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _sharing_url_names(pattern, pattern.namespace or namespace)
        elif namespace in ("sharing", "sharing-api"):
            yield f"{namespace}:{pattern.name}"


def test_every_sharing_url_is_in_the_access_table():
    routed = set(_sharing_url_names())

    tabled = {name for name, _method in TABLE}

    assert routed, "the sharing URLs are not wired into kosha/urls.py"
    assert routed == tabled, f"missing from the table: {routed - tabled}; stale: {tabled - routed}"


def _expected(case, persona: str) -> int:
    if isinstance(case, Api):
        return getattr(case, persona) if persona in USER_PERSONAS else case.anonymous
    if persona in USER_PERSONAS:
        return case.valid
    return getattr(case, LINK_STATE[persona])


def _user(world: World, persona: str):
    return {"owner": world.owner, "viewer": world.viewer, "editor": world.editor, "stranger": world.stranger}.get(
        persona
    )


def _web_client(world: World, persona: str) -> Client:
    """A page client signed in as the persona, or anonymous."""
    user = _user(world, persona)
    return Client() if user is None else web_as(user)


def _page_client(world: World, persona: str, link, token: str) -> Client:
    client = _web_client(world, persona)
    if persona == "wrong_password":
        assert client.post(f"/s/{token}", {"password": "not " + LINK_PASSWORD}).status_code == 403
    return client


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", list(TABLE), ids=[f"{name}-{method}" for name, method in TABLE])
def test_access_matrix(world, key, persona):
    case = TABLE[key]
    extra = {"upload": _editor_upload(world)}

    if isinstance(case, Api) and case.web:
        client = _web_client(world, persona)
        response = getattr(client, case.method)(case.path(world, extra))
    elif isinstance(case, Api):
        client: APIClient = api_as(_user(world, persona))
        body = case.body(world) if case.body else None
        response = getattr(client, case.method)(case.path(world, extra), body, format="json")
    else:
        state = "valid" if persona in USER_PERSONAS else LINK_STATE[persona]
        link, token = (world.drops if case.drop else world.links)[state]
        client = _page_client(world, persona, link, token)
        started = upload_start(
            user=world.owner, owner=world.owner, folder_id=world.shared.pk, name="d.txt", size_bytes=4
        )
        extra["drop_upload"] = str(started.upload.pk)
        session = client.session
        session[DROP_SESSION_KEY] = {str(link.pk): [extra["drop_upload"]]}
        session.save()
        path = case.path(world, token, extra)
        if case.method == "post" and path.endswith("/"):
            response = client.post(path, case.body or {}, content_type="application/json")
        else:
            response = getattr(client, case.method)(path, case.body or {})

    assert response.status_code == _expected(case, persona), getattr(response, "content", b"")[:300]
    if isinstance(case, Page) and state != "valid":
        # Nothing but a live, unlocked link may name what it points at.
        for name in (world.shared.name, world.sub.name, world.file.name):
            assert name.encode() not in response.content


def test_a_stranger_cannot_reach_an_upload_by_id(world):
    upload_id = _editor_upload(world)

    answers = [
        api_as(world.stranger).get(f"{API}/shared/uploads/{upload_id}/"),
        api_as(world.stranger).get(f"{API}/uploads/{upload_id}/"),
        api_as(world.viewer).post(f"{API}/shared/uploads/{upload_id}/complete/", {}, format="json"),
        api_as(world.stranger).get(f"{API}/shared/uploads/{uuid.uuid4()}/"),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
