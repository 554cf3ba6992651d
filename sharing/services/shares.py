"""Shares with people: grant an item to a person (or invite an address that has no
account yet), change the role, revoke.

At most KOSHA_SHARES_PER_HOUR shares per account, known and unknown addresses alike, so
the limit tells nothing about which addresses have accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.counters import window_count
from kosha.errors import AlreadyShared, InvalidInput, NotFound, RateLimited, ShareWithSelf
from kosha.origin import Origin
from sharing.invitations import invitation_create
from sharing.models import Invitation, Share, item_fields
from sharing.services.ownership import item_owner_require
from storage.audit import item_event_record
from storage.locks import item_pin
from storage.models import File, Folder

if TYPE_CHECKING:
    from accounts.models import User


def _clean_role(raw: Any) -> str:
    if raw not in Share.Role.values:
        raise InvalidInput("role must be viewer or editor.", field="role")
    return raw


def _share_rate_check(*, actor: User) -> None:
    # One fixed hourly window per account, counted before the address is looked up, for
    # known and unknown addresses alike: reaching it says nothing about either.
    window = 3600
    now = int(timezone.now().timestamp())
    count = window_count(f"sharing:shares:{actor.pk}:{now // window}", window_seconds=window)
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
    RateLimited (retry_after, seconds), ShareWithSelf, AlreadyShared, NotFound (the item
    was trashed or deleted since the door read it: nothing written). Pins the item first
    (storage.locks.item_pin: key share, one query)."""
    role = _clean_role(role)
    item_owner_require(actor=actor, item=item)
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
            item_pin(item=item, field="folder" if isinstance(item, Folder) else "file")  # first (storage/locks.py)
            if Invitation.objects.filter(
                email=email.lower(), accepted_at__isnull=True, expires_at__gt=timezone.now(), **item_fields(item)
            ).exists():
                raise IntegrityError("pending invitation")
            share = Share.objects.create(owner=actor, grantee=grantee, role=role, **item_fields(item))
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


def _grantee_detail(share: Share | Invitation) -> dict[str, str]:
    # Who an event is about: a share's account, or an invitation's address.
    if isinstance(share, Invitation):
        return {"with": share.email}
    return {"with": share.grantee.email, "grantee": str(share.grantee_id)}


def _share_current(share: Share | Invitation) -> Share | Invitation:
    """What a change of `share` (read by the door before the transaction) applies to now:
    a share itself; an invitation itself while pending, or the share it became if it was
    accepted since (the owner's change is meant for that person, who now holds a share;
    the owner's list shows that share in its place). Locks the invitation (FOR UPDATE, as
    invitations_accept does: an acceptance comes wholly before or after), then, by the
    caller's write, the share: the order of Django's delete of a share (it sets
    Invitation.share to NULL, then deletes the share) and of a purge's cascade. Raises
    NotFound (resource "share": the invitation gone, or accepted by its own owner or into
    a share revoked since). One query for a pending invitation, two for one accepted."""
    if isinstance(share, Share):
        return share
    found = Invitation.objects.select_for_update().filter(pk=share.pk).values_list("accepted_at", "share_id").first()
    if found is None:
        raise NotFound("Share not found.", resource="share")
    accepted_at, share_id = found
    if accepted_at is None:
        return share
    became = Share.objects.select_related("grantee", "file", "folder").filter(pk=share_id).first()
    if became is None:
        raise NotFound("Share not found.", resource="share")
    return became


def share_update(*, actor: User, share: Share | Invitation, role: Any, origin: Origin) -> Share | Invitation:
    """Change a share's (or pending invitation's: the share it becomes gets it) role, one
    of actor's, from sharing.access.share_for_actor; the grantee's next request sees it.
    An invitation accepted since it was read: the share it became gets the role, and is
    returned (`_share_current`). Records SHARE_CHANGED. Raises InvalidInput, NotFound (the
    share removed, by its owner, its grantee or a purge of its item, since it was read)."""
    role = _clean_role(role)
    with transaction.atomic():
        share = _share_current(share)
        # save(update_fields=...) of a row gone meanwhile was a DatabaseError (a 500).
        if not type(share).objects.filter(pk=share.pk).update(role=role):
            raise NotFound("Share not found.", resource="share")
        share.role = role
        item_event_record(
            kind=ActivityEvent.Kind.SHARE_CHANGED,
            actor=actor,
            item=share.item,
            origin=origin,
            detail={**_grantee_detail(share), "role": role},
        )
    return share


def share_delete(*, actor: User, share: Share | Invitation, origin: Origin) -> None:
    """Revoke a share, or a pending invitation (its link stops working), one of actor's,
    from sharing.access.share_for_actor. Records SHARE_REVOKED, once: the row is deleted
    first, and one already deleted since it was read (a second revoke racing this one,
    the grantee's account deleted, a purge of its item) raises NotFound (resource
    "share", the 404 of a share that does not exist) with nothing recorded. A concurrent
    revoke's DELETE waits for this one's row lock and deletes nothing. An invitation
    accepted since it was read: the share it became is revoked (`_share_current`)."""
    with transaction.atomic():
        share = _share_current(share)
        # share.delete() of a row gone meanwhile deleted nothing, silently, and the event
        # was recorded again.
        deleted, _ = type(share).objects.filter(pk=share.pk).delete()
        if not deleted:
            raise NotFound("Share not found.", resource="share")
        item_event_record(
            kind=ActivityEvent.Kind.SHARE_REVOKED,
            actor=actor,
            item=share.item,
            origin=origin,
            detail=_grantee_detail(share),
        )
