"""WebDAV resources over Kosha's items: every read goes through sharing.access (via
sharing.paths), every write through the storage services with the actor and origin `dav`.

- FolderResource: the actor's root (folder None) or a folder in any space they reach;
- SharedResource: `Shared with me/`, the items others share with the actor (read-only);
- FileResource: a file; GET streams from the store, PUT streams into it (dav/writes.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from wsgidav.dav_error import HTTP_FORBIDDEN, DAVError
from wsgidav.dav_provider import DAVCollection, DAVNonCollection
from wsgidav.util import join_uri
from wsgidav.xml_tools import etree

from dav.errors import dav_errors
from dav.streams import SeekableStream
from dav.writes import StoreWriter
from kosha.errors import NotFound
from plans.selectors import usage_get_for_user
from sharing.access import Need, file_for_actor, folder_for_actor
from sharing.paths import SHARED_WITH_ME, children_for_folder, shared_items_for_actor
from storage.backends import get_backend
from storage.models import File, Folder
from storage.services.files import file_copy, file_update
from storage.services.folders import folder_create, folder_update
from storage.services.trash import file_trash, folder_trash
from storage.services.versions import version_sync_properties_set

OC_CHECKSUMS = "{http://owncloud.org/ns}checksums"


def _stamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment else None


def _read_only() -> DAVError:
    return DAVError(HTTP_FORBIDDEN, context_info="Shared with me lists what others share; add inside a shared folder.")


class _Kosha:
    """What every resource knows: the actor, the origin, the provider's path lookups."""

    @property
    def actor(self):
        return self.environ["kosha.user"]

    @property
    def origin(self):
        return self.environ["kosha.origin"]

    def _target_for_write(self, dest_path: str):
        """(place, name) for a MOVE or COPY destination. Raises DAVError."""
        return self.provider.place_for_path(dest_path, self.environ)

    def _arrange(self, item: File | Folder, dest_path: str) -> None:
        """Rename and/or move item to dest_path, in its own space only (403 otherwise)."""
        place, name = self._target_for_write(dest_path)
        with dav_errors(moving=True):  # the destination's folder gone since: 409; the item: 404
            if isinstance(item, Folder):
                item = folder_for_actor(actor=self.actor, folder_id=item.pk, need=Need.ARRANGE)
                update = folder_update
                kwargs = {"folder": item}
                current_parent = item.parent_id
            else:
                item = file_for_actor(actor=self.actor, file_id=item.pk, need=Need.ARRANGE)
                update = file_update
                kwargs = {"file": item}
                current_parent = item.folder_id
            if place.owner.pk != item.owner_id:
                raise DAVError(HTTP_FORBIDDEN, context_info="Moving between spaces is not possible; copy instead.")
            if name != item.name:
                kwargs["name"] = name
            if place.folder_id != current_parent:
                kwargs["place"] = place
            if len(kwargs) > 1:
                update(actor=self.actor, origin=self.origin, **kwargs)

    def _dead_properties(self, dest_path: str, *, is_move: bool) -> None:
        """Dead properties follow the item (WsgiDAV's property manager, by URL)."""
        manager = self.provider.prop_manager
        if manager is None:
            return
        dest_url = quote(self.provider.share_path + dest_path)
        if is_move:
            manager.move_properties(self.get_ref_url(), dest_url, with_children=True, environ=self.environ)
        else:
            manager.copy_properties(self.get_ref_url(), dest_url, environ=self.environ)

    def support_recursive_move(self, dest_path):
        return True

    def move_recursive(self, dest_path):
        self._arrange(self.item, dest_path)
        self._dead_properties(dest_path, is_move=True)


