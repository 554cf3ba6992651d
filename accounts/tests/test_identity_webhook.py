"""POST /api/v1/webhooks/identity/: HMAC-signed, fresh, once per event id."""

import json
import time

import pytest
from django.test import Client

from accounts.models import User, WebhookEvent
from accounts.webhooks import signature_compute
from storage import keys
from storage.backends import get_backend

URL = "/api/v1/webhooks/identity/"
SECRET = "identity-shared-secret"
pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(settings, local_settings):
    settings.KOSHA_IDENTITY_WEBHOOK_SECRET = SECRET
    settings.KOSHA_WEBHOOK_TOLERANCE_SECONDS = 300
    # A browser-like client: the endpoint must not depend on a session or a CSRF token.
    return Client(enforce_csrf_checks=True)


def _deliver(client, event, *, secret=SECRET, timestamp=None, signature=None, body=None):
    body = body if body is not None else json.dumps(event).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    signature = signature if signature is not None else signature_compute(secret=secret, timestamp=timestamp, body=body)
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Kosha-Timestamp": timestamp, "X-Kosha-Signature": signature},
    )


def _deleted_event(event_id="evt_1", **data):
    return {"id": event_id, "type": "user.deleted", "data": data}


def _put_object(user) -> str:
    key = keys.blob_key(user.pk)
    get_backend().put_bytes(key=key, data=b"bytes", content_type="text/plain")
    return key


def _unchanged(user) -> bool:
    user.refresh_from_db()
    return user.deleting_at is None and user.is_active and user.has_usable_password()


def test_user_deleted_by_email_purges_the_account(webhook, owner, stranger, django_capture_on_commit_callbacks):
    _put_object(owner)
    stranger_key = _put_object(stranger)

    with django_capture_on_commit_callbacks(execute=True):
        response = _deliver(webhook, _deleted_event(email=owner.email.upper()))

    assert response.status_code == 200, response.json()
    assert response.json() == {"id": "evt_1", "deleting": True}
    assert not User.objects.filter(pk=owner.pk).exists()
    assert list(get_backend().list_prefix(prefix=keys.user_prefix(owner.pk))) == []
    assert get_backend().head(key=stranger_key) is not None
    assert _unchanged(stranger)


def test_user_deleted_by_user_id_locks_the_account_out(webhook, owner):
    response = _deliver(webhook, _deleted_event(user_id=str(owner.pk)))

    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.deleting_at is not None
    assert owner.is_active is False
    assert WebhookEvent.objects.filter(source="identity", event_id="evt_1").count() == 1


def test_a_replayed_event_changes_nothing(webhook, owner, stranger):
    assert _deliver(webhook, _deleted_event(email=owner.email)).status_code == 200

    # Same id, freshly signed, even pointing at someone else: already processed.
    replay = _deliver(webhook, _deleted_event(email=stranger.email))

    assert replay.status_code == 200
    assert replay.json() == {"id": "evt_1", "duplicate": True}
    assert _unchanged(stranger)
    assert WebhookEvent.objects.count() == 1


def test_a_bad_signature_is_refused_and_changes_nothing(webhook, owner):
    response = _deliver(webhook, _deleted_event(email=owner.email), secret="not the secret")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert _unchanged(owner)
    assert WebhookEvent.objects.count() == 0


def test_a_tampered_body_is_refused(webhook, owner, stranger):
    timestamp = str(int(time.time()))
    signed_for = json.dumps(_deleted_event(email=stranger.email)).encode()
    signature = signature_compute(secret=SECRET, timestamp=timestamp, body=signed_for)

    response = _deliver(
        webhook,
        None,
        timestamp=timestamp,
        signature=signature,
        body=json.dumps(_deleted_event(email=owner.email)).encode(),
    )

    assert response.status_code == 401
    assert _unchanged(owner) and _unchanged(stranger)


@pytest.mark.parametrize("headers", [{}, {"X-Kosha-Timestamp": "1700000000"}, {"X-Kosha-Signature": "ab" * 32}])
def test_missing_headers_are_refused(webhook, owner, headers):
    response = webhook.post(
        URL, data=_deleted_event(email=owner.email), content_type="application/json", headers=headers
    )

    assert response.status_code in (400, 401)
    assert _unchanged(owner)


@pytest.mark.parametrize("age_seconds", [301, -301, 86400])
def test_a_timestamp_outside_the_window_is_refused_even_when_signed(webhook, owner, age_seconds):
    timestamp = str(int(time.time()) - age_seconds)

    response = _deliver(webhook, _deleted_event(email=owner.email), timestamp=timestamp)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert _unchanged(owner)
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("timestamp", ["soon", "-5", "1.5e9", "١٧٠٠٠٠٠٠٠٠"])
def test_a_malformed_timestamp_is_refused(webhook, owner, timestamp):
    body = json.dumps(_deleted_event(email=owner.email)).encode()

    response = webhook.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Kosha-Timestamp": timestamp, "X-Kosha-Signature": "00" * 32},
    )

    assert response.status_code == 400
    assert _unchanged(owner)


def test_unknown_event_types_are_acknowledged_and_ignored(webhook, owner):
    response = _deliver(webhook, {"id": "evt_2", "type": "user.renamed", "data": {"email": owner.email}})

    assert response.status_code == 200
    assert response.json() == {"id": "evt_2", "ignored": True, "reason": "unknown_type"}
    assert _unchanged(owner)


def test_an_unknown_user_is_acknowledged_and_ignored(webhook, owner):
    response = _deliver(webhook, _deleted_event(email="nobody@example.com"))

    assert response.status_code == 200
    assert response.json()["reason"] == "unknown_user"
    assert _unchanged(owner)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"type": "user.deleted"}).encode(),
        json.dumps(_deleted_event()).encode(),
        json.dumps(_deleted_event(user_id="not-a-uuid")).encode(),
    ],
)
def test_a_signed_but_malformed_event_is_refused_and_not_recorded(webhook, owner, body):
    response = _deliver(webhook, None, body=body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert WebhookEvent.objects.count() == 0
    assert _unchanged(owner)


def test_the_endpoint_is_off_without_a_secret(settings, client, owner):
    settings.KOSHA_IDENTITY_WEBHOOK_SECRET = ""

    response = _deliver(client, _deleted_event(email=owner.email), secret="")

    assert response.status_code == 404
    assert _unchanged(owner)


def test_only_post_is_accepted(webhook):
    assert webhook.get(URL).status_code == 405
