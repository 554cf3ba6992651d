"""Public links: creation rules, the password throttle, download counting, drops."""

import hashlib
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from kosha.errors import LinkRevoked, NotFound
from kosha.origin import TASK
from kosha.testing.clients import api_as
from kosha.testing.factories import LINK_PASSWORD, folder, link, stored_file
from plans.models import Plan
from plans.services import usage_set_plan
from sharing.models import LinkEvent, ShareLink
from sharing.services import link_visits
from sharing.services.link_visits import link_download_count
from sharing.services.links import share_link_create, share_link_update
from storage.models import File
from storage.services.trash import folder_trash, trash_batches_purge
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db


def test_created_link_shows_its_token_once_and_stores_only_a_hash(world):
    response = api_as(world.owner).post("/api/v1/share-links/", {"file": str(world.file.pk)}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    link = ShareLink.objects.get(pk=body["id"])
    assert len(body["token"]) == 43 and body["url"].endswith(f"/s/{body['token']}")
    assert link.token_sha256 == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in str(ShareLink.objects.filter(pk=link.pk).values().first())
    listed = api_as(world.owner).get("/api/v1/share-links/").json()
    assert "token" not in listed["items"][0] and listed["next"] is None


@pytest.mark.parametrize(
    ("expires_in", "reason"),
    [(timedelta(days=31), "expiry_beyond_plan"), (timedelta(minutes=-1), "expiry_in_past")],
)
def test_expiry_beyond_the_plan_or_in_the_past_is_refused(world, expires_in, reason):
    max_days = usage_of(world.owner).plan.max_share_days
    expires_at = timezone.now() + (timedelta(days=max_days + 1) if reason == "expiry_beyond_plan" else expires_in)

    response = api_as(world.owner).post(
        "/api/v1/share-links/", {"file": str(world.file.pk), "expires_at": expires_at.isoformat()}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["reason"] == reason
    assert not ShareLink.objects.filter(file=world.file).exists()


def _tomorrow_date() -> str:
    return (timezone.now() + timedelta(days=1)).date().isoformat()


STRICT_EXPIRY = [
    pytest.param(lambda: _tomorrow_date(), "date alone", id="date-alone"),
    pytest.param(lambda: f"{_tomorrow_date()}T12:00:00", "time zone", id="no-time-zone"),
    pytest.param(lambda: f"{_tomorrow_date()} 12:00:00+00:00", "RFC 3339", id="space-for-T"),
    pytest.param(lambda: "2026-02-30T12:00:00Z", "not a real date", id="impossible-date"),
    pytest.param(lambda: "tomorrow", "RFC 3339", id="words"),
    pytest.param(lambda: 1893456000, "as text", id="a-unix-number"),
    pytest.param(lambda: "\u0662\u0660\u0662\u0667-01-01T00:00:00Z", "RFC 3339", id="non-ascii-digits"),
]


@pytest.mark.parametrize(("expires_at", "said"), STRICT_EXPIRY)
def test_expiry_must_be_an_rfc3339_instant_with_a_zone(world, expires_at, said):
    response = api_as(world.owner).post(
        "/api/v1/share-links/", {"file": str(world.file.pk), "expires_at": expires_at()}, format="json"
    )

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid" and "expires_at" in error["fields"]
    assert said in error["message"]
    assert not ShareLink.objects.filter(file=world.file).exists()


def test_an_instant_with_an_offset_is_kept_to_the_second(world):
    wanted = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    text = wanted.astimezone(timezone.get_fixed_timezone(-330)).isoformat()

    response = api_as(world.owner).post(
        "/api/v1/share-links/", {"file": str(world.file.pk), "expires_at": text}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert ShareLink.objects.get(file=world.file).expires_at == wanted


def test_renewing_beyond_the_plan_is_refused_not_shortened(world):
    link, _token = share_link_create(actor=world.owner, item=world.file, origin=TASK)
    before = link.expires_at
    max_days = usage_of(world.owner).plan.max_share_days
    too_late = (timezone.now() + timedelta(days=max_days, hours=1)).isoformat()

    response = api_as(world.owner).patch(f"/api/v1/share-links/{link.pk}/", {"expires_at": too_late}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "expiry_beyond_plan"
    assert response.json()["error"]["max_share_days"] == max_days
    link.refresh_from_db()
    assert link.expires_at == before


def test_default_expiry_is_a_week_but_never_beyond_a_short_plan(world):
    plan = usage_of(world.owner).plan
    Plan.objects.filter(pk=plan.pk).update(max_share_days=3)

    link, _token = share_link_create(actor=world.owner, item=world.file, origin=TASK)

    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)


def test_a_drop_link_must_be_a_folder(world):
    response = api_as(world.owner).post(
        "/api/v1/share-links/", {"file": str(world.file.pk), "is_drop": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "drop_needs_folder"


def test_wrong_passwords_are_throttled_per_link_and_client_with_retry_after(world):
    link, token = world.links["locked"]
    client = Client(REMOTE_ADDR="203.0.113.7")

    answers = [client.post(f"/s/{token}", {"password": "guess"}).status_code for _ in range(10)]
    throttled = client.post(f"/s/{token}", {"password": LINK_PASSWORD})

    assert answers == [403] * 10
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= link_visits.PASSWORD_WINDOW_SECONDS
    assert LinkEvent.objects.filter(link=link, kind=LinkEvent.Kind.PASSWORD_FAILED).count() == 10


def test_a_guesser_cannot_lock_a_link_against_another_client(world):
    _link, token = world.links["locked"]
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(link_visits.PASSWORD_FAILURES_PER_LINK_CLIENT + 2):
        guesser.post(f"/s/{token}", {"password": "guess"})

    rightful = Client(REMOTE_ADDR="198.51.100.20").post(f"/s/{token}", {"password": LINK_PASSWORD})

    assert guesser.post(f"/s/{token}", {"password": LINK_PASSWORD}).status_code == 429
    assert rightful.status_code == 302


def test_wrong_passwords_are_throttled_per_address_across_links(world, monkeypatch):
    monkeypatch.setattr(link_visits, "PASSWORD_FAILURES_PER_LINK_CLIENT", 100)
    monkeypatch.setattr(link_visits, "PASSWORD_FAILURES_PER_ADDRESS", 3)
    tokens = []
    for _ in range(4):
        _link, token = share_link_create(actor=world.owner, item=world.shared, password="pw", origin=TASK)
        tokens.append(token)
    client = Client()

    answers = [client.post(f"/s/{token}", {"password": "guess"}).status_code for token in tokens]

    assert answers == [403, 403, 403, 429]


def test_a_right_password_unlocks_the_link_for_this_session_only(world):
    _link, token = world.links["locked"]
    client = Client()

    unlocked = client.post(f"/s/{token}", {"password": LINK_PASSWORD})
    page = client.get(f"/s/{token}")
    other = Client().get(f"/s/{token}/f/{world.sub.pk}")

    assert unlocked.status_code == 302
    assert page.status_code == 200 and world.file.name.encode() in page.content
    assert other.status_code == 403


def test_changing_the_password_locks_unlocked_sessions_out(world):
    link, token = world.links["locked"]
    client = Client()
    client.post(f"/s/{token}", {"password": LINK_PASSWORD})

    share_link_update(actor=world.owner, link=link, password="another one", origin=TASK)

    assert client.get(f"/s/{token}/f/{world.sub.pk}").status_code == 403


@pytest.mark.parametrize("tamper", ["truncate", "flip", "unknown"])
def test_unknown_tampered_or_truncated_tokens_are_a_plain_404(world, tamper):
    _link, token = world.links["valid"]
    bad = {"truncate": token[:-1], "flip": token[:-1] + ("A" if token[-1] != "A" else "B"), "unknown": "x" * 43}[tamper]

    response = Client().get(f"/s/{bad}")

    assert response.status_code == 404
    assert world.shared.name.encode() not in response.content


def test_downloads_count_and_stop_at_the_limit(world):
    link, token = share_link_create(actor=world.owner, item=world.file, max_downloads=2, origin=TASK)
    client = Client()

    answers = [client.get(f"/s/{token}/download/{world.file.pk}").status_code for _ in range(3)]

    assert answers == [302, 302, 404]
    link.refresh_from_db()
    assert link.download_count == 2
    assert client.get(f"/s/{token}").status_code == 404


def test_head_on_a_download_counts_nothing_and_hands_out_no_url(world):
    link, token = share_link_create(actor=world.owner, item=world.file, max_downloads=1, origin=TASK)
    client = Client()

    heads = [client.head(f"/s/{token}/download/{world.file.pk}") for _ in range(5)]
    got = client.get(f"/s/{token}/download/{world.file.pk}")

    assert [head.status_code for head in heads] == [200] * 5
    assert not any(head.has_header("Location") for head in heads)
    assert got.status_code == 302
    link.refresh_from_db()
    assert link.download_count == 1
    assert LinkEvent.objects.filter(link=link, kind=LinkEvent.Kind.DOWNLOADED).count() == 1


def test_the_conditional_update_never_passes_the_limit(world):
    link, _token = share_link_create(actor=world.owner, item=world.file, max_downloads=1, origin=TASK)
    link_download_count(link=link)
    stale = ShareLink.objects.get(pk=link.pk)
    stale.download_count = 0  # a request that read the row before the other counted

    with pytest.raises(NotFound):
        link_download_count(link=stale)

    assert ShareLink.objects.get(pk=link.pk).download_count == 1


def test_a_file_link_reaches_only_its_file(world):
    _link, token = share_link_create(actor=world.owner, item=world.file, origin=TASK)
    client = Client()

    page = client.get(f"/s/{token}")
    other = client.get(f"/s/{token}/download/{world.sibling_file.pk}")
    folder = client.get(f"/s/{token}/f/{world.shared.pk}")

    assert page.status_code == 200 and world.file.name.encode() in page.content
    assert other.status_code == 404 and folder.status_code == 404


def test_a_folder_link_cannot_reach_a_sibling_folder_or_its_files(world):
    _link, token = world.links["valid"]
    client = Client()

    assert client.get(f"/s/{token}/f/{world.sibling.pk}").status_code == 404
    assert client.get(f"/s/{token}/download/{world.sibling_file.pk}").status_code == 404
    assert client.get(f"/s/{token}/download/{world.sub_file.pk}").status_code == 302


def test_a_drop_link_shows_only_the_upload_form(world):
    _link, token = world.drops["valid"]

    page = Client().get(f"/s/{token}")

    assert page.status_code == 200
    assert world.file.name.encode() not in page.content
    assert Client().get(f"/s/{token}/f/{world.sub.pk}").status_code == 404
    assert Client().get(f"/s/{token}/download/{world.file.pk}").status_code == 404


def test_revoking_takes_effect_at_once(world):
    link, token = world.links["valid"]
    client = Client()
    assert client.get(f"/s/{token}").status_code == 200

    assert api_as(world.owner).delete(f"/api/v1/share-links/{link.pk}/").status_code == 204

    assert client.get(f"/s/{token}").status_code == 410
    assert LinkEvent.objects.filter(link=link, kind=LinkEvent.Kind.REVOKED).count() == 1


# --- drops end to end, against moto's HTTP server ------------------------------------------------


@pytest.fixture
def s3_drop(s3_settings, owner):
    inbox = folder(owner, "Inbox")
    return inbox, *link(owner, inbox, is_drop=True)


def test_a_drop_upload_lands_in_the_owners_folder_and_quota(s3_drop, owner):
    inbox, link, token = s3_drop
    data = b"dropped bytes"
    client = Client()

    started = client.post(
        f"/s/{token}/uploads/",
        {"name": "scan.pdf", "size": len(data), "content_type": "application/pdf"},
        content_type="application/json",
    )
    assert started.status_code == 201, started.content
    body = started.json()
    put = requests.put(body["url"], data=data, headers=body["headers"], timeout=30)
    completed = client.post(f"/s/{token}/uploads/{body['id']}/complete/", {}, content_type="application/json")

    assert put.status_code == 200
    assert completed.status_code == 200, completed.content
    assert completed.json() == {"status": "completed", "name": "scan.pdf", "size": len(data)}
    file = File.objects.get(owner=owner, folder=inbox, name="scan.pdf")
    assert file.size_bytes == len(data)
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)
    # Another browser holding the same link cannot touch this session.
    assert Client().get(f"/s/{token}/uploads/{body['id']}/").status_code == 404


def test_a_drop_never_replaces_the_owners_file(s3_drop, owner):
    inbox, _link, token = s3_drop
    stored_file(owner, "notes.txt", b"mine", folder=inbox)
    client = Client()

    started = client.post(f"/s/{token}/uploads/", {"name": "notes.txt", "size": 5}, content_type="application/json")
    body = started.json()
    requests.put(body["url"], data=b"yours", headers=body["headers"], timeout=30)
    completed = client.post(f"/s/{token}/uploads/{body['id']}/complete/", {}, content_type="application/json")

    assert completed.json()["name"] == "notes (2).txt"
    assert File.objects.get(owner=owner, folder=inbox, name="notes.txt").size_bytes == 4


def test_an_over_quota_drop_is_413_and_reserves_nothing(s3_drop, owner):
    _inbox, _link, token = s3_drop
    plan = usage_of(owner).plan

    response = Client().post(
        f"/s/{token}/uploads/", {"name": "huge.bin", "size": plan.storage_bytes + 1}, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert "used_bytes" not in response.json()["error"]  # the owner's numbers stay private
    usage = usage_of(owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (0, 0)
    assert_usage_consistent(owner)


def test_a_small_plan_over_quota_drop_is_refused(s3_drop, owner):
    tiny = Plan.objects.create(code="tiny", name="Tiny", storage_bytes=10, max_files=10, max_file_bytes=10)
    usage_set_plan(user=owner, plan=tiny)
    _inbox, _link, token = s3_drop

    response = Client().post(f"/s/{token}/uploads/", {"name": "a.bin", "size": 11}, content_type="application/json")

    assert response.status_code == 413
    assert usage_of(owner).reserved_bytes == 0


def test_an_offset_beyond_postgresqls_is_the_same_instant(world):
    # RFC 3339 allows offsets to ±23:59, PostgreSQL's timestamptz to ±15:59 (a 500 before).
    wanted = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    text = wanted.astimezone(timezone.get_fixed_timezone(22 * 60 + 52)).isoformat()

    response = api_as(world.owner).post(
        "/api/v1/share-links/", {"file": str(world.file.pk), "expires_at": text}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert ShareLink.objects.get(file=world.file).expires_at == wanted


def test_a_change_to_a_link_purged_with_its_item_since_it_was_read_is_404(local_settings, owner):
    old = folder(owner, "Old")
    made, _token = link(owner, old)
    read = ShareLink.objects.get(pk=made.pk)  # the door's read
    trashed = folder_trash(actor=owner, folder=old, origin=TASK)
    trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])

    # Before: save(update_fields=...) found no row (DatabaseError, a 500).
    with pytest.raises(NotFound):
        share_link_update(actor=owner, link=read, name="renamed", origin=TASK)


def test_a_change_to_a_link_revoked_since_it_was_read_is_refused_and_changes_nothing(local_settings, owner):
    file = stored_file(owner, "a.txt", b"a")
    made, _token = link(owner, file)
    read = ShareLink.objects.get(pk=made.pk)  # the door's read, before the revoke
    ShareLink.objects.filter(pk=made.pk).update(revoked_at=timezone.now())

    # Before: the revoked link took the change (and its LINK_CHANGED event).
    with pytest.raises(LinkRevoked):
        share_link_update(actor=owner, link=read, name="renamed", origin=TASK)

    assert ShareLink.objects.get(pk=made.pk).name == made.name
