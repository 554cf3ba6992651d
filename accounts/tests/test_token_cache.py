"""Token authentication from the shared cache: no query for a known token, and any change
to the token or its user felt on the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from accounts.services import account_delete_request, api_token_revoke
from kosha.testing.clients import REFUSED, token_client
from kosha.testing.races import run_after

USAGE_URL = "/api/v1/usage/"


def _cached_client(key: str):
    """A client of the token `key` after two answered requests: the first reads the token
    and touches last_used_at (which drops the entry), the second puts it in the cache."""
    client = token_client(key)
    assert client.get(USAGE_URL).status_code == 200
    assert client.get(USAGE_URL).status_code == 200
    return client


def _auth_queries(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if "accounts_apitoken" in q["sql"] or 'FROM "accounts_user"' in q["sql"]
    ]


@pytest.mark.django_db
def test_a_known_token_authenticates_without_a_query(owner_token, seeded_tiers):
    _, key = owner_token
    client = _cached_client(key)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(USAGE_URL).status_code == 200

    assert _auth_queries(captured) == []


@pytest.mark.django_db
def test_revoking_a_cached_token_refuses_the_next_request(owner, owner_token, seeded_tiers):
    token, key = owner_token
    client = _cached_client(key)

    api_token_revoke(user=owner, token_id=str(token.pk))

    assert client.get(USAGE_URL).status_code in REFUSED


@pytest.mark.django_db
def test_deactivating_the_user_refuses_their_cached_token(owner, owner_token, seeded_tiers):
    _, key = owner_token
    client = _cached_client(key)

    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert client.get(USAGE_URL).status_code in REFUSED


@pytest.mark.django_db
def test_an_account_deletion_refuses_its_cached_token(owner, owner_token, seeded_tiers):
    _, key = owner_token
    client = _cached_client(key)

    account_delete_request(user=owner, source="settings")

    assert not ApiToken.objects.filter(user=owner).exists()
    assert client.get(USAGE_URL).status_code in REFUSED


@pytest.mark.django_db(transaction=True)
def test_a_revocation_committed_after_a_concurrent_read_is_not_left_cached(owner, owner_token, seeded_tiers):
    """A request that read the token inside the revoking transaction's window could cache
    it again; the delete repeated on commit removes that entry."""
    import time

    from django.core.cache import cache
    from django.db import transaction

    from accounts.token_cache import api_token_cached, token_cache_key

    token, key = owner_token
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).first().delete()
        # As if another process read the committed (old) row just now and cached it.
        cache.set(token_cache_key(token.prefix), (time.time(), token), 60)
    assert cache.get(token_cache_key(token.prefix)) is None
    assert api_token_cached(prefix=token.prefix) is None
    assert token_client(key).get(USAGE_URL).status_code in REFUSED


@pytest.mark.django_db
def test_a_revocation_during_a_requests_last_used_touch_is_not_cached_again(owner, owner_token, seeded_tiers):
    """The request read the token, then the token was revoked before its last-used touch
    (which is due: never used): the touch must not put the revoked token back."""
    token, key = owner_token
    client = token_client(key)

    def revoke() -> None:
        api_token_revoke(user=owner, token_id=token.pk)

    with run_after("accounts.authentication.api_token_cached", revoke):
        racing = client.get(USAGE_URL)

    assert client.get(USAGE_URL).status_code in REFUSED
    assert racing.status_code in REFUSED


@pytest.mark.django_db(transaction=True)
def test_a_token_read_before_its_revocation_commits_is_not_cached_after_it(owner, owner_token, seeded_tiers):
    """A request read the token row; then another process revoked the token and committed
    (its delete of the entry ran); then the request cached what it had read. The next
    request must be refused at once, not for as long as that entry lives."""
    token, key = owner_token
    client = token_client(key)
    assert client.get(USAGE_URL).status_code == 200  # touches last_used_at: no touch due next

    def revoke() -> None:
        api_token_revoke(user=owner, token_id=token.pk)

    with run_after("accounts.token_cache.api_token_read", revoke, in_thread=True):
        racing = client.get(USAGE_URL)

    assert racing.status_code == 200  # it read the token before the revocation
    assert client.get(USAGE_URL).status_code in REFUSED