class FolderResource(_Kosha, DAVCollection):
    """A folder, or the root of the actor's own space (item None)."""

    def __init__(self, path: str, environ: dict, *, item: Folder | None) -> None:
        super().__init__(path, environ)
        self.item = item

    @property
    def _owner_id(self):
        return self.item.owner_id if self.item else self.actor.pk

    def get_display_name(self) -> str:
        return self.item.name if self.item else ""

    def get_creation_date(self):
        return _stamp(self.item.created_at) if self.item else None

    def get_last_modified(self):
        return _stamp(self.item.updated_at) if self.item else None

    def get_etag(self):
        return None

    def support_etag(self):
        return False

    def _usage(self):
        if not hasattr(self, "_usage_row"):
            owner = self.item.owner if self.item else self.actor
            self._usage_row = usage_get_for_user(user=owner)
        return self._usage_row

    def get_used_bytes(self):
        return self._usage().used_bytes

    def get_available_bytes(self):
        return self._usage().available_bytes

    def _children(self):
        return children_for_folder(owner_id=self._owner_id, folder=self.item)

    def get_member_names(self):
        names = [child.name for child in self._children()]
        if self.item is None:
            names.append(SHARED_WITH_ME)
        return names

    def get_member_list(self):
        # Built from the listing's rows: no query per member.
        members = [
            self.provider.resource_for(join_uri(self.path, child.name), self.environ, child)
            for child in self._children()
        ]
        if self.item is None:
            members.append(SharedResource(join_uri(self.path, SHARED_WITH_ME), self.environ))
        return members

    def get_member(self, name):
        return self.provider.get_resource_inst(join_uri(self.path, name), self.environ)

    def _place(self):
        place, _ = self.provider.place_for_path(join_uri(self.path, "x"), self.environ)
        return place

    def create_collection(self, name):
        with dav_errors(making=True):  # this folder gone since the path was resolved: 409
            folder_create(actor=self.actor, place=self._place(), name=name, origin=self.origin)

    def create_empty_resource(self, name):
        resource = FileResource(join_uri(self.path, name), self.environ, item=None, parent=self)
        if self.environ.get("REQUEST_METHOD") != "PUT":
            # A LOCK on an unmapped URL makes an empty file (RFC 4918 section 7.3).
            writer = resource.begin_write(content_type=None, length_headers={"CONTENT_LENGTH": "0"})
            writer.close()
            resource.end_write(with_errors=False)
        return resource

    def support_recursive_delete(self):
        return True

    def delete(self):
        if self.item is None:
            raise DAVError(HTTP_FORBIDDEN, context_info="The root cannot be deleted.")
        with dav_errors():
            folder = folder_for_actor(actor=self.actor, folder_id=self.item.pk, need=Need.ARRANGE)
            folder_trash(actor=self.actor, folder=folder, origin=self.origin)
        self.remove_all_properties(recursive=True)
        self.remove_all_locks(recursive=True)

    def copy_move_single(self, dest_path, *, is_move):
        # COPY of a collection: WsgiDAV copies member by member; here the folder itself,
        # unless the destination folder is there already (COPY onto it, Overwrite: T).
        existing = self.provider.get_resource_inst(dest_path, self.environ)
        if existing is None or not existing.is_collection:
            place, name = self._target_for_write(dest_path)
            with dav_errors(making=True):  # the destination's folder gone since: 409
                folder_create(actor=self.actor, place=place, name=name, origin=self.origin)
        self._dead_properties(dest_path, is_move=False)


class SharedResource(_Kosha, DAVCollection):
    """`Shared with me/`: what others share directly with the actor."""

    item = None

    def get_display_name(self) -> str:
        return SHARED_WITH_ME

    def get_member_list(self):
        return [
            self.provider.resource_for(join_uri(self.path, name), self.environ, item)
            for name, item in shared_items_for_actor(actor=self.actor)
        ]

    def get_member_names(self):
        return [name for name, _ in shared_items_for_actor(actor=self.actor)]

    def get_member(self, name):
        return self.provider.get_resource_inst(join_uri(self.path, name), self.environ)

    def create_collection(self, name):
        raise _read_only()

    def create_empty_resource(self, name):
        raise _read_only()

    def support_recursive_delete(self):
        return False

    def delete(self):
        raise _read_only()

    def copy_move_single(self, dest_path, *, is_move):
        raise _read_only()

    def move_recursive(self, dest_path):
        raise _read_only()


