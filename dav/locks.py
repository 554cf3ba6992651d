"""WebDAV locks in the database (WsgiDAV's lock storage interface), so that every web
worker agrees on who holds what, and every user reaching an item sees its locks.

A user's /dav/ paths are their own view (their root, and `Shared with me/`), but a lock
belongs to the item: each path is resolved to its place in the owning space,
`/<owner id>/<names in the owner's space>` (its "space path"), and locks are stored and
found by that. So a lock the owner takes on `Team/plan.txt` is the lock an editor meets
on `Shared with me/Team/plan.txt` (423 Locked for a write without its token), and the
other way round. WsgiDAV sees each lock rooted at the path in the caller's own view.

The door sets `LOCK_CONTEXT` per request (the actor, and per-request caches: the space
paths resolved, the live locks of each space read once, since a PROPFIND asks for every
member's lockdiscovery); every change here drops the cached locks.
"""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from django.db import transaction
from django.db.models import Q
from wsgidav.dav_error import HTTP_PRECONDITION_FAILED, DAVError, PRECONDITION_CODE_LockTokenMismatch
from wsgidav.lock_man.lock_manager import generate_lock_token
from wsgidav.lock_man.lock_storage import LockStorageDict, normalize_lock_root, validate_lock

from dav.models import DavLock
from sharing.paths import SHARED_WITH_ME, shared_items_for_actor
from storage.models import Folder
from storage.tree import folder_chain


@dataclass
class LockContext:
    """One request's view: the actor, and what this request has already looked up."""

    actor: object
    space_paths: dict[str, str] = field(default_factory=dict)
    shared: list | None = None
    live_by_space: dict[str, list[dict]] = field(default_factory=dict)
    properties_by_parent: dict[str, dict[str, dict[str, bytes]]] = field(default_factory=dict)


LOCK_CONTEXT: ContextVar[LockContext | None] = ContextVar("dav_lock_context", default=None)


def _context() -> LockContext:
    found = LOCK_CONTEXT.get()
    if found is None:
        raise RuntimeError("WebDAV lock storage used outside a /dav/ request.")
    return found


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


def _space_of(space_path: str) -> uuid.UUID:
    return uuid.UUID(space_path.split("/")[1])


def _shared_item_space_path(item) -> str:
    """Where a shared item sits in its owner's space (one query for its folder chain)."""
    if isinstance(item, Folder):
        names = [crumb.name for crumb in folder_chain(owner_id=item.owner_id, folder_id=item.pk).crumbs]
    else:
        above = folder_chain(owner_id=item.owner_id, folder_id=item.folder_id).crumbs if item.folder_id else []
        names = [crumb.name for crumb in above] + [item.name]
    return "/".join([f"/{item.owner_id}", *names])


def space_path(path: str) -> str:
    """The space path of a /dav/ path (as WsgiDAV names it: URL-quoted, below /dav) for
    the request's actor: `/<owner id>/<names>`. Names below an item shared with the
    actor continue its place in the owner's space; a path naming nothing yet (a PUT, a
    LOCK on an unmapped URL) resolves as far as it goes. Queries: one for Shared with me
    and one per shared item reached, once per request. Locks nothing."""
    context = _context()
    path = normalize_lock_root(path)
    if path in context.space_paths:
        return context.space_paths[path]
    names = [unquote(name) for name in path.strip("/").split("/") if name]
    actor_root = f"/{context.actor.pk}"
    if not names:
        found = actor_root
    elif len(names) == 2 and names[0] == SHARED_WITH_ME:
        if context.shared is None:
            context.shared = shared_items_for_actor(actor=context.actor)
        item = next((item for name, item in context.shared if name == names[1]), None)
        found = _shared_item_space_path(item) if item is not None else f"{actor_root}/{SHARED_WITH_ME}/{names[1]}"
    else:
        parent = "/" + "/".join(quote(name) for name in names[:-1])
        found = f"{space_path(parent).rstrip('/')}/{names[-1]}"
    context.space_paths[path] = found
    return found


