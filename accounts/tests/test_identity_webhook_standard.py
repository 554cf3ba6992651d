"""POST /api/v1/webhooks/identity/ in the Standard Webhooks format (Svix, Clerk):
`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`; fresh, once per id;
Clerk's `user.deleted` shape found through the provider's social account."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from standardwebhooks.webhooks import Webhook

from accounts.models import User, WebhookEvent

URL = "/api/v1/webhooks/identity/"
SECRET = "whsec_" + base64.b64encode(b"clerk-signing-secret-32-bytes!!!").decode()
pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(settings, local_settings):
    settings.KOSHA_IDENTITY_WEBHOOK_STANDARD_SECRET = SECRET
    settings.KOSHA_IDENTITY_WEBHOOK_SECRET = ""
    settings.KOSHA_IDENTITY_WEBHOOK_PROVIDER = "clerk"
    settings.KOSHA_WEBHOOK_TOLERANCE_SECONDS = 300
    return Client(enforce_csrf_checks=True)


def _clerk_user_deleted(clerk_user_id: str) -> dict:
    """What Clerk sends when a user is deleted (its documented payload)."""
    return {
        "data": {"deleted": True, "id": clerk_user_id, "object": "user"},
        "event_attributes": {"http_request": {"client_ip": "", "user_agent": ""}},
        "object": "event",
        "timestamp": 1661861640000,
        "type": "user.deleted",
    }


def _deliver(client, event, *, message_id="msg_2Lh9KRb0pzN4LePd3XiA4Z7Zx5d", secret=SECRET, timestamp=None, body=None):
    """Sign like a Standard Webhooks sender (the reference library's `sign`)."""
    body = body if body is not None else json.dumps(event).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, tz=UTC), body.decode())
    headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def _clerk_user(user, clerk_user_id="user_29w83sxmDNGwOuEthce5gg56FcC"):
    SocialAccount.objects.create(user=user, provider="clerk", uid=clerk_user_id)
    return clerk_user_id


def _unchanged(user) -> bool:
    user.refresh_from_db()
    return user.deleting_at is None and user.is_active


def test_clerks_user_deleted_deletes_the_account_signed_in_through_clerk(webhook, owner, stranger):
    clerk_id = _clerk_user(owner)
    _clerk_user(stranger, "user_someone_else")

    response = _deliver(webhook, _clerk_user_deleted(clerk_id))

    assert response.status_code == 200, response.json()
    assert response.json() == {"id": "msg_2Lh9KRb0pzN4LePd3XiA4Z7Zx5d", "deleting": True}
    owner.refresh_from_db()
    assert owner.deleting_at is not None and owner.is_active is False
    assert _unchanged(stranger)


def test_a_redelivered_message_id_changes_nothing(webhook, owner, stranger):
    _deliver(webhook, _clerk_user_deleted(_clerk_user(owner)))

    replay = _deliver(webhook, _clerk_user_deleted(_clerk_user(stranger, "user_other")))

    assert replay.json() == {"id": "msg_2Lh9KRb0pzN4LePd3XiA4Z7Zx5d", "duplicate": True}
    assert _unchanged(stranger)
    assert WebhookEvent.objects.filter(source="identity").count() == 1


def test_koshas_own_event_shape_is_accepted_in_the_standard_format(webhook, owner):
    event = {"id": "ignored-for-the-header-id", "type": "user.deleted", "data": {"email": owner.email}}

    response = _deliver(webhook, event, message_id="msg_kosha_1")

    assert response.json() == {"id": "msg_kosha_1", "deleting": True}


def test_a_provider_user_id_without_a_configured_provider_deletes_nobody(webhook, owner, settings):
    settings.KOSHA_IDENTITY_WEBHOOK_PROVIDER = ""
    clerk_id = _clerk_user(owner)

    response = _deliver(webhook, _clerk_user_deleted(clerk_id))

    assert response.json()["reason"] == "unknown_user"
    assert _unchanged(owner)


def test_a_signature_with_another_secret_is_refused(webhook, owner):
    other = "whsec_" + base64.b64encode(b"another-secret-of-thirty-two-by!").decode()

    response = _deliver(webhook, _clerk_user_deleted(_clerk_user(owner)), secret=other)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert _unchanged(owner)
    assert WebhookEvent.objects.count() == 0


def test_a_body_changed_after_signing_is_refused(webhook, owner, stranger):
    owner_id, stranger_id = _clerk_user(owner), _clerk_user(stranger, "user_stranger")
    timestamp = int(time.time())
    signed = json.dumps(_clerk_user_deleted(stranger_id))
    signature = Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(timestamp, tz=UTC), signed)

    response = webhook.post(
        URL,
        data=json.dumps(_clerk_user_deleted(owner_id)),
        content_type="application/json",
        headers={"webhook-id": "msg_1", "webhook-timestamp": str(timestamp), "webhook-signature": signature},
    )

    assert response.status_code == 401
    assert _unchanged(owner) and _unchanged(stranger)


@pytest.mark.parametrize("age_seconds", [301, -301, 86400])
def test_a_stale_or_future_timestamp_is_refused_even_when_signed(webhook, owner, age_seconds):
    response = _deliver(webhook, _clerk_user_deleted(_clerk_user(owner)), timestamp=int(time.time()) - age_seconds)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert _unchanged(owner)


def test_a_smaller_configured_tolerance_applies(webhook, owner, settings):
    settings.KOSHA_WEBHOOK_TOLERANCE_SECONDS = 60

    response = _deliver(webhook, _clerk_user_deleted(_clerk_user(owner)), timestamp=int(time.time()) - 120)

    assert response.status_code == 400
    assert _unchanged(owner)


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-timestamp": "1700000000", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "msg_1", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "msg_1", "webhook-timestamp": "soon", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "msg_1", "webhook-timestamp": "NOW", "webhook-signature": "v1,AAAA"},
        {"webhook-id": "msg_1", "webhook-timestamp": "NOW", "webhook-signature": "v1"},
        {"webhook-id": "msg_1", "webhook-timestamp": "NOW", "webhook-signature": "v1,not*base64"},
        {"webhook-id": "msg_1", "webhook-timestamp": "NOW", "webhook-signature": "v2,AAAA"},
        {"webhook-id": "m" * 256, "webhook-timestamp": "NOW", "webhook-signature": "v1,AAAA"},
    ],
)
def test_missing_or_malformed_headers_are_refused(webhook, owner, headers):
    headers = {key: value.replace("NOW", str(int(time.time()))) for key, value in headers.items()}

    response = webhook.post(URL, data=_clerk_user_deleted("user_x"), content_type="application/json", headers=headers)

    assert response.status_code in (400, 401)
    assert "error" in response.json()
    assert _unchanged(owner)


def test_a_body_that_is_not_utf8_is_a_400(webhook):
    timestamp = str(int(time.time()))

    response = webhook.post(
        URL,
        data=b"\xff\xfe",
        content_type="application/json",
        headers={"webhook-id": "msg_1", "webhook-timestamp": timestamp, "webhook-signature": "v1,AAAA"},
    )

    assert response.status_code == 400


def test_the_standard_scheme_is_off_without_its_secret(webhook, owner, settings):
    settings.KOSHA_IDENTITY_WEBHOOK_STANDARD_SECRET = ""
    settings.KOSHA_IDENTITY_WEBHOOK_SECRET = "kosha-scheme-secret"

    response = _deliver(webhook, _clerk_user_deleted(_clerk_user(owner)))

    assert response.status_code == 401
    assert _unchanged(owner)
    assert User.objects.filter(pk=owner.pk).exists()
