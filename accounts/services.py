"""Writes of the accounts app."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ApiToken, AppPassword, User, WebhookEvent
from accounts.selectors import api_token_get_for_user, app_password_get_for_user
from accounts.signals import account_deletion_requested
from accounts.tokens import token_generate
from kosha.errors import InvalidInput

logger = logging.getLogger(__name__)

# django-stubs types max_length as optional; this column has one.
API_TOKEN_NAME_MAX_LENGTH: int = ApiToken._meta.get_field("name").max_length  # type: ignore[assignment]


def _clean_secret_name(raw: Any, *, what: str) -> str:
    name = (raw or "").strip() if isinstance(raw, str) or raw is None else ""
    if not name:
        raise InvalidInput(f"Give the {what} a name.", field="name")
    if len(name) > API_TOKEN_NAME_MAX_LENGTH:
        raise InvalidInput(f"A {what} name has at most {API_TOKEN_NAME_MAX_LENGTH} characters.", field="name")
    return name


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a personal API token for user. Returns (token, key); the key exists only in this
    return value, since we keep just a hash of its secret. Raises InvalidInput for a blank
    or overlong name."""
    name = _clean_secret_name(name, what="token")
    key, prefix, secret_hash = token_generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, secret_hash=secret_hash)
    return token, key


def api_token_revoke(*, user: User, token_id: uuid.UUID | str) -> None:
    """Delete one of user's API tokens; it stops authenticating at once.
    Raises NotFound for a malformed id or a token user does not own."""
    token = api_token_get_for_user(user=user, token_id=token_id)
    token.delete()


def app_password_create(*, user: User, name: str, redirect_downloads: bool = False) -> tuple[AppPassword, str]:
    """Make an app password for one of user's devices (WebDAV, HTTP Basic). Returns
    (app_password, key); the key exists only in this return value (we keep a hash).
    redirect_downloads: GET answers 302 to the store's presigned URL instead of
    streaming. Raises InvalidInput for a blank or overlong name."""
    name = _clean_secret_name(name, what="app password")
    key, prefix, secret_hash = token_generate()
    with transaction.atomic():
        found = AppPassword.objects.create(
            user=user, name=name, prefix=prefix, secret_hash=secret_hash, redirect_downloads=bool(redirect_downloads)
        )
    return found, key


def app_password_revoke(*, user: User, app_password_id: uuid.UUID | str) -> None:
    """Delete one of user's app passwords; the device is refused on its next request.
    Raises NotFound for a malformed id or one user does not own."""
    app_password_get_for_user(user=user, app_password_id=app_password_id).delete()


# --- account deletion -------------------------------------------------------------------
# Deleting an account is two steps. The request (any entry point: settings page, admin,
# identity webhook) locks the account out in one short transaction and enqueues the purge.
# The purge deletes every object under the user's prefix with no transaction open, lists
# again to prove the prefix empty, and only then deletes the rows: the rows are the map to
# the objects, so they go last. Every step is safe to repeat; a crash or a store outage
# anywhere leaves a state the retried task (or the purge sweep) finishes.


class DeletionSource:
    SETTINGS = "settings"
    ADMIN = "admin"
    IDENTITY_WEBHOOK = "identity_webhook"
    CONSOLE = "console"


def account_delete_request(*, user: User, source: str) -> User:
    """Mark user deleting and lock them out at once (inactive, unusable password so every
    session fails its auth-hash check, API tokens deleted, pending uploads aborted so no
    complete can record a file: the purge's first step), then announce
    `account_deletion_requested` on commit, to which storage connects its purge task.
    Idempotent: a second request only announces it again. Locks the User row."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.deleting_at is None:
            locked.deleting_at = timezone.now()
            locked.is_active = False
            # Changing the password hash invalidates every session of the user: Django checks
            # the session's auth hash on each request. No scan of the session table needed.
            locked.set_unusable_password()
            locked.save(update_fields=["deleting_at", "is_active", "password"])
            logger.info("Account %s deletion requested from %s", locked.pk, source)
        ApiToken.objects.filter(user=locked).delete()
        user_id = str(locked.pk)
        # storage connects its purge to this signal (accounts must not import storage).
        transaction.on_commit(lambda: account_deletion_requested.send(sender=User, user_id=user_id, source=source))
    return locked


# --- webhooks ----------------------------------------------------------------------------


def webhook_event_record(*, source: str, event_id: str) -> bool:
    """Record that an event was processed; False if it already was (a replay). Call inside
    the transaction that applies the event, so a failure forgets the event too."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(source=source, event_id=event_id)
    except IntegrityError:
        return False
    return True


def identity_event_apply(*, event: dict, event_id: str | None = None) -> dict:
    """Apply one verified identity-provider event once. `user.deleted` requests the
    account's deletion; other types are ignored. `event_id` is the delivery's id when the
    signature scheme carries one (Standard Webhooks' `webhook-id`), else the event's `id`.
    The account is found by `data.user_id` (Kosha's id), `data.email`, or `data.id`, the
    provider's own user id (Clerk's shape), through the social account of the provider
    named by KOSHA_IDENTITY_WEBHOOK_PROVIDER. Returns what happened, for the response.
    Raises InvalidInput for a malformed event."""
    if not isinstance(event, dict):
        raise InvalidInput("The event must be a JSON object.")
    event_id = event_id if event_id is not None else event.get("id")
    event_type = event.get("type")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        raise InvalidInput("The event needs an id of at most 255 characters.", field="id")
    if not isinstance(event_type, str) or not event_type:
        raise InvalidInput("The event needs a type.", field="type")
    data = event.get("data")
    if event_type == "user.deleted" and not isinstance(data, dict):
        raise InvalidInput("A user.deleted event needs data with email, user_id or id.", field="data")

    with transaction.atomic():
        if not webhook_event_record(source=IDENTITY_SOURCE, event_id=event_id):
            return {"id": event_id, "duplicate": True}
        if event_type != "user.deleted":
            return {"id": event_id, "ignored": True, "reason": "unknown_type"}
        assert isinstance(data, dict)  # checked above for a user.deleted event
        user = _user_for_identity(data)
        if user is None:
            return {"id": event_id, "ignored": True, "reason": "unknown_user"}
        account_delete_request(user=user, source=DeletionSource.IDENTITY_WEBHOOK)
    return {"id": event_id, "deleting": True}


IDENTITY_SOURCE = "identity"


def _user_for_identity(data: dict) -> User | None:
    user_id = data.get("user_id")
    email = data.get("email")
    provider_user_id = data.get("id")
    if user_id:
        try:
            parsed = uuid.UUID(str(user_id))
        except ValueError:
            raise InvalidInput("data.user_id must be a uuid.", field="data.user_id") from None
        return User.objects.filter(pk=parsed).first()
    if isinstance(email, str) and email.strip():
        return User.objects.filter(email__iexact=email.strip()).first()
    if isinstance(provider_user_id, str) and provider_user_id.strip():
        provider = settings.KOSHA_IDENTITY_WEBHOOK_PROVIDER
        if not provider:
            # Without knowing whose ids these are, a match could be another provider's user.
            return None
        account = SocialAccount.objects.select_related("user").filter(provider=provider, uid=provider_user_id).first()
        return account.user if account is not None else None
    raise InvalidInput("A user.deleted event needs data.email, data.user_id or data.id.", field="data")
