"""Whether an S3 store verifies the checksum a presigned PUT signs: asked, not assumed.

A store may keep `x-amz-checksum-sha256` without checking it (moto stores the body it
gets, measured), and a store that reports a checksum in a HEAD may still have taken it on
trust: reporting is not verifying. So the backend asks the store itself, once per
process (KOSHA_S3_VERIFIES_CHECKSUMS=auto): two PUTs through URLs made by presign_put,
as a browser sends them, to two fresh keys under `kosha-probes/`, one whose body matches
its signed checksum (the control) and one whose body does not. The store verifies when it
takes the first, refuses the second with a 4xx, and holds nothing at the second's key
afterwards (a store that answers an error but keeps the bytes it refused verifies
nothing): the two requests differ only in the checksum's agreement with the bytes. It
does not when it takes both. Anything else (the control refused, a 5xx, no answer)
decides nothing; the probe objects are deleted (and, if the process dies first, swept by
the orphan sweep an hour later).

Spec: AWS S3 User Guide, "Checking object integrity" (S3 compares a checksum sent with an
upload with the one it computes and reports an error when they differ); AWS S3 API
reference, PutObject (x-amz-checksum-sha256) and "Error responses" (BadDigest, 400).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import BotoCoreError

from storage.backends.base import BackendError
from storage.ids import uuid7
from storage.keys import PROBES_PREFIX

if TYPE_CHECKING:
    from storage.backends.s3 import S3Backend

logger = logging.getLogger(__name__)

PROBE_PREFIX = f"{PROBES_PREFIX}checksum/"
# An undecided probe (the store failed, or refused the control) is tried again after this long.
RETRY_SECONDS = 60.0
_PROBE_TYPE = "application/octet-stream"


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def store_verifies_checksums(backend: S3Backend, http: Any) -> bool | None:
    """Whether the store behind backend refused a body that does not match the checksum
    its presigned PUT signed (True), took it (False), or None when the probe decides
    nothing. `http`: botocore's HTTP session to send the PUTs with. Deletes what it stored.
    Makes two PUTs, a HEAD of the refused one's key and a delete; raises nothing."""
    body = os.urandom(32)
    good_key, bad_key = f"{PROBE_PREFIX}{uuid7()}", f"{PROBE_PREFIX}{uuid7()}"
    kept_refused: bool | None = None
    try:
        good = _put(backend, http, key=good_key, body=body, sha256_b64=_sha256_b64(body))
        bad = _put(backend, http, key=bad_key, body=body, sha256_b64=_sha256_b64(body[::-1]))
        if good == 200 and bad is not None and 400 <= bad < 500:
            # A refusal vouches for nothing if the store kept the bytes it refused.
            kept_refused = _present(backend, bad_key)
    finally:
        try:
            backend.delete(keys=[good_key, bad_key])
        except BackendError:
            logger.warning("Could not delete the checksum probe's objects under %s", PROBE_PREFIX)
    if good != 200:
        return None
    if bad == 200:
        return False
    if bad is not None and 400 <= bad < 500:
        return None if kept_refused is None else not kept_refused
    return None


def _present(backend: S3Backend, key: str) -> bool | None:
    """Whether the store holds an object at key (its HEAD), or None when it fails."""
    try:
        return backend.head(key=key) is not None
    except BackendError:
        return None


def _put(backend: S3Backend, http: Any, *, key: str, body: bytes, sha256_b64: str) -> int | None:
    """The status of a PUT of body through presign_put's URL with its headers, or None."""
    try:
        presigned = backend.presign_put(
            key=key, size_bytes=len(body), content_type=_PROBE_TYPE, sha256_b64=sha256_b64, expires_seconds=60
        )
        headers = {**presigned.headers, "Content-Length": str(len(body))}
        response = http.send(AWSPreparedRequest("PUT", presigned.url, headers, body, False))
        response.content  # noqa: B018 - read the answer: the connection goes back to the pool
    except (BackendError, BotoCoreError):
        return None
    return int(response.status_code)


class ChecksumVerdict:
    """The probe's answer for one backend, asked at most once at a time and kept once
    decided; while undecided, False (the caller takes the path that does not rely on it)
    and asked again after RETRY_SECONDS. Thread-safe."""

    def __init__(self, probe: Callable[[], bool | None], *, clock: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._clock = clock
        # Reentrant: the probe HEADs a key, and the backend's head asks this verdict
        # whether to believe a reported checksum; asked again by the probing thread, it
        # is undecided (False), not a deadlock.
        self._lock = threading.RLock()
        self._verdict: bool | None = None
        self._tried_at: float | None = None

    def get(self) -> bool:
        if self._verdict is not None:
            return self._verdict
        with self._lock:
            if self._verdict is None and (self._tried_at is None or self._clock() - self._tried_at >= RETRY_SECONDS):
                self._tried_at = self._clock()
                self._verdict = self._probe()
                if self._verdict is None:
                    logger.warning("The store's checksum probe decided nothing; HEADs verify until it does")
            return bool(self._verdict)
