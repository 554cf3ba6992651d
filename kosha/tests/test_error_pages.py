"""The 403, 404 and 500 pages are Kosha's own (the site header, a heading, a way on), not
Django's bare text; under the JSON doors errors stay JSON. The "Files" nav item is marked
inside folders too."""

import uuid
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.views import defaults

from kosha.testing.answers import html_of
from kosha.testing.factories import folder

pytestmark = pytest.mark.django_db


class _Links(HTMLParser):
    """Each <a>'s attributes and text, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open, self._text = dict(attrs), []

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append((self._open, "".join(self._text).strip()))
            self._open = None


def _files_link(html: str) -> dict[str, str | None]:
    """The attributes of the nav's "Files" link, whatever else it carries."""
    parser = _Links()
    parser.feed(html)
    links = [attributes for attributes, text in parser.links if text == "Files" and attributes.get("href") == "/"]
    assert len(links) == 1, links
    return links[0]


def _is_styled(html: str) -> bool:
    return 'class="site-header"' in html and 'class="card error-page"' in html


def test_an_unknown_url_is_the_styled_404_with_a_way_back_for_a_signed_in_user(owner_web):
    response = owner_web.get("/no/such/page")

    html = html_of(response, 404)
    assert _is_styled(html)
    assert "We could not find that page" in html
    assert 'href="/"' in html and "Go to My files" in html


def test_a_stale_folder_link_is_the_styled_404(owner_web):
    response = owner_web.get(f"/f/{uuid.uuid4()}")

    assert response.status_code == 404
    assert _is_styled(response.content.decode())


def test_a_signed_out_visitor_gets_the_styled_404_with_a_sign_in_link(client):
    response = client.get("/no/such/page")

    html = html_of(response, 404)
    assert _is_styled(html)
    assert "/accounts/login/" in html
    assert "Go to My files" not in html


def test_an_unknown_api_url_stays_a_json_404(owner_web):
    response = owner_web.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_403_page_is_styled():
    request = RequestFactory().get("/somewhere")
    request.user = AnonymousUser()

    response = defaults.permission_denied(request, PermissionError("no"))

    assert response.status_code == 403
    assert _is_styled(response.content.decode())
    assert "You cannot open this page" in response.content.decode()


def test_the_500_page_is_styled_without_any_request_context():
    response = defaults.server_error(RequestFactory().get("/crash"))

    assert response.status_code == 500
    html = response.content.decode()
    assert _is_styled(html)
    assert "Something went wrong on our side" in html


def test_files_is_the_current_nav_item_inside_a_folder(owner_web, owner):
    inner = folder(owner, "Photos")

    at_root = owner_web.get("/").content.decode()
    inside = owner_web.get(f"/f/{inner.id}").content.decode()

    assert _files_link(at_root).get("aria-current") == "page"
    assert _files_link(inside).get("aria-current") == "location"
