"""Loopback addresses for servers a test starts (moto, SeaweedFS, SMTP, OpenID, gunicorn)."""

import socket
import subprocess
import time
from collections.abc import Callable

import requests


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serving_wait(
    url: str, *, process: subprocess.Popen, timeout_seconds: float, output: Callable[[], str], poll_seconds: float = 0.2
) -> None:
    """Wait until an HTTP server a test started in `process` answers GET `url` (any
    status), for at most timeout_seconds. Raises AssertionError, with what `output()`
    returns (the server's stderr), when the process exits first, or when the time is up."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            assert process.poll() is None, output()
            assert time.monotonic() < deadline, f"nothing served {url} within {timeout_seconds} s"
            time.sleep(poll_seconds)
