"""Anonymous drop uploads are bounded per link and per client (issue 10, fault 3): a file
size cap, start rates and a byte budget per link, each refusal a 4xx that reserves nothing."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing import factories
from sharing.models import ShareLink
from sharing.services.links import share_link_revoke
from storage.models import UploadSession
from storage.services.uploads import upload_sweep
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
    response = _start(Client(), drop, settings.KOSHA_DROP_MAX_FILE_BYTES + 1)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert usage_of(owner).reserved_bytes == 0
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_three_big_drops_cannot_drain_the_owners_space(drop, owner):
    client = Client()

    answers = [
        _start(client, drop, settings.KOSHA_DROP_MAX_FILE_BYTES, f"big{number}.bin").status_code for number in range(3)
    ]

    assert answers == [201, 201, 429]
    assert (
        usage_of(owner).reserved_bytes == 2 * settings.KOSHA_DROP_MAX_FILE_BYTES == settings.KOSHA_DROP_BYTES_PER_LINK
    )


def test_starts_are_limited_per_client_with_retry_after_and_others_still_drop(drop, owner, settings):
    settings.KOSHA_DROP_STARTS_PER_CLIENT = 3
    flooder = Client(REMOTE_ADDR="203.0.113.7")

    answers = [_start(flooder, drop, 1, f"f{number}.txt") for number in range(4)]
    other = _start(Client(REMOTE_ADDR="198.51.100.20"), drop, 1, "other.txt")

    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) == settings.KOSHA_DROP_WINDOW_SECONDS
    assert other.status_code == 201
    assert UploadSession.objects.filter(owner=owner).count() == 4


def test_starts_are_limited_per_link_across_clients(drop, owner, settings):
    settings.KOSHA_DROP_STARTS_PER_LINK = 2

    answers = [_start(Client(REMOTE_ADDR=f"203.0.113.{number}"), drop, 1, f"{number}.txt") for number in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert UploadSession.objects.filter(owner=owner).count() == 2


def test_an_anonymous_start_reserves_for_the_drop_reservation_time_only(drop, owner, settings):
    settings.KOSHA_DROP_RESERVATION_MINUTES = 30
    before = timezone.now()

    response = _start(Client(), drop, 10)

    upload = UploadSession.objects.get(owner=owner)
    assert response.status_code == 201
    assert before + timedelta(minutes=30) <= upload.expires_at <= timezone.now() + timedelta(minutes=30)


def test_the_sweep_releases_an_expired_drop_reservation(drop, owner, settings):
    _start(Client(), drop, 10)

    swept = upload_sweep(now=timezone.now() + timedelta(minutes=settings.KOSHA_DROP_RESERVATION_MINUTES + 1))

    assert swept == 1
    assert usage_of(owner).reserved_bytes == 0
    assert UploadSession.objects.get(owner=owner).status == UploadSession.Status.EXPIRED


def test_revoking_a_drop_link_aborts_its_pending_uploads_and_releases_them(local_settings, owner):
    inbox = factories.folder(owner, "Inbox")
    link, token = factories.link(owner, inbox, is_drop=True)
    _start(Client(), token, 10, "one.txt")
    _start(Client(), token, 20, "two.txt")
    assert usage_of(owner).reserved_bytes == 30

    share_link_revoke(actor=owner, link=link, origin=TASK)

    assert usage_of(owner).reserved_bytes == 0
    statuses = set(UploadSession.objects.filter(owner=owner).values_list("status", flat=True))
    assert statuses == {UploadSession.Status.ABORTED}


def test_a_refused_start_gives_its_bytes_back_to_the_links_budget(drop, owner, settings):
    settings.KOSHA_DROP_BYTES_PER_LINK = 100

    bad = _start(Client(), drop, 100, "a\u202eb.txt")
    good = _start(Client(), drop, 100, "ok.txt")

    assert bad.status_code == 400
    assert good.status_code == 201


def _pending(api_client, **params):
    response = api_client.get("/api/v1/uploads/", params)
    assert response.status_code == 200
    return response.json()


def test_the_owner_lists_every_pending_upload_into_their_space_and_aborts_a_drop(
    drop, owner, owner_client, stranger_client
):
    _start(Client(), drop, 10, "dropped.txt")
    link = ShareLink.objects.get(owner=owner)

    listed = _pending(owner_client)
    aborted = owner_client.delete(f"/api/v1/uploads/{listed['items'][0]['id']}/")

    assert [(item["name"], item["started_by"], item["via_link"]["id"]) for item in listed["items"]] == [
        ("dropped.txt", None, str(link.pk))
    ]
    assert _pending(stranger_client)["items"] == []
    assert aborted.status_code == 204
    assert usage_of(owner).reserved_bytes == 0
    assert _pending(owner_client)["items"] == []


def test_the_pending_upload_list_takes_the_same_queries_at_n_and_3n_rows(drop, owner, owner_client):
    counts = []
    for total in (2, 6):
        while UploadSession.objects.filter(owner=owner).count() < total:
            number = UploadSession.objects.filter(owner=owner).count()
            _start(Client(REMOTE_ADDR=f"203.0.113.{number}"), drop, 1, f"{number}.txt")
        # The page is one query (the starter and the drop link joined), whatever its size.
        with CaptureQueriesContext(connection) as queries:
            listed = _pending(owner_client)
        assert len(listed["items"]) == total
        counts.append(len(queries))

    assert counts[0] == counts[1]
