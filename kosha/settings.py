"""Kosha settings: one flat module, every deployment value read from the environment.

The readers of kosha/env.py reject a malformed value with ImproperlyConfigured at boot, so a
typo in production fails loudly instead of silently falling back to a default.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kosha.env import env_bool, env_choice, env_email_url, env_int, env_list, env_standard_webhook_secret, env_str
from kosha.sso import sso_config_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "kosha-dev-secret-key-not-for-production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
KOSHA_VAR_DIR = Path(env_str("KOSHA_VAR_DIR", str(BASE_DIR / "var")))
# Refuses development secrets when DEBUG is off, unless explicitly running the
# embedded single-machine setup (`make run` sets KOSHA_EMBEDDED=true).
KOSHA_EMBEDDED = env_bool("KOSHA_EMBEDDED", False)

if not DEBUG and not KOSHA_EMBEDDED and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
if not DEBUG and "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list real host names when DEBUG is off")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "django_q",
    "accounts",
    "plans",
    "storage",
    "sharing",
    "activity",
    "notifications",
    "dav",
]

MIDDLEWARE = [
    # First, so every log line of the request carries its id and the latency covers all.
    "kosha.logging.RequestIdMiddleware",
    "kosha.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above CSRF and CommonMiddleware: their refusals under /api/ become the JSON envelope.
    "kosha.json_errors.JsonErrorsMiddleware",
    # Permissions-Policy everywhere, and no Referer at all from the public link pages.
    "kosha.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # An identity provider that is down answers allauth's error page, not a 500.
    "accounts.middleware.ProviderErrorMiddleware",
]

ROOT_URLCONF = "kosha.urls"
WSGI_APPLICATION = "kosha.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.signin",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite under ./var/ by default; DATABASE_URL (postgres://...) in production and CI.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{KOSHA_VAR_DIR / 'kosha.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not KOSHA_EMBEDDED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG and not KOSHA_EMBEDDED)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Never a URL to another origin; /s/<token> pages send none at all (kosha/headers.py).
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Under /api/ and the drop-upload protocol a CSRF refusal is the JSON error envelope.
CSRF_FAILURE_VIEW = "kosha.json_errors.csrf_failure"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- I18N, static ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = KOSHA_VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or KOSHA_EMBEDDED
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token class first: DRF takes the WWW-Authenticate challenge from the first
    # class, so a missing or bad credential is a 401 with `WWW-Authenticate: Token`
    # (RFC 9110 §11.6.1), not a 403. A request without a token header falls through
    # to the session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The one JSON guard (kosha/json_body.py): size, depth, characters, number range.
    "DEFAULT_PARSER_CLASSES": ["kosha.json_body.GuardedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kosha.api.exception_handler",
    # Per user: 1200 requests a minute in all. Batch uploads (up to 500 files a request)
    # also count against their own scope: a 1,000-file folder takes the browser a few dozen
    # of them, so 300 a minute never slows a real upload, while a client looping on them
    # is stopped (and its reservations are bounded by the plan's quota anyway).
    "DEFAULT_THROTTLE_RATES": {"user": "1200/min", "anon": "120/min", "upload_batch": "300/min"},
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kosha API",
    "DESCRIPTION": "Self-hosted personal cloud storage. Bytes travel through presigned URLs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from this app's static files (drf-spectacular-sidecar, pinned), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two sets of roles: what a share grants, and what the caller may do with an item.
    "ENUM_NAME_OVERRIDES": {
        "ShareRoleEnum": "sharing.models.Share.Role",
        "AccessRoleEnum": ["owner", "editor", "viewer"],
    },
    # Every operation documents the error envelope and the statuses it can answer.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kosha.schema.error_responses_hook",
    ],
}

# --- Caches (rate limits) ---------------------------------------------------------------
# Redis when REDIS_URL is set (shared by every web process); otherwise files under var/,
# shared by the processes of one machine without a database query per request.
REDIS_URL = env_str("REDIS_URL")
KOSHA_CACHE = env_choice("KOSHA_CACHE", "redis" if REDIS_URL else "file", ("redis", "file", "locmem"))
if KOSHA_CACHE == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("KOSHA_CACHE=redis needs REDIS_URL")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif KOSHA_CACHE == "file":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(KOSHA_VAR_DIR / "cache"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work (django-q2) ------------------------------------------------------
Q_CLUSTER = {
    "name": "kosha",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": env_int("Q_TIMEOUT", 600, minimum=1),
    "retry": env_int("Q_TIMEOUT", 600, minimum=1) + 60,
    "max_attempts": 5,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", False),
    "orm": "default",
}
# With REDIS_URL, Redis is the broker too (Q_REDIS=false keeps the database queue).
if REDIS_URL and env_bool("Q_REDIS", True):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL

# --- Object storage -------------------------------------------------------------------
KOSHA_STORAGE = env_choice("KOSHA_STORAGE", "local", ("local", "s3"))
KOSHA_LOCAL_STORAGE_DIR = Path(env_str("KOSHA_LOCAL_STORAGE_DIR", str(KOSHA_VAR_DIR / "objects")))
KOSHA_S3_ENDPOINT_URL = env_str("KOSHA_S3_ENDPOINT_URL") or None
KOSHA_S3_BUCKET = env_str("KOSHA_S3_BUCKET")
KOSHA_S3_REGION = env_str("KOSHA_S3_REGION", "us-east-1")
KOSHA_S3_ACCESS_KEY_ID = env_str("KOSHA_S3_ACCESS_KEY_ID") or None
KOSHA_S3_SECRET_ACCESS_KEY = env_str("KOSHA_S3_SECRET_ACCESS_KEY") or None
KOSHA_S3_ADDRESSING_STYLE = env_choice("KOSHA_S3_ADDRESSING_STYLE", "path", ("path", "virtual", "auto"))
# Sign single PUTs as conditional writes (If-None-Match: *). Turn off only for a store that
# refuses the header; then a late PUT is removed by the delayed delete (docs/deployment.md).
KOSHA_S3_CONDITIONAL_PUT = env_bool("KOSHA_S3_CONDITIONAL_PUT", True)
if KOSHA_STORAGE == "s3" and not KOSHA_S3_BUCKET:
    raise ImproperlyConfigured("KOSHA_S3_BUCKET must be set when KOSHA_STORAGE=s3")

# An optional replica store beside the primary (docs/deployment.md, "Replica and failover"):
# "" (none), "local" (a directory) or "s3" (a second endpoint and bucket). A worker copies
# every recorded blob to it; reads fail over to it while the primary is down.
KOSHA_REPLICA_STORAGE = env_choice("KOSHA_REPLICA_STORAGE", "", ("", "local", "s3"))
KOSHA_REPLICA_LOCAL_STORAGE_DIR = Path(env_str("KOSHA_REPLICA_LOCAL_STORAGE_DIR", str(KOSHA_VAR_DIR / "replica")))
KOSHA_REPLICA_S3_ENDPOINT_URL = env_str("KOSHA_REPLICA_S3_ENDPOINT_URL") or None
KOSHA_REPLICA_S3_BUCKET = env_str("KOSHA_REPLICA_S3_BUCKET")
KOSHA_REPLICA_S3_REGION = env_str("KOSHA_REPLICA_S3_REGION", "us-east-1")
KOSHA_REPLICA_S3_ACCESS_KEY_ID = env_str("KOSHA_REPLICA_S3_ACCESS_KEY_ID") or None
KOSHA_REPLICA_S3_SECRET_ACCESS_KEY = env_str("KOSHA_REPLICA_S3_SECRET_ACCESS_KEY") or None
KOSHA_REPLICA_S3_ADDRESSING_STYLE = env_choice("KOSHA_REPLICA_S3_ADDRESSING_STYLE", "path", ("path", "virtual", "auto"))
# The circuit breaker: open after this many consecutive failures of the primary, then probe
# it once every KOSHA_REPLICA_PROBE_SECONDS and close when it answers.
KOSHA_REPLICA_FAILURE_THRESHOLD = env_int("KOSHA_REPLICA_FAILURE_THRESHOLD", 3, minimum=1)
KOSHA_REPLICA_PROBE_SECONDS = env_int("KOSHA_REPLICA_PROBE_SECONDS", 10, minimum=1)
if KOSHA_REPLICA_STORAGE == "s3" and not KOSHA_REPLICA_S3_BUCKET:
    raise ImproperlyConfigured("KOSHA_REPLICA_S3_BUCKET must be set when KOSHA_REPLICA_STORAGE=s3")

# Upload protocol tuning (DESIGN.md): single PUT up to the threshold, multipart above.
KOSHA_MULTIPART_THRESHOLD_BYTES = env_int("KOSHA_MULTIPART_THRESHOLD_BYTES", 64 * 1024 * 1024, minimum=5 * 1024 * 1024)
KOSHA_PUT_URL_EXPIRES_SECONDS = env_int("KOSHA_PUT_URL_EXPIRES_SECONDS", 60, minimum=1)
KOSHA_PART_URL_EXPIRES_SECONDS = env_int("KOSHA_PART_URL_EXPIRES_SECONDS", 600, minimum=1)
KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS = env_int("KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS", 300, minimum=1)
KOSHA_UPLOAD_SESSION_HOURS = env_int("KOSHA_UPLOAD_SESSION_HOURS", 24, minimum=1)
KOSHA_PART_URL_BATCH_MAX = env_int("KOSHA_PART_URL_BATCH_MAX", 100, minimum=1)
# Anonymous drop links (sharing/drops.py): what one link may take per window, however
# many clients reach it, and how long an anonymous start's reservation lasts.
KOSHA_DROP_MAX_FILE_BYTES = env_int("KOSHA_DROP_MAX_FILE_BYTES", 1024**3, minimum=1)
KOSHA_DROP_WINDOW_SECONDS = env_int("KOSHA_DROP_WINDOW_SECONDS", 3600, minimum=60)
KOSHA_DROP_STARTS_PER_CLIENT = env_int("KOSHA_DROP_STARTS_PER_CLIENT", 60, minimum=1)
KOSHA_DROP_STARTS_PER_LINK = env_int("KOSHA_DROP_STARTS_PER_LINK", 300, minimum=1)
KOSHA_DROP_BYTES_PER_LINK = env_int("KOSHA_DROP_BYTES_PER_LINK", 2 * 1024**3, minimum=1)
KOSHA_DROP_RESERVATION_MINUTES = env_int("KOSHA_DROP_RESERVATION_MINUTES", 60, minimum=5)
# Batch uploads (POST /api/v1/uploads/batch/ and .../batch/complete/): files per request,
# and how many HEADs a batch complete sends to the store at once.
KOSHA_UPLOAD_BATCH_MAX = env_int("KOSHA_UPLOAD_BATCH_MAX", 500, minimum=1)
KOSHA_UPLOAD_BATCH_STORE_WORKERS = env_int("KOSHA_UPLOAD_BATCH_STORE_WORKERS", 16, minimum=1)
# How deep folders may nest (a root-level folder is 1): every tree walk ends within it.
KOSHA_MAX_FOLDER_DEPTH = env_int("KOSHA_MAX_FOLDER_DEPTH", 256, minimum=1)
# A session that ends unrecorded has its key deleted again this long after its URLs stop
# starting PUTs, so a body still arriving then (or a late PUT) does not survive.
KOSHA_LATE_WRITE_MARGIN_SECONDS = env_int("KOSHA_LATE_WRITE_MARGIN_SECONDS", 3600, minimum=60)

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

# --- Logging --------------------------------------------------------------------------
# One JSON object per line (kosha/logging.py) unless LOG_FORMAT=text; text by default in DEBUG.
LOG_FORMAT = env_choice("LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kosha.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "kosha.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Serve static files straight from the app directories on one machine (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or KOSHA_EMBEDDED
