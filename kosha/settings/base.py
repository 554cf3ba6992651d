"""The Django platform: secrets and hosts, applications, middleware, templates, the database,
security headers, static files, the cache, the task queue and logging.

Every value is read from the environment through kosha/env.py, whose readers reject a
malformed value with ImproperlyConfigured at boot.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from kosha.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

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
    "kosha.csrf.LinkPageCsrfViewMiddleware",  # Origin: null under /s/ (kosha/csrf.py)
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

# --- Caches (rate limits) ---------------------------------------------------------------
# Redis when REDIS_URL is set (shared by every web process); otherwise files under var/,
# shared by the processes of one machine without a database query per request.
REDIS_URL = env_str("REDIS_URL")
KOSHA_CACHE = env_choice("KOSHA_CACHE", "redis" if REDIS_URL else "file", ("redis", "file", "locmem"))
if KOSHA_CACHE == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("KOSHA_CACHE=redis needs REDIS_URL")
    # Django's Redis cache keeping its client (kosha/cache.py), not building one per call.
    CACHES = {"default": {"BACKEND": "kosha.cache.RedisCache", "LOCATION": REDIS_URL}}
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
_q_timeout = env_int("Q_TIMEOUT", 600, minimum=1)
Q_CLUSTER = {
    "name": "kosha",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": _q_timeout,
    # The broker hands a task out again only once its first run has surely timed out.
    "retry": _q_timeout + 60,
    "max_attempts": 5,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", False),
    "orm": "default",
}
# With REDIS_URL, Redis is the broker too (Q_REDIS=false keeps the database queue).
if REDIS_URL and env_bool("Q_REDIS", True):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL

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
