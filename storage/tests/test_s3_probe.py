"""The checksum probe (storage/backends/s3_probe.py) against moto's real HTTP server, with
the store's answers to the mismatching PUT changed in between where a test needs a store
moto is not."""

from typing import Any

from botocore.awsrequest import AWSResponse

from storage.backends import get_backend
from storage.backends.s3_direct import http_session_of
from storage.backends.s3_probe import PROBE_PREFIX, ChecksumVerdict, store_verifies_checksums


def _bad_digest(url: str) -> AWSResponse:
    """The answer S3 gives a body that does not match its signed checksum."""

    class _Body:
        def stream(self):
            yield b"<Error><Code>BadDigest</Code></Error>"

    return AWSResponse(url, 400, {}, _Body())


class _RefusedButKept:
    """The HTTP session, except that the second PUT (the probe's mismatching one) is
    answered 400 BadDigest after the store took it: a store that checks the checksum but
    keeps the bytes it refused."""

    def __init__(self, http: Any) -> None:
        self.http = http
        self.puts = 0

    def send(self, request: Any) -> Any:
        response = self.http.send(request)
        if request.method == "PUT":
            self.puts += 1
            if self.puts == 2:
                assert response.status_code == 200  # moto took it
                return _bad_digest(request.url)
        return response


def test_a_store_that_answers_400_but_keeps_the_bytes_does_not_verify(s3_settings):
    backend = get_backend()
    http = _RefusedButKept(http_session_of(backend.client))

    assert store_verifies_checksums(backend, http) is not True
    assert http.puts == 2
    assert list(backend.list_prefix(prefix=PROBE_PREFIX)) == []


def test_the_store_that_refuses_and_keeps_nothing_verifies(s3_settings):
    backend = get_backend()

    class _Refused(_RefusedButKept):
        def send(self, request: Any) -> Any:
            if request.method == "PUT":
                self.puts += 1
                if self.puts == 2:
                    return _bad_digest(request.url)
            return self.http.send(request)

    assert store_verifies_checksums(backend, _Refused(http_session_of(backend.client))) is True
    assert list(backend.list_prefix(prefix=PROBE_PREFIX)) == []


def test_an_undecided_verdict_is_asked_again_only_after_a_while():
    answers = iter([None, True])
    calls = []
    now = [0.0]

    def probe():
        calls.append(now[0])
        return next(answers)

    verdict = ChecksumVerdict(probe, clock=lambda: now[0])
    assert verdict.get() is False
    now[0] = 59.0
    assert verdict.get() is False
    now[0] = 60.0
    assert verdict.get() is True
    now[0] = 1000.0
    assert verdict.get() is True
    assert calls == [0.0, 60.0]


def test_the_verdict_asked_again_while_its_probe_runs_is_undecided_not_a_deadlock():
    inside = []

    def probe():
        inside.append(verdict.get())  # as the backend's head asks during the probe's HEAD
        return True

    verdict = ChecksumVerdict(probe)

    assert verdict.get() is True
    assert inside == [False]
