from django.conf import settings
from django.db import models
from django.utils import timezone


class ActivityEvent(models.Model):
    """Something a person did (or tried): who, what, to which object, from where, when.
    Rows are written once and never changed; the prune task deletes them after the
    retention period."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        UPLOAD_COMPLETED = "upload_completed", "Uploaded"
        DOWNLOAD = "download", "Downloaded"
        TRASH = "trash", "Moved to trash"
        RESTORE = "restore", "Restored"
        PURGE = "purge", "Deleted forever"
        SHARE_CREATED = "share_created", "Shared"
        SHARE_REVOKED = "share_revoked", "Stopped sharing"
        LINK_CREATED = "link_created", "Created a link"
        LINK_REVOKED = "link_revoked", "Removed a link"

    # SET_NULL: an operator's record of what happened outlives the account (until pruned).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # A user's own page, newest first, paged by (at, id).
            models.Index(fields=["actor", "-at", "-id"], name="activity_actor_at"),
            # The prune task deletes by age.
            models.Index(fields=["at"], name="activity_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
