from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from storage.collation import name_collated

if TYPE_CHECKING:
    from sharing.access import Grant


LIVE = Q(deleted_at__isnull=True)


def listing_indexes(*, table: str, parent: str) -> list[models.Index]:
    """Keyset pagination of a folder's live children (`parent` is the field naming the
    folder they are in), one index per sort order. Names in the natural collation
    (storage/collation.py), as listings sort them."""
    return [
        models.Index(F("owner"), F(parent), name_collated(), F("id"), condition=LIVE, name=f"{table}_by_name"),
        models.Index(fields=["owner", parent, "updated_at", "id"], condition=LIVE, name=f"{table}_by_modified"),
    ]


def unique_live_names(*, table: str, parent: str) -> list[models.BaseConstraint]:
    """Names are unique among a folder's live children; NULL parents (the top of a
    person's space) need their own rule."""
    return [
        models.UniqueConstraint(
            fields=["owner", parent, "name"],
            condition=Q(deleted_at__isnull=True, **{f"{parent}__isnull": False}),
            name=f"{table}_unique_live_name",
        ),
        models.UniqueConstraint(
            fields=["owner", "name"],
            condition=Q(deleted_at__isnull=True, **{f"{parent}__isnull": True}),
            name=f"{table}_unique_live_root_name",
        ),
    ]


class Item(models.Model):
    """What a folder and a file have alike: a name, times, and the trash."""

    # Set (not stored) on an item that sharing.access hands out: how the actor reaches it.
    grant: Grant

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Trashing a folder trashes its subtree in one operation: every row it touched gets
    # the operation's id, and only the item the user picked is a trash root (listed in
    # the trash). Restore brings back exactly that operation's rows.
    trash_batch = models.UUIDField(null=True, blank=True, db_index=True)
    is_trash_root = models.BooleanField(default=False)
    # Who moved it to the trash (set on the whole batch): an editor's trash lists what
    # they trashed in someone else's space (sharing.access.trash_item_for_actor).
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Folder(Item):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")

    class Meta(Item.Meta):
        indexes = listing_indexes(table="storage_folder", parent="parent")
        constraints = unique_live_names(table="storage_folder", parent="parent")


class File(Item):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="files")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
    current_version = models.OneToOneField(
        "FileVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Denormalised from the current version so listings sort and show without a join.
    size_bytes = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=255, default="application/octet-stream")

    class Meta(Item.Meta):
        indexes = [
            *listing_indexes(table="storage_file", parent="folder"),
            models.Index(fields=["owner", "folder", "size_bytes", "id"], condition=LIVE, name="storage_file_by_size"),
            models.Index(
                F("owner"),
                F("folder"),
                F("content_type"),
                name_collated(),
                F("id"),
                condition=LIVE,
                name="storage_file_by_type",
            ),
            # The trash and the purge task read trashed rows by owner and time.
            models.Index(
                fields=["owner", "deleted_at"], condition=Q(deleted_at__isnull=False), name="storage_file_trashed"
            ),
            # "Recent": a person's live files across all their folders, newest change first.
            models.Index(fields=["owner", "updated_at", "id"], condition=LIVE, name="storage_file_recent"),
        ]
        constraints = unique_live_names(table="storage_file", parent="folder")


# What storage.thumbnails makes a thumbnail of, and the most bytes it reads to make one.
THUMBNAIL_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
THUMBNAIL_MAX_SOURCE_BYTES = 50 * 1024 * 1024
# A version owed follow-up work the sweep has not run yet: every version gets a SHA-1
# (WebDAV's oc:checksums), an image within the byte limit a thumbnail.
FOLLOWUPS_DUE = Q(followups_swept_at__isnull=True) & (
    Q(sha1="")
    | Q(
        thumbnail_key="",
        content_type__in=sorted(THUMBNAIL_CONTENT_TYPES),
        size_bytes__lte=THUMBNAIL_MAX_SOURCE_BYTES,
    )
)


