"""Token authentication without per-request database work: the shared cache holds, per
token prefix, the token row and its user (pickled model instances). Any change to either
row deletes the entry at once and again on commit (a request that read the old row inside
the changing transaction cannot leave it cached), so a revoked token or a deactivated user
is refused on the very next request. A short lifetime bounds what a bulk `update()`, which
sends no signals, could leave behind."""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import ApiToken, User

# Seconds a cached token lives at most: the backstop for writes that bypass the signals.
TOKEN_CACHE_SECONDS = 60


def token_cache_key(prefix: str) -> str:
    """The cache key of the token with this public prefix."""
    return f"kosha:api-token:{prefix}"


def api_token_cached(*, prefix: str) -> ApiToken | None:
    """The token with this prefix, its `user` loaded, from the cache or else one query
    (then cached for TOKEN_CACHE_SECONDS). None when no token has the prefix (not cached, so
    a new token works at once). Takes no locks."""
    key = token_cache_key(prefix)
    token = cache.get(key)
    if token is None:
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is not None:
            cache.set(key, token, TOKEN_CACHE_SECONDS)
    return token


def api_token_cache_forget(token: ApiToken) -> None:
    """Drop token's entry, so the next request reads the row again. A request never stores
    what it changed itself: a revocation between its read and its write would be undone."""
    cache.delete(token_cache_key(token.prefix))


def _forget(prefixes: list[str]) -> None:
    keys = [token_cache_key(prefix) for prefix in prefixes]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


@receiver(post_save, sender=ApiToken)
@receiver(post_delete, sender=ApiToken)
def _token_changed(sender: type[ApiToken], instance: ApiToken, **kwargs: object) -> None:
    _forget([instance.prefix])


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _user_changed(
    sender: type[User], instance: User, update_fields: Iterable[str] | None = None, **kwargs: object
) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in changes nothing token authentication reads
    _forget(list(ApiToken.objects.filter(user_id=instance.pk).values_list("prefix", flat=True)))
