"""Writes of the accounts app."""

import itertools
import logging
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from accounts.models import ApiToken, User, WebhookEvent
from accounts.selectors import api_token_get_for_user
from accounts.tokens import token_generate
from kosha.errors import InvalidInput
from storage import keys
from storage.backends import BackendError, get_backend
from storage.models import UploadSession

logger = logging.getLogger(__name__)

API_TOKEN_NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a personal API token for user. Returns (token, key); the key exists only in this
    return value, since we keep just a hash of its secret. Raises InvalidInput for a blank
    or overlong name."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the token a name.", field="name")
    if len(name) > API_TOKEN_NAME_MAX_LENGTH:
        raise InvalidInput(f"A token name has at most {API_TOKEN_NAME_MAX_LENGTH} characters.", field="name")
    key, prefix, secret_hash = token_generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, secret_hash=secret_hash)
    return token, key


def api_token_revoke(*, user: User, token_id) -> None:
    """Delete one of user's API tokens; it stops authenticating at once.
    Raises NotFound for a malformed id or a token user does not own."""
    token = api_token_get_for_user(user=user, token_id=token_id)
    token.delete()


# --- account deletion -------------------------------------------------------------------
# Deleting an account is two steps. The request (any entry point: settings page, admin,
# identity webhook) locks the account out in one short transaction and enqueues the purge.
# The purge deletes every object under the user's prefix with no transaction open, lists
# again to prove the prefix empty, and only then deletes the rows: the rows are the map to
# the objects, so they go last. Every step is safe to repeat; a crash or a store outage
# anywhere leaves a state the retried task (or the purge sweep) finishes.

PURGE_BATCH = 1000


class DeletionSource:
    SETTINGS = "settings"
    ADMIN = "admin"
    IDENTITY_WEBHOOK = "identity_webhook"
    CONSOLE = "console"


def account_delete_request(*, user: User, source: str) -> User:
    """Mark user deleting and lock them out at once (inactive, unusable password so every
    session fails its auth-hash check, API tokens deleted, pending uploads aborted so no
    complete can record a file), then enqueue the purge on commit. Idempotent: a second
    request for an account already deleting only enqueues the purge again. Locks the User row."""
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
        UploadSession.objects.filter(owner=locked, status=UploadSession.Status.PENDING).update(
            status=UploadSession.Status.ABORTED
        )
        user_id = str(locked.pk)
        transaction.on_commit(lambda: async_task("accounts.tasks.account_purge_task", user_id))
    return locked


def _purge_uploads(*, user_id) -> None:
    """Abort the user's unfinished multipart uploads: their parts are not objects under the
    prefix yet (and the local store keeps them elsewhere), so listing would miss them."""
    UploadSession.objects.filter(owner_id=user_id, status=UploadSession.Status.PENDING).update(
        status=UploadSession.Status.ABORTED
    )
    unfinished = (
        UploadSession.objects.filter(owner_id=user_id, finished_at__isnull=True)
        .exclude(status=UploadSession.Status.COMPLETED)
        .exclude(multipart_upload_id="")
        .values_list("pk", "key", "multipart_upload_id")
    )
    backend = get_backend()
    for upload_id, key, multipart_upload_id in unfinished:
        backend.multipart_abort(key=key, upload_id=multipart_upload_id)  # BackendError: retried
        UploadSession.objects.filter(pk=upload_id).update(finished_at=timezone.now())


def _purge_objects(*, user_id) -> int:
    """Delete everything under the user's prefix, a batch of up to 1000 at a time, until a
    fresh listing finds nothing: the last, empty listing is the proof the prefix is empty.
    Each round lists from the start, so objects that appear meanwhile are caught too."""
    backend = get_backend()
    prefix = keys.user_prefix(user_id)
    deleted = 0
    previous: list[str] = []
    while True:
        listing = backend.list_prefix(prefix=prefix)
        try:
            batch = [listed.key for listed in itertools.islice(listing, PURGE_BATCH)]
        finally:
            close = getattr(listing, "close", None)
            if close is not None:
                close()
        if not batch:
            return deleted
        if batch == previous:
            # The store said it deleted them, yet lists them again: never loop forever.
            raise BackendError(f"objects under {prefix} survive deletion, first: {batch[0]}")
        backend.delete(keys=batch)
        deleted += len(batch)
        previous = batch