class FileVersion(models.Model):
    """One immutable blob. Its bytes live at `key`; its name lives on the File."""

    # Set (not stored) on a version that sharing.access hands out: its file's grant.
    grant: Grant

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    key = models.CharField(max_length=200, unique=True)
    size_bytes = models.BigIntegerField()
    content_type = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    # Hex SHA-1, computed while a WebDAV PUT streams (served as oc:checksums for rclone).
    sha1 = models.CharField(max_length=40, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The client's modification time (X-OC-Mtime, PROPPATCH getlastmodified), if it sent one.
    client_modified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set by the thumbnail task for images: a small WebP under the user's prefix.
    thumbnail_key = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # When a replica store is configured (KOSHA_REPLICA_STORAGE): when the worker last
    # copied this version's blob and thumbnail there; None is the replication backlog.
    replicated_at = models.DateTimeField(null=True, blank=True)
    # When the follow-up sweep (storage.services.followups) ran this version's SHA-1 and
    # thumbnail, whose after-commit tasks were lost (the broker down) or failed; what it
    # could not make then (the object missing, an image refused, a read the worker's
    # timeout killed) is not tried again.
    followups_swept_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["file_id", "-number"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(replicated_at__isnull=True), name="storage_version_unreplicated"
            ),
            # The follow-up sweep reads the few versions still owed a SHA-1 or a thumbnail.
            models.Index(fields=["created_at"], condition=FOLLOWUPS_DUE, name="storage_version_followups_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="storage_version_unique_number"),
            models.CheckConstraint(condition=Q(size_bytes__gte=0), name="storage_version_size_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} v{self.number}"


class UploadSession(models.Model):
    # Set (not stored) on a session sharing.access hands out: how the actor reaches its
    # folder (None: an abort by its starter who may no longer edit there).
    grant: Grant | None

    class Status(models.TextChoices):
        PENDING = "pending"
        COMPLETED = "completed"
        ABORTED = "aborted"
        EXPIRED = "expired"
        FAILED = "failed"

    class Strategy(models.TextChoices):
        SINGLE = "single"
        MULTIPART = "multipart"

    class OnConflict(models.TextChoices):
        VERSION = "version"
        RENAME = "rename"
        FAIL = "fail"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_sessions")
    # Who started it: the owner, or (later) an editor or a drop link acting for the owner.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    content_type = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    on_conflict = models.CharField(max_length=10, choices=OnConflict.choices, default=OnConflict.VERSION)
    key = models.CharField(max_length=200, unique=True)
    strategy = models.CharField(max_length=10, choices=Strategy.choices)
    multipart_upload_id = models.CharField(max_length=1024, blank=True)
    part_size_bytes = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.OneToOneField(FileVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # File slots the reservation holds: 1 for a new file, 0 for a new version of a live file.
    reserved_files = models.PositiveSmallIntegerField(default=1)
    # When the key of a session that ended unrecorded is deleted once more: after its URLs
    # can no longer start a PUT, plus a margin for one in flight (S3 cannot revoke a URL).
    delete_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            # The expiry sweep reads pending sessions by expiry.
            models.Index(fields=["status", "expires_at"], name="storage_upload_sweep_idx"),
            # The late-write sweep reads the few sessions with a delete still due.
            models.Index(
                fields=["delete_after"], condition=Q(delete_after__isnull=False), name="storage_upload_delete_due"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(size_bytes__gte=0), name="storage_upload_size_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def part_count(self) -> int:
        if self.strategy != self.Strategy.MULTIPART or not self.part_size_bytes:
            return 1
        return max(1, -(-self.size_bytes // self.part_size_bytes))

    def part_bytes(self, number: int) -> int:
        """The exact length of part `number` (1-based): the part size for every part but the
        last, the remainder for the last. Part URLs sign it, so no part can be longer."""
        if self.strategy != self.Strategy.MULTIPART or not self.part_size_bytes:
            return self.size_bytes
        if number < self.part_count:
            return self.part_size_bytes
        return self.size_bytes - self.part_size_bytes * (self.part_count - 1)


class FolderArchive(models.Model):
    """A zip of a folder, or of some of the items in one (`selection`), built by a
    background task into the store; the client polls."""

    # Set (not stored) on an archive that sharing.access hands out: how the actor reaches it.
    grant: Grant

    class Status(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The folder zipped, or the one the selection is in; None: the top of the owner's space.
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="archives")
    # The chosen files and folders inside `folder` ({"files": [ids], "folders": [ids]}, each
    # sorted), or {} for the whole folder.
    selection = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    key = models.CharField(max_length=200, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    # SHA-256 of what the build zipped (paths and blob keys): an unchanged folder's
    # archive is handed out again (storage.services.archives).
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            # The stalled-archive sweep reads the few pending archives by age.
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="storage_archive_pending"),
            # The expired-archive sweep reads the archives past their expiry, oldest first.
            models.Index(fields=["expires_at"], name="storage_archive_expires"),
        ]

    def __str__(self) -> str:
        return f"Archive of {self.folder_id} ({self.status})"


class Star(models.Model):
    """A person's star on one file or folder, theirs or shared with them ("Starred").
    Personal: nobody else sees it, and it changes nothing about the item. A star on an
    item the person can no longer see (trashed, unshared) stays but is not listed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stars")
    file = models.ForeignKey(File, on_delete=models.CASCADE, null=True, blank=True, related_name="stars")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="stars")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # "Starred" lists a person's stars newest first, keyset-paginated.
            models.Index(fields=["user", "created_at", "id"], name="storage_star_by_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(file__isnull=False, folder__isnull=True) | Q(file__isnull=True, folder__isnull=False),
                name="storage_star_one_item",
            ),
            models.UniqueConstraint(fields=["user", "file"], condition=Q(file__isnull=False), name="storage_star_file"),
            models.UniqueConstraint(
                fields=["user", "folder"], condition=Q(folder__isnull=False), name="storage_star_folder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ★ {self.file_id or self.folder_id}"
