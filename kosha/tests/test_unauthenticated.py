"""Missing or bad credentials on the API are a 401 with a WWW-Authenticate challenge
(RFC 9110 §15.5.2), in the JSON error envelope, and change nothing (issue 10, fault 9);
a signed-out visitor to a signed-in page is sent to sign in."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kosha.testing.answers import assert_sent_to_sign_in
from storage.models import Folder

pytestmark = pytest.mark.django_db

REQUESTS = [
    ("get", "/api/v1/usage/"),
    ("get", "/api/v1/folders/root/items/"),
    ("post", "/api/v1/folders/"),
    ("get", "/api/v1/search/?q=report"),
    ("get", "/api/v1/trash/"),
    ("get", "/api/v1/share-links/"),
    ("post", "/api/v1/share-links/"),
    ("post", "/api/v1/uploads/"),
    ("get", "/api/v1/changes/"),
    ("get", "/api/v1/tokens/"),
]
BAD_HEADERS = [
    pytest.param({}, id="no-credentials"),
    pytest.param({"HTTP_AUTHORIZATION": "Token kosha_not-a-real-token"}, id="unknown-token"),
    pytest.param({"HTTP_AUTHORIZATION": "Token"}, id="token-keyword-alone"),
    pytest.param({"HTTP_AUTHORIZATION": "Bearer a b"}, id="bearer-with-two-values"),
]


@pytest.mark.parametrize("headers", BAD_HEADERS)
@pytest.mark.parametrize(("method", "url"), REQUESTS)
def test_bad_or_missing_credentials_are_a_401_with_a_challenge(method, url, headers):
    client = APIClient(**headers)

    response = getattr(client, method)(url, {"name": "x"} if method == "post" else None, format="json")

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not Folder.objects.exists()


# The pages of one's own space: the file browser, the trash, the settings and allauth's
# manage pages.
SIGNED_IN_PAGES = [
    "home",
    "trash",
    "settings",
    "settings_plan",
    "settings_uploads",
    "mfa_index",
    "account_email",
    "account_change_password",
]


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_a_signed_out_visitor_to_a_signed_in_page_is_sent_to_sign_in(client, name):
    response = client.get(reverse(name))

    assert_sent_to_sign_in(response)


def test_a_signed_in_session_without_a_csrf_token_is_still_refused(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post("/api/v1/folders/", {"name": "x"}, format="json")

    assert response.status_code == 403
    assert not Folder.objects.filter(owner=owner).exists()
