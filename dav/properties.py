"""WebDAV dead properties in the database (WsgiDAV's property manager interface), so
every web worker serves the same properties, keyed like locks by the item's space path
(dav/locks.py), so the owner and a collaborator see one item's properties alike.

A PROPFIND asks every member for its properties: the properties of all members of one
folder are read in one query and kept for the request (LOCK_CONTEXT); every change here
drops what was kept. Sync clients keep nothing here (the modification time is a live
property, kept per version).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from wsgidav.lock_man.lock_storage import normalize_lock_root

from dav.locks import LOCK_CONTEXT, space_path
from dav.models import DavProperty


def _parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def _space(path: str) -> str:
    return path.split("/")[1]


class DatabasePropertyManager:
    """WsgiDAV's dead-property storage over dav.DavProperty. Reads are one query per
    folder per request; each write one statement (a move or copy, one transaction)."""

    def __repr__(self) -> str:
        return self.__class__.__name__

    def _cache(self) -> dict[str, dict[str, dict[str, bytes]]]:
        context = LOCK_CONTEXT.get()
        if context is None:
            raise RuntimeError("WebDAV properties used outside a /dav/ request.")
        return context.properties_by_parent

    def _changed(self) -> None:
        self._cache().clear()

    def _of(self, norm_url: str) -> dict[str, bytes]:
        path = space_path(normalize_lock_root(norm_url))
        parent = _parent_of(path)
        cache = self._cache()
        if parent not in cache:
            siblings: dict[str, dict[str, bytes]] = {}
            for row in DavProperty.objects.filter(space=_space(path), parent=parent):
                siblings.setdefault(row.path, {})[row.name] = bytes(row.value)
            cache[parent] = siblings
        return cache[parent].get(path, {})

    def get_properties(self, norm_url, environ=None) -> list[str]:
        """The names of the dead properties set on norm_url."""
        return list(self._of(norm_url))

    def get_property(self, norm_url, name, environ=None) -> bytes | None:
        """The XML of one dead property, or None."""
        return self._of(norm_url).get(name)

    def write_property(self, norm_url, name, property_value, dry_run=False, environ=None) -> None:
        """Set (or replace) a dead property; property_value is its XML (bytes)."""
        if dry_run:
            return
        path = space_path(normalize_lock_root(norm_url))
        value = property_value.encode() if isinstance(property_value, str) else bytes(property_value)
        self._changed()
        DavProperty.objects.update_or_create(
            path=path,
            name=name,
            defaults={"space": _space(path), "parent": _parent_of(path), "value": value},
        )

    def remove_property(self, norm_url, name, dry_run=False, environ=None) -> None:
        """Remove one dead property (one that is not there is no error)."""
        if dry_run:
            return
        self._changed()
        DavProperty.objects.filter(path=space_path(normalize_lock_root(norm_url)), name=name).delete()

    def remove_properties(self, norm_url, environ=None) -> None:
        """Remove every dead property of norm_url and of everything below it (a DELETE)."""
        path = space_path(normalize_lock_root(norm_url))
        self._changed()
        DavProperty.objects.filter(Q(path=path) | Q(path__startswith=path + "/")).delete()

    def copy_properties(self, src_url, dest_url, environ=None) -> None:
        """Give dest_url the dead properties of src_url (a COPY, member by member)."""
        source = space_path(normalize_lock_root(src_url))
        dest = space_path(normalize_lock_root(dest_url))
        self._changed()
        with transaction.atomic():
            DavProperty.objects.filter(path=dest).delete()
            DavProperty.objects.bulk_create(
                [
                    DavProperty(space=_space(dest), parent=_parent_of(dest), path=dest, name=row.name, value=row.value)
                    for row in DavProperty.objects.filter(path=source)
                ]
            )

    def move_properties(self, src_url, dest_url, with_children, environ=None) -> None:
        """Move the dead properties of src_url (and with_children, of everything below
        it) to dest_url (a MOVE), replacing what the destination had."""
        source = space_path(normalize_lock_root(src_url))
        dest = space_path(normalize_lock_root(dest_url))
        self._changed()
        below = Q(path=source) | Q(path__startswith=source + "/") if with_children else Q(path=source)
        with transaction.atomic():
            DavProperty.objects.filter(Q(path=dest) | Q(path__startswith=dest + "/")).delete()
            moved = []
            for row in DavProperty.objects.filter(below):
                path = dest + row.path[len(source) :]
                moved.append(
                    DavProperty(space=_space(path), parent=_parent_of(path), path=path, name=row.name, value=row.value)
                )
            DavProperty.objects.filter(below).delete()
            DavProperty.objects.bulk_create(moved)
