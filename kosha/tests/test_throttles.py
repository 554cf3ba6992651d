"""The API's rate limits (kosha/throttles.py over kosha.cache.rate_window_hit): DRF's
sliding window per user and per address, counted in the shared cache. These run on
whichever cache the root conftest gives (locmem, or with REDIS_URL the Redis backend and
its one-command script); the race test needs Redis itself."""

import os

import pytest
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from kosha import throttles
from kosha.cache import RedisCache, rate_window_hit
from kosha.testing.races import run_concurrently

URL = "/api/v1/usage/"


@pytest.fixture
def clock(monkeypatch):
    """Three requests a minute per user and per address, on a clock the test moves."""
    now = [1_800_000_000.0]
    rates = {**throttles.UserRateThrottle.THROTTLE_RATES, "user": "3/min", "anon": "3/min"}
    monkeypatch.setattr(throttles.UserRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(throttles.AnonRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(throttles.UserRateThrottle, "timer", lambda self: now[0])
    monkeypatch.setattr(throttles.AnonRateThrottle, "timer", lambda self: now[0])
    return now


def test_a_user_over_the_rate_is_refused_with_retry_after_and_another_user_is_not(clock, owner_client, stranger_client):
    answers = [owner_client.get(URL).status_code for _ in range(3)]
    clock[0] += 20
    refused = owner_client.get(URL)

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    # DRF's wait: the rest of the oldest request's minute (40 s) over the one request left
    assert refused["Retry-After"] == "40"
    assert stranger_client.get(URL).status_code == 200


def test_refused_requests_are_not_counted_and_the_window_slides(clock, owner_client):
    owner_client.get(URL)
    clock[0] += 30
    owner_client.get(URL)
    owner_client.get(URL)
    refused = [owner_client.get(URL).status_code for _ in range(5)]

    clock[0] += 30  # the first request is now a minute old: it has left the window
    after_first = [owner_client.get(URL).status_code for _ in range(2)]
    clock[0] += 30  # and so have the two at 30 s; the five refusals never counted
    after_rest = [owner_client.get(URL).status_code for _ in range(3)]

    assert refused == [429] * 5
    assert after_first == [200, 429]
    assert after_rest == [200, 200, 429]


class _Open(APIView):
    """A view open to anyone, as the schema is: only there does the address rate apply
    (elsewhere a request without a user is refused before any throttle)."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({})


def test_requests_without_a_user_are_limited_by_address(clock, db):
    view, factory = _Open.as_view(), APIRequestFactory()

    answers = [view(factory.get("/", REMOTE_ADDR=address)).status_code for address in ["192.0.2.1"] * 4 + ["192.0.2.2"]]

    assert answers == [200, 200, 200, 429, 200]


def test_the_window_counts_on_any_cache():
    from django.core.cache import cache

    hits = [rate_window_hit(cache, key="t:any", now=100.0 + at, window_seconds=60, limit=2) for at in (0, 1, 2)]
    later = rate_window_hit(cache, key="t:any", now=160.0, window_seconds=60, limit=2)

    assert [(hit.allowed, hit.count, hit.oldest_at) for hit in hits] == [
        (True, 1, 100.0),
        (True, 2, 100.0),
        (False, 2, 100.0),
    ]
    assert (later.allowed, later.count, later.oldest_at) == (True, 2, 101.0)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_on_redis_concurrent_requests_never_pass_the_limit():
    # One cache object per thread, as Django gives each thread its own.
    prefix = f"test-race:{os.getpid()}"

    def hit(_index: int) -> list[bool]:
        cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": prefix})
        return [rate_window_hit(cache, key="race", now=1000.0, window_seconds=60, limit=25).allowed for _ in range(5)]

    allowed = [answer for answers in run_concurrently(16, hit) for answer in answers]  # 16 released at once
    RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": prefix}).delete("race")

    assert allowed.count(True) == 25
    assert len(allowed) == 80
