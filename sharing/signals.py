"""Receivers of allauth's signals: a verified address accepts its pending invitations.

A sign-up whose address is verified at once (through the invitation link, which stashes
it, or a provider that vouches for it) accepts at user_signed_up; an address verified
later by its confirmation mail accepts at email_confirmed. An unverified address never
does: anyone can type an address at sign-up.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_signed_up
from django.dispatch import receiver

from sharing.invitations import invitations_accept


@receiver(user_signed_up, dispatch_uid="sharing.invitations.signed_up")
def _accept_on_sign_up(sender, request, user, **kwargs) -> None:
    for address in EmailAddress.objects.filter(user=user, verified=True):
        invitations_accept(user=user, email=address.email)


@receiver(email_confirmed, dispatch_uid="sharing.invitations.email_confirmed")
def _accept_on_confirmation(sender, request, email_address, **kwargs) -> None:
    if email_address.verified:
        invitations_accept(user=email_address.user, email=email_address.email)