class DatabaseLockStorage:
    """WsgiDAV's lock storage over dav.DavLock, keyed by space path. Each call is at most
    a query or two; expired locks are invisible at once and deleted by `cleanup`."""

    LOCK_TIME_OUT_DEFAULT = LockStorageDict.LOCK_TIME_OUT_DEFAULT
    LOCK_TIME_OUT_MAX = LockStorageDict.LOCK_TIME_OUT_MAX

    def __repr__(self) -> str:
        return self.__class__.__name__

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def cleanup(self) -> None:
        DavLock.objects.filter(expires_at__lte=datetime.now(tz=UTC)).delete()

    def clear(self) -> None:
        """Drop every lock the actor holds."""
        self._changed()
        DavLock.objects.filter(user_id=_context().actor.pk).delete()

    def _changed(self) -> None:
        _context().live_by_space.clear()

    def _live_in_space(self, space: uuid.UUID) -> list[dict]:
        """The space's live locks (read once per request), each with its space path."""
        context = _context()
        found = context.live_by_space.get(str(space))
        if found is None:
            found = [
                {**_loaded(row.data), "space_path": row.root} for row in _live(DavLock.objects.filter(space=space))
            ]
            context.live_by_space[str(space)] = found
        now = time.time()
        return [lock for lock in found if float(lock["timeout"]) < 0 or float(lock["expire"]) > now]

    @staticmethod
    def _as_wsgidav(lock: dict, *, root: str) -> dict:
        shown = {key: value for key, value in lock.items() if key != "space_path"}
        shown["root"] = root
        return shown

    def get(self, token: str) -> dict | None:
        """The live lock with this token, rooted where its holder locked it."""
        row = _live(DavLock.objects.filter(token=token)).first()
        if row is None:
            return None
        lock = _loaded(row.data)
        if lock.get("expire") is not None and float(lock["timeout"]) >= 0 and float(lock["expire"]) <= time.time():
            return None
        return lock

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
        root = space_path(lock["root"])
        self._changed()
        DavLock.objects.create(
            token=lock["token"],
            user_id=_context().actor.pk,
            space=_space_of(root),
            root=root,
            data=_stored(lock),
            expires_at=_expires_at(lock),
        )
        return lock

    def refresh(self, token: str, *, timeout: float) -> dict:
        """Extend the live lock with this token (row locked, FOR UPDATE); returns it.
        WsgiDAV checked the token against the URL just before, but the lock may have gone
        since (an UNLOCK, the item deleted, expiry): that is its own answer for a token
        that locks nothing there, 412 Precondition Failed (RFC 4918 sections 9.10.2 and
        10.4.1: the If header's token no longer matches a lock). Raises DAVError."""
        self._changed()
        with transaction.atomic():
            found = _live(DavLock.objects.select_for_update().filter(token=token)).first()
            if found is None:
                raise DAVError(
                    HTTP_PRECONDITION_FAILED,
                    context_info="The lock no longer exists.",
                    err_condition=PRECONDITION_CODE_LockTokenMismatch,
                )
            if timeout < 0 or timeout > self.LOCK_TIME_OUT_MAX:
                timeout = self.LOCK_TIME_OUT_MAX
            lock = _loaded(found.data)
            lock["timeout"] = timeout
            lock["expire"] = time.time() + timeout
            found.data, found.expires_at = _stored(lock), _expires_at(lock)
            found.save(update_fields=["data", "expires_at"])
        return lock

    def delete(self, token: str) -> bool:
        """Remove the lock (WsgiDAV checked that the caller may: UNLOCK by its principal,
        or the locked item deleted or moved away)."""
        self._changed()
        deleted, _ = DavLock.objects.filter(token=token).delete()
        return deleted > 0

    def get_lock_list(self, path: str, *, include_root: bool, include_children: bool, token_only: bool) -> list:
        """The live locks on path (include_root) and below it (include_children), from
        every user, each rooted at its path in the caller's view."""
        root = normalize_lock_root(path)
        target = space_path(root)
        below = target.rstrip("/") + "/"
        found = []
        for lock in self._live_in_space(_space_of(target)):
            held = lock["space_path"]
            if include_root and held == target:
                found.append(self._as_wsgidav(lock, root=root))
            elif include_children and held.startswith(below):
                found.append(self._as_wsgidav(lock, root=root.rstrip("/") + "/" + quote(held[len(below) :])))
        return [lock["token"] for lock in found] if token_only else found
