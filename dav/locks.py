"""WebDAV locks in the database (WsgiDAV's lock storage interface), so that every web
worker agrees on who holds what.

Each user has their own /dav/ namespace (their root, and `Shared with me/`), so a lock is
stored with its user: the door sets `LOCK_USER_ID` for the request after authenticating,
and every method here is scoped to it. A collaborator reaches the same item under another
path (`Shared with me/...`), which these path locks do not cover (docs/webdav.md).
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Q
from wsgidav.lock_man.lock_manager import generate_lock_token
from wsgidav.lock_man.lock_storage import LockStorageDict, normalize_lock_root, validate_lock

from dav.models import DavLock

LOCK_USER_ID: ContextVar = ContextVar("dav_lock_user_id", default=None)
# The user's live locks, read once per request (a PROPFIND asks for every member's
# lockdiscovery): the door resets it per request, every change here drops it.
LOCK_SNAPSHOT: ContextVar = ContextVar("dav_lock_snapshot", default=None)


def _expires_at(lock: dict) -> datetime | None:
    return None if float(lock["timeout"]) < 0 else datetime.fromtimestamp(float(lock["expire"]), tz=UTC)


def _stored(lock: dict) -> dict:
    """The lock as JSON: WsgiDAV keeps the owner's XML as bytes."""
    return {
        key: {"utf8": value.decode("utf-8", "replace")} if isinstance(value, bytes) else value
        for key, value in lock.items()
    }


def _loaded(data: dict) -> dict:
    return {
        key: value["utf8"].encode() if isinstance(value, dict) and "utf8" in value else value
        for key, value in data.items()
    }


def _live(queryset):
    return queryset.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=datetime.now(tz=UTC)))


class DatabaseLockStorage:
    """WsgiDAV's lock storage over dav.DavLock. Each call is one or two queries;
    expired locks are invisible at once and deleted by `cleanup`."""

    LOCK_TIME_OUT_DEFAULT = LockStorageDict.LOCK_TIME_OUT_DEFAULT
    LOCK_TIME_OUT_MAX = LockStorageDict.LOCK_TIME_OUT_MAX

    def __repr__(self) -> str:
        return self.__class__.__name__

    def _mine(self):
        return DavLock.objects.filter(user_id=LOCK_USER_ID.get())

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def cleanup(self) -> None:
        DavLock.objects.filter(expires_at__lte=datetime.now(tz=UTC)).delete()

    def clear(self) -> None:
        self._mine().delete()

    def _snapshot(self) -> list[dict]:
        found = LOCK_SNAPSHOT.get()
        if found is None:
            found = [_loaded(row.data) for row in _live(self._mine())]
            LOCK_SNAPSHOT.set(found)
        now = time.time()
        return [lock for lock in found if float(lock["timeout"]) < 0 or float(lock["expire"]) > now]

    def get(self, token: str) -> dict | None:
        return next((lock for lock in self._snapshot() if lock["token"] == token), None)

    def create(self, path: str, lock: dict) -> dict:
        """Store a new lock on path; returns the lock with its token, root and expiry."""
        lock["root"] = normalize_lock_root(path)
        timeout = lock.get("timeout")
        timeout = self.LOCK_TIME_OUT_DEFAULT if timeout is None else float(timeout)
        if timeout < 0 or timeout > self.LOCK_TIME_OUT_MAX:
            timeout = self.LOCK_TIME_OUT_MAX
        lock["timeout"] = timeout
        lock["expire"] = time.time() + timeout
        validate_lock(lock)
        lock["token"] = generate_lock_token()
        LOCK_SNAPSHOT.set(None)
        DavLock.objects.create(
            token=lock["token"],
            user_id=LOCK_USER_ID.get(),
            root=lock["root"],
            data=_stored(lock),
            expires_at=_expires_at(lock),
        )
        return lock

    def refresh(self, token: str, *, timeout: float) -> dict:
        LOCK_SNAPSHOT.set(None)
        with transaction.atomic():
            found = self._mine().select_for_update().get(token=token)
            if timeout < 0 or timeout > self.LOCK_TIME_OUT_MAX:
                timeout = self.LOCK_TIME_OUT_MAX
            lock = _loaded(found.data)
            lock["timeout"] = timeout
            lock["expire"] = time.time() + timeout
            found.data, found.expires_at = _stored(lock), _expires_at(lock)
            found.save(update_fields=["data", "expires_at"])
        return lock

    def delete(self, token: str) -> bool:
        LOCK_SNAPSHOT.set(None)
        deleted, _ = self._mine().filter(token=token).delete()
        return deleted > 0

    def get_lock_list(self, path: str, *, include_root: bool, include_children: bool, token_only: bool) -> list:
        """The live locks on path (include_root) and below it (include_children)."""
        root = normalize_lock_root(path)
        below = root.rstrip("/") + "/"
        found = [
            lock
            for lock in self._snapshot()
            if (include_root and lock["root"] == root) or (include_children and lock["root"].startswith(below))
        ]
        return [lock["token"] for lock in found] if token_only else found
