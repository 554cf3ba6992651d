"""Every write of the sharing app: grants to people, public links, link activity.

Only an item's owner creates, changes or revokes its shares and links: doors get the
item with sharing.access (Need.OWN) or the share or link with share_for_actor /
link_for_actor, and each service records its activity event, in the item owner's
space, inside its transaction. Downloads through a link count with one conditional
UPDATE, so concurrent requests can never pass max_downloads.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import (
    AlreadyShared,
    DropNeedsFolder,
    ExpiryBeyondPlan,
    ExpiryInPast,
    InvalidInput,
    LinkRevoked,
    LinksNotInPlan,
    NotFound,
    RateLimited,
    ShareWithSelf,
    WrongPassword,
)
from kosha.integers import column_range, int_clean
from kosha.origin import Origin
from kosha.sentinels import UNCHANGED
from plans.selectors import usage_get_for_user
from sharing.drops import drop_uploads_abort
from sharing.invitations import invitation_create, invitation_delete, invitation_update
from sharing.link_tokens import token_seal
from sharing.models import DEFAULT_LINK_DAYS, LINK_NAME_MAX_LENGTH, Invitation, LinkEvent, Share, ShareLink
from storage.audit import item_event_record, item_type
from storage.models import File, Folder

if TYPE_CHECKING:
    from accounts.models import User

TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, and a plain SHA-256 index suffices
# Wrong passwords: at most this many per (link, client address), and per client address
# across links, in a window. Never per link alone: that would let anyone lock a link
# against its rightful visitors by typing wrong passwords (issue 10, lock-outs). A
# distributed guesser still needs the 256-bit token first. The window is fixed, so
# Retry-After is at most WINDOW seconds.
PASSWORD_FAILURES_PER_LINK_CLIENT = 10
PASSWORD_FAILURES_PER_ADDRESS = 30
PASSWORD_WINDOW_SECONDS = 300
MAX_PASSWORD_LENGTH = 256


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _item_fields(item: File | Folder) -> dict:
    """The file= / folder= arguments of a Share or ShareLink about item."""
    return {"file": item, "folder": None} if isinstance(item, File) else {"file": None, "folder": item}


def _require_owner(*, actor: User | None, item: File | Folder) -> None:
    # The doors ask sharing.access for Need.OWN; this keeps the rule if one forgets.
    if actor is None or item.owner_id != actor.pk:
        raise NotFound(f"{item_type(item).capitalize()} not found.", resource=item_type(item))


def _clean_role(raw: Any) -> str:
    if raw not in Share.Role.values:
        raise InvalidInput("role must be viewer or editor.", field="role")
    return raw


# --- shares with people ------------------------------------------------------------------


def _share_rate_check(*, actor: User) -> None:
    # One fixed hourly window per account, counted before the address is looked up, for
    # known and unknown addresses alike: reaching it says nothing about either.
    window = 3600
    now = int(timezone.now().timestamp())
    key = f"sharing:shares:{actor.pk}:{now // window}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(key, 1, timeout=window)
        count = 1
    if count > settings.KOSHA_SHARES_PER_HOUR:
        raise RateLimited(retry_after=window - now % window)


def share_create(
    *, actor: User, item: File | Folder, email: Any, role: Any = Share.Role.VIEWER, origin: Origin
) -> Share | Invitation:
    """Share actor's own file or folder (from sharing.access with Need.OWN) with the
    person using `email`, as viewer or editor. With an account: a Share. Without one: a
    pending Invitation (sharing.invitations), e-mailed after commit, that becomes a share
    when that address signs up; the two answer alike (same fields, same errors) so the
    caller cannot tell which addresses have accounts. Records SHARE_CREATED. At most
    KOSHA_SHARES_PER_HOUR per account (either kind). Raises InvalidInput (role, email),
    RateLimited (retry_after, seconds), ShareWithSelf, AlreadyShared."""
    role = _clean_role(role)
    _require_owner(actor=actor, item=item)
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("email is required.", field="email")
    email = email.strip()
    try:
        # Also keeps text the database cannot take (a lone surrogate, NUL) out of the query.
        validate_email(email)
    except ValidationError:
        raise InvalidInput("email must be an e-mail address.", field="email") from None
    _share_rate_check(actor=actor)
    grantee = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if grantee is None:
        if email.lower() == actor.email.lower():
            raise ShareWithSelf(field="email")
        return invitation_create(actor=actor, item=item, email=email, role=role, origin=origin)
    if grantee.pk == actor.pk:
        raise ShareWithSelf(field="email")
    try:
        with transaction.atomic():
            if Invitation.objects.filter(
                email=email.lower(), accepted_at__isnull=True, expires_at__gt=timezone.now(), **_item_fields(item)
            ).exists():
                raise IntegrityError("pending invitation")
            share = Share.objects.create(owner=actor, grantee=grantee, role=role, **_item_fields(item))
            item_event_record(
                kind=ActivityEvent.Kind.SHARE_CREATED,
                actor=actor,
                item=item,
                origin=origin,
                detail={"with": grantee.email, "grantee": str(grantee.pk), "role": role},
            )
    except IntegrityError:
        raise AlreadyShared() from None
    return share


def share_update(*, actor: User, share: Share | Invitation, role: Any, origin: Origin) -> Share | Invitation:
    """Change a share's (or pending invitation's) role (one of actor's, from
    sharing.access.share_for_actor); the grantee's next request sees it. Records
    SHARE_CHANGED. Raises InvalidInput."""
    role = _clean_role(role)
    if isinstance(share, Invitation):
        return invitation_update(actor=actor, invitation=share, role=role, origin=origin)
    share.role = role
    with transaction.atomic():
        share.save(update_fields=["role"])
        item_event_record(
            kind=ActivityEvent.Kind.SHARE_CHANGED,
            actor=actor,
            item=share.item,
            origin=origin,
            detail={"with": share.grantee.email, "grantee": str(share.grantee_id), "role": share.role},
        )
    return share


def share_delete(*, actor: User, share: Share | Invitation, origin: Origin) -> None:
    """Revoke a share, or a pending invitation (its link stops working), one of actor's,
    from sharing.access.share_for_actor. Records SHARE_REVOKED."""
    if isinstance(share, Invitation):
        invitation_delete(actor=actor, invitation=share, origin=origin)
        return
    with transaction.atomic():
        item_event_record(
            kind=ActivityEvent.Kind.SHARE_REVOKED,
            actor=actor,
            item=share.item,
            origin=origin,
            detail={"with": share.grantee.email, "grantee": str(share.grantee_id)},
        )
        share.delete()


# --- public links ------------------------------------------------------------------------


def _clean_expires_at(*, owner: User, raw: Any, now: datetime) -> datetime:
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


def _clean_password(raw: Any) -> str:
    """The stored hash: '' (no password) for None or ''."""
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or len(raw) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be text of at most {MAX_PASSWORD_LENGTH} characters.", field="password")
    return make_password(raw)


def _clean_link_name(raw: Any) -> str:
    """A link's label, trimmed: '' for None or blank."""
    if raw is None:
        return ""
    if not isinstance(raw, str) or len(raw.strip()) > LINK_NAME_MAX_LENGTH:
        raise InvalidInput(f"name must be text of at most {LINK_NAME_MAX_LENGTH} characters.", field="name")
    return raw.strip()


