"""Invitations: sharing with an address that has no account yet (issue 11 item 5).

share_create (sharing.services.shares) calls invitation_create when no account uses the
address; the caller gets the same answer either way (issue 10: no enumeration). The
invitation is e-mailed by the worker after commit with a link to /invitations/<token>.
Whoever opens that link holds the address's mail, so the sign-up it leads to counts the
address as verified (allauth's stash_verified_email); a sign-up that verifies the
address any other way (the confirmation mail, a provider's verified address) accepts too.
Accepting turns every pending invitation for the address into a Share. A pending
invitation's role is changed, and it is revoked, like a share's (share_update and
share_delete in sharing.services.shares).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import AlreadyShared, Gone, NotFound
from kosha.origin import Origin
from kosha.task_broker import task_enqueue_after_commit
from sharing.link_tokens import TOKEN_LENGTH, token_new, token_open, token_seal, token_sha256
from sharing.models import Invitation, Share, item_fields
from storage.audit import item_event_record
from storage.locks import item_pin, items_key_share
from storage.models import File, Folder

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# The session key the invitation page leaves for the sign-up that follows it.
SESSION_KEY = "sharing.invitation"


def invitation_create(*, actor: User, item: File | Folder, email: str, role: str, origin: Origin) -> Invitation:
    """A pending invitation of `email` (already validated, any case) to actor's `item`
    as `role`, recorded as SHARE_CREATED like a share, and its e-mail queued for after
    commit (sharing.tasks.invitation_mail_task). An expired invitation of the same address
    to the same item is replaced. Raises AlreadyShared when one is pending, NotFound (the
    item was trashed or deleted since the door read it: nothing written; the item is
    pinned first, storage.locks.item_pin). Call from share_create only: it has checked
    ownership, role and the rate limit."""
    email = email.lower()
    token = token_new()
    try:
        with transaction.atomic():
            item_pin(item=item, field="folder" if isinstance(item, Folder) else "file")  # first (storage/locks.py)
            Invitation.objects.filter(
                email=email, accepted_at__isnull=True, expires_at__lte=timezone.now(), **item_fields(item)
            ).delete()
            invitation = Invitation.objects.create(
                owner=actor,
                email=email,
                role=role,
                token_sha256=token_sha256(token),
                token_sealed=token_seal(token),
                **item_fields(item),
            )
            item_event_record(
                kind=ActivityEvent.Kind.SHARE_CREATED,
                actor=actor,
                item=item,
                origin=origin,
                detail={"with": email, "role": role},
            )
            invitation_id = str(invitation.pk)
            task_enqueue_after_commit("sharing.tasks.invitation_mail_task", invitation_id)
    except IntegrityError:
        raise AlreadyShared() from None
    return invitation


def invitation_mail_send(*, invitation_id: str) -> bool:
    """Send the invitation's e-mail (worker, after commit): who shares what, and the link.
    False (nothing sent) when the invitation is gone, accepted, expired, or its token
    cannot be opened any more (SECRET_KEY retired). Raises what the mail backend raises
    (the worker retries)."""
    invitation = Invitation.objects.select_related("owner", "file", "folder").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return False
    token = token_open(invitation.token_sealed)
    if token is None:
        return False
    context = {
        "inviter": invitation.owner.email,
        "item_name": invitation.item.name,
        "item_kind": "folder" if invitation.folder_id else "file",
        "role": invitation.role,
        "url": settings.KOSHA_SITE_URL + reverse("sharing:invitation", args=[token]),
        "expires_at": invitation.expires_at,
    }
    subject = f"{invitation.owner.email} shared “{invitation.item.name}” with you on Kosha"
    body = render_to_string("sharing/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return True


def invitation_by_token(*, token: object) -> Invitation:
    """The invitation a link's token names. NotFound for an unknown or malformed token;
    Gone for an expired pending one (accepted ones keep opening their item)."""
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        raise NotFound("Not found.", resource="invitation")
    invitation = (
        Invitation.objects.select_related("owner", "file", "folder").filter(token_sha256=token_sha256(token)).first()
    )
    if invitation is None:
        raise NotFound("Not found.", resource="invitation")
    if invitation.accepted_at is None and not invitation.is_pending:
        raise Gone("This invitation has expired. Ask the person who shared it to share it again.")
    return invitation


def invitations_accept(*, user: User, email: str) -> list[Share]:
    """Turn every pending, unexpired invitation of `email` (a verified address of `user`)
    into a share with `user`. An invitation by `user` themselves, or to an item already
    shared with them, is closed without a second share. Locks the items they name (key
    share, storage.locks.items_key_share: a purge of one waits for this commit, or has
    taken its invitations with it; before, the purge's DELETE of the invitation and this
    share's key check waited for each other, a deadlock), then the invitations (SELECT ...
    FOR UPDATE) so two acceptances cannot both make a share. An invitation made meanwhile
    to an item not locked stays pending. Returns the new shares."""
    made: list[Share] = []
    with transaction.atomic():
        pending_query = Invitation.objects.filter(
            email=email.lower(), accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        named = list(pending_query.values_list("folder_id", "file_id"))
        folder_ids = [folder_id for folder_id, _ in named if folder_id is not None]
        file_ids = [file_id for _, file_id in named if file_id is not None]
        items_key_share(folder_ids=folder_ids, file_ids=file_ids)  # first (storage/locks.py)
        pending = list(
            pending_query.filter(Q(folder_id__in=folder_ids) | Q(file_id__in=file_ids))
            .select_for_update()
            .order_by("created_at")
        )
        for invitation in pending:
            share = None
            if invitation.owner_id != user.pk:
                same_item = Q(file_id=invitation.file_id) if invitation.file_id else Q(folder_id=invitation.folder_id)
                share = Share.objects.filter(same_item, grantee=user).first()
                if share is None:
                    share = Share.objects.create(
                        owner_id=invitation.owner_id,
                        grantee=user,
                        role=invitation.role,
                        file_id=invitation.file_id,
                        folder_id=invitation.folder_id,
                    )
                    made.append(share)
            invitation.accepted_at = timezone.now()
            invitation.share = share
            invitation.save(update_fields=["accepted_at", "share"])
    return made
