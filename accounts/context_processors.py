"""What the sign-in pages and the settings menu may offer on this installation."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest


def signin(request: HttpRequest) -> dict:
    """`kosha_signin`: whether local passwords, two-factor, e-mail delivery and single
    sign-on providers exist here, so templates never link to a page that is switched off."""
    local_passwords = not settings.KOSHA_SSO_ONLY
    return {
        "kosha_signin": {
            "local_passwords": local_passwords,
            "mfa": local_passwords and apps.is_installed("allauth.mfa"),
            "email_delivery": settings.KOSHA_EMAIL_DELIVERY,
            "providers": settings.KOSHA_SSO.is_configured,
        }
    }
