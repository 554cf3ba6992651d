"""The S3 backend's fast signer and reads (storage/backends/sigv4.py, s3_direct.py) are made
once per backend, by the first caller, and no other caller sees them half made: a thread
that asks while they are being made waits for them instead of signing through botocore.
No store is reached: signing a URL is local."""

import threading
from unittest import mock

import pytest

from storage.backends.s3 import S3Backend
from storage.backends.sigv4 import Presigner

WAIT_SECONDS = 30  # a thread still waiting after this is stuck: fail, never hang


def _backend() -> S3Backend:
    return S3Backend(
        bucket="kosha-fast-paths",
        endpoint_url="http://127.0.0.1:9",  # never reached
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",  # noqa: S106
    )


def _put(backend: S3Backend) -> str:
    return backend.presign_put(
        key="users/u/blobs/b", size_bytes=5, content_type="text/plain", sha256_b64=None, expires_seconds=60
    ).url


class _SeenLock:
    """A lock that tells when a second caller has come to it (the first makes the paths)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callers = 0
        self.second_came = threading.Event()

    def __enter__(self):
        self._callers += 1
        if self._callers >= 2:
            self.second_came.set()
        self._lock.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self._lock.release()


def test_a_thread_asking_while_the_first_makes_the_signer_waits_for_it_and_it_is_made_once():
    backend = _backend()
    backend._fast_lock = _SeenLock()  # the backend's own lock, watched
    making, made = threading.Event(), threading.Event()
    real_for_client = Presigner.for_client
    calls = []

    def slow_for_client(*args, **kwargs):
        calls.append(args)
        making.set()
        assert made.wait(WAIT_SECONDS)
        return real_for_client(*args, **kwargs)

    urls: dict[str, str] = {}

    def sign(name: str) -> None:
        urls[name] = _put(backend)

    with (
        mock.patch.object(Presigner, "for_client", side_effect=slow_for_client),
        mock.patch.object(S3Backend, "_presign", side_effect=AssertionError("signed through botocore")) as botocore,
    ):
        first = threading.Thread(target=sign, args=("first",))
        first.start()
        assert making.wait(WAIT_SECONDS)
        # The second asks while the first is making the signer: it waits at the lock (or,
        # before the fix, signed at once through botocore with the flag set and no signer).
        second = threading.Thread(target=sign, args=("second",))
        second.start()
        while second.is_alive() and not backend._fast_lock.second_came.is_set():
            second.join(0.005)
        made.set()
        for thread in (first, second):
            thread.join(WAIT_SECONDS)
            assert not thread.is_alive()

    assert botocore.call_count == 0
    assert len(calls) == 1
    assert sorted(urls) == ["first", "second"]
    assert all("X-Amz-Signature=" in url for url in urls.values())


def test_an_unexpected_error_making_the_signer_leaves_it_to_be_made_by_the_next_call():
    backend = _backend()

    with mock.patch.object(Presigner, "for_client", side_effect=TypeError("a botocore change")):
        with pytest.raises(TypeError):
            _put(backend)
    with mock.patch.object(S3Backend, "_presign", side_effect=AssertionError("signed through botocore")):
        url = _put(backend)

    assert backend._put_presigner() is not None
    assert "X-Amz-Signature=" in url
