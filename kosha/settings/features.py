"""Kosha's own services beyond storage: inbound webhooks, sharing with people,
notifications, and operations (janitors, the activity log, the change feed, proxies, metrics)."""

from django.core.exceptions import ImproperlyConfigured

from kosha.env import env_int, env_standard_webhook_secret, env_str
from kosha.settings.accounts import KOSHA_SSO

# --- Webhooks -------------------------------------------------------------------------
# Shared secrets of the inbound webhooks; an endpoint whose secret is empty answers 404.
KOSHA_IDENTITY_WEBHOOK_SECRET = env_str("KOSHA_IDENTITY_WEBHOOK_SECRET")


# Identity events in the Standard Webhooks format (Svix, Clerk): the sender's signing secret.
KOSHA_IDENTITY_WEBHOOK_STANDARD_SECRET = env_standard_webhook_secret("KOSHA_IDENTITY_WEBHOOK_STANDARD_SECRET")
# Whose user ids an event's `data.id` is (Clerk sends only its own id when a user is
# deleted): the id of a configured sign-in provider, e.g. the OIDC provider `clerk`.
KOSHA_IDENTITY_WEBHOOK_PROVIDER = env_str("KOSHA_IDENTITY_WEBHOOK_PROVIDER").strip()
if KOSHA_IDENTITY_WEBHOOK_PROVIDER and KOSHA_IDENTITY_WEBHOOK_PROVIDER not in KOSHA_SSO.provider_ids:
    raise ImproperlyConfigured(
        f"KOSHA_IDENTITY_WEBHOOK_PROVIDER={KOSHA_IDENTITY_WEBHOOK_PROVIDER!r} is not a configured sign-in provider "
        f"({', '.join(KOSHA_SSO.provider_ids) or 'none configured'})"
    )
KOSHA_STORAGE_WEBHOOK_SECRET = env_str("KOSHA_STORAGE_WEBHOOK_SECRET")
# How far a signed timestamp may be from now before a delivery is refused as a replay.
KOSHA_WEBHOOK_TOLERANCE_SECONDS = env_int("KOSHA_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1)

# --- Sharing with people: invitations -------------------------------------------------
# The address e-mails link to (invitations, notifications): the site as visitors reach it.
KOSHA_SITE_URL = env_str("KOSHA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A pending invitation (a share with an address that has no account) lasts this long.
KOSHA_INVITATION_DAYS = env_int("KOSHA_INVITATION_DAYS", 30, minimum=1)
# Shares with people one account may make per hour, for known and unknown addresses
# alike (one limit for both, so hitting it tells nothing about which addresses exist).
KOSHA_SHARES_PER_HOUR = env_int("KOSHA_SHARES_PER_HOUR", 100, minimum=1)

# --- Notifications ----------------------------------------------------------------------
# Files dropped through a link and a collaborator's changes gather into one notice (and
# one e-mail) per this many minutes.
KOSHA_NOTIFY_BATCH_MINUTES = env_int("KOSHA_NOTIFY_BATCH_MINUTES", 10, minimum=1)
# A live link's owner is told once when it expires within this many hours.
KOSHA_LINK_EXPIRY_NOTICE_HOURS = env_int("KOSHA_LINK_EXPIRY_NOTICE_HOURS", 24, minimum=1)

# --- Operations: janitors, activity log, metrics ------------------------------------------
KOSHA_ORPHAN_GRACE_HOURS = env_int("KOSHA_ORPHAN_GRACE_HOURS", 24, minimum=1)
KOSHA_ACTIVITY_RETENTION_DAYS = env_int("KOSHA_ACTIVITY_RETENTION_DAYS", 180, minimum=1)
# The change feed serves an event once it is this old, so a transaction that recorded an
# earlier event but committed later is not skipped by a cursor that moved past it.
KOSHA_CHANGES_SETTLE_SECONDS = env_int("KOSHA_CHANGES_SETTLE_SECONDS", 2, minimum=0)
# How often the web app asks /api/v1/changes/latest/ (the cheap poll), in seconds.
KOSHA_CHANGES_POLL_SECONDS = env_int("KOSHA_CHANGES_POLL_SECONDS", 10, minimum=1)
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 ignores it.
KOSHA_TRUSTED_PROXIES = env_int("KOSHA_TRUSTED_PROXIES", 0, minimum=0)
# allauth's rate limits key on the client address too: the same count (our adapter reads
# the address through kosha/addresses.py, which also tolerates a short header).
ALLAUTH_TRUSTED_PROXY_COUNT = KOSHA_TRUSTED_PROXIES
# /metrics answers only with this bearer token (or, with none set, to loopback clients).
KOSHA_METRICS_TOKEN = env_str("KOSHA_METRICS_TOKEN")
