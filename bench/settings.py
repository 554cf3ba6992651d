"""Benchmark settings: Kosha's own plus the proxy baseline route (bench/proxy.py)."""

from kosha.settings import *  # noqa: F403

ROOT_URLCONF = "bench.proxy"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
