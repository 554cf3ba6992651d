"""Loopback addresses for servers a test starts (moto, SeaweedFS, SMTP, OpenID)."""

import socket


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
