"""The CSRF middleware's one allowance (kosha/csrf.py): a null Origin under /s/, where the
pages send no Referer; the token is still required there, and a null Origin elsewhere is
refused as Django refuses it."""

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


def test_a_null_origin_with_the_token_unlocks_a_link(locked_link):
    client = Client(enforce_csrf_checks=True)
    token = _token(client, f"/s/{locked_link}")

    response = client.post(
        f"/s/{locked_link}", {"password": factories.LINK_PASSWORD, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="null"
    )

    assert response.status_code == 302
    assert UNLOCKED_SESSION_KEY in client.session


def test_a_null_origin_without_the_token_is_refused_on_a_link(locked_link):
    client = Client(enforce_csrf_checks=True)
    _token(client, f"/s/{locked_link}")

    response = client.post(f"/s/{locked_link}", {"password": factories.LINK_PASSWORD}, HTTP_ORIGIN="null")

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
    )

    assert response.status_code == 403
    assert not Folder.objects.filter(owner=owner).exists()