def _clean_max_downloads(raw: Any) -> int | None:
    if raw is None:
        return None
    # Up to what the column holds on PostgreSQL (2^31 - 1), on every database.
    _lowest, highest = column_range(ShareLink, "max_downloads")
    return int_clean(raw, field="max_downloads", minimum=1, maximum=highest, what="a whole number (or null)")


def link_event_record(*, link: ShareLink, kind: str, address: str | None = None) -> LinkEvent:
    return LinkEvent.objects.create(link=link, kind=kind, address=address or None)


def share_link_create(
    *,
    actor: User,
    item: File | Folder,
    expires_at: Any = None,
    password: Any = None,
    max_downloads: Any = None,
    is_drop: bool = False,
    name: Any = "",
    origin: Origin,
) -> tuple[ShareLink, str]:
    """Make a public link to actor's own file or folder (from sharing.access with
    Need.OWN; a drop: folders only). Returns the link and its token, which is shown this
    stored as a hash (for lookups) and encrypted (sharing.link_tokens, for the owner). name is the owner's label (text, at most
    LINK_NAME_MAX_LENGTH characters, trimmed; None or '' for none). Records LINK_CREATED
    (and the link's own CREATED event). Raises InvalidInput (name, expiry, password,
    limit, drop on a file), LinksNotInPlan."""
    _require_owner(actor=actor, item=item)
    if is_drop not in (True, False):
        raise InvalidInput("is_drop must be true or false.", field="is_drop")
    if is_drop and not isinstance(item, Folder):
        raise DropNeedsFolder(field="is_drop")
    now = timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        link = ShareLink.objects.create(
            owner=actor,
            token_sha256=token_sha256(token),
            token_sealed=token_seal(token),
            name=_clean_link_name(name),
            expires_at=_clean_expires_at(owner=actor, raw=expires_at, now=now),
            password_hash=_clean_password(password),
            max_downloads=_clean_max_downloads(max_downloads),
            is_drop=is_drop,
            **_item_fields(item),
        )
        link_event_record(link=link, kind=LinkEvent.Kind.CREATED, address=origin.ip)
        item_event_record(
            kind=ActivityEvent.Kind.LINK_CREATED,
            actor=actor,
            item=item,
            origin=origin,
            detail={"link": str(link.pk), "is_drop": is_drop},
        )
    return link, token


