"""The stores the contract runs against (see __init__.py)."""

import pytest

from storage.backends import get_backend
from storage.tests.contract.kit import open_upload_session
from storage.tests.stores import STORE_SETTINGS


def live_server_url(request) -> str:
    # Requested at run time, so only local-store tests start the live server.
    return request.getfixturevalue("live_server").url


@pytest.fixture
def absolute(request, store, db):
    """Turns a presigned URL of any store into one `requests` can reach: the local
    backend's site-relative URLs are served by the live server, S3's are absolute."""

    def make(url: str) -> str:
        if url.startswith("/"):
            return live_server_url(request) + url
        return url

    return make


# Bytes reach the local store only for a session the live server's thread can see, so a
# test that PUTs to the local store is transactional (a flush after it); the rest are not.
_LOCAL = pytest.param("local", marks=pytest.mark.django_db(transaction=True))


def _store_for_puts(request):
    request.getfixturevalue(STORE_SETTINGS[request.param])
    if request.param == "local":
        return get_backend(), (lambda url: live_server_url(request) + url), open_upload_session
    return get_backend(), (lambda url: url), (lambda key, upload_id="": None)


@pytest.fixture(params=[_LOCAL, "moto", "seaweedfs"])
def upload_store(request, db):
    """Each store, for tests that PUT: (backend, absolute-url maker, open_upload), where
    open_upload(key, upload_id="") records what upload_start records before it signs a
    URL, a pending session. S3 stores know nothing of sessions: there it records nothing."""
    return _store_for_puts(request)


@pytest.fixture
def local_store(local_settings):
    return get_backend()


@pytest.fixture
def local_absolute(request, db, local_store):
    return lambda url: live_server_url(request) + url


@pytest.fixture(params=[_LOCAL, "seaweedfs"])
def enforcing_store(request, db):
    """The stores that check what a URL signs by themselves, ours and a real S3 server:
    (backend, absolute-url maker, open_upload) as upload_store gives."""
    return _store_for_puts(request)
