"""Shared fixtures: the three personas and their clients, the seed tiers, the object
stores, the upload protocol client and the browser. The rest of the test kit (factories,
clients, race hooks) is in `kosha.testing`; its docstring says what is where.

Three stores: the local one in a per-test temporary directory; moto's real HTTP server on
127.0.0.1 (one per test session, a fresh bucket per test); SeaweedFS (`weed server -s3`,
one per test session, one bucket emptied after each test), the S3 server that enforces
what presigned URLs sign (storage/tests/stores.py).
"""

import os
import threading
import uuid

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.servers.basehttp import ThreadedWSGIServer
from rest_framework.test import APIClient

from dav.app import mount as mount_dav
from kosha.testing import factories
from kosha.testing.browser import CHROMIUM, CONTEXT_ARGS, chromium_launch, page_with_error_log, signed_in_page
from kosha.testing.clients import api_as, web_as
from kosha.testing.network import free_port
from kosha.testing.world import World, world_build
from plans.services import plans_seed_defaults
from storage.backends import get_backend
from storage.backends.local import LocalBackend
from storage.tests.protocol import ProtocolClient
from storage.tests.stores import (
    ACCESS_KEY,
    SECRET_KEY,
    STORE_SETTINGS,
    FaultyBackend,
    SeaweedFS,
    bucket_empty,
    s3_client,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    """`postgres` and `browser` tests need their real parts: locally they skip without
    them; in CI (CI=true) a missing PostgreSQL or Chromium fails the run instead."""
    has_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    has_browser = os.path.exists(CHROMIUM)
    for item in items:
        for marker, available, what in (
            ("postgres", has_postgres, "PostgreSQL (set DATABASE_URL)"),
            ("browser", has_browser, f"Chromium at {CHROMIUM}"),
        ):
            if item.get_closest_marker(marker) is None or available:
                continue
            if IN_CI:
                raise pytest.UsageError(f"CI must not skip {item.nodeid}: it needs {what}")
            item.add_marker(pytest.mark.skip(reason=f"needs {what}"))


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Pages render `{% static %}`: without DEBUG the manifest storage would need collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every persona, link password and sign-in hashes a password: PBKDF2's deliberate
    slowness would dominate the run, and no test is about the hash itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _cache_clear(prefix: str) -> None:
    """Empty the test cache: locmem's clear, or on Redis a delete of this run's keys only
    (the Redis DB may be shared with other runs, so never FLUSHDB)."""
    if not isinstance(getattr(cache, "_cache", None), RedisCacheClient) or not prefix:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Rate limits (allauth's, DRF's throttles, the link password counters) and cached API
    tokens live in the cache: each test gets an empty one, so nothing leaks between tests.
    With REDIS_URL set (CI's pass) it is that Redis, under a key prefix of this run's test
    database and process, so parallel runs sharing the Redis DB never see each other's
    keys; otherwise an in-memory cache. Yields a function that empties it again (what a
    test calls instead of cache.clear(), which on Redis would flush the whole DB)."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        prefix = f"test:{settings.DATABASES['default']['NAME']}:{os.getpid()}"
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
        settings.CACHES = {"default": {**backend, "KEY_PREFIX": prefix}}
    else:
        prefix = ""
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    _cache_clear(prefix)
    yield lambda: _cache_clear(prefix)
    _cache_clear(prefix)


@pytest.fixture
def seeded_tiers(db):
    """The Free/Pro/Max tiers. A data migration makes them, but a transactional test's
    flush removes them for the tests after it: put them back when the table is empty."""
    return plans_seed_defaults()


# --- personas -----------------------------------------------------------------------------


@pytest.fixture
def owner(db):
    return factories.user("owner")


@pytest.fixture
def collaborator(db):
    return factories.user("collaborator")


@pytest.fixture
def stranger(db):
    return factories.user("stranger")


@pytest.fixture
def world(local_settings, owner, collaborator, stranger) -> World:
    """The sharing world (kosha.testing.world): the owner's tree shared with the
    collaborator as viewer and a new editor, a stranger, links in every state."""
    return world_build(owner=owner, viewer=collaborator, stranger=stranger)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def owner_client(owner):
    return api_as(owner)


@pytest.fixture
def stranger_client(stranger):
    return api_as(stranger)


@pytest.fixture
def owner_web(client, owner):
    """The page client (`client`), signed in as the owner."""
    return web_as(owner, client)


@pytest.fixture
def admin_web(client, django_user_model):
    """The page client (`client`), signed in as a new superuser."""
    superuser = django_user_model.objects.create_superuser(email="admin@example.com", password="admin password 1")
    return web_as(superuser, client)


# --- object stores --------------------------------------------------------------------------


_CORS = {
    "CORSRules": [
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["GET", "PUT", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 600,
        }
    ]
}


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's real S3 HTTP server on 127.0.0.1, shared by the test session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_settings(settings, moto_endpoint):
    """Point Kosha at a fresh bucket on moto's HTTP server."""
    import boto3

    bucket = f"kosha-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=bucket)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=_CORS)
    use_s3_bucket(settings, endpoint=moto_endpoint, bucket=bucket)
    yield settings
    get_backend.cache_clear()


def use_s3_bucket(
    settings,
    *,
    endpoint: str,
    bucket: str,
    access_key: str = "testing",
    secret_key: str = "testing",  # noqa: S107
) -> None:
    """Point Kosha's S3 settings at `bucket` on a test store (moto takes any credentials)."""
    settings.KOSHA_STORAGE = "s3"
    settings.KOSHA_S3_ENDPOINT_URL = endpoint
    settings.KOSHA_S3_BUCKET = bucket
    settings.KOSHA_S3_REGION = "us-east-1"
    settings.KOSHA_S3_ACCESS_KEY_ID = access_key
    settings.KOSHA_S3_SECRET_ACCESS_KEY = secret_key
    settings.KOSHA_S3_ADDRESSING_STYLE = "path"
    get_backend.cache_clear()


@pytest.fixture
def local_settings(settings, tmp_path):
    settings.KOSHA_STORAGE = "local"
    settings.KOSHA_LOCAL_STORAGE_DIR = tmp_path / "objects"
    get_backend.cache_clear()
    yield settings
    get_backend.cache_clear()


@pytest.fixture(scope="session")
def seaweed_server(tmp_path_factory):
    """SeaweedFS's `weed server -s3` on free loopback ports, shared by the test session."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seaweed_bucket(seaweed_server):
    """One bucket for the session: SeaweedFS gives each bucket volumes of its own, slowly,
    so tests reuse it, emptied after each (seaweed_settings)."""
    bucket = "kosha-test"
    client = s3_client(seaweed_server.endpoint)
    client.create_bucket(Bucket=bucket)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=_CORS)
    return bucket


@pytest.fixture
def seaweed_settings(settings, seaweed_server, seaweed_bucket):
    """Point Kosha at SeaweedFS's bucket; everything in it is deleted after the test."""
    use_s3_bucket(
        settings, endpoint=seaweed_server.endpoint, bucket=seaweed_bucket, access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    yield settings
    get_backend.cache_clear()
    bucket_empty(s3_client(seaweed_server.endpoint), seaweed_bucket)


@pytest.fixture(params=list(STORE_SETTINGS))
def store_name(request):
    """Which store the test runs against: local, moto or seaweedfs."""
    return request.param


@pytest.fixture
def store(request, store_name):
    """Run a test once per store (local, moto, SeaweedFS); returns the active backend."""
    request.getfixturevalue(STORE_SETTINGS[store_name])
    return get_backend()


@pytest.fixture
def faulty_store(local_settings, monkeypatch):
    """The local store behind FaultyBackend (storage/tests/stores.py), as get_backend()
    answers: `faulty_store.fail("head", ...)` makes the store fail as a test needs."""
    faulty = FaultyBackend(get_backend())
    monkeypatch.setattr(LocalBackend, "from_settings", classmethod(lambda cls: faulty))
    get_backend.cache_clear()
    return faulty


@pytest.fixture
def protocol(store, owner_client, live_server):
    """The upload protocol client, as the owner, against the parametrized store (local,
    moto, SeaweedFS), the bytes sent over HTTP as a browser would."""
    return ProtocolClient(api=owner_client, base_url=live_server.url)


@pytest.fixture
def small_multipart(settings):
    """Multipart from 5 MiB up, so tests send a few 8 MiB parts instead of 64 MiB."""
    settings.KOSHA_MULTIPART_THRESHOLD_BYTES = 5 * 1024 * 1024
    return settings


@pytest.fixture
def enqueued(monkeypatch):
    """Tasks a storage event enqueues (the orphan check, which belongs to the janitors),
    recorded instead of queued; shared by the webhook's and the SQS consumer's tests."""
    from storage import webhooks as storage_webhooks

    calls = []
    monkeypatch.setattr(storage_webhooks, "async_task", lambda *args, **kwargs: calls.append(args))
    return calls


# --- the browser: Playwright (pytest-playwright) on the system Chromium ---------------------


class _OneRequestAtATimeServer(ThreadedWSGIServer):
    """With in-memory SQLite the live server's threads share the test's one connection;
    the browser's parallel requests (parts, several files) would use it at once."""

    def set_app(self, application):
        lock = threading.Lock()

        def serialized(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(serialized)


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, started after the test database exists (else its
    threads open their own connections to the old name), and serialized when that database
    is in-memory SQLite (PostgreSQL gives each thread its own connection: CI runs it as is)."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    if server.thread.connections_override:
        server.thread.server_class = _OneRequestAtATimeServer
    server.start()
    # The WSGI application of kosha/wsgi.py: /dav/ (WsgiDAV) beside Django.
    httpd = server.thread.httpd
    httpd.set_app(mount_dav(httpd.get_app()))
    yield server
    server.stop()


@pytest.fixture
def chromium():
    """The system Chromium for one test. Its own sync_playwright per test rather than
    pytest-playwright's session-long one, which would clash with other tests that start
    their own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh Chromium page per test. Fails the test on any uncaught JavaScript error."""
    context = chromium.new_context(**CONTEXT_ARGS)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def owner_page(chromium, live_server, local_settings, owner):
    """A page signed in as the owner (the session cookie of a force_login) on the local
    store. Fails the test on any uncaught JavaScript error."""
    with signed_in_page(chromium, live_server.url, owner) as page:
        yield page


@pytest.fixture
def signed_up_page(browser_page, live_server):
    """A page signed in as a new account made through the real sign-up form; the address
    is on `page.kosha_email`."""
    page = browser_page
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", factories.PASSWORD)
    page.fill("input[name=password2]", factories.PASSWORD)
    page.locator("form:has(input[name=password2]) [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.kosha_email = email
    return page
