from django.conf import settings
from django.db import models
from django.utils import timezone

from kosha.origin import VIAS


class ActivityEvent(models.Model):
    """Something a person did (or tried), in whose space: who acted (`actor`, None for a
    link visitor or an unknown sign-in), whose files it touched (`owner`), which item
    (type, id and its name at the time, so the row reads the same after a rename or a
    purge), what (`kind`), from where (`via` and `ip_address`) and when.

    Write services record their event inside their own transaction (activity.services),
    so an event exists exactly when its change does. Rows are written once and never
    changed; the prune task deletes them after the retention period."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        UPLOAD_COMPLETED = "upload_completed", "Uploaded"
        DOWNLOAD = "download", "Downloaded"
        FOLDER_CREATED = "folder_created", "Created a folder"
        RENAME = "rename", "Renamed"
        MOVE = "move", "Moved"
        COPY = "copy", "Copied"
        TRASH = "trash", "Moved to trash"
        RESTORE = "restore", "Restored"
        PURGE = "purge", "Deleted forever"
        VERSION_RESTORED = "version_restored", "Restored a version"
        VERSION_DELETED = "version_deleted", "Deleted a version"
        SHARE_CREATED = "share_created", "Shared"
        SHARE_CHANGED = "share_changed", "Changed a share"
        SHARE_REVOKED = "share_revoked", "Stopped sharing"
        LINK_CREATED = "link_created", "Created a link"
        LINK_CHANGED = "link_changed", "Changed a link"
        LINK_REVOKED = "link_revoked", "Removed a link"

    # SET_NULL: an operator's record of what happened outlives the accounts (until pruned).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whose space the item is in (whose quota it counts against); for account events
    # (sign-ins) the account itself.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    item_type = models.CharField(max_length=32, blank=True)
    item_id = models.CharField(max_length=64, blank=True)
    item_name = models.CharField(max_length=255, blank=True)
    # The folder holding the item right after the change (None: the top of the space, or
    # an event older than the change feed). Not a key: the folder may be purged since.
    # The change feed shows a person an item's events through the folders they can see.
    item_parent_id = models.UUIDField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # The door it came through (kosha.origin): web, api, link, admin, task, dav.
    via = models.CharField(max_length=8, choices=[(via, via) for via in VIAS], blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # A user's own actions, newest first, paged by (at, id).
            models.Index(fields=["actor", "-at", "-id"], name="activity_actor_at"),
            # What happened in a user's space (collaborators' actions too), same order.
            models.Index(fields=["owner", "-at", "-id"], name="activity_owner_at"),
            # The change feed: what happened in the folders shared with a person, and to the
            # items shared with them, after a point in time (sharing/changes.py).
            models.Index(fields=["item_parent_id", "at", "id"], name="activity_parent_at"),
            models.Index(fields=["item_id", "at", "id"], name="activity_item_at"),
            # ... and the shares given to or taken from a person (detail["grantee"]).
            models.Index(
                models.F("detail__grantee"),
                "at",
                name="activity_grantee_at",
                condition=models.Q(kind__in=["share_created", "share_revoked"]),
            ),
            # The prune task deletes by age.
            models.Index(fields=["at"], name="activity_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
