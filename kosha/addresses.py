"""The client's IP address, trusting X-Forwarded-For only as far as the operator says.

With `KOSHA_TRUSTED_PROXIES = n`, each of the n proxies in front of the app appended the
address it was reached from, so the client is the n-th entry from the right; entries
further left were written by the client and may be forged. With 0, REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def _valid(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    trusted = settings.KOSHA_TRUSTED_PROXIES
    forwarded = [item for item in request.META.get(FORWARDED_FOR, "").split(",") if item.strip()]
    if trusted <= 0 or not forwarded:
        return remote
    return _valid(forwarded[-min(trusted, len(forwarded))]) or remote


def is_loopback_client(request) -> bool:
    """True only for a client on this machine. A loopback peer that forwards for someone
    else (a local reverse proxy the operator did not declare) is not one."""
    if settings.KOSHA_TRUSTED_PROXIES <= 0 and request.META.get(FORWARDED_FOR):
        return False
    address = client_ip(request)
    return address is not None and ipaddress.ip_address(address).is_loopback