def _purge_rows(*, user_id) -> bool:
    """Delete the User; cascades take usage, folders, files, versions, sessions, tokens."""
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user_id, deleting_at__isnull=False).first()
        if locked is None:
            return False
        locked.delete()
    return True


def account_purge(*, user_id) -> bool:
    """Purge an account marked deleting: abort its multipart uploads, delete every object
    under its prefix, check the prefix is empty, then delete its rows. Returns True when
    the rows were deleted now; False if there was nothing to do (already purged, or the
    account was never marked deleting: the purge refuses a live account). Raises
    BackendError when the store fails, with the rows untouched, so the task is retried."""
    if not User.objects.filter(pk=user_id, deleting_at__isnull=False).exists():
        if User.objects.filter(pk=user_id).exists():
            logger.warning("Refusing to purge account %s: it was not marked deleting", user_id)
        return False
    _purge_uploads(user_id=user_id)
    deleted = _purge_objects(user_id=user_id)
    purged = _purge_rows(user_id=user_id)
    logger.info("Account %s purged: %d objects deleted, rows deleted: %s", user_id, deleted, purged)
    return purged


def account_purge_sweep(*, older_than_minutes: int = 60, limit: int = 100) -> int:
    """Purge accounts still marked deleting a while after the request: the task's retries
    ran out (a long store outage) or its worker died. Returns how many were purged."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    user_ids = list(
        User.objects.filter(deleting_at__lte=cutoff).order_by("deleting_at").values_list("pk", flat=True)[:limit]
    )
    purged = 0
    for user_id in user_ids:
        try:
            purged += account_purge(user_id=user_id)
        except BackendError:
            logger.warning("Purge of account %s failed; the next sweep retries", user_id, exc_info=True)
    return purged


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


def identity_event_apply(*, event: dict) -> dict:
    """Apply one verified identity-provider event once. `user.deleted` with data.email or
    data.user_id requests the account's deletion; other types are ignored. Returns what
    happened, for the response. Raises InvalidInput for a malformed event."""
    event_id = event.get("id") if isinstance(event, dict) else None
    event_type = event.get("type") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        raise InvalidInput("The event needs an id of at most 255 characters.", field="id")
    if not isinstance(event_type, str) or not event_type:
        raise InvalidInput("The event needs a type.", field="type")
    data = event.get("data")
    if event_type == "user.deleted" and not isinstance(data, dict):
        raise InvalidInput("A user.deleted event needs data with email or user_id.", field="data")

    with transaction.atomic():
        if not webhook_event_record(source=IDENTITY_SOURCE, event_id=event_id):
            return {"id": event_id, "duplicate": True}
        if event_type != "user.deleted":
            return {"id": event_id, "ignored": True, "reason": "unknown_type"}
        user = _user_for_identity(data)
        if user is None:
            return {"id": event_id, "ignored": True, "reason": "unknown_user"}
        account_delete_request(user=user, source=DeletionSource.IDENTITY_WEBHOOK)
    return {"id": event_id, "deleting": True}


IDENTITY_SOURCE = "identity"


def _user_for_identity(data: dict) -> User | None:
    user_id = data.get("user_id")
    email = data.get("email")
    if user_id:
        try:
            parsed = uuid.UUID(str(user_id))
        except ValueError:
            raise InvalidInput("data.user_id must be a uuid.", field="data.user_id") from None
        return User.objects.filter(pk=parsed).first()
    if isinstance(email, str) and email.strip():
        return User.objects.filter(email__iexact=email.strip()).first()
    raise InvalidInput("A user.deleted event needs data.email or data.user_id.", field="data")
