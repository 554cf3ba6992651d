"""Every write of the sharing app: grants to people, public links, link activity.

Only an item's owner creates, changes or revokes its shares and links; the owner-scoped
storage getters make anyone else's attempt a NotFound. Downloads through a link count
with one conditional UPDATE, so concurrent requests can never pass max_downloads.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from kosha.errors import (
    AlreadyShared,
    DropNeedsFolder,
    ExpiryBeyondPlan,
    ExpiryInPast,
    InvalidInput,
    LinkRevoked,
    LinksNotInPlan,
    NoSuchUser,
    NotFound,
    RateLimited,
    ShareWithSelf,
    WrongPassword,
)
from kosha.integers import column_range, int_clean
from kosha.sentinels import UNCHANGED
from plans.selectors import usage_get_for_user
from sharing.models import DEFAULT_LINK_DAYS, LinkEvent, Share, ShareLink
from storage.ids import parse_id
from storage.models import File, Folder
from storage.selectors import file_get_for_user, folder_get_for_user

TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, and a plain SHA-256 index suffices
# Wrong passwords: at most this many per link, and per client address, in a window.
# The per-link limit stops a distributed guesser; the per-address one a single client
# trying many links. The window is fixed, so Retry-After is at most WINDOW seconds.
PASSWORD_FAILURES_PER_LINK = 10
PASSWORD_FAILURES_PER_ADDRESS = 10
PASSWORD_WINDOW_SECONDS = 300
MAX_PASSWORD_LENGTH = 256


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _item_of_owner(*, owner, file_id, folder_id) -> tuple[File | None, Folder | None]:
    """The owner's live file or folder: exactly one of the two ids must be given."""
    if (file_id is None) == (folder_id is None):
        raise InvalidInput("Give exactly one of file or folder.", field="file")
    if file_id is not None:
        return file_get_for_user(user=owner, file_id=file_id), None
    return None, folder_get_for_user(user=owner, folder_id=folder_id)


def _clean_role(raw) -> str:
    if raw not in Share.Role.values:
        raise InvalidInput("role must be viewer or editor.", field="role")
    return raw


# --- shares with people ------------------------------------------------------------------


def share_create(*, owner, email, role=Share.Role.VIEWER, file_id=None, folder_id=None) -> Share:
    """Share the owner's file or folder with the account using `email`. Raises NotFound
    (the item, also someone else's), NoSuchUser (no account: there is no invite flow yet),
    InvalidInput (role, not an e-mail address), ShareWithSelf, AlreadyShared."""
    role = _clean_role(role)
    file, folder = _item_of_owner(owner=owner, file_id=file_id, folder_id=folder_id)
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("email is required.", field="email")
    email = email.strip()
    try:
        # Also keeps text the database cannot take (a lone surrogate, NUL) out of the query.
        validate_email(email)
    except ValidationError:
        raise InvalidInput("email must be an e-mail address.", field="email") from None
    grantee = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if grantee is None:
        raise NoSuchUser(field="email")
    if grantee.pk == owner.pk:
        raise ShareWithSelf(field="email")
    try:
        with transaction.atomic():
            return Share.objects.create(owner=owner, grantee=grantee, file=file, folder=folder, role=role)
    except IntegrityError:
        raise AlreadyShared() from None


def _share_of_owner(*, owner, share_id) -> Share:
    parsed = parse_id(share_id)
    share = Share.objects.select_related("grantee", "file", "folder").filter(owner=owner, pk=parsed).first()
    if parsed is None or share is None:
        raise NotFound("Share not found.", resource="share")
    return share


def share_update(*, owner, share_id, role) -> Share:
    """Change a share's role; the next request of the grantee sees it. Raises NotFound, InvalidInput."""
    share = _share_of_owner(owner=owner, share_id=share_id)
    share.role = _clean_role(role)
    share.save(update_fields=["role"])
    return share


def share_delete(*, owner, share_id) -> None:
    """Revoke a share. Raises NotFound."""
    _share_of_owner(owner=owner, share_id=share_id).delete()


# --- public links ------------------------------------------------------------------------


def _clean_expires_at(*, owner, raw, now: datetime) -> datetime:
    """Never in the past, never further than the owner's plan allows (from now: an owner
    may renew a link, each time for at most max_share_days)."""
    max_days = usage_get_for_user(user=owner).plan.max_share_days
    if max_days < 1:
        raise LinksNotInPlan()
    latest = now + timedelta(days=max_days)
    if raw is None:
        return min(now + timedelta(days=DEFAULT_LINK_DAYS), latest)
    if not isinstance(raw, datetime) or timezone.is_naive(raw):
        raise InvalidInput("expires_at must be a date and time with a time zone.", field="expires_at")
    if raw <= now:
        raise ExpiryInPast(field="expires_at")
    if raw > latest:
        raise ExpiryBeyondPlan(
            f"Your plan allows links for at most {max_days} days.", field="expires_at", max_share_days=max_days
        )
    return raw


def _clean_password(raw) -> str:
    """The stored hash: '' (no password) for None or ''."""
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or len(raw) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be text of at most {MAX_PASSWORD_LENGTH} characters.", field="password")
    return make_password(raw)


def _clean_max_downloads(raw) -> int | None:
    if raw is None:
        return None
    # Up to what the column holds on PostgreSQL (2^31 - 1), on every database.
    _lowest, highest = column_range(ShareLink, "max_downloads")
    return int_clean(raw, field="max_downloads", minimum=1, maximum=highest, what="a whole number (or null)")


def link_event_record(*, link: ShareLink, kind: str, address: str | None = None) -> LinkEvent:
    return LinkEvent.objects.create(link=link, kind=kind, address=address or None)


