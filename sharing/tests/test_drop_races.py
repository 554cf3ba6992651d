"""Concurrent anonymous starts on one drop link, on PostgreSQL (issue 10, fault 3): the
per-link caps hold however many requests arrive at once, whichever cache the deployment
runs (the embedded default is files under var/, whose increment is a read then a write)."""

import pytest
from django.test import Client

from kosha.errors import RateLimited
from kosha.testing import factories
from kosha.testing.races import run_after, run_concurrently
from sharing.drops import drop_start_admit
from sharing.models import DropStart, ShareLink
from storage.models import UploadSession
from storage.tests.protocol import usage_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STARTERS = 12


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }


def test_concurrent_starts_from_many_clients_admit_exactly_the_per_link_cap(file_cache, settings, owner):
    settings.KOSHA_DROP_STARTS_PER_LINK = 3
    inbox = factories.folder(owner, "Inbox")
    link, _token = factories.link(owner, inbox, is_drop=True)

    results = run_concurrently(STARTERS, lambda i: drop_start_admit(link=link, address=f"203.0.113.{i}", size_bytes=1))

    refused = [result for result in results if isinstance(result, RateLimited)]
    assert len(refused) == STARTERS - 3, results


def test_concurrent_starts_admit_no_more_declared_bytes_than_the_per_link_budget(file_cache, settings, owner):
    settings.KOSHA_DROP_BYTES_PER_LINK = 4000
    inbox = factories.folder(owner, "Inbox")
    link, _token = factories.link(owner, inbox, is_drop=True)

    results = run_concurrently(
        STARTERS, lambda i: drop_start_admit(link=link, address=f"203.0.113.{i}", size_bytes=1000)
    )

    assert sum(1 for result in results if not isinstance(result, Exception)) == 4, results


def test_concurrent_http_starts_on_one_link_create_no_more_sessions_than_the_cap(
    file_cache, settings, local_settings, owner
):
    settings.KOSHA_DROP_STARTS_PER_LINK = 2
    inbox = factories.folder(owner, "Inbox")
    _link, token = factories.link(owner, inbox, is_drop=True)

    answers = run_concurrently(
        6,
        lambda i: Client(REMOTE_ADDR=f"198.51.100.{i}").post(
            f"/s/{token}/uploads/", {"name": f"{i}.txt", "size": 1}, content_type="application/json"
        ),
    )

    assert all(not isinstance(answer, Exception) for answer in answers), [repr(a) for a in answers]
    assert sorted(answer.status_code for answer in answers) == [201, 201, 429, 429, 429, 429]


def test_a_start_through_a_link_deleted_meanwhile_is_404_and_reserves_nothing(local_settings, owner):
    inbox = factories.folder(owner, "Inbox")
    link, token = factories.link(owner, inbox, is_drop=True)

    # The door read the link; its owner (or an admin) deletes it while the admission holds
    # the link's folder, before it locks the link's row.
    with run_after(
        "sharing.drops.link_item_pin", lambda: ShareLink.objects.filter(pk=link.pk).delete(), in_thread=True
    ):
        answer = Client(REMOTE_ADDR="198.51.100.7").post(
            f"/s/{token}/uploads/", {"name": "late.txt", "size": 1}, content_type="application/json"
        )

    assert answer.status_code == 404, answer.content
    assert answer.json()["error"]["code"] == "not_found"
    assert not DropStart.objects.exists()
    assert not UploadSession.objects.exists()
    assert (usage_of(owner).reserved_bytes, usage_of(owner).reserved_files) == (0, 0)
    gone = Client().post(f"/s/{token}/uploads/", {"name": "late.txt", "size": 1}, content_type="application/json")
    assert gone.status_code == 404  # what any later start through it answers
