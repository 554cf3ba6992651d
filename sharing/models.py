import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from storage.models import File, Folder

DEFAULT_LINK_DAYS = 7
LINK_NAME_MAX_LENGTH = 100

# Exactly one of file / folder: a grant or a link is about one item.
_ONE_ITEM = Q(file__isnull=False, folder__isnull=True) | Q(file__isnull=True, folder__isnull=False)


def item_fields(item: File | Folder) -> dict[str, File | Folder | None]:
    """The file= / folder= arguments of a ShareLink, Share or Invitation about item."""
    return {"file": item, "folder": None} if isinstance(item, File) else {"file": None, "folder": item}


def _the_item(file: File | None, folder: Folder | None) -> File | Folder:
    # A row's `item`: the null side of the pair costs no query.
    item = file or folder
    assert item is not None, "a check constraint gives each row a file or a folder"
    return item


def _default_expiry():
    return timezone.now() + timedelta(days=DEFAULT_LINK_DAYS)


class ShareLink(models.Model):
    """A public link to a file or a folder (or a folder's upload-only drop).

    The token is never stored in plain text: a SHA-256 of it finds the row (256 bits of
    randomness make a plain hash, no salt, no stretching, enough, and let the page find
    the row by an index), and a copy encrypted under SECRET_KEY (sharing.link_tokens)
    lets the owner copy the address again. A leaked database or backup opens no link.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    file = models.ForeignKey(File, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    # The token encrypted (sharing.link_tokens), so the owner can copy the address again.
    token_sealed = models.TextField(blank=True, editable=False)
    name = models.CharField(max_length=LINK_NAME_MAX_LENGTH, blank=True, help_text="The owner's own label.")
    expires_at = models.DateTimeField(default=_default_expiry)
    password_hash = models.CharField(max_length=256, blank=True, editable=False)
    max_downloads = models.PositiveIntegerField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)
    is_drop = models.BooleanField(default=False, help_text="Upload-only: visitors can add files but see nothing.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at", "-id"], name="sharing_link_by_owner")]
        constraints = [
            models.CheckConstraint(condition=_ONE_ITEM, name="sharing_link_one_item"),
            models.CheckConstraint(
                condition=Q(is_drop=False) | Q(folder__isnull=False), name="sharing_link_drop_is_folder"
            ),
            models.CheckConstraint(
                condition=Q(max_downloads__isnull=True) | Q(download_count__lte=models.F("max_downloads")),
                name="sharing_link_downloads_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"Link {self.pk} to {'folder' if self.folder_id else 'file'}"

    @property
    def item(self) -> File | Folder:
        return _the_item(self.file, self.folder)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def is_exhausted(self) -> bool:
        return self.max_downloads is not None and self.download_count >= self.max_downloads

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())


class Share(models.Model):
    """A grant of one item (and, for a folder, everything under it) to another user."""

    class Role(models.TextChoices):
        VIEWER = "viewer"
        EDITOR = "editor"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_given")
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares_received")
    file = models.ForeignKey(File, on_delete=models.CASCADE, null=True, blank=True, related_name="shares")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="shares")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["grantee", "-created_at", "-id"], name="sharing_share_by_grantee"),
            models.Index(fields=["owner", "-created_at", "-id"], name="sharing_share_by_owner"),
        ]
        constraints = [
            models.CheckConstraint(condition=_ONE_ITEM, name="sharing_share_one_item"),
            models.CheckConstraint(condition=~Q(grantee=models.F("owner")), name="sharing_share_not_self"),
            models.UniqueConstraint(
                fields=["grantee", "file"], condition=Q(file__isnull=False), name="sharing_share_unique_file"
            ),
            models.UniqueConstraint(
                fields=["grantee", "folder"], condition=Q(folder__isnull=False), name="sharing_share_unique_folder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} share of {self.file_id or self.folder_id}"

    @property
    def grantee_email(self) -> str:
        """The grantee's address as the owner's lists show it: lower-case, like an
        Invitation's, so the two never differ in a way that tells them apart."""
        return self.grantee.email.lower()

    @property
    def item(self) -> File | Folder:
        return _the_item(self.file, self.folder)


def _default_invitation_expiry():
    return timezone.now() + timedelta(days=settings.KOSHA_INVITATION_DAYS)


class Invitation(models.Model):
    """A share with an address that has no account yet: pending until someone signs up
    with that address and proves it (the invitation link, a verified address, or a
    provider's verified address), then it becomes a Share. The owner's lists show it as a
    share, and the API answers alike for both, so nobody learns which addresses have
    accounts (issue 10).

    The token in the e-mailed link is kept like a link's (sharing.link_tokens): a SHA-256
    finds the row, a copy sealed under SECRET_KEY lets the worker write the e-mail
    after commit without the plain token ever sitting in the task queue.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent")
    # Lower-case (the service normalizes it), compared case-insensitively at acceptance.
    email = models.EmailField(max_length=254)
    file = models.ForeignKey(File, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    role = models.CharField(max_length=10, choices=Share.Role.choices, default=Share.Role.VIEWER)
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    token_sealed = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_default_invitation_expiry)
    # Set when it became a share; the row stays so its link still opens the item.
    accepted_at = models.DateTimeField(null=True, blank=True)
    share = models.ForeignKey(Share, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="sharing_invite_by_owner"),
            models.Index(fields=["email"], name="sharing_invite_by_email"),
        ]
        constraints = [
            models.CheckConstraint(condition=_ONE_ITEM, name="sharing_invite_one_item"),
            models.UniqueConstraint(
                fields=["email", "file"],
                condition=Q(file__isnull=False, accepted_at__isnull=True),
                name="sharing_invite_pending_unique_file",
            ),
            models.UniqueConstraint(
                fields=["email", "folder"],
                condition=Q(folder__isnull=False, accepted_at__isnull=True),
                name="sharing_invite_pending_unique_folder",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.file_id or self.folder_id}"

    @property
    def item(self) -> File | Folder:
        return _the_item(self.file, self.folder)

    @property
    def grantee_email(self) -> str:
        return self.email

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class LinkEvent(models.Model):
    """The activity of a public link, for its owner and the admin."""

    class Kind(models.TextChoices):
        CREATED = "created"
        ACCESSED = "accessed"
        DOWNLOADED = "downloaded"
        UPLOADED = "uploaded"
        REVOKED = "revoked"
        PASSWORD_FAILED = "password_failed"

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["link", "-at"], name="sharing_event_by_link")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class DropStart(models.Model):
    """One anonymous start admitted through a drop link (sharing/drops.py): what the
    link's per-window caps count, under the link's row lock, and which upload it began
    (so revoking the link aborts what is still pending)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="drop_starts")
    # The client's address as the proxies settings resolve it ("" when unknown).
    address = models.CharField(max_length=45, blank=True)
    size_bytes = models.BigIntegerField()
    upload = models.OneToOneField(
        "storage.UploadSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="drop_start"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["link", "created_at"], name="sharing_dropstart_window")]

    def __str__(self) -> str:
        return f"{self.size_bytes} bytes at {self.created_at:%Y-%m-%d %H:%M}"