class FileResource(_Kosha, DAVNonCollection):
    """A file (item), or one a PUT is about to create (item None, `parent` set)."""

    def __init__(self, path: str, environ: dict, *, item: File | None, parent: FolderResource | None = None) -> None:
        super().__init__(path, environ)
        self.item = item
        self.parent = parent
        self._writer: StoreWriter | None = None

    @property
    def version(self):
        return self.item.current_version if self.item else None

    def get_content_length(self):
        return self.item.size_bytes if self.item else 0

    def get_content_type(self):
        return (self.item.content_type if self.item else "") or "application/octet-stream"

    def get_creation_date(self):
        return _stamp(self.item.created_at) if self.item else None

    def get_last_modified(self):
        version = self.version
        if version is None:
            return _stamp(self.item.updated_at) if self.item else None
        return _stamp(version.client_modified_at or version.created_at)

    def get_etag(self):
        # One per version: a new version (PUT, restore) is a new ETag.
        return self.item.current_version_id.hex if self.item and self.item.current_version_id else None

    def support_etag(self):
        return True

    def support_ranges(self):
        return True

    def get_content(self):
        version = self.version
        if version is None:
            return SeekableStream(opener=None, size_bytes=0)
        return SeekableStream(opener=lambda: get_backend().open(key=version.key), size_bytes=version.size_bytes)

    def get_property_names(self, *, is_allprop):
        names = super().get_property_names(is_allprop=is_allprop)
        if self.version is not None and self.version.sha1:
            names.append(OC_CHECKSUMS)
        return names

    def get_property_value(self, name):
        if name == OC_CHECKSUMS and self.version is not None and self.version.sha1:
            element = etree.Element(name)
            etree.SubElement(element, "{http://owncloud.org/ns}checksum").text = f"SHA1:{self.version.sha1}"
            return element
        return super().get_property_value(name)

    def set_last_modified(self, dest_path, time_stamp, *, dry_run):
        if self.item is None or self.version is None:
            return False
        with dav_errors():
            file = file_for_actor(actor=self.actor, file_id=self.item.pk, need=Need.EDIT)
        if not dry_run:
            moment = datetime.fromtimestamp(float(time_stamp), tz=UTC)
            version_sync_properties_set(version=file.current_version, client_modified_at=moment)
            self.item = file
        return True

    def _put_target(self):
        """(place, name) a PUT writes to: the file's, when it is still there; else the
        path's, as for a new file. A file trashed or deleted forever since the path was
        resolved leaves the path free: the client's bytes become a new file there (RFC
        4918 section 9.7.1, a PUT creates the resource its URL lacks) instead of a 404
        that loses the save, with the checks of a new file's PUT (EDIT on the parent
        folder: 403 under `Shared with me/`, 409 for a parent gone). Raises DAVError."""
        if self.item is not None:
            with dav_errors():
                try:
                    file = file_for_actor(actor=self.actor, file_id=self.item.pk, need=Need.EDIT)
                except NotFound:
                    file = None
            if file is not None:
                return self.provider.place_of_file(file), file.name
        return self.provider.place_for_path(self.path, self.environ)

    def begin_write(self, *, content_type=None, length_headers: dict | None = None):
        place, name = self._put_target()
        self._writer = StoreWriter(
            actor=self.actor,
            origin=self.origin,
            place=place,
            name=name,
            content_type=content_type,
            environ=self.environ,
        )
        return self._writer

    def end_write(self, *, with_errors):
        writer, self._writer = self._writer, None
        if writer is None:
            return
        if with_errors:
            writer.abort()
            return
        self.item = writer.recorded_file()

    def delete(self):
        with dav_errors():
            file = file_for_actor(actor=self.actor, file_id=self.item.pk, need=Need.ARRANGE)
            file_trash(actor=self.actor, file=file, origin=self.origin)
        self.remove_all_properties(recursive=True)
        self.remove_all_locks(recursive=True)

    def copy_move_single(self, dest_path, *, is_move):
        if is_move:
            self._arrange(self.item, dest_path)
        else:
            place, name = self._target_for_write(dest_path)
            with dav_errors(making=True):  # the source gone: 404; the destination's folder: 409
                file = file_for_actor(actor=self.actor, file_id=self.item.pk, need=Need.VIEW)
                file_copy(actor=self.actor, file=file, place=place, name=name, origin=self.origin)
        self._dead_properties(dest_path, is_move=is_move)
