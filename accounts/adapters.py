"""Kosha's allauth adapters: the client address, login throttles, and honest mail.

- The client address for allauth's rate limits comes from kosha/addresses.py, which reads
  X-Forwarded-For only as far as KOSHA_TRUSTED_PROXIES says (allauth's own reading raises
  ImproperlyConfigured, a 500, when a request carries fewer entries than proxies).
- Failed logins count per (account, client address): failures from one address throttle
  that address only, so nobody can lock an account out from elsewhere. Each address still
  has its own overall cap (ACCOUNT_RATE_LIMITS["login_failed"], per ip).
- Without a mail server (KOSHA_EMAIL_DELIVERY false) no mail is "sent" to a console and
  no page says one was (accounts/mail.py).
- A provider's sign-in URL for a provider the operator did not configure answers 404
  (allauth routes every installed provider and raises SocialApp.DoesNotExist: a 500).
"""

from __future__ import annotations

import logging
import smtplib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from accounts import mail
from kosha.addresses import client_ip

logger = logging.getLogger(__name__)

CONFIRMATION_SENT_MESSAGE = "account/messages/email_confirmation_sent.txt"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        address = client_ip(request)
        if address is None:
            # Same answer as allauth's: a request without a usable address is refused.
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        # allauth keys `login_failed`'s per-key limit on the login alone; adding the client
        # address makes it per (account, client). Password reset clears the same key.
        login_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{login_key}:{self.get_client_ip(request)}"

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return not settings.KOSHA_SSO_ONLY

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if not settings.KOSHA_EMAIL_DELIVERY:
            mail.mail_withheld(template=template_prefix, recipient=email)
            return
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError):
            # A mail server that is down must not turn a sign-up or a reset into a 500.
            logger.exception("Could not send %s to the mail server", template_prefix)
            if allauth_context.request is not None:
                messages.error(allauth_context.request, mail.SEND_FAILED_MESSAGE)

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        if message_template == CONFIRMATION_SENT_MESSAGE and not settings.KOSHA_EMAIL_DELIVERY:
            # allauth would say "Confirmation e-mail sent": without a mail server it was not.
            message_template, level = None, messages.WARNING
            message = mail.NO_DELIVERY_VERIFICATION_MESSAGE
        super().add_message(request, level, message_template, message_context, extra_tags, message)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        # Sign-up through a provider stays open in SSO-only mode: it is the only way in.
        return True

    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("No such sign-in provider.") from None
