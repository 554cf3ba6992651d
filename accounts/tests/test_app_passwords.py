"""App passwords (WebDAV devices): shown once, hashed, listed, revocable, the owner's only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.app_passwords import app_password_authenticate
from accounts.models import AppPassword
from accounts.services import app_password_create
from accounts.tests.keys import assert_key_stored_as_hash
from kosha.errors import RateLimited

URL = "/api/v1/app-passwords/"


@pytest.mark.django_db
def test_create_returns_the_password_once_and_stores_only_its_hash(owner, owner_client):
    response = owner_client.post(URL, {"name": "laptop rclone", "redirect_downloads": True}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "prefix", "redirect_downloads", "created_at", "last_used_at", "key"}
    assert body["redirect_downloads"] is True
    assert_key_stored_as_hash(AppPassword, body, owner)


@pytest.mark.django_db
def test_list_shows_only_own_without_secrets_in_fixed_queries(owner, stranger, owner_client):
    mine, key = app_password_create(user=owner, name="phone")
    app_password_create(user=stranger, name="theirs")

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(URL)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [str(mine.pk)]
    assert key not in response.content.decode()
    # the session, the user, the page of app passwords
    assert len(queries) <= 3


@pytest.mark.django_db
def test_revoke_is_owner_only_and_a_stranger_gets_404(owner, stranger_client, owner_client):
    mine, _ = app_password_create(user=owner, name="phone")

    assert stranger_client.delete(f"{URL}{mine.pk}/").status_code == 404
    assert owner_client.delete(f"{URL}{mine.pk}/").status_code == 204
    assert not AppPassword.objects.filter(pk=mine.pk).exists()
    assert owner_client.delete(f"{URL}not-an-id/").status_code == 404


@pytest.mark.django_db
def test_authenticate_needs_the_matching_address_and_is_throttled(owner):
    _, key = app_password_create(user=owner, name="phone")

    assert app_password_authenticate(email=owner.email.upper(), key=key, address="192.0.2.1").user == owner
    for _ in range(5):
        assert app_password_authenticate(email=owner.email, key=key + "x", address="192.0.2.1") is None

    with pytest.raises(RateLimited):
        app_password_authenticate(email=owner.email, key=key, address="192.0.2.1")
    # Another address is not locked out by these failures.
    assert app_password_authenticate(email=owner.email, key=key, address="192.0.2.2").user == owner