def share_link_create(
    *,
    owner,
    file_id=None,
    folder_id=None,
    expires_at=None,
    password=None,
    max_downloads=None,
    is_drop=False,
    address=None,
) -> tuple[ShareLink, str]:
    """Make a public link to the owner's file or folder (a drop: folders only). Returns
    the link and its token, which is shown this once and stored only as a hash.
    Raises NotFound (the item), InvalidInput (expiry, password, limit, drop on a file)."""
    file, folder = _item_of_owner(owner=owner, file_id=file_id, folder_id=folder_id)
    if is_drop not in (True, False):
        raise InvalidInput("is_drop must be true or false.", field="is_drop")
    if is_drop and folder is None:
        raise DropNeedsFolder(field="is_drop")
    now = timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        link = ShareLink.objects.create(
            owner=owner,
            file=file,
            folder=folder,
            token_sha256=token_sha256(token),
            expires_at=_clean_expires_at(owner=owner, raw=expires_at, now=now),
            password_hash=_clean_password(password),
            max_downloads=_clean_max_downloads(max_downloads),
            is_drop=is_drop,
        )
        link_event_record(link=link, kind=LinkEvent.Kind.CREATED, address=address)
    return link, token


def _link_of_owner(*, owner, link_id) -> ShareLink:
    parsed = parse_id(link_id)
    link = ShareLink.objects.select_related("file", "folder").filter(owner=owner, pk=parsed).first()
    if parsed is None or link is None:
        raise NotFound("Link not found.", resource="share_link")
    return link


def share_link_update(
    *, owner, link_id, expires_at=UNCHANGED, password=UNCHANGED, max_downloads=UNCHANGED
) -> ShareLink:
    """Change a link's expiry, password (None or '' removes it) or download limit (None
    removes it; not below the downloads already made). Raises NotFound, InvalidInput,
    LinkRevoked."""
    link = _link_of_owner(owner=owner, link_id=link_id)
    if link.revoked_at is not None:
        raise LinkRevoked()
    fields = []
    if expires_at is not UNCHANGED:
        link.expires_at = _clean_expires_at(owner=owner, raw=expires_at, now=timezone.now())
        fields.append("expires_at")
    if password is not UNCHANGED:
        link.password_hash = _clean_password(password)
        fields.append("password_hash")
    if max_downloads is not UNCHANGED:
        link.max_downloads = _clean_max_downloads(max_downloads)
        if link.max_downloads is not None and link.max_downloads < link.download_count:
            raise InvalidInput(f"This link was already downloaded {link.download_count} times.", field="max_downloads")
        fields.append("max_downloads")
    if not fields:
        raise InvalidInput("Give expires_at, password or max_downloads.")
    try:
        with transaction.atomic():
            link.save(update_fields=fields)
    except IntegrityError:  # a download counted meanwhile put the limit below the count
        raise InvalidInput("The limit is below the downloads already made.", field="max_downloads") from None
    return link


def share_link_revoke(*, owner, link_id, address=None) -> ShareLink:
    """Revoke a link at once (idempotent). Raises NotFound."""
    link = _link_of_owner(owner=owner, link_id=link_id)
    with transaction.atomic():
        revoked = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            link_event_record(link=link, kind=LinkEvent.Kind.REVOKED, address=address)
    link.refresh_from_db(fields=["revoked_at"])
    return link


def share_links_revoke(*, link_ids) -> int:
    """Revoke many links (the admin action). Returns how many were live."""
    now = timezone.now()
    with transaction.atomic():
        live = list(ShareLink.objects.filter(pk__in=link_ids, revoked_at__isnull=True).values_list("pk", flat=True))
        ShareLink.objects.filter(pk__in=live).update(revoked_at=now)
        LinkEvent.objects.bulk_create([LinkEvent(link_id=pk, kind=LinkEvent.Kind.REVOKED) for pk in live])
    return len(live)


def link_download_count(*, link: ShareLink, address=None) -> None:
    """Count one download, atomically: the conditional UPDATE only passes while the
    count is under the limit, so racing requests cannot exceed it. Raises NotFound
    (exhausted, revoked or expired meanwhile)."""
    now = timezone.now()
    updated = ShareLink.objects.filter(
        Q(max_downloads__isnull=True) | Q(download_count__lt=F("max_downloads")),
        pk=link.pk,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(download_count=F("download_count") + 1)
    if not updated:
        raise NotFound("Not found.", resource="share_link")
    link_event_record(link=link, kind=LinkEvent.Kind.DOWNLOADED, address=address)


def _throttle_keys(*, link: ShareLink, address: str | None) -> list[tuple[str, int]]:
    return [
        (f"sharing:pw-fail:link:{link.pk}", PASSWORD_FAILURES_PER_LINK),
        (f"sharing:pw-fail:addr:{address or 'unknown'}", PASSWORD_FAILURES_PER_ADDRESS),
    ]


def link_password_check(*, link: ShareLink, password, address: str | None) -> None:
    """Accept the link's password, or count a failure against the link and the client
    address (Django's cache, shared by every web process when it is Redis). Raises
    RateLimited (with retry_after) once either count reaches its limit, WrongPassword."""
    keys = _throttle_keys(link=link, address=address)
    if any((cache.get(key) or 0) >= limit for key, limit in keys):
        raise RateLimited(retry_after=PASSWORD_WINDOW_SECONDS)
    if isinstance(password, str) and link.password_hash and check_password(password, link.password_hash):
        return
    for key, _limit in keys:
        cache.add(key, 0, timeout=PASSWORD_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: start a new window
            cache.set(key, 1, timeout=PASSWORD_WINDOW_SECONDS)
    link_event_record(link=link, kind=LinkEvent.Kind.PASSWORD_FAILED, address=address)
    raise WrongPassword()
