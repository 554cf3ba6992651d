"""Kosha settings: one flat module, every deployment value read from the environment.

The helpers below reject a malformed value with ImproperlyConfigured at boot, so a typo
in production fails loudly instead of silently falling back to a default.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


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
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_q",
    "accounts",
    "plans",
    "storage",
    "sharing",
    "activity",
]

MIDDLEWARE = [
    # First, so every log line of the request carries its id and the latency covers all.
    "kosha.logging.RequestIdMiddleware",
    "kosha.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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

# --- Accounts -------------------------------------------------------------------------
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

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", "optional", ("none", "optional", "mandatory")
)
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_RATE_LIMITS = {
    # allauth's throttles, per client address and per account.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kosha"

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kosha <kosha@localhost>")

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not KOSHA_EMBEDDED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG and not KOSHA_EMBEDDED)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
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
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kosha.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"user": "1200/min", "anon": "120/min"},
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
if REDIS_URL and env_bool("Q_REDIS", False):
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
if KOSHA_STORAGE == "s3" and not KOSHA_S3_BUCKET:
    raise ImproperlyConfigured("KOSHA_S3_BUCKET must be set when KOSHA_STORAGE=s3")

# Upload protocol tuning (DESIGN.md): single PUT up to the threshold, multipart above.
KOSHA_MULTIPART_THRESHOLD_BYTES = env_int("KOSHA_MULTIPART_THRESHOLD_BYTES", 64 * 1024 * 1024, minimum=5 * 1024 * 1024)
KOSHA_PUT_URL_EXPIRES_SECONDS = env_int("KOSHA_PUT_URL_EXPIRES_SECONDS", 60, minimum=1)
KOSHA_PART_URL_EXPIRES_SECONDS = env_int("KOSHA_PART_URL_EXPIRES_SECONDS", 600, minimum=1)
KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS = env_int("KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS", 300, minimum=1)
KOSHA_UPLOAD_SESSION_HOURS = env_int("KOSHA_UPLOAD_SESSION_HOURS", 24, minimum=1)
KOSHA_PART_URL_BATCH_MAX = env_int("KOSHA_PART_URL_BATCH_MAX", 100, minimum=1)

# --- Webhooks -------------------------------------------------------------------------
# Shared secrets of the inbound webhooks; an endpoint whose secret is empty answers 404.
KOSHA_IDENTITY_WEBHOOK_SECRET = env_str("KOSHA_IDENTITY_WEBHOOK_SECRET")
KOSHA_STORAGE_WEBHOOK_SECRET = env_str("KOSHA_STORAGE_WEBHOOK_SECRET")
# How far a signed timestamp may be from now before a delivery is refused as a replay.
KOSHA_WEBHOOK_TOLERANCE_SECONDS = env_int("KOSHA_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1)

# --- Operations: janitors, activity log, metrics ------------------------------------------
KOSHA_ORPHAN_GRACE_HOURS = env_int("KOSHA_ORPHAN_GRACE_HOURS", 24, minimum=1)
KOSHA_ACTIVITY_RETENTION_DAYS = env_int("KOSHA_ACTIVITY_RETENTION_DAYS", 180, minimum=1)
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 ignores it.
KOSHA_TRUSTED_PROXIES = env_int("KOSHA_TRUSTED_PROXIES", 0, minimum=0)
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
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Serve static files straight from the app directories on one machine (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or KOSHA_EMBEDDED