def share_link_update(
    *,
    actor: User,
    link: ShareLink,
    name: Any = UNCHANGED,
    expires_at: Any = UNCHANGED,
    password: Any = UNCHANGED,
    max_downloads: Any = UNCHANGED,
    origin: Origin,
) -> ShareLink:
    """Change a link's name (as at creation), expiry, password (None or '' removes it)
    or download limit (None removes it; not below the downloads already made); a link
    of actor's, from sharing.access.link_for_actor. Records LINK_CHANGED. Raises InvalidInput, LinkRevoked."""
    if link.revoked_at is not None:
        raise LinkRevoked()
    owner = actor
    fields = []
    if name is not UNCHANGED:
        link.name = _clean_link_name(name)
        fields.append("name")
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
        raise InvalidInput("Give name, expires_at, password or max_downloads.")
    try:
        with transaction.atomic():
            link.save(update_fields=fields)
            item_event_record(
                kind=ActivityEvent.Kind.LINK_CHANGED,
                actor=actor,
                item=link.item,
                origin=origin,
                detail={"link": str(link.pk), "changed": sorted(field.removesuffix("_hash") for field in fields)},
            )
    except IntegrityError:  # a download counted meanwhile put the limit below the count
        raise InvalidInput("The limit is below the downloads already made.", field="max_downloads") from None
    return link


def share_link_revoke(*, actor: User, link: ShareLink, origin: Origin) -> ShareLink:
    """Revoke a link of actor's (from sharing.access.link_for_actor) at once; idempotent.
    Records LINK_REVOKED when it was live. Then (the transaction closed: it calls the
    store) aborts the uploads still pending through a drop link, releasing their
    reservations (sharing.drops.drop_uploads_abort)."""
    with transaction.atomic():
        revoked = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            link_event_record(link=link, kind=LinkEvent.Kind.REVOKED, address=origin.ip)
            item_event_record(
                kind=ActivityEvent.Kind.LINK_REVOKED,
                actor=actor,
                item=link.item,
                origin=origin,
                detail={"link": str(link.pk)},
            )
    link.refresh_from_db(fields=["revoked_at"])
    if link.is_drop:
        drop_uploads_abort(link=link)
    return link


def share_links_revoke(*, actor: User, link_ids: Iterable[uuid.UUID], origin: Origin) -> int:
    """Revoke many links (an operator's admin action: actor is the operator, each event
    goes to the link owner's space). Records LINK_REVOKED for each link that was live.
    Returns how many were."""
    now = timezone.now()
    with transaction.atomic():
        live = list(ShareLink.objects.filter(pk__in=link_ids, revoked_at__isnull=True).select_related("file", "folder"))
        ShareLink.objects.filter(pk__in=[link.pk for link in live]).update(revoked_at=now)
        LinkEvent.objects.bulk_create(
            [LinkEvent(link_id=link.pk, kind=LinkEvent.Kind.REVOKED, address=origin.ip) for link in live]
        )
        for link in live:
            item_event_record(
                kind=ActivityEvent.Kind.LINK_REVOKED,
                actor=actor,
                item=link.item,
                origin=origin,
                detail={"link": str(link.pk)},
            )
    for link in live:
        if link.is_drop:
            drop_uploads_abort(link=link)
    return len(live)


def link_download_count(*, link: ShareLink, address: str | None = None) -> None:
    """Count one download, atomically: the conditional UPDATE only passes while the
    count is under the limit, so racing requests cannot exceed it. Raises NotFound
    (exhausted, revoked or expired meanwhile). The DOWNLOAD activity event is the
    download's own (storage.services.downloads)."""
    now = timezone.now()
    with transaction.atomic():
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
        (f"sharing:pw-fail:link-addr:{link.pk}:{address or 'unknown'}", PASSWORD_FAILURES_PER_LINK_CLIENT),
        (f"sharing:pw-fail:addr:{address or 'unknown'}", PASSWORD_FAILURES_PER_ADDRESS),
    ]


def link_password_check(*, link: ShareLink, password: Any, address: str | None) -> None:
    """Accept the link's password, or count a failure against (the link, the client
    address) and the address alone (Django's cache, shared by every web process when it
    is Redis). Raises RateLimited (with retry_after, seconds) once either count reaches
    its limit, WrongPassword. Another address is never throttled by this one's failures."""
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
