import pytest

from accounts.services import api_token_create

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def locmem_cache(settings):
    """Rate limits (allauth's and DRF's throttles) count in the cache: give each test a
    fresh in-memory one, so counts never leak between tests and cost no queries."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "accounts-tests"}
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner_token(owner):
    """(token, key) belonging to the owner."""
    return api_token_create(user=owner, name="laptop sync")


@pytest.fixture
def stranger_token(stranger):
    return api_token_create(user=stranger, name="stranger's script")
