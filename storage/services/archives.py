"""Folder downloads as zip: a request records a FolderArchive, a worker builds the zip.

The worker streams each blob from the store into a zip spooled to a temporary file, so
memory stays bounded whatever the folder holds, then puts the zip back into the store
under the owner's prefix. Archives are not user files: they count in no usage, and they
expire (`archives_expired_delete`, scheduled hourly, deletes expired ones with their objects).
One whose build never ran (the broker down when it was asked for, a worker killed) is
failed by `archives_stalled_fail`, every 5 minutes, so its browser stops waiting.

Because they count in no usage, they are bounded another way (issue 10, fault 4): a ready,
unexpired archive of an unchanged folder is handed out again instead of being rebuilt
(`fingerprint`: the SHA-256 of the entry paths and blob keys the build zipped), and an
owner has at most MAX_ARCHIVES_BUILDING archives building and MAX_ARCHIVES_STORED ready
ones stored at once; past either, a request is a 429 with Retry-After.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import unicodedata
import uuid
import zipfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import Gone, RateLimited
from kosha.origin import Origin
from kosha.sizes import size_text
from kosha.task_broker import task_enqueue_after_commit
from plans.selectors import usage_get_for_user
from storage import keys
from storage.audit import item_events_record_many
from storage.backends import BackendError, get_backend
from storage.collation import name_sort_key
from storage.locks import folder_pin, space_lock
from storage.models import File, Folder, FolderArchive
from storage.names import name_with_counter
from storage.tree import folder_subtree, folder_subtrees

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

ARCHIVE_LIFETIME = timedelta(hours=24)
# A pending archive of the same folder is reused for this long instead of building another.
REUSE_PENDING_FOR = timedelta(minutes=10)
MAX_ARCHIVE_ENTRIES = 50_000
# A ready archive is handed out again only while it has at least this long to live, so the
# client has time to fetch it.
REUSE_READY_MARGIN = timedelta(hours=1)
MAX_ARCHIVES_BUILDING = 3  # per owner
MAX_ARCHIVES_STORED = 20  # ready and unexpired, per owner
BUILDING_RETRY_AFTER_SECONDS = 30
# Expired archives deleted a run, oldest first (the schedule runs hourly).
EXPIRED_DELETE_BATCH = 500
ARCHIVE_STALLED_ERROR = "The zip could not be prepared. Try again."
_COPY_CHUNK_BYTES = 1024 * 1024
# Types that are compressed already; deflating them again only costs the worker time.
_STORED_PREFIXES = ("image/", "video/", "audio/")
_STORED_TYPES = {
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/pdf",
}


@dataclass(frozen=True)
class ArchiveEntry:
    path: str  # inside the zip, relative to the archived folder
    key: str
    size_bytes: int
    content_type: str
    modified: datetime


def archive_download_name(archive: FolderArchive) -> str:
    """The zip's file name: its folder's ("Photos.zip"); a selection's says how many items
    of which folder it holds ("Photos (3 items).zip", "My files (2 items).zip")."""
    folder_name = archive.folder.name if archive.folder is not None else "My files"
    if not archive.selection:
        return f"{folder_name}.zip"
    count = len(archive.selection.get("files", [])) + len(archive.selection.get("folders", []))
    return f"{folder_name} ({count} item{'' if count == 1 else 's'}).zip"


def archive_download_url(*, archive: FolderArchive) -> str:
    """A short-lived attachment URL of a ready archive, named by archive_download_name.
    Raises Gone once the archive has expired."""
    if archive.expires_at <= timezone.now():
        raise Gone("This archive has expired; ask for a new one.", resource="archive")
    return get_backend().presign_get(
        key=archive.key,
        filename=archive_download_name(archive),
        content_type="application/zip",
        inline=False,
        expires_seconds=settings.KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS,
    )


def archives_expired_delete(*, now: datetime | None = None, limit: int = EXPIRED_DELETE_BATCH) -> int:
    """Delete up to `limit` archives, oldest expiry first, that expired (any status) more
    than KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS before `now` (a download URL signed just before
    the expiry still works to its own end), then their zips in the store. Returns how many
    rows were deleted. The rows go first, in one DELETE (no store call inside it): a zip
    whose delete then fails is an object no row names, which the orphan sweep deletes
    (storage.services.janitors), as is the zip of a build still running for a deleted row
    (folder_archive_build finds the row gone). Locks the rows it deletes only. Raises
    nothing for the store: its failure is logged and left to the orphan sweep."""
    now = now or timezone.now()
    bound = now - timedelta(seconds=settings.KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS)
    expired = list(
        FolderArchive.objects.filter(expires_at__lte=bound).order_by("expires_at").values_list("pk", "key")[:limit]
    )
    if not expired:
        return 0
    deleted, _ = FolderArchive.objects.filter(pk__in=[pk for pk, _ in expired]).delete()
    zips = [key for _, key in expired if key]
    if zips:
        try:
            get_backend().delete(keys=zips)
        except BackendError:
            logger.warning("Could not delete %d expired zips; the orphan sweep will", len(zips), exc_info=True)
    return deleted


def archive_build_limit() -> timedelta:
    """How long after it was asked for a folder archive's build may still be running: a
    worker's run is killed at Q_CLUSTER's `timeout`, and the broker hands the task out
    again only at its `retry` (past `timeout`). A queue longer than that (every worker
    busy) fails an archive before its build starts: the person asks again."""
    return timedelta(seconds=cast(int, settings.Q_CLUSTER["retry"]))  # seconds (kosha/settings)


def archives_stalled_fail(*, older_than: timedelta | None = None) -> int:
    """Mark failed (with a message the person's browser shows) the archives still pending
    `older_than` (default: archive_build_limit) after they were asked for: their build
    task was never queued or died, and no build can still finish them. Returns how many.
    One conditional UPDATE (a build that finishes first keeps its archive ready; one that
    finishes after finds it failed and leaves it so, its zip an orphan for the orphan
    sweep). Locks nothing."""
    bound = timezone.now() - (older_than if older_than is not None else archive_build_limit())
    return FolderArchive.objects.filter(status=FolderArchive.Status.PENDING, created_at__lt=bound).update(
        status=FolderArchive.Status.FAILED, error=ARCHIVE_STALLED_ERROR, finished_at=timezone.now()
    )


def folder_archive_start(*, actor: User | None, folder: Folder, origin: Origin) -> FolderArchive:
    """Ask for a zip of a live folder the door checked actor may view; the build runs in
    a task after commit, in the folder owner's space (the archive is the owner's, counted
    in no usage; anyone who may view the folder may fetch it). Hands out again a pending
    archive of the folder asked for moments ago, or a ready one built from exactly what
    the folder holds now (same fingerprint, REUSE_READY_MARGIN still to live). Records
    DOWNLOAD of the folder. Raises RateLimited (429, retry_after seconds) when the owner
    has MAX_ARCHIVES_BUILDING building or MAX_ARCHIVES_STORED stored, NotFound (the
    folder was trashed or deleted since the door read it: nothing written). Locks the
    owner's space (exclusive), so that two requests cannot both pass the caps (count under
    the lock), then the folder (key share, storage.locks.folder_pin)."""
    return _archive_start(actor=actor, owner_id=folder.owner_id, folder=folder, items=[folder], origin=origin)


def selection_archive_start(
    *,
    actor: User | None,
    owner_id: uuid.UUID,
    parent: Folder | None,
    files: list[File],
    folders: list[Folder],
    origin: Origin,
) -> FolderArchive:
    """Ask for one zip of some live files and folders of one owner that sit in one folder
    (`parent`, None: the top of the owner's space), which the door checked actor may view.
    The zip holds each chosen file at its top and each chosen folder with all it holds,
    under names unique as in a folder's zip. Reuse, caps, locking and the build are those
    of folder_archive_start (a selection is reused only for the very same items); records
    DOWNLOAD of each chosen item in one INSERT. Raises RateLimited and NotFound (`parent`)
    as it does."""
    selection = {
        "files": sorted(str(file.pk) for file in files),
        "folders": sorted(str(folder.pk) for folder in folders),
    }
    return _archive_start(
        actor=actor, owner_id=owner_id, folder=parent, items=[*folders, *files], origin=origin, selection=selection
    )


def _archive_start(
    *,
    actor: User | None,
    owner_id: uuid.UUID,
    folder: Folder | None,
    items: list[File | Folder],
    origin: Origin,
    selection: dict | None = None,
) -> FolderArchive:
    entries, directories = _entries(owner_id=owner_id, folder=folder, selection=selection)
    fingerprint = _fingerprint(entries, directories)
    now = timezone.now()
    with transaction.atomic():
        # Exclusive: one archive of a selection at a time per space (the reuse below).
        space_lock(owner_ids=[owner_id], shared=False)
        # Still live under the lock a purge takes exclusive: the archive's key to a folder
        # deleted since the door read it failed at the commit (storage/locks.py).
        folder_pin(folder_id=folder.pk if folder is not None else None, field=None)
        item_events_record_many(
            kind=ActivityEvent.Kind.DOWNLOAD,
            actor=actor,
            owner_id=owner_id,
            items=items,
            origin=origin,
            detail={"as": "zip"},
        )
        mine = FolderArchive.objects.filter(owner_id=owner_id)
        same = mine.filter(folder=folder, selection=selection or {})
        reusable = (
            same.filter(status=FolderArchive.Status.PENDING, created_at__gte=now - REUSE_PENDING_FOR)
            .order_by("-created_at")
            .first()
        ) or (
            same.filter(
                status=FolderArchive.Status.READY,
                fingerprint=fingerprint,
                expires_at__gt=now + REUSE_READY_MARGIN,
            )
            .order_by("-expires_at")
            .first()
        )
        if reusable is not None:
            return reusable
        _archive_caps_check(mine, now=now)
        archive = FolderArchive.objects.create(
            owner_id=owner_id, folder=folder, selection=selection or {}, expires_at=now + ARCHIVE_LIFETIME
        )
        # A broker down then leaves it pending: asked again after REUSE_PENDING_FOR, it starts
        # anew, and the stalled-archive sweep fails it (storage.services.followups).
        task_enqueue_after_commit("storage.tasks.folder_archive_task", str(archive.pk))
    return archive


def _archive_caps_check(mine: QuerySet[FolderArchive], *, now: datetime) -> None:
    """RateLimited when the owner's archives building or stored are at their caps. Two
    queries; the caller holds the owner's Usage lock."""
    if mine.filter(status=FolderArchive.Status.PENDING).count() >= MAX_ARCHIVES_BUILDING:
        raise RateLimited(
            f"At most {MAX_ARCHIVES_BUILDING} folder downloads can be prepared at once; try again shortly.",
            retry_after=BUILDING_RETRY_AFTER_SECONDS,
        )
    stored = list(
        mine.filter(status=FolderArchive.Status.READY, expires_at__gt=now)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)[:MAX_ARCHIVES_STORED]
    )
    if len(stored) >= MAX_ARCHIVES_STORED:
        raise RateLimited(
            f"At most {MAX_ARCHIVES_STORED} folder downloads are kept at once; try again when one expires.",
            retry_after=max(1, int((stored[0] - now).total_seconds()) + 1),
        )


