"""Every URL the project serves × every kind of caller → the expected status.

The routes come from the URL resolver: a route the table does not decide (and, for the
API, a method of it the table does not decide) fails `test_every_route_is_decided`, so
a new URL cannot be left out. Project routes have a row per method with the status for
each persona; third-party route sets (the Django admin, allauth's sign-in pages) have a
rule each, checked over all their routes.

Personas, in the sharing world (kosha.testing.world): the `owner` of the tree; the
`editor` and the `viewer` of its Shared folder; a `link` holder (an anonymous browser
that opened a live link: to the API and the pages it is anonymous); a signed-in
`stranger`; `anonymous`. On the public link views every persona but `anonymous` holds the
live link (it is the credential: the account does not matter), and `anonymous` guesses a
token. `test_link_states` covers links expired, revoked, used up and locked.

The items: world.file sits in Shared, world.sub under it, world.sibling beside it (not
shared). Rows name an item the editor and viewer reach, so the row shows what each role
may do with it; the stranger's 404 shows nothing leaks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from kosha.testing.clients import api_as, web_as
from kosha.testing.factories import LINK_PASSWORD
from kosha.testing.world import World
from sharing.drop_views import DROP_SESSION_KEY
from sharing.tests.access_kit import API, PERSONAS, Extra, Row
from sharing.tests.access_table import ADMIN_NAMESPACE, ALLAUTH_MODULE, ALLAUTH_SIGNED_IN_ONLY, TABLE
from storage.places import Place
from storage.services.uploads import upload_start

pytestmark = pytest.mark.django_db


# --- the routes, from the resolver -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", "name", or the pattern for an unnamed route
    namespace: str | None
    name: str | None
    pattern: str
    callback: Callable


def _routes(resolver=None, prefix: str = "", namespace: str | None = None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or pattern
            yield Route(key=key, namespace=namespace, name=entry.name, pattern=pattern, callback=entry.callback)


def _drf_methods(callback) -> set[str] | None:
    """The methods a DRF route answers (its viewset actions or APIView handlers), or None
    for a route outside DRF."""
    view_class = getattr(callback, "cls", None)
    if view_class is None or not issubclass(view_class, APIView):
        return None
    actions = getattr(callback, "actions", None)
    if actions:
        # DRF answers HEAD as GET (and adds it to `actions` once a GET has been served).
        return set(actions) - {"head", "options"}
    return {method for method in ("get", "post", "put", "patch", "delete") if hasattr(view_class, method)}


def _is_admin(route: Route) -> bool:
    return route.namespace == ADMIN_NAMESPACE


def _is_allauth(route: Route) -> bool:
    return route.callback.__module__.startswith(ALLAUTH_MODULE) or route.pattern.startswith("accounts/social/")


def test_every_route_is_decided():
    routes = list(_routes())
    tabled = {key for key, _method in TABLE}

    undecided = [
        route.key for route in routes if route.key not in tabled and not _is_admin(route) and not _is_allauth(route)
    ]
    routed = {route.key for route in routes}
    stale = tabled - routed
    methods_missing = []
    for route in routes:
        methods = _drf_methods(route.callback)
        if methods is None or route.key not in tabled:
            continue
        decided = {method for key, method in TABLE if key == route.key}
        if methods != decided:
            methods_missing.append((route.key, sorted(methods - decided), sorted(decided - methods)))

    assert len(routes) > 100, "the resolver walk found too few routes"
    assert undecided == [], f"routes the access table does not decide: {undecided}"
    assert stale == set(), f"rows for routes that do not exist: {stale}"
    assert methods_missing == [], f"(route, methods not decided, methods not served): {methods_missing}"


# --- project routes ----------------------------------------------------------------------------


def _persona_user(world: World, persona: str):
    return {"owner": world.owner, "editor": world.editor, "viewer": world.viewer, "stranger": world.stranger}.get(
        persona
    )


def _link_holder(world: World) -> Client:
    """An anonymous browser that opened the live folder link (its session knows the link)."""
    client = Client()
    _link, token = world.links["valid"]
    assert client.get(f"/s/{token}").status_code == 200
    return client


def _client(world: World, row: Row, persona: str):
    user = _persona_user(world, persona)
    if row.kind == "api":
        if persona == "link":
            client = _link_holder(world)
            client.defaults["HTTP_ACCEPT"] = "application/json"
            return client
        return api_as(user)
    if persona == "link":
        return _link_holder(world)
    return web_as(user) if user is not None else Client()


def _call(client, row: Row, path: str, body: dict | None):
    if row.kind == "api" and hasattr(client, "force_authenticate"):
        return getattr(client, row.method)(path, body, format="json")
    if row.kind == "link" and path.split("?")[0].endswith("/") or row.kind == "api" or row.method in ("put", "patch"):
        return getattr(client, row.method)(path, body or {}, content_type="application/json")
    return getattr(client, row.method)(path, body or {})


def _drop_upload(world: World, client: Client, link) -> str:
    """A drop session started through `link`, remembered in `client`'s browser session."""
    started = upload_start(actor=None, place=Place(owner=world.owner, folder=world.shared), name="d.txt", size_bytes=4)
    session = client.session
    session[DROP_SESSION_KEY] = {str(link.pk): [str(started.upload.pk)]}
    session.save()
    return str(started.upload.pk)


