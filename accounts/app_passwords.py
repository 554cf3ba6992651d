"""Signing in with an app password (WebDAV's HTTP Basic), throttled like the web's login.

The key is `kosha_<prefix>_<secret>` (accounts/tokens.py); the Basic user name must be the
account's e-mail address. The account password is never accepted here, so a stolen
password alone does not open /dav/ on an account with two-factor sign-in.

Throttling mirrors ACCOUNT_RATE_LIMITS["login_failed"] (allauth's, for the web): failures
are counted per client address and per (account, address) in Django's cache, shared by
every web process when the cache is Redis; once a count reaches its limit the door answers
429 until the window passes, even for a right password.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from accounts.models import AppPassword
from accounts.tokens import token_matches, token_split
from kosha.counters import window_count
from kosha.errors import RateLimited

# (failures, window seconds): "10/m/ip,5/5m/key" as the web's login_failed.
FAILURES_PER_ADDRESS = (10, 60)
FAILURES_PER_ACCOUNT_AND_ADDRESS = (5, 300)


def _throttle_keys(*, email: str, address: str | None) -> list[tuple[str, tuple[int, int]]]:
    where = address or "unknown"
    return [
        (f"accounts:dav-fail:addr:{where}", FAILURES_PER_ADDRESS),
        (f"accounts:dav-fail:key:{email.strip().lower()}:{where}", FAILURES_PER_ACCOUNT_AND_ADDRESS),
    ]


def _count_failure(keys: list[tuple[str, tuple[int, int]]]) -> None:
    for key, (_limit, window) in keys:
        window_count(key, window_seconds=window)


def app_password_authenticate(*, email: str, key: str, address: str | None) -> AppPassword | None:
    """The live app password `key` of the active account `email` (with `.user`), or None
    (a failure is counted). Raises RateLimited (retry_after in seconds) while the
    address, or the account from this address, has too many recent failures. One query
    (plus one UPDATE of last_used_at at most once a minute). Locks nothing."""
    keys = _throttle_keys(email=email, address=address)
    for cache_key, (limit, window) in keys:
        if (cache.get(cache_key) or 0) >= limit:
            raise RateLimited(retry_after=window)
    parsed = token_split(key)
    found = None
    if parsed is not None:
        prefix, secret = parsed
        found = AppPassword.objects.select_related("user").filter(prefix=prefix).first()
        if (
            found is None
            or not token_matches(secret, found.secret_hash)
            or not found.user.is_active
            or found.user.deleting_at is not None
            or found.user.email.lower() != email.strip().lower()
        ):
            found = None
    if found is None:
        _count_failure(keys)
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        AppPassword.objects.filter(pk=found.pk).update(last_used_at=now)
    return found