def _fingerprint(entries: list[ArchiveEntry], directories: list[str]) -> str:
    """What an archive holds, in 64 hex digits: its directory paths and each entry's path
    and blob key (a blob's key names immutable bytes, so equal keys mean equal content)."""
    digest = hashlib.sha256()
    for directory in directories:
        digest.update(b"d\0" + directory.encode() + b"\0")
    for entry in entries:
        digest.update(b"f\0" + entry.path.encode() + b"\0" + entry.key.encode() + b"\0")
    return digest.hexdigest()


def _clash_key(path: str) -> str:
    """What two entry paths share when they would land on one file once extracted on a
    case- and normalisation-insensitive file system (macOS, Windows): Unicode canonical
    caseless matching, NFD(casefold(NFD(path))) (The Unicode Standard, D145)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", path).casefold())


def _entries(
    *, owner_id: uuid.UUID, folder: Folder | None, selection: dict | None = None
) -> tuple[list[ArchiveEntry], list[str]]:
    """The live files of a folder (or of a selection in it) with their paths relative to
    it, and its subfolder paths, empty or not (so empty folders survive the round trip).
    Two queries.

    Paths are unique even where the file system is not case- or normalisation-sensitive:
    `Report.txt`, `report.txt` and `REPORT.TXT` beside each other become `Report.txt`,
    `report (2).txt` and `REPORT (3).TXT` (the oldest keeps its name, so a rebuild after
    an addition names the others the same way); a file named like a folder beside it
    gets the counter, and everything inside a renamed folder goes under its new name.
    A selection's chosen folders are the top directories, its chosen files the top files."""
    # Bounded and loop-proof (storage/tree.py); each folder comes once, after its parent.
    # Paths are relative to the archived folder: its own name is not part of them.
    prefix: dict[uuid.UUID, str] = {}
    if selection:
        chosen_files = [uuid.UUID(value) for value in selection.get("files", [])]
        subtree: list = folder_subtrees(folder_ids=[uuid.UUID(value) for value in selection.get("folders", [])])
        subtree = [row for row in subtree if row.owner_id == owner_id]
    else:
        assert folder is not None, "a whole-folder archive names its folder"
        chosen_files = []
        subtree = folder_subtree(owner_id=owner_id, folder_id=folder.pk)
        prefix[folder.pk] = ""
    subtree.sort(key=lambda row: (row.level, name_sort_key(row.name), str(row.id)))
    taken: set[str] = set()

    def claim(parent_path: str, name: str) -> str:
        candidate, counter = name, 2
        while _clash_key(f"{parent_path}{candidate}") in taken:
            candidate = name_with_counter(name, counter)
            counter += 1
        taken.add(_clash_key(f"{parent_path}{candidate}"))
        return f"{parent_path}{candidate}"

    directories: list[str] = []
    for row in subtree:
        if row.level or selection:
            parent_path = ""
            if row.level:
                assert row.parent_id is not None  # a row below the top has its parent
                parent_path = prefix[row.parent_id]
            directory = claim(parent_path, row.name)
            directories.append(directory)
            prefix[row.id] = f"{directory}/"
    files = (
        File.objects.filter(
            Q(folder_id__in=list(prefix)) | Q(pk__in=chosen_files),
            owner_id=owner_id,
            deleted_at__isnull=True,
            current_version__isnull=False,
        )
        .select_related("current_version")
        .order_by("folder_id", "created_at", "id")
    )
    entries = [
        ArchiveEntry(
            path=claim(prefix.get(file.folder_id, "") if file.folder_id else "", file.name),
            key=file.current_version.key,
            size_bytes=file.current_version.size_bytes,
            content_type=file.current_version.content_type,
            modified=file.updated_at,
        )
        for file in files
        if file.current_version is not None  # always: the query asks for a current version
    ]
    # Named oldest first (above), stored in the order a listing shows them.
    entries.sort(key=lambda entry: [name_sort_key(part) for part in entry.path.split("/")])
    return entries, directories


