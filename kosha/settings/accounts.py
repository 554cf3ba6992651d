"""Mail and sign-in: the mail server, allauth's accounts and two-factor, single sign-on.

Start-up refuses combinations that would lock people out (verification without a mail
server, SSO-only without a provider).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from kosha.env import env_bool, env_choice, env_email_url, env_int, env_str
from kosha.settings.base import INSTALLED_APPS
from kosha.sso import sso_config_from_env

# --- Email ---------------------------------------------------------------------------
# EMAIL_URL configures the mail server in one variable, e.g.
# `submission://user:password@smtp.example.com` (STARTTLS on 587) or
# `smtp://smtp.example.com:465?ssl=true` (implicit TLS). The individual EMAIL_BACKEND,
# EMAIL_HOST, ... variables still work when EMAIL_URL is unset. Without either, mail goes
# to the console only: KOSHA_EMAIL_DELIVERY is then false, and nothing in Kosha claims
# that a message was sent (see accounts/mail.py).
LEGACY_EMAIL_VARIABLES = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD")
_email = env_email_url("EMAIL_URL")
if _email and any(os.environ.get(variable) for variable in LEGACY_EMAIL_VARIABLES):
    raise ImproperlyConfigured(
        f"Set EMAIL_URL or the individual {', '.join(LEGACY_EMAIL_VARIABLES)} variables, not both"
    )
EMAIL_BACKEND = _email.get("EMAIL_BACKEND") or env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = _email.get("EMAIL_HOST") or env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT") or env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False) or env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False) or env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (implicit TLS) exclude each other")
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = _email.get("DEFAULT_FROM_EMAIL") or env_str("DEFAULT_FROM_EMAIL", "Kosha <kosha@localhost>")
SERVER_EMAIL = _email.get("SERVER_EMAIL") or env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Backends that keep mail on this machine: with one of them, no message reaches anyone.
NON_DELIVERING_EMAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)
KOSHA_EMAIL_DELIVERY = EMAIL_BACKEND not in NON_DELIVERING_EMAIL_BACKENDS

# --- Accounts and sign-in -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {"reset_password": "accounts.forms.PasswordResetForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up, login and password reset answer alike for registered and unknown addresses.
# With unique addresses allauth can keep that promise at sign-up only by mail (the
# owner of a taken address is told by e-mail), so it needs mandatory verification.
ACCOUNT_PREVENT_ENUMERATION = True
# Verification needs mail that arrives: mandatory by default when a mail server is set,
# off without one (a console cannot verify anything). Asking for verification without a
# mail server would lock every new account out, so start-up refuses it.
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION",
    "mandatory" if KOSHA_EMAIL_DELIVERY else "none",
    ("none", "optional", "mandatory"),
)
if ACCOUNT_EMAIL_VERIFICATION != "none" and not KOSHA_EMAIL_DELIVERY:
    raise ImproperlyConfigured(
        f"ACCOUNT_EMAIL_VERIFICATION={ACCOUNT_EMAIL_VERIFICATION} needs a mail server: set EMAIL_URL "
        "(e.g. submission://user:password@smtp.example.com) or leave verification at none"
    )
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS = {
    # allauth's throttles. `ip` is the client address (kosha/addresses.py, behind
    # KOSHA_TRUSTED_PROXIES); `key` for login_failed is (account, client address), see
    # accounts/adapters.py, so failures from one address never lock out another.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kosha"
# Two-factor normally waits for a verified address, so a squatter cannot lock the real
# owner out of a later e-mail recovery. Without a mail server there is no e-mail recovery
# to protect and no way to verify, so it is allowed (the MFA page says so).
MFA_ALLOW_UNVERIFIED_EMAIL = not KOSHA_EMAIL_DELIVERY

# Single sign-on (kosha/sso.py documents the variables).
KOSHA_SSO = sso_config_from_env(os.environ)
SOCIALACCOUNT_PROVIDERS = KOSHA_SSO.providers
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_STORE_TOKENS = False
# A provider's address does not sign anyone into an existing account by itself: the
# owner connects the provider from settings. Providers differ in how well they verify.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# SSO-only: no local passwords at all (no password sign-up, sign-in, reset or change).
# Two-factor then belongs to the identity provider (allauth's MFA needs local sign-in).
KOSHA_SSO_ONLY = env_bool("KOSHA_SSO_ONLY", False)
if KOSHA_SSO_ONLY:
    if not KOSHA_SSO.is_configured:
        raise ImproperlyConfigured("KOSHA_SSO_ONLY=true needs a provider (KOSHA_OIDC_PROVIDERS, KOSHA_GOOGLE_*, ...)")
    if os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "none") != "none":
        raise ImproperlyConfigured(
            "KOSHA_SSO_ONLY=true leaves e-mail verification to the provider: unset ACCOUNT_EMAIL_VERIFICATION"
        )
    SOCIALACCOUNT_ONLY = True
    ACCOUNT_EMAIL_VERIFICATION = "none"
    SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
    INSTALLED_APPS.remove("allauth.mfa")
