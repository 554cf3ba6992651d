"""Sub-errors of sharing: who may change a shared item, links and their expiry."""

from __future__ import annotations

from kosha.errors.kinds import Conflict, Forbidden, InvalidInput


class ReadOnly(Forbidden):
    reason = "read_only"
    default_message = "You can view this but not change it."


class OwnerOnly(Forbidden):
    reason = "owner_only"
    default_message = "Only the owner can do this."


class SharedItemFixed(Forbidden):
    reason = "shared_item_fixed"
    default_message = (
        "Only the owner can rename, move or trash the shared item itself; you can change what is inside it."
    )


class OtherSpace(InvalidInput):
    """A move between two people's spaces: an item stays in its owner's space (and quota);
    copy it instead."""

    reason = "other_space"
    default_message = "An item can only move within its owner's files; make a copy instead."


class ShareWithSelf(InvalidInput):
    reason = "share_with_self"
    default_message = "You already own this."


class AlreadyShared(Conflict):
    reason = "already_shared"
    default_message = "This is already shared with that person."


class LinksNotInPlan(InvalidInput):
    reason = "links_not_in_plan"
    default_message = "Your plan does not include share links."


class ExpiryInPast(InvalidInput):
    reason = "expiry_in_past"
    default_message = "expires_at must be in the future."


class ExpiryBeyondPlan(InvalidInput):
    """Carries max_share_days."""

    reason = "expiry_beyond_plan"


class DropNeedsFolder(InvalidInput):
    reason = "drop_needs_folder"
    default_message = "Only a folder can take dropped files."


class LinkRevoked(Conflict):
    reason = "link_revoked"
    default_message = "This link was revoked; make a new one."