def _fail(archive: FolderArchive, message: str) -> FolderArchive | None:
    FolderArchive.objects.filter(pk=archive.pk, status=FolderArchive.Status.PENDING).update(
        status=FolderArchive.Status.FAILED, error=message[:255], finished_at=timezone.now()
    )
    return _reread(archive)


def _reread(archive: FolderArchive) -> FolderArchive | None:
    """The archive as it is now, or None when its row went while it was built (its folder
    purged, its owner deleted: the rows cascade); a zip stored meanwhile is then an
    orphan, which the orphan sweep removes."""
    return FolderArchive.objects.select_related("folder", "owner").filter(pk=archive.pk).first()


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment).timetuple()[:6]
    return (max(local[0], 1980), *local[1:])  # zip cannot date anything before 1980


def _write_zip(spool: IO[bytes], *, entries: list[ArchiveEntry], directories: list[str]) -> None:
    backend = get_backend()
    with zipfile.ZipFile(spool, "w", allowZip64=True) as archive:
        for directory in directories:
            archive.writestr(zipfile.ZipInfo(f"{directory}/", date_time=(1980, 1, 1, 0, 0, 0)), b"")
        for entry in entries:
            info = zipfile.ZipInfo(entry.path, date_time=_zip_time(entry.modified))
            already_compressed = entry.content_type.startswith(_STORED_PREFIXES) or entry.content_type in _STORED_TYPES
            info.compress_type = zipfile.ZIP_STORED if already_compressed else zipfile.ZIP_DEFLATED
            # The size is known in advance only from the database: ask for ZIP64 headers
            # whenever the entry might pass the 32-bit limit.
            force_zip64 = entry.size_bytes >= zipfile.ZIP64_LIMIT
            with (
                closing(backend.open(key=entry.key)) as source,
                archive.open(info, "w", force_zip64=force_zip64) as dest,
            ):
                shutil.copyfileobj(source, dest, _COPY_CHUNK_BYTES)


