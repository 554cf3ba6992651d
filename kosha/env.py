"""Readers of deployment values from the environment, for kosha/settings/.

Each rejects a malformed value with ImproperlyConfigured at boot, so a typo in production
fails loudly instead of silently falling back to a default.
"""

import base64
import binascii
import os
from typing import Any

import dj_email_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    """The variable as it is; `default` when unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """1/true/yes/on or 0/false/no/off (any case); `default` when unset or empty.

    Raises ImproperlyConfigured for anything else."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A decimal integer (in the unit its name says), at least `minimum` and at most
    `maximum`; `default` when unset or empty. Raises ImproperlyConfigured for a
    non-integer or a value out of those bounds."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    """Comma-separated items, stripped, empty ones dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices`; `default` when unset or empty. Raises ImproperlyConfigured otherwise."""
    value = os.environ.get(name, default) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


EMAIL_URL_SCHEMES = ("smtp", "submission", "console", "memory", "dummy")


def env_email_url(name: str) -> dict[str, Any]:
    """Django's EMAIL_* settings from a mail URL (dj-email-url), without unset values; {}
    when the variable is unset. Raises ImproperlyConfigured for another scheme than
    EMAIL_URL_SCHEMES, a URL that does not parse, or an SMTP URL without a host."""
    raw = env_str(name).strip()
    if not raw:
        return {}
    scheme = raw.partition(":")[0].lower()
    if scheme not in EMAIL_URL_SCHEMES:
        # dj-email-url's `smtps` means STARTTLS, not implicit TLS as elsewhere: refuse the
        # ambiguity rather than guess.
        raise ImproperlyConfigured(
            f"{name} must start with one of {', '.join(s + '://' for s in EMAIL_URL_SCHEMES)}; for implicit TLS "
            f"use smtp://host:465?ssl=true, for STARTTLS submission://host (got scheme {scheme!r})"
        )
    try:
        parsed = dj_email_url.parse(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid mail URL: {error}") from None
    if scheme in ("smtp", "submission") and not parsed.get("EMAIL_HOST"):
        raise ImproperlyConfigured(f"{name} needs a host, e.g. submission://user:password@smtp.example.com")
    return {key: value for key, value in parsed.items() if value is not None}


def env_standard_webhook_secret(name: str) -> str:
    """A Standard Webhooks signing secret: `whsec_` and base64 (what Svix and Clerk show)."""
    raw = env_str(name).strip()
    if not raw:
        return ""
    try:
        key = base64.b64decode(raw.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) < 16:
        raise ImproperlyConfigured(f"{name} must be a Standard Webhooks secret (whsec_ and base64 of 16+ bytes)")
    return raw