def _link_call(world: World, row: Row, persona: str, state: str):
    link, token = (world.drops if row.drop else world.links)[state]
    user = _persona_user(world, persona)
    client = web_as(user) if user is not None else Client()
    if persona == "anonymous":
        token = "x" * 43  # a guessed token: right length, no link
    if state == "locked":
        assert client.post(f"/s/{token}", {"password": "not " + LINK_PASSWORD}).status_code == 403
    extra = Extra(world)
    extra.drop_upload = _drop_upload(world, client, link)
    body = row.body(world, extra) if row.body else None
    return _call(client, row, row.path(world, extra, token), body)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", list(TABLE), ids=[f"{name}-{method}" for name, method in TABLE])
def test_access_matrix(world, key, persona):
    row = TABLE[key]

    if row.kind == "link":
        response = _link_call(world, row, persona, "valid")
    else:
        extra = Extra(world)
        path = row.path(world, extra)
        body = row.body(world, extra) if row.body else None
        response = _call(_client(world, row, persona), row, path, body)

    assert response.status_code == row.expect[persona], getattr(response, "content", b"")[:300]
    if response.status_code in (403, 404) and row.kind != "link":
        # Refused: nothing of the owner's tree is named.
        for name in (world.sub.name, world.file.name, world.sibling.name):
            assert name.encode() not in response.content


LINK_ROWS = [key for key, row in TABLE.items() if row.kind == "link"]


@pytest.mark.parametrize("state", ["expired", "revoked", "exhausted", "locked"])
@pytest.mark.parametrize("key", LINK_ROWS, ids=[f"{name}-{method}" for name, method in LINK_ROWS])
def test_link_states(world, key, state):
    row = TABLE[key]

    response = _link_call(world, row, "link", state)

    assert response.status_code == row.states[state], response.content[:300]
    # Nothing but a live, unlocked link may name what it points at.
    for name in (world.shared.name, world.sub.name, world.file.name):
        assert name.encode() not in response.content


# --- third-party routes ------------------------------------------------------------------------


def _fill(pattern: str) -> str:
    """A concrete path for a route pattern: every parameter gets a value of its shape."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: "1", pattern)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def _personas_clients(world: World) -> dict:
    return {
        "owner": web_as(world.owner),
        "editor": web_as(world.editor),
        "viewer": web_as(world.viewer),
        "link": _link_holder(world),
        "stranger": web_as(world.stranger),
        "anonymous": Client(),
    }


def test_no_persona_reaches_any_admin_page(world):
    """None of the personas is staff: every admin route redirects them to a sign-in page
    (or, for the unnamed shortcuts to a change page, onwards into the admin, where the
    same rule applies); the admin's sign-in page refuses a signed-in non-staff account
    (403). None shows admin content."""
    clients = _personas_clients(world)
    admin_routes = [route for route in _routes() if _is_admin(route)]
    answers = {}

    for route in admin_routes:
        path = _fill(route.pattern)
        for persona, client in clients.items():
            response = client.get(path)
            answers[(route.pattern, persona)] = (response.status_code, response.get("Location", ""))

    assert len(admin_routes) > 50

    def refused(answer) -> bool:
        status, location = answer
        return status == 403 or (status in (301, 302) and location.startswith(("/admin/", "/accounts/login/")))

    wrong = {key: answer for key, answer in answers.items() if not refused(answer)}
    assert wrong == {}


def test_allauth_pages_keep_account_pages_behind_sign_in_and_never_fail(world):
    clients = _personas_clients(world)
    allauth_routes = [route for route in _routes() if _is_allauth(route)]
    failures, open_account_pages = {}, []

    for route in allauth_routes:
        path = _fill(route.pattern)
        for persona, client in clients.items():
            response = client.get(path)
            if response.status_code >= 500:
                failures[(route.key, persona)] = response.status_code
            if persona in ("anonymous", "link") and route.name in ALLAUTH_SIGNED_IN_ONLY:
                if response.status_code != 302 or not response["Location"].startswith("/accounts/login/"):
                    open_account_pages.append((route.key, persona, response.status_code))

    assert {route.name for route in allauth_routes} >= ALLAUTH_SIGNED_IN_ONLY
    assert failures == {}
    assert open_account_pages == []


def test_a_stranger_cannot_reach_an_upload_by_id(world):
    upload_id = Extra(world).upload

    answers = [
        api_as(world.stranger).get(f"{API}/uploads/{upload_id}/"),
        api_as(world.viewer).post(f"{API}/uploads/{upload_id}/complete/", {}, format="json"),
        api_as(world.stranger).get(f"{API}/uploads/{uuid.uuid4()}/"),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404]
