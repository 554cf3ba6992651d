"""Security headers on every response, and Swagger UI served from the app itself."""

import re

import pytest
from django.contrib.staticfiles import finders

from kosha.headers import PERMISSIONS_POLICY
from kosha.testing import factories

pytestmark = pytest.mark.django_db

STRICT_ENOUGH = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/usage/", "/api/docs/", "/healthz", "/no-such-page/"])
def test_every_response_carries_a_permissions_policy_and_a_strict_referrer_policy(client, path):
    response = client.get(path)

    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] in STRICT_ENOUGH


def test_signed_in_pages_carry_the_headers_too(owner_web):
    response = owner_web.get("/")

    assert response.status_code == 200
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["Referrer-Policy"] in STRICT_ENOUGH


@pytest.mark.parametrize("state", ["valid", "locked", "expired"])
def test_public_link_pages_send_no_referrer_so_the_token_never_leaks(client, owner, state):
    file = factories.stored_file(owner, "a.txt")
    _link, token = factories.link(owner, file, state)

    response = client.get(f"/s/{token}")

    assert response["Referrer-Policy"] == "no-referrer"


def test_drop_uploads_and_link_downloads_send_no_referrer(client, owner, local_settings):
    inbox = factories.folder(owner, "Inbox")
    _drop, drop_token = factories.link(owner, inbox, is_drop=True)
    file = factories.stored_file(owner, "a.txt")
    _link, token = factories.link(owner, file)

    started = client.post(f"/s/{drop_token}/uploads/", {"name": "x.txt", "size": 1}, content_type="application/json")
    download = client.get(f"/s/{token}/download/{file.pk}")

    assert started["Referrer-Policy"] == download["Referrer-Policy"] == "no-referrer"


def test_swagger_ui_loads_nothing_from_another_origin_and_no_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    start_up = client.get("/api/docs/?script=")

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(source.startswith("/") for source in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "an inline <script> block"
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/").split("?")[0]), source
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "cdn" not in start_up.content.decode().lower()
