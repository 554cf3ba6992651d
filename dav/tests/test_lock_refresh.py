"""A LOCK refresh (empty body, the lock's token in If) of a lock gone meanwhile: WsgiDAV
checks the token against the URL, then asks the lock storage to refresh it; a lock
removed between the two (an UNLOCK from another client, the item deleted, expiry) is a
token that locks nothing, 412 Precondition Failed (RFC 4918 section 10.4.1), not a 500."""

import pytest

from dav.models import DavLock
from dav.tests.test_shared_locks import lock
from kosha.testing.races import run_before

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _refresh(client, path: str, token: str):
    return client.request("LOCK", path, headers={"If": f"(<{token}>)", "Timeout": "Second-600"})


def test_a_refresh_extends_the_lock(owner_dav):
    owner_dav.request("PUT", "plan.txt", data=b"the plan")
    token = lock(owner_dav, "plan.txt")

    refreshed = _refresh(owner_dav, "plan.txt", token)

    assert refreshed.status_code == 200, refreshed.text
    assert token in refreshed.text
    assert DavLock.objects.get(token=token).data["timeout"] == 600


def test_a_refresh_of_a_lock_removed_meanwhile_is_412_and_stores_nothing(owner_dav):
    owner_dav.request("PUT", "plan.txt", data=b"the plan")
    token = lock(owner_dav, "plan.txt")

    # Another client's UNLOCK lands between WsgiDAV's token check and the refresh.
    with run_before(
        "dav.locks.DatabaseLockStorage.refresh", lambda: DavLock.objects.filter(token=token).delete()
    ) as race:
        refreshed = _refresh(owner_dav, "plan.txt", token)

    assert race.result == (1, {"dav.DavLock": 1})
    assert refreshed.status_code == 412, refreshed.text
    assert "lock-token-matches-request-uri" in refreshed.text
    assert not DavLock.objects.exists()
    assert owner_dav.request("PUT", "plan.txt", data=b"unlocked").status_code == 204


def test_a_refresh_of_a_token_that_never_was_is_412(owner_dav):
    owner_dav.request("PUT", "plan.txt", data=b"the plan")

    refreshed = _refresh(owner_dav, "plan.txt", "opaquelocktoken:never-issued")

    assert refreshed.status_code == 412
