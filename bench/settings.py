"""Benchmark settings: Kosha's own (database, cache, throttle classes as the environment
sets them: bench/request_bench.py runs PostgreSQL with the Redis cache, as production
does) plus the bench's own routes (bench/proxy.py: the proxy baselines and the floor
views, never in the product's URLs).

The throttles stay on, counting in the shared cache as in production; only the per-user
rate is raised (BENCH_USER_RATE), since one benchmark user sends more than the
production 1200 requests a minute and a 429 would end the measurement, not describe it.
A throttle's cost per request (its cache read and write) does not depend on the rate.
BENCH_USER_RATE=production keeps production's rates (bench/batch_bench.py)."""

import os

from kosha.settings import *  # noqa: F403

ROOT_URLCONF = "bench.proxy"
if os.environ.get("BENCH_USER_RATE") != "production":
    REST_FRAMEWORK = {  # noqa: F405
        **REST_FRAMEWORK,  # noqa: F405
        "DEFAULT_THROTTLE_RATES": {
            **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
            "user": os.environ.get("BENCH_USER_RATE", "1000000/min"),
        },
    }
