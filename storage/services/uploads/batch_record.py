"""Recording a batch of verified uploads (storage/services/uploads/batch.py's complete):
in one transaction, every upload that can be recorded plainly (a new file under a free
name, or a new version of the live file of that name) with one statement per kind of row
(kosha/fixed_writes.py): the files, the versions, the files that got a version, the
sessions, the activity; the reservations moved in one UPDATE per space. What cannot be
recorded plainly is handed back to be recorded alone by the single-file recorder.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from activity.models import ActivityEvent
from activity.services import activity_record_many
from kosha.errors import DomainError, NameTaken, UploadGone
from kosha.fixed_writes import rows_insert, rows_insert_write, rows_update, rows_update_write
from kosha.json_in import texts_in
from kosha.metrics import UPLOADS_COMPLETED
from kosha.origin import Origin
from kosha.row_instances import row_instance
from plans.services import quota_commit_each, usage_lock
from storage.audit import item_event_build
from storage.locks import folders_lock, space_lock
from storage.models import File, FileVersion, Folder, UploadSession
from storage.services.recording import after_version_recorded, versions_sha1_enqueue

if TYPE_CHECKING:
    from accounts.models import User

UPLOADED = ActivityEvent.Kind.UPLOAD_COMPLETED
_VERSION_FILE = FileVersion._meta.get_field("file")
_FILE_CURRENT_VERSION = File._meta.get_field("current_version")

# What each completed file of a batch gets: its recorded version, or the error the
# single-file request would have answered with.
CompleteResult = FileVersion | DomainError


@dataclass
class Verified:
    """An upload whose object the store showed as the session declared it."""

    upload: UploadSession
    etag: str
    sha256_hex: str


@dataclass
class Bulk:
    """What record_in_bulk decided: the recorded uploads' results, the sessions found
    completed already, and the uploads to record alone."""

    results: dict[Any, CompleteResult] = field(default_factory=dict)
    # Sessions a concurrent complete recorded first: their version ids.
    completed_before: dict[Any, Any] = field(default_factory=dict)
    # What to record alone, after the commit.
    alone: list[Verified] = field(default_factory=list)


class _Locked(NamedTuple):
    """A session's row as read under its lock: what recording it needs."""

    pk: uuid.UUID
    status: str
    version_id: uuid.UUID | None
    owner_id: uuid.UUID
    created_by_id: uuid.UUID | None
    folder_id: uuid.UUID | None
    name: str
    size_bytes: int
    content_type: str
    on_conflict: str
    key: str
    reserved_files: int


_LOCKED_FIELDS = _Locked._fields


