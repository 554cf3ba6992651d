"""Public links: made, changed and revoked by their owner (or revoked in bulk by an
operator). What a link's visitors do is in link_visits.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import (
    DropNeedsFolder,
    ExpiryBeyondPlan,
    ExpiryInPast,
    InvalidInput,
    LinkRevoked,
    LinksNotInPlan,
    NotFound,
)
from kosha.integers import column_range, int_clean
from kosha.origin import Origin
from kosha.sentinels import UNCHANGED
from plans.selectors import usage_get_for_user
from sharing.drops import drop_uploads_abort
from sharing.link_tokens import token_new, token_seal, token_sha256
from sharing.models import DEFAULT_LINK_DAYS, LINK_NAME_MAX_LENGTH, LinkEvent, ShareLink, item_fields
from sharing.services.link_visits import link_event_record
from sharing.services.ownership import item_owner_require
from storage.audit import item_event_record
from storage.locks import item_pin, items_key_share
from storage.models import File, Folder

if TYPE_CHECKING:
    from accounts.models import User

MAX_PASSWORD_LENGTH = 256


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
    limit, drop on a file), LinksNotInPlan, NotFound (the item was trashed or deleted
    since the door read it: nothing written). Pins the item first (storage.locks.item_pin:
    key share, one query)."""
    item_owner_require(actor=actor, item=item)
    if is_drop not in (True, False):
        raise InvalidInput("is_drop must be true or false.", field="is_drop")
    if is_drop and not isinstance(item, Folder):
        raise DropNeedsFolder(field="is_drop")
    now = timezone.now()
    token = token_new()
    with transaction.atomic():
        item_pin(item=item, field="folder" if isinstance(item, Folder) else "file")  # first (storage/locks.py)
        link = ShareLink.objects.create(
            owner=actor,
            token_sha256=token_sha256(token),
            token_sealed=token_seal(token),
            name=_clean_link_name(name),
            expires_at=_clean_expires_at(owner=actor, raw=expires_at, now=now),
            password_hash=_clean_password(password),
            max_downloads=_clean_max_downloads(max_downloads),
            is_drop=is_drop,
            **item_fields(item),
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
    of actor's, from sharing.access.link_for_actor. Records LINK_CHANGED. Raises InvalidInput,
    LinkRevoked (also revoked since it was read), NotFound (deleted with its item since)."""
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
            # Conditional: a link revoked since the door read it takes no change, and one
            # deleted with its item by a purge meanwhile is not found (save() found no row).
            changed = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
                **{field: getattr(link, field) for field in fields}
            )
            if not changed:
                if ShareLink.objects.filter(pk=link.pk).exists():
                    raise LinkRevoked()
                raise NotFound("Share link not found.", resource="share_link")
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


def _revoked_record(*, actor: User, link: ShareLink, origin: Origin) -> None:
    # LINK_REVOKED in the owner's space (actor may be an operator); inside the caller's transaction.
    item_event_record(
        kind=ActivityEvent.Kind.LINK_REVOKED, actor=actor, item=link.item, origin=origin, detail={"link": str(link.pk)}
    )


def share_link_revoke(*, actor: User, link: ShareLink, origin: Origin) -> ShareLink:
    """Revoke a link of actor's (from sharing.access.link_for_actor) at once; idempotent.
    Records LINK_REVOKED when it was live. Raises NotFound when the link went with its item
    (purged) since it was read. Holds the link's item (key share) before the link's row.
    Then (the transaction closed: it calls the
    store) aborts the uploads still pending through a drop link, releasing their
    reservations (sharing.drops.drop_uploads_abort)."""
    now = timezone.now()
    with transaction.atomic():
        # The item first, live or trashed (key share): a purge of it, which deletes the link
        # and its events, waits for this commit (storage/locks.py, "Deferred key checks").
        items_key_share(
            folder_ids=[link.folder_id] if link.folder_id else [], file_ids=[link.file_id] if link.file_id else []
        )
        revoked = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now)
        if revoked:
            link_event_record(link=link, kind=LinkEvent.Kind.REVOKED, address=origin.ip)
            _revoked_record(actor=actor, link=link, origin=origin)
            link.revoked_at = now
        else:
            # Revoked before, or deleted with its item by a purge since the door read it.
            found = list(ShareLink.objects.filter(pk=link.pk).values_list("revoked_at", flat=True))
            if not found:
                raise NotFound("Share link not found.", resource="share_link")
            link.revoked_at = found[0]
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
            _revoked_record(actor=actor, link=link, origin=origin)
    for link in live:
        if link.is_drop:
            drop_uploads_abort(link=link)
    return len(live)
