"""Token authentication without per-request database work: the shared cache holds, per
token prefix, the token row and its user (pickled model instances) with the time it was
read. Any change to either row deletes the entry and writes a change mark for the prefix,
at once and again on commit, so a revoked token or a deactivated user is refused on the
very next request, in every process.

A request that read the row before the change committed may still write its entry after
the mark (nothing in the cache can refuse that write): readers ignore every entry while
the prefix's mark lives, and every entry read more than TOKEN_CACHE_SECONDS ago; the mark
lives twice that, so an entry read before the change is never used after it, whatever the
request's delay between its read and its write (with up to TOKEN_CACHE_SECONDS of clock
skew between processes). While the mark lives the token is read from the database on
each request. The entry's short lifetime also bounds what a bulk `update()`, which sends
no signals, could leave behind."""

import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import ApiToken, User

# Seconds a cached token lives at most: the backstop for writes that bypass the signals.
TOKEN_CACHE_SECONDS = 60
# Seconds a change mark lives: entries read before the change are stale by then (see above).
TOKEN_CHANGE_MARK_SECONDS = 2 * TOKEN_CACHE_SECONDS


def token_cache_key(prefix: str) -> str:
    """The cache key of the token with this public prefix."""
    return f"kosha:api-token:{prefix}"


def token_change_mark_key(prefix: str) -> str:
    """The cache key of the mark that the token with this prefix, or its user, just changed."""
    return f"kosha:api-token-changed:{prefix}"


def api_token_cached(*, prefix: str) -> ApiToken | None:
    """The token with this prefix, its `user` loaded, from the cache (one round trip) or
    else one query (then cached for TOKEN_CACHE_SECONDS, unless the prefix's change mark
    lives). None when no token has the prefix (not cached, so a new token works at once).
    Takes no locks."""
    key, mark_key = token_cache_key(prefix), token_change_mark_key(prefix)
    found = cache.get_many([key, mark_key])
    is_changed = mark_key in found
    if key in found and not is_changed:
        read_at, token = found[key]
        if time.time() - read_at < TOKEN_CACHE_SECONDS:
            return token
    read_at = time.time()  # before the read: the entry is as old as the oldest row it may hold
    token = api_token_read(prefix=prefix)
    if token is not None and not is_changed:
        cache.set(key, (read_at, token), TOKEN_CACHE_SECONDS)
    return token


def api_token_read(*, prefix: str) -> ApiToken | None:
    """The token with this prefix and its `user`, read from the database (one query), or
    None. Takes no locks."""
    return ApiToken.objects.select_related("user").filter(prefix=prefix).first()


def api_token_cache_forget(token: ApiToken) -> None:
    """Drop token's entry (not its change mark), so the next request reads the row again.
    A request never stores what it changed itself: it would keep its stale read."""
    cache.delete(token_cache_key(token.prefix))


def _forget(prefixes: list[str]) -> None:
    """Mark the prefixes changed and drop their entries, now and again on commit (the mark
    then lives TOKEN_CHANGE_MARK_SECONDS from the commit)."""
    if not prefixes:
        return

    def forget() -> None:
        cache.set_many({token_change_mark_key(prefix): True for prefix in prefixes}, TOKEN_CHANGE_MARK_SECONDS)
        cache.delete_many([token_cache_key(prefix) for prefix in prefixes])

    forget()
    transaction.on_commit(forget)


@receiver(post_save, sender=ApiToken)
@receiver(post_delete, sender=ApiToken)
def _token_changed(sender: type[ApiToken], instance: ApiToken, created: bool = False, **kwargs: object) -> None:
    if created:
        return  # a new prefix: no request can hold a stale read of it
    _forget([instance.prefix])


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _user_changed(
    sender: type[User], instance: User, update_fields: Iterable[str] | None = None, **kwargs: object
) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in changes nothing token authentication reads
    _forget(list(ApiToken.objects.filter(user_id=instance.pk).values_list("prefix", flat=True)))