def record_in_bulk(items: list[Verified], *, actor: User | None, origin: Origin) -> Bulk:
    """Record in one transaction what can be recorded plainly: a new file under a free
    name, or a new version of the live file of that name (on_conflict "version"). The
    rest (see uploads_complete_batch) is left for the single-file recorder. Raises
    NameTaken, with nothing recorded, when a file took one of the names between the
    check and the insert (uploads_complete_batch then records the batch again). Locks the
    owners' spaces (exclusive: single completes wait, so the names checked stay free), the
    sessions, the folders, the files that get a version, then the owners' Usage rows
    (storage/locks.py)."""
    bulk = Bulk()
    if not items:
        return bulk
    with transaction.atomic():
        owner_ids = sorted({i.upload.owner_id for i in items})
        space_lock(owner_ids=owner_ids, shared=False)
        # The sessions' rows as values, not instances (storage/locks.py's order: after the spaces).
        locked = {
            row[0]: _Locked(*row)
            for row in UploadSession.objects.select_for_update()
            .filter(pk__in=[item.upload.pk for item in items])
            .values_list(*_LOCKED_FIELDS)
        }
        folder_ids = {item.upload.folder_id for item in items if item.upload.folder_id is not None}
        folders = {folder.pk: folder for folder in folders_lock(folder_ids=folder_ids)} if folder_ids else {}
        taken_by_folder, files_by_name = _names_taken(items)

        plain: dict[Any, list[tuple[Verified, _Locked, File | None]]] = defaultdict(list)
        claimed: set[tuple] = set()
        for item in items:
            session = locked[item.upload.pk]
            if session.status == UploadSession.Status.COMPLETED:
                bulk.completed_before[session.pk] = session.version_id
                continue
            if session.status != UploadSession.Status.PENDING:
                bulk.results[session.pk] = UploadGone.for_status(session.status)  # its own message
                continue
            place = (session.owner_id, session.folder_id, session.name)
            folder = folders.get(session.folder_id) if session.folder_id is not None else None
            existing = files_by_name.get(place)
            if (
                place in taken_by_folder
                or place in claimed
                or item.upload.owner.deleting_at is not None
                or (session.folder_id is not None and (folder is None or folder.deleted_at is not None))
                or session.on_conflict == UploadSession.OnConflict.RENAME
                or (existing is not None and session.on_conflict != UploadSession.OnConflict.VERSION)
            ):
                bulk.alone.append(item)
                continue
            claimed.add(place)
            plain[session.owner_id].append((item, session, existing))

        recorded: list[tuple[Verified, _Locked, File | None]] = []
        # Usage last (storage/locks.py), by owner.
        usages = {owner_id: usage_lock(user=owner_id) for owner_id in owner_ids}
        for owner_id, entries in plain.items():
            # One that needs a file slot the plan no longer has is recorded alone (and
            # refused there with TooManyFiles).
            applied = quota_commit_each(
                user=owner_id,
                usage=usages[owner_id],
                commits=[(s.size_bytes, s.reserved_files, 0 if existing else 1) for _, s, existing in entries],
            )
            for entry, ok in zip(entries, applied, strict=True):
                if ok:
                    recorded.append(entry)
                else:
                    bulk.alone.append(entry[0])
        if recorded:
            kept = {owner_id: usage.plan.versions_kept for owner_id, usage in usages.items()}
            bulk.results.update(_bulk_rows(recorded, kept=kept, actor=actor, origin=origin))
    return bulk


def _names_taken(items: list[Verified]) -> tuple[set[tuple], dict[tuple, File]]:
    """The (owner, folder, name) places of the items that a live folder holds, and the live
    files at the others: two queries whatever the number of items."""
    owner_ids = {item.upload.owner_id for item in items}
    names = {item.upload.name for item in items}
    folder_ids = {item.upload.folder_id for item in items}
    in_parent = Q(parent_id__in=folder_ids - {None})
    in_folder = Q(folder_id__in=folder_ids - {None})
    if None in folder_ids:
        in_parent |= Q(parent__isnull=True)
        in_folder |= Q(folder__isnull=True)
    live = Q(owner_id__in=owner_ids, name__in=texts_in(names), deleted_at__isnull=True)
    taken_by_folder = set(Folder.objects.filter(live & in_parent).values_list("owner_id", "parent_id", "name"))
    files = File.objects.filter(live & in_folder).select_for_update()
    return taken_by_folder, {(file.owner_id, file.folder_id, file.name): file for file in files}


_FILE_VERSION_SET = ("current_version_id", "size_bytes", "content_type", "updated_at")
_SESSION_CLOSE_SET = ("status", "finished_at", "version_id")


