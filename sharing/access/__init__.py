"""The one access rule of Kosha, and the only way a door reaches an item.

Every door (the API, the pages, the public link views, the admin, tasks, WebDAV) turns an
id from a request into an item here, saying what it needs to do with it, and passes the
item on to a service. Like Zulip's `access_stream_by_id` and healthchecks'
`_get_check_for_user`, each getter fetches and checks in one call and returns the item
with how the actor reaches it (`item.grant`).

Who reaches what:
- The owner reaches everything in their space (Role.OWNER).
- A person reaches an item through a Share on it or on any folder above it; the nearest
  share wins (a viewer share on a subfolder inside an editor share narrows it, and the
  other way round). The share's item is the top of what they see (`Grant.root_id`):
  breadcrumbs, moves and search paths stop there.
- A public link reaches its own file, or its folder and everything under it, while it is
  live; a drop link reaches nothing but the uploads made through it.
Every request asks again, so revoking a share or a link, or changing a role, takes
effect on the next request.

What a need asks for (`Need`):
- VIEW: see, list, preview, download, zip, search, copy from.
- EDIT: change what is in it: add files and folders, upload new versions, restore a
  version. Editors and the owner.
- ARRANGE: rename, move or trash the item. EDIT on the folder holding it, so an editor
  arranges what is inside a shared folder but not the shared item itself (its place is
  in the owner's folders, which the editor cannot see).
- OWN: share it, make links, delete forever, delete a version. The owner only.

Answers: an item that does not exist, is trashed, is malformed, or that the actor cannot
see is NotFound (404), one answer for all, so nothing leaks. An item the actor can see
but may not do this to is Forbidden (403): ReadOnly for a viewer asking to change it,
SharedItemFixed for an editor arranging the shared item itself, OwnerOnly for what only
the owner may do. (403 rather than 404 because the actor can see the item anyway: the
answer tells the web app to say "view only", and leaks nothing.)
"""

from typing import TYPE_CHECKING

from sharing.access.items import (
    MAX_SELECTION,
    archive_for_actor,
    file_for_actor,
    folder_for_actor,
    is_root,
    item_for_actor,
    link_for_actor,
    parent_place_for_actor,
    place_for_actor,
    selection_for_actor,
    share_for_actor,
    upload_for_actor,
    uploads_for_actor,
    version_for_actor,
)
from sharing.access.links import (
    LinkState,
    access_for_link,
    archive_for_link,
    drop_place_for_link,
    file_for_link,
    folder_for_link,
    link_is_live,
    link_state,
    upload_for_link,
)
from sharing.access.rule import OWNER_GRANT, Grant, Need, Role, access_for_user, folder_chain_ids, grant_for_user
from sharing.access.scope import SharedFolder, SharedScope, shared_scope_for_actor
from sharing.access.trash import trash_item_for_actor, trashed_item_for_actor

if TYPE_CHECKING:
    from sharing.access.rule import Actor as Actor

__all__ = [
    "archive_for_link",
    "Grant",
    "LinkState",
    "MAX_SELECTION",
    "Need",
    "OWNER_GRANT",
    "Role",
    "SharedFolder",
    "SharedScope",
    "access_for_link",
    "access_for_user",
    "archive_for_actor",
    "drop_place_for_link",
    "file_for_actor",
    "file_for_link",
    "folder_chain_ids",
    "folder_for_actor",
    "folder_for_link",
    "grant_for_user",
    "is_root",
    "item_for_actor",
    "link_for_actor",
    "link_is_live",
    "link_state",
    "parent_place_for_actor",
    "place_for_actor",
    "selection_for_actor",
    "share_for_actor",
    "shared_scope_for_actor",
    "trash_item_for_actor",
    "trashed_item_for_actor",
    "upload_for_actor",
    "upload_for_link",
    "uploads_for_actor",
    "version_for_actor",
]
