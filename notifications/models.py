"""In-app notices, one row per thing a person is told, and each person's e-mail choices.

A notice is written in the transaction of what it is about (sharing.services, the
upload's recording, the quota's commit), so a rolled-back change leaves none; its e-mail is
sent by the worker after commit. Batched kinds (files dropped through a link, a
collaborator's changes) keep one *open* notice per (person, kind, batch_key) that further
events count into until the batch window ends; the worker then closes it and mails it once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    SHARE_RECEIVED = "share_received", "Something is shared with me"
    LINK_DROP = "link_drop", "Files dropped through my links"
    COLLABORATOR_CHANGES = "collaborator_changes", "Collaborators' changes in my folders"
    QUOTA = "quota", "My storage is nearly full (80 %, 95 %, 100 %)"
    LINK_EXPIRING = "link_expiring", "A link of mine expires soon"


BATCHED_KINDS = (Kind.LINK_DROP, Kind.COLLABORATOR_CHANGES)


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What the notice is about, for batching and "once per" checks: a folder id for drops,
    # the collaborator's id for changes, "80"/"95"/"100" for quota, a link id for expiry.
    batch_key = models.CharField(max_length=64, blank=True)
    # A batched notice takes further events while open (until open_until); then closed.
    is_open = models.BooleanField(default=False)
    open_until = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(default=1)
    # Who did it (an address) and what about (an item's name, a percentage): the text is
    # made from kind, count, who and about when shown, so a batch's count stays one UPDATE.
    who = models.CharField(max_length=254, blank=True)
    about = models.CharField(max_length=255, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notify_by_user"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notify_unread"),
            models.Index(fields=["open_until"], condition=Q(is_open=True), name="notify_open"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "batch_key"], condition=Q(is_open=True), name="notify_one_open_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.text}"

    @property
    def text(self) -> str:
        """The notice in one sentence (the e-mail's subject too)."""
        more = self.count - 1
        if self.kind == Kind.SHARE_RECEIVED:
            return f"{self.who} shared “{self.about}” with you"
        if self.kind == Kind.LINK_DROP:
            if more:
                return f"“{self.about}” and {more} more file{'s' if more > 1 else ''} were dropped through your link"
            return f"“{self.about}” was dropped through your link"
        if self.kind == Kind.COLLABORATOR_CHANGES:
            changes = f"{self.count} change{'s' if self.count > 1 else ''}"
            return f"{self.who} made {changes} in your files (latest: “{self.about}”)"
        if self.kind == Kind.QUOTA:
            return f"Your storage is {self.about} % full"
        if self.kind == Kind.LINK_EXPIRING:
            return f"Your link to “{self.about}” expires soon"
        return self.about


class Preference(models.Model):
    """Whether a kind of notice also arrives by e-mail (no row: yes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    by_email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notify_one_preference")]

    def __str__(self) -> str:
        return f"{self.kind}: {'e-mail' if self.by_email else 'in app only'}"
