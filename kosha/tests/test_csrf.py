"""The CSRF middleware's one allowance (kosha/csrf.py): a null Origin under /s/, where the
pages send no Referer, from the same origin by Fetch Metadata; the token is still required
there, and a null Origin elsewhere or from another site is refused as Django refuses it."""

import pytest
from django.test import Client

from kosha.testing import factories
from sharing.link_views import UNLOCKED_SESSION_KEY
from storage.models import Folder

pytestmark = pytest.mark.django_db


def _token(client: Client, path: str) -> str:
    assert client.get(path).status_code in (200, 403)
    return client.cookies["csrftoken"].value


@pytest.fixture
def locked_link(local_settings, owner):
    file = factories.stored_file(owner, "plan.txt", b"the plan")
    return factories.link(owner, file, "locked")[1]


@pytest.mark.parametrize("secure", [False, True])
def test_a_null_origin_with_the_token_unlocks_a_link(locked_link, secure):
    client = Client(enforce_csrf_checks=True)
    token = _token(client, f"/s/{locked_link}")

    response = client.post(
        f"/s/{locked_link}",
        {"password": factories.LINK_PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
        secure=secure,
    )

    assert response.status_code == 302
    assert UNLOCKED_SESSION_KEY in client.session


def test_a_null_origin_without_the_token_is_refused_on_a_link(locked_link):
    client = Client(enforce_csrf_checks=True)
    _token(client, f"/s/{locked_link}")

    response = client.post(
        f"/s/{locked_link}",
        {"password": factories.LINK_PASSWORD},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )

    assert response.status_code == 403
    assert UNLOCKED_SESSION_KEY not in client.session


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site", "none", None])
def test_a_null_origin_from_elsewhere_is_refused_on_a_link_even_with_the_token(locked_link, fetch_site):
    # A sandboxed frame, a data: document or a no-referrer page on a sibling host also send
    # Origin: null; a sibling host (or a man in the middle of plain HTTP) can write the CSRF
    # cookie, so the token it posts proves nothing. Without Fetch Metadata nothing says the
    # request came from the link page.
    client = Client(enforce_csrf_checks=True)
    token = _token(client, f"/s/{locked_link}")
    headers = {} if fetch_site is None else {"HTTP_SEC_FETCH_SITE": fetch_site}

    response = client.post(
        f"/s/{locked_link}",
        {"password": factories.LINK_PASSWORD, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        **headers,
    )

    assert response.status_code == 403
    assert UNLOCKED_SESSION_KEY not in client.session


def test_a_null_origin_is_refused_outside_the_link_pages_even_with_the_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    token = _token(client, "/")

    response = client.post(
        "/api/v1/folders/",
        {"name": "x", "parent": None},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )

    assert response.status_code == 403
    assert not Folder.objects.filter(owner=owner).exists()
