import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import ApiToken, AppPassword
from accounts.services import api_token_create
from accounts.tests.keys import assert_key_stored_as_hash
from kosha.testing.answers import assert_error
from kosha.testing.clients import REFUSED, token_client

TOKENS_URL = "/api/v1/tokens/"


@pytest.mark.django_db
def test_create_returns_the_key_once_and_stores_only_its_hash(owner, owner_client):
    response = owner_client.post(TOKENS_URL, {"name": "backup script"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "prefix", "created_at", "last_used_at", "key"}
    assert body["name"] == "backup script"
    assert body["key"].startswith(f"kosha_{body['prefix']}_")
    assert_key_stored_as_hash(ApiToken, body, owner)


@pytest.mark.django_db
@pytest.mark.parametrize("name", [" ", "  "])
@pytest.mark.parametrize(
    ("url", "model"), [(TOKENS_URL, ApiToken), ("/api/v1/app-passwords/", AppPassword)], ids=["token", "app-password"]
)
def test_create_refuses_a_blank_name_with_the_error_shape_and_makes_nothing(owner_client, url, model, name):
    """An API token and an app password alike."""
    response = owner_client.post(url, {"name": name}, format="json")

    assert_error(response, 400, code="invalid")
    assert model.objects.count() == 0


@pytest.mark.django_db
def test_list_shows_own_tokens_without_secrets(owner_client, owner_token, stranger_token):
    response = owner_client.get(TOKENS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [item["id"] for item in body["items"]] == [str(owner_token[0].id)]
    assert set(body["items"][0]) == {"id", "name", "prefix", "created_at", "last_used_at"}
    assert owner_token[1] not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 6])
def test_list_query_count_does_not_grow_with_tokens(owner, owner_client, count):
    for index in range(count):
        api_token_create(user=owner, name=f"token {index}")

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(TOKENS_URL)

    assert response.status_code == 200
    assert len(response.json()["items"]) == count
    # 1: the page of the owner's tokens (cursor pagination needs no COUNT).
    assert len(queries) == 1, [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_list_is_cursor_paginated(owner, owner_client):
    for index in range(3):
        api_token_create(user=owner, name=f"token {index}")

    first = owner_client.get(TOKENS_URL, {"limit": 2}).json()
    second = owner_client.get(TOKENS_URL, {"limit": 2, "cursor": first["next"]}).json()

    assert len(first["items"]) == 2
    assert second["next"] is None
    assert len({item["id"] for item in first["items"] + second["items"]}) == 3


@pytest.mark.django_db
def test_token_authenticates_and_records_last_use(owner, owner_token):
    token, key = owner_token

    response = token_client(key).get(TOKENS_URL)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [str(token.id)]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_a_wrong_secret_is_refused(owner_token):
    _, key = owner_token

    response = token_client(key[:-4] + "abcd").get(TOKENS_URL)

    assert response.status_code in REFUSED
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_revoke_deletes_the_token_and_it_stops_working(owner_client, owner_token):
    token, key = owner_token

    response = owner_client.delete(f"{TOKENS_URL}{token.id}/")

    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    refused = token_client(key).get(TOKENS_URL)
    assert refused.status_code in REFUSED
    assert refused.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_a_token_can_revoke_itself_through_the_api(owner_token):
    token, key = owner_token
    client = token_client(key)

    assert client.delete(f"{TOKENS_URL}{token.id}/").status_code == 204

    assert client.get(TOKENS_URL).status_code in REFUSED


@pytest.mark.django_db
def test_revoking_another_users_token_is_not_found_and_keeps_it(owner_client, stranger_token):
    token, key = stranger_token

    response = owner_client.delete(f"{TOKENS_URL}{token.id}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert token_client(key).get(TOKENS_URL).status_code == 200


@pytest.mark.django_db
def test_revoking_a_malformed_id_is_a_json_not_found(owner_client):
    response = owner_client.delete(f"{TOKENS_URL}not-a-uuid/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_anonymous_requests_are_refused(api_client, owner_token):
    token, _ = owner_token

    assert api_client.get(TOKENS_URL).status_code in REFUSED
    assert api_client.post(TOKENS_URL, {"name": "x"}, format="json").status_code in REFUSED
    assert api_client.delete(f"{TOKENS_URL}{token.id}/").status_code in REFUSED
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.django_db
def test_a_deactivated_users_token_is_refused(owner, owner_token):
    _, key = owner_token
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    response = token_client(key).get(TOKENS_URL)

    assert response.status_code in REFUSED
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_session_clients_need_the_csrf_header(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(TOKENS_URL, {"name": "no csrf"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert ApiToken.objects.count() == 0


def test_schema_describes_the_token_endpoints(db, api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/tokens/" in response.content.decode()
    assert "tokenAuth" in response.content.decode()
