"""The sharing world: an owner's tree, a viewer and an editor on one folder, a stranger,
and public links in every state (live, expired, revoked, used up, locked by password).
The `world` fixture (kosha.testing.fixtures.personas) builds one per test (on the local store); the links
are made the first time a test asks for them (most tests never do)."""

from dataclasses import dataclass, field

from kosha.testing.clients import api_as
from kosha.testing.factories import LINK_STATES, folder, link, pending_upload, share, stored_file, user
from sharing.models import Share
from storage.models import File, Folder


@dataclass
class World:
    owner: object
    viewer: object
    editor: object
    stranger: object
    shared: Folder  # shared with viewer (viewer) and editor (editor)
    sub: Folder  # inside shared
    sibling: Folder  # the owner's, next to shared, not shared
    file: File  # in shared
    sub_file: File  # in sub
    sibling_file: File  # in sibling
    viewer_share: Share = None
    editor_share: Share = None
    _links: dict = field(default_factory=dict, repr=False)
    _drops: dict = field(default_factory=dict, repr=False)

    @property
    def links(self) -> dict:
        """state -> (link, token): links to the Shared folder in each of LINK_STATES."""
        if not self._links:
            self._links.update({state: link(self.owner, self.shared, state) for state in LINK_STATES})
        return self._links

    @property
    def drops(self) -> dict:
        """state -> (link, token): drop links into the Shared folder in each of LINK_STATES."""
        if not self._drops:
            self._drops.update({state: link(self.owner, self.shared, state, is_drop=True) for state in LINK_STATES})
        return self._drops


def world_build(*, owner, viewer, stranger) -> World:
    """The world around three personas (an editor is made), through the real services."""
    editor = user("editor")
    shared = folder(owner, "Shared")
    sub = folder(owner, "Sub", shared)
    sibling = folder(owner, "Private sibling")
    built = World(
        owner=owner,
        viewer=viewer,
        editor=editor,
        stranger=stranger,
        shared=shared,
        sub=sub,
        sibling=sibling,
        file=stored_file(owner, "report-secret-name.txt", b"report body", folder=shared),
        sub_file=stored_file(owner, "deep.txt", b"deep", folder=sub),
        sibling_file=stored_file(owner, "private.txt", b"private", folder=sibling),
    )
    built.viewer_share = share(owner, shared, viewer, "viewer")
    built.editor_share = share(owner, shared, editor, "editor")
    return built


def world_editor_changes(world: World, **complete_extra) -> dict:
    """What the editor does through the API in the Shared folder, in this order: completes
    an upload of minutes.txt (`complete_extra` goes with that request, e.g. REMOTE_ADDR),
    makes the folder Drafts, renames report-secret-name.txt to renamed.txt and moves it into
    Drafts, copies deep.txt, trashes Sub and restores it. Returns Drafts as the API gave it."""
    api = "/api/v1"
    editor = api_as(world.editor)
    upload = pending_upload(world.owner, "minutes.txt", b"notes", folder=world.shared, by=world.editor)
    editor.post(f"{api}/uploads/{upload.pk}/complete/", {}, format="json", **complete_extra)
    made = editor.post(f"{api}/folders/", {"name": "Drafts", "parent": str(world.shared.pk)}, format="json").json()
    editor.patch(f"{api}/files/{world.file.pk}/", {"name": "renamed.txt"}, format="json")
    editor.patch(f"{api}/files/{world.file.pk}/", {"folder": made["id"]}, format="json")
    editor.post(f"{api}/files/{world.sub_file.pk}/copy/", {}, format="json")
    editor.delete(f"{api}/folders/{world.sub.pk}/")
    editor.post(f"{api}/trash/{world.sub.pk}/restore/")
    return made
