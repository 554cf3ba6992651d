"""Anonymous drop uploads are bounded per link and per client (issue 10, fault 3): a file
size cap, start rates and a byte budget per link, each refusal a 4xx that reserves nothing."""

import pytest
from django.test import Client

from kosha.testing import factories
from sharing import drops
from storage.models import UploadSession
from storage.tests.protocol import usage_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def drop(local_settings, owner):
    inbox = factories.folder(owner, "Inbox")
    _link, token = factories.link(owner, inbox, is_drop=True)
    return token


def _start(client: Client, token: str, size: int, name: str = "a.txt"):
    body = {"name": name, "size": size, "content_type": "text/plain"}
    return client.post(f"/s/{token}/uploads/", body, content_type="application/json")


def test_a_dropped_file_over_the_drop_cap_is_a_413_and_reserves_nothing(drop, owner):
    response = _start(Client(), drop, drops.DROP_MAX_FILE_BYTES + 1)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert usage_of(owner).reserved_bytes == 0
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_three_big_drops_cannot_drain_the_owners_space(drop, owner):
    client = Client()

    answers = [_start(client, drop, drops.DROP_MAX_FILE_BYTES, f"big{number}.bin").status_code for number in range(3)]

    assert answers == [201, 201, 429]
    assert usage_of(owner).reserved_bytes == 2 * drops.DROP_MAX_FILE_BYTES == drops.DROP_BYTES_PER_LINK


def test_starts_are_limited_per_client_with_retry_after_and_others_still_drop(drop, owner, monkeypatch):
    monkeypatch.setattr(drops, "DROP_STARTS_PER_CLIENT", 3)
    flooder = Client(REMOTE_ADDR="203.0.113.7")

    answers = [_start(flooder, drop, 1, f"f{number}.txt") for number in range(4)]
    other = _start(Client(REMOTE_ADDR="198.51.100.20"), drop, 1, "other.txt")

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) == drops.DROP_WINDOW_SECONDS
    assert other.status_code == 201
    assert UploadSession.objects.filter(owner=owner).count() == 4


def test_starts_are_limited_per_link_across_clients(drop, owner, monkeypatch):
    monkeypatch.setattr(drops, "DROP_STARTS_PER_LINK", 2)

    answers = [_start(Client(REMOTE_ADDR=f"203.0.113.{number}"), drop, 1, f"{number}.txt") for number in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert UploadSession.objects.filter(owner=owner).count() == 2