def _bulk_rows(
    entries: list[tuple[Verified, _Locked, File | None]],
    *,
    kept: dict,
    actor: User | None,
    origin: Origin,
) -> dict[Any, CompleteResult]:
    """The rows of the plainly recorded uploads, each kind in one fixed statement
    (kosha/fixed_writes.py): new files, versions, the files that got a new version, the
    sessions, the activity. Returns each session's version, with its file, as built
    from the rows written."""
    now = timezone.now()
    existing_ids = [existing.pk for _, _, existing in entries if existing is not None]
    numbers = (
        dict(
            FileVersion.objects.filter(file_id__in=existing_ids)
            .values("file_id")
            .annotate(last=Max("number"))
            .values_list("file_id", "last")
            .order_by()
        )
        if existing_ids
        else {}
    )
    file_insert, version_insert = rows_insert(File), rows_insert(FileVersion)
    file_rows: list[list] = []
    version_rows: list[list] = []
    file_updates: list[tuple] = []
    session_updates: list[tuple] = []
    events: list[ActivityEvent] = []
    follow_ups: list[tuple[uuid.UUID, uuid.UUID, str, bool]] = []
    results: dict[Any, CompleteResult] = {}
    alias = connection.alias
    completed = UploadSession.Status.COMPLETED
    for item, session, existing in entries:
        version_id = uuid.uuid4()
        if existing is None:
            number = 1
            file_row = file_insert.row(
                {
                    "id": uuid.uuid4(),
                    "name": session.name,
                    "created_at": now,
                    "updated_at": now,
                    "owner_id": session.owner_id,
                    "folder_id": session.folder_id,
                    # Born pointing at its version (a deferred foreign key, as version_record).
                    "current_version_id": version_id,
                    "size_bytes": session.size_bytes,
                    "content_type": session.content_type,
                }
            )
            file_rows.append(file_row)
            file = row_instance(File, file_row, db=alias)
        else:
            number = numbers.get(existing.pk, 0) + 1
            file = existing
            file.current_version_id = version_id
            file.size_bytes = session.size_bytes
            file.content_type = session.content_type
            file.updated_at = now
            file_updates.append((version_id, session.size_bytes, session.content_type, now, file.pk))
        version_row = version_insert.row(
            {
                "id": version_id,
                "file_id": file.pk,
                "number": number,
                "key": session.key,
                "size_bytes": session.size_bytes,
                "content_type": session.content_type,
                "sha256": item.sha256_hex,
                "etag": item.etag.strip('"'),
                "created_at": now,
                "created_by_id": session.created_by_id,
            }
        )
        version_rows.append(version_row)
        version = row_instance(FileVersion, version_row, db=alias)
        _VERSION_FILE.set_cached_value(version, file)
        _FILE_CURRENT_VERSION.set_cached_value(file, version)
        session_updates.append((completed, now, version_id, session.pk))
        detail = {"version": number, "size_bytes": session.size_bytes}
        events.append(item_event_build(kind=UPLOADED, actor=actor, item=file, origin=origin, detail=detail, at=now))
        results[session.pk] = version
        follow_ups.append((version_id, file.pk, session.content_type, number > kept[session.owner_id]))
    try:
        # The unique live-name constraints still guard a file created since the name
        # check; the exception leaving the caller's atomic() rolls everything back.
        rows_insert_write(file_insert, file_rows)
    except IntegrityError:
        raise NameTaken("Another file with this name appeared here; try again.") from None
    rows_insert_write(version_insert, version_rows)
    rows_update_write(rows_update(File, _FILE_VERSION_SET), file_updates)
    rows_update_write(rows_update(UploadSession, _SESSION_CLOSE_SET), session_updates)
    activity_record_many(events)
    count = len(version_rows)
    transaction.on_commit(lambda: UPLOADS_COMPLETED.inc(count))
    transaction.on_commit(partial(_after_versions_recorded, follow_ups))
    return results


def _after_versions_recorded(follow_ups: list[tuple[uuid.UUID, uuid.UUID, str, bool]]) -> None:
    """after_version_recorded of each version (prune, thumbnail, replica), and the SHA-1
    WebDAV's oc:checksums serves (the bytes went straight to the store) from a task per
    many versions instead of one each."""
    for version_id, file_id, content_type, needs_prune in follow_ups:
        after_version_recorded(version_id, file_id=file_id, content_type=content_type, needs_prune=needs_prune)
    versions_sha1_enqueue([version_id for version_id, *_ in follow_ups])
