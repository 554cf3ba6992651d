"""The root of the test suite: the shared fixtures (personas, stores, the browser, a fresh
cache per test) come from the plugin modules of kosha/testing/fixtures/, loaded here; the
rest of the test kit (factories, clients, race hooks) is in `kosha.testing`, whose
docstring says what is where. This file keeps the collection hook that refuses to skip
real parts in CI.
"""

import os

import pytest

from kosha.testing.browser import CHROMIUM

pytest_plugins = [
    "kosha.testing.fixtures.isolation",
    "kosha.testing.fixtures.personas",
    "kosha.testing.fixtures.stores",
    "kosha.testing.fixtures.browser",
]

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
