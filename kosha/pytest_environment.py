"""Loaded by pytest with `-p` before Django starts: django-q2 reads Q_CLUSTER at import,
so tests become synchronous through the environment, not through the settings fixture."""

import os

os.environ.setdefault("Q_SYNC", "true")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("SECRET_KEY", "kosha-test-secret-key")
# Redis when REDIS_URL names one (CI), else per process; kosha.testing.fixtures.isolation.fresh_cache isolates tests.
os.environ.setdefault("KOSHA_CACHE", "redis" if os.environ.get("REDIS_URL") else "locmem")
