"""Where a move or a copy through the API puts an item: the request body's folder
reference, as a Place the caller may add to (sharing.access decides)."""

from typing import Any

from kosha.sentinels import UNCHANGED
from sharing.access import Need, parent_place_for_actor, place_for_actor
from storage.models import File, Folder
from storage.places import Place


def move_changes(request, payload: dict[str, Any], *, field: str) -> dict[str, Any]:
    """The `name` and `place` arguments of file_update and folder_update from a rename/move
    body: each UNCHANGED when absent. A folder reference in `field` (null: the root of the
    caller's own space) must be a folder the caller may edit. Raises NotFound naming
    `field`, Forbidden. No lock."""
    return {
        "name": payload["name"] if "name" in payload else UNCHANGED,
        "place": _place(request, payload[field], field=field) if field in payload else UNCHANGED,
    }


def copy_destination(request, payload: dict[str, Any], *, item: File | Folder, field: str) -> Place:
    """Where a copy of `item` goes: the folder in `field` (null: the root of the caller's
    own space) or, when the body has none, beside the source. Raises NotFound, Forbidden,
    OwnerOnly (beside a source at the top of someone else's space). No lock."""
    if field in payload:
        return _place(request, payload[field], field=field)
    return parent_place_for_actor(actor=request.user, item=item, need=Need.EDIT)


def _place(request, raw: object, *, field: str) -> Place:
    # In a request body null means the root of one's own space.
    return place_for_actor(actor=request.user, folder_id=raw, need=Need.EDIT, field=field)
