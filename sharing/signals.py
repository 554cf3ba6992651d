"""Receivers of allauth's signals: a verified address accepts its pending invitations.

A sign-up whose address is verified at once (through the invitation link, which stashes
it, or a provider that vouches for it) accepts at user_signed_up; an address verified
later by its confirmation mail accepts at email_confirmed. An unverified address never
does: anyone can type an address at sign-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_signed_up
from django.dispatch import receiver
from django.http import HttpRequest

from sharing.invitations import invitations_accept

if TYPE_CHECKING:
    from accounts.models import User


@receiver(user_signed_up, dispatch_uid="sharing.invitations.signed_up")
def _accept_on_sign_up(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    for address in EmailAddress.objects.filter(user=user, verified=True):
        invitations_accept(user=user, email=address.email)


@receiver(email_confirmed, dispatch_uid="sharing.invitations.email_confirmed")
def _accept_on_confirmation(
    sender: object, request: HttpRequest | None, email_address: EmailAddress, **kwargs: object
) -> None:
    if email_address.verified:
        invitations_accept(user=email_address.user, email=email_address.email)