def folder_archive_build(*, archive_id: uuid.UUID | str) -> FolderArchive | None:
    """Build a pending archive: zip the folder's live subtree, store it, mark it ready.
    Marks it failed (with a message) when the folder is gone, holds more than the owner's
    plan allows in one file, or a blob cannot be read. Safe to run twice: a finished
    archive is left alone. Returns None when the archive is gone, before or while it is
    built (its folder purged). Store writes happen with no transaction open."""
    archive = FolderArchive.objects.select_related("folder", "owner").filter(pk=archive_id).first()
    if archive is None or archive.status != FolderArchive.Status.PENDING:
        return archive
    folder = archive.folder
    if folder is not None and folder.deleted_at is not None:
        return _fail(archive, "The folder was deleted.")

    entries, directories = _entries(owner_id=archive.owner_id, folder=folder, selection=archive.selection)
    total_bytes = sum(entry.size_bytes for entry in entries)
    limit_bytes = usage_get_for_user(user=archive.owner).plan.max_file_bytes
    if total_bytes > limit_bytes:
        return _fail(
            archive, f"The folder holds {size_text(total_bytes)}; a download can be at most {size_text(limit_bytes)}."
        )
    if len(entries) + len(directories) > MAX_ARCHIVE_ENTRIES:
        return _fail(archive, f"The folder holds more than {MAX_ARCHIVE_ENTRIES} items; download it in parts.")

    key = keys.archive_key(archive.owner_id, archive.pk)
    try:
        with tempfile.TemporaryFile() as spool:
            _write_zip(spool, entries=entries, directories=directories)
            size_bytes = spool.tell()
            spool.seek(0)
            get_backend().put_bytes(key=key, data=spool, content_type="application/zip")
    except FileNotFoundError as exc:
        logger.warning("Archive %s: a blob is missing from the store: %s", archive.pk, exc)
        return _fail(archive, "A file in the folder could not be read. Try again later.")
    except (BackendError, OSError) as exc:
        logger.warning("Archive %s could not be built: %s", archive.pk, exc, exc_info=True)
        return _fail(archive, "The archive could not be built. Try again later.")

    now = timezone.now()
    updated = FolderArchive.objects.filter(pk=archive.pk, status=FolderArchive.Status.PENDING).update(
        status=FolderArchive.Status.READY,
        key=key,
        size_bytes=size_bytes,
        fingerprint=_fingerprint(entries, directories),
        finished_at=now,
        expires_at=now + ARCHIVE_LIFETIME,
    )
    if not updated:
        # Finished by a concurrent run meanwhile; our object has the same key and content.
        logger.info("Archive %s was finished by another run, or its row went", archive.pk)
    return _reread(archive)
