"""The WsgiDAV provider: a request path, through sharing.paths and sharing.access, to a
resource (dav/resources.py). Paths are per user: `/` is the actor's own root."""

from __future__ import annotations

from wsgidav.dav_error import HTTP_FORBIDDEN, DAVError
from wsgidav.dav_provider import DAVProvider

from dav.errors import dav_errors, parent_missing
from dav.resources import FileResource, FolderResource, SharedResource
from kosha.errors import NotFound
from sharing.access import Need, place_for_actor
from sharing.paths import item_at_path_for_actor
from storage.models import File, Folder
from storage.places import Place


def path_names(path: str) -> list[str]:
    return [name for name in path.strip("/").split("/") if name]


class KoshaProvider(DAVProvider):
    """Kosha's items as WebDAV resources, for the actor in environ["kosha.user"]."""

    def is_readonly(self) -> bool:
        return False

    def resource_for(self, path: str, environ: dict, item: File | Folder):
        if isinstance(item, Folder):
            return FolderResource(path, environ, item=item)
        return FileResource(path, environ, item=item)

    def get_resource_inst(self, path: str | None, environ: dict):
        if path is None:  # the root's parent (WsgiDAV asks for it at a COPY or MOVE onto the root)
            return None
        try:
            target = item_at_path_for_actor(actor=environ["kosha.user"], names=path_names(path))
        except NotFound:
            return None
        if target.kind == "root":
            return FolderResource(path, environ, item=None)
        if target.kind == "shared":
            return SharedResource(path, environ)
        return self.resource_for(path, environ, target.item)

    def place_for_path(self, path: str, environ: dict) -> tuple[Place, str]:
        """(where, name) for something new at path: its parent must be a folder (or the
        root) the actor may add to. Raises DAVError 409 (no such parent), 403."""
        names = path_names(path)
        if not names:
            raise DAVError(HTTP_FORBIDDEN, context_info="The root is not a file.")
        actor = environ["kosha.user"]
        try:
            parent = item_at_path_for_actor(actor=actor, names=names[:-1])
        except NotFound:
            raise parent_missing() from None
        if parent.kind == "root":
            return Place(owner=actor, folder=None), names[-1]
        if parent.kind != "folder":
            raise DAVError(HTTP_FORBIDDEN, context_info="Nothing can be added here.")
        with dav_errors(making=True):  # the parent gone since it was read: 409 too
            return place_for_actor(actor=actor, folder_id=parent.item.pk, need=Need.EDIT), names[-1]

    def place_of_file(self, file: File) -> Place:
        """Where a file the actor may EDIT (checked by the caller) gets its new version."""
        return Place(owner=file.owner, folder=file.folder)
