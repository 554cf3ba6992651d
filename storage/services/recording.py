"""Recording what a session brought, for uploads and server-side copies alike.

- `version_record`: in one transaction, lock (in the order of storage/locks.py), choose
  the name, create the File or a new FileVersion, move the reservation into used bytes,
  close the session, and schedule the follow-ups (pruning, thumbnail) after commit.
- `session_abandon`: end a pending session that will not be recorded: release its
  reservation in one transaction, then clean the store with none open; `late_writes_end`
  says when its key is deleted once more (a late PUT to a URL S3 cannot revoke).

Neither calls the store inside a transaction: callers copy or HEAD-verify before, and a
crash between the two steps leaves a pending session that the upload sweeper finishes.
"""

from __future__ import annotations

import functools
import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from activity.models import ActivityEvent
from kosha.errors import AccountDeleting, FolderTrashed, NameTaken, NameTakenByFolder, UploadCompleted, UploadGone
from kosha.fixed_writes import row_insert_unless_taken, rows_insert, rows_insert_write, rows_update, rows_update_write
from kosha.metrics import UPLOADS_COMPLETED
from kosha.origin import Origin
from kosha.row_instances import row_instance
from kosha.task_broker import task_enqueue_logged
from plans.services import quota_commit_last, quota_release
from storage.audit import item_event_record
from storage.backends import BackendError, get_backend
from storage.fixed_reads import Converters, converters_of, row_convert
from storage.locks import space_lock, upload_lock
from storage.models import File, FileVersion, Folder, UploadSession
from storage.names import name_free, name_holders
from storage.services.replication import replication_enqueue
from storage.thumbnails import THUMBNAIL_CONTENT_TYPES

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# The fields a recorded version changes on its file and on its session.
_FILE_VERSION_SET = ("current_version_id", "size_bytes", "content_type", "updated_at")
_SESSION_CLOSE_SET = ("status", "finished_at", "version_id")
_FILE_OWNER = File._meta.get_field("owner")
_FILE_FOLDER = File._meta.get_field("folder")
_FILE_CURRENT_VERSION = File._meta.get_field("current_version")
_VERSION_FILE = FileVersion._meta.get_field("file")


def version_record(
    *,
    session: UploadSession,
    etag: str,
    sha256: str,
    name_policy: str,
    actor: User | None,
    origin: Origin,
    copied_from: FileVersion | None = None,
) -> FileVersion:
    """Record the session's stored object as a new File, or as a new version of the live
    file of that name, and commit its reservation; idempotent (a completed session
    returns its version).

    etag: the store's ETag ("" when unknown); sha256: hex digest, "" when not verified;
    name_policy: an UploadSession.OnConflict, what a taken name does (VERSION: a new
    version of that file; RENAME: the first free "name (n).ext"; FAIL: NameTaken);
    copied_from: the version a server-side copy duplicates (its dimensions carry over,
    and a copy is not counted as a completed upload); actor: who completes it (the
    session's starter, the owner, or None for a drop through a link); origin: the door.
    Records UPLOAD_COMPLETED (or COPY) in the session owner's space, in the transaction.

    Raises AccountDeleting, UploadGone (the session ended meanwhile), UploadCompleted (it
    was completed meanwhile and its version deleted since), the FinalConflicts
    FolderTrashed, NameTakenByFolder, NameTaken, and TooManyFiles (a session that reserved
    no file slot, for a version of a file gone meanwhile, became a new file and the plan
    has no room for it). Locks the owner's space (shared), the session, then the file it
    adds a version to, and the owner's Usage row last, by the UPDATE of the counters
    (storage/locks.py). Calls no store."""
    owner = session.owner
    if owner.deleting_at is not None:
        # The account is being purged: record nothing more (the purge removes the bytes).
        raise AccountDeleting()
    with transaction.atomic():
        # Shared: other completes of this space run alongside; whatever renames, moves,
        # trashes or creates folders here waits (storage/locks.py says why that suffices).
        space_lock(owner_ids=[owner.pk], shared=True)
        locked = upload_lock(upload_id=session.pk)
        if locked.status == UploadSession.Status.COMPLETED:
            # A concurrent complete (or a storage event about the key) recorded it first.
            version = (
                FileVersion.objects.select_related("file__current_version").filter(pk=locked.version_id).first()
                if locked.version_id is not None
                else None
            )
            if version is None:
                # Its version was deleted since (SET_NULL): complete, with nothing to return.
                raise UploadCompleted()
            return version
        if locked.status != UploadSession.Status.PENDING:
            raise UploadGone.for_status(locked.status)
        # A plain read: a trash of the folder takes the space lock exclusive, so it waits
        # for this commit (and then trashes this file too) or went first (then this read
        # sees it).
        folder = None
        if locked.folder_id is not None:
            folder = Folder.objects.filter(pk=locked.folder_id, deleted_at__isnull=True).first()
            if folder is None:
                raise FolderTrashed()

        now = timezone.now()
        version_id = uuid.uuid4()
        file, number, files_added = _file_for(
            session=locked, owner=owner, folder=folder, name_policy=name_policy, version_id=version_id, now=now
        )
        version_insert = rows_insert(FileVersion)
        version_row = version_insert.row(
            {
                "id": version_id,
                "file_id": file.pk,
                "number": number,
                "key": locked.key,
                "size_bytes": locked.size_bytes,
                "content_type": locked.content_type,
                "sha256": sha256,
                "sha1": copied_from.sha1 if copied_from else "",  # the same bytes
                "etag": etag.strip('"'),
                "created_at": now,
                "created_by_id": locked.created_by_id,
                "width": copied_from.width if copied_from else None,
                "height": copied_from.height if copied_from else None,
            }
        )
        rows_insert_write(version_insert, [version_row])
        version = row_instance(FileVersion, version_row, db=connection.alias)
        _VERSION_FILE.set_cached_value(version, file)
        _FILE_CURRENT_VERSION.set_cached_value(file, version)
        locked.status = UploadSession.Status.COMPLETED
        locked.version = version
        locked.finished_at = now
        rows_update_write(rows_update(UploadSession, _SESSION_CLOSE_SET), [(locked.status, now, version_id, locked.pk)])
        if copied_from is None:
            transaction.on_commit(UPLOADS_COMPLETED.inc)  # once per recorded version, not per retry
            item_event_record(
                kind=ActivityEvent.Kind.UPLOAD_COMPLETED,
                actor=actor,
                item=file,
                origin=origin,
                detail={"version": number, "size_bytes": version.size_bytes},
            )
        else:
            item_event_record(
                kind=ActivityEvent.Kind.COPY,
                actor=actor,
                item=file,
                origin=origin,
                detail={"from": str(copied_from.file_id), "size_bytes": version.size_bytes},
            )
        # Last: the Usage row is locked from this UPDATE to the commit (storage/locks.py).
        committed = quota_commit_last(
            user_id=owner.pk, size_bytes=locked.size_bytes, files=locked.reserved_files, files_added=files_added
        )
        needs_prune = number > committed.versions_kept
        # WebDAV computes the SHA-1 while the bytes stream in and a copy carries its
        # source's; other uploads (presigned: the bytes never pass here), and copies of
        # a version that had none, get it from a task reading the store.
        needs_sha1 = not version.sha1 and (origin.via != "dav" or copied_from is not None)
        transaction.on_commit(
            lambda: after_version_recorded(
                version.pk,
                file_id=file.pk,
                content_type=version.content_type,
                needs_prune=needs_prune,
                needs_sha1=needs_sha1,
            )
        )
    return version


# How many times a complete chooses its name again after the live file it was to version
# went away: never under the space lock (only exclusive holders trash or purge files), so
# a guard, not a policy.
_GONE_ATTEMPTS = 4


def _file_for(
    *,
    session: UploadSession,
    owner: User,
    folder: Folder | None,
    name_policy: str,
    version_id: uuid.UUID,
    now: datetime,
) -> tuple[File, int, int]:
    """The file the session's version goes to, pointing at version_id already: the live
    file of its name, locked and updated (VERSION), or a new file inserted under the name
    name_policy gives. Returns (file, the version's number, files added: 0 or 1). A new
    file's name that a concurrent complete inserted first (the unique index refuses it,
    storage/locks.py) is chosen again, as if this complete had come second: with no bound,
    since each time another transaction has committed a live file of that name (so RENAME,
    which cannot fail under the old lock, finishes whatever the number of concurrent
    completes of one name; VERSION and FAIL stop at the second choice). Raises
    NameTakenByFolder, NameTaken."""
    gone = 0
    while True:
        name, existing_id = _name_for(session=session, owner=owner, name_policy=name_policy)
        if existing_id is not None:
            updated = _file_version_set(
                file_id=existing_id, values=(version_id, session.size_bytes, session.content_type, now)
            )
            if updated is not None:
                return updated, _last_number(file_id=existing_id) + 1, 0
            gone += 1  # gone meanwhile (cannot happen under the space lock): choose again
            if gone >= _GONE_ATTEMPTS:
                raise NameTaken("The file of this name kept changing; try again.")
            continue
        # Born pointing at its first version (inserted next): the foreign key is checked
        # at commit (Django makes it DEFERRABLE INITIALLY DEFERRED), so the file needs no
        # UPDATE after the version exists.
        file_insert = rows_insert(File)
        file_row = file_insert.row(
            {
                "id": uuid.uuid4(),
                "name": name,
                "created_at": now,
                "updated_at": now,
                "owner_id": owner.pk,
                "folder_id": folder.pk if folder is not None else None,
                "current_version_id": version_id,
                "size_bytes": session.size_bytes,
                "content_type": session.content_type,
            }
        )
        try:
            inserted = row_insert_unless_taken(file_insert, file_row)
        except IntegrityError:
            # SQLite: the exception leaving the atomic() block rolls the whole
            # transaction back (no savepoint needed).
            raise NameTaken("Another file with this name appeared here; try again.") from None
        if inserted:
            file = row_instance(File, file_row, db=connection.alias)
            _FILE_OWNER.set_cached_value(file, owner)
            _FILE_FOLDER.set_cached_value(file, folder)
            return file, 1, 1


def _name_for(*, session: UploadSession, owner: User, name_policy: str) -> tuple[str, uuid.UUID | None]:
    """The name the recorded file gets and, for a new version, the id of the live file it
    joins. One query (two for RENAME)."""
    if name_policy == UploadSession.OnConflict.RENAME:
        return name_free(owner=owner, folder_id=session.folder_id, name=session.name), None
    folder_taken, file_id = name_holders(owner=owner, folder_id=session.folder_id, name=session.name)
    if folder_taken:
        raise NameTakenByFolder()
    if file_id is not None and name_policy == UploadSession.OnConflict.FAIL:
        raise NameTaken(name=session.name)
    return session.name, file_id


def _file_field(attname: str) -> Field:
    field = File._meta.get_field(attname)
    assert isinstance(field, Field)  # a concrete column
    return field


@functools.cache
def _file_version_set_statement() -> tuple[str, list[str], Converters]:
    """UPDATE of a file to its new current version, RETURNING every column of the row as
    it is then: the statement text, the attnames in column order, and their converters
    (storage.fixed_reads). Only the model's table and column names are interpolated."""
    quote = connection.ops.quote_name
    fields = list(File._meta.concrete_fields)
    table = File._meta.db_table
    assignments = ", ".join(f"{quote(_file_field(name).column)} = %s" for name in _FILE_VERSION_SET)
    returning = ", ".join(quote(field.column) for field in fields)
    sql = (
        f"UPDATE {quote(table)} SET {assignments} WHERE {quote(File._meta.pk.column)} = %s"  # noqa: S608
        f" RETURNING {returning}"
    )
    return sql, [field.attname for field in fields], converters_of(dict(enumerate(fields)), table)


def _file_version_set(*, file_id: uuid.UUID, values: tuple) -> File | None:
    """Point the live file file_id at its new version (values: _FILE_VERSION_SET's), and
    return the row as it is then; None if it is gone. The UPDATE locks the row, so
    concurrent new versions of one file take their numbers one after the other."""
    sql, attnames, converters = _file_version_set_statement()
    fields = [_file_field(name) for name in _FILE_VERSION_SET]
    prepared = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prepared, File._meta.pk.get_db_prep_value(file_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    return row_instance(File, row_convert(list(row), converters), db=connection.alias)


def _last_number(*, file_id: uuid.UUID) -> int:
    """The highest version number of a file (0 for none). Read after the file's row is
    locked, in a statement of its own: a number read in the locking statement itself
    would come from the snapshot taken before a concurrent version's commit it waited for
    (PostgreSQL READ COMMITTED re-reads only the locked row)."""
    last = FileVersion.objects.filter(file_id=file_id).order_by("-number").values_list("number", flat=True).first()
    return last or 0


def after_version_recorded(
    version_id: uuid.UUID,
    *,
    file_id: uuid.UUID | None = None,
    content_type: str | None = None,
    needs_prune: bool = True,
    needs_sha1: bool = False,
) -> None:
    """Follow-up work after a version is recorded: prune old versions when the file has
    more than the plan keeps, thumbnail images, copy to the replica if there is one, and
    (needs_sha1) compute the SHA-1 WebDAV sync clients compare (`oc:checksums`).
    Enqueues only what is needed, so a plain
    upload costs the web process no task at all. Call after commit: a broker that fails
    then is logged and raises nothing (kosha.task_broker), since the version is recorded;
    the replica's backlog task still copies it, and storage.services.followups' sweeps
    compute its SHA-1, make its thumbnail and prune its file."""
    if file_id is None or content_type is None:
        found = FileVersion.objects.filter(pk=version_id).values_list("file_id", "content_type").first()
        if found is None:
            return
        file_id, content_type = found
    replication_enqueue(version_id)
    if needs_prune:
        task_enqueue_logged("storage.tasks.file_versions_prune_task", file_id)
    if content_type in THUMBNAIL_CONTENT_TYPES:
        task_enqueue_logged("storage.tasks.version_thumbnail_task", str(version_id))
    if needs_sha1:
        task_enqueue_logged("storage.tasks.version_sha1_task", str(version_id))


# Versions per versions_sha1_task: a batch of the browser's (at most 100 files) is one task.
SHA1_TASK_VERSIONS = 100


def versions_sha1_enqueue(version_ids: list[uuid.UUID]) -> None:
    """Enqueue the SHA-1 (WebDAV's oc:checksums) of versions whose bytes went straight to
    the store: one storage.tasks.versions_sha1_task per SHA1_TASK_VERSIONS of them. Call
    after commit. Locks nothing."""
    ids = [str(version_id) for version_id in version_ids]
    for first in range(0, len(ids), SHA1_TASK_VERSIONS):
        task_enqueue_logged("storage.tasks.versions_sha1_task", ids[first : first + SHA1_TASK_VERSIONS])


def session_abandon(*, session: UploadSession, status: str) -> bool:
    """End a pending session as `status` (aborted, expired, failed): release its
    reservation in one transaction, then clean the store with none open (abort the
    multipart upload, delete the key) and stamp finished_at. Returns False when the
    session was no longer pending (completed or ended meanwhile). Locks the session, then
    Usage (storage/locks.py)."""
    with transaction.atomic():
        locked = upload_lock(upload_id=session.pk)
        if locked.status != UploadSession.Status.PENDING:
            return False
        locked.status = status
        locked.delete_after = late_writes_end(session=locked, now=timezone.now())
        locked.save(update_fields=["status", "delete_after"])
        quota_release(user=session.owner_id, size_bytes=locked.size_bytes, files=locked.reserved_files)
    session_store_clean(session=locked)
    return True


def late_writes_end(*, session: UploadSession, now: datetime) -> datetime:
    """When nothing sent to a session's URLs can still become an object: its URLs, issued
    until `now` at the latest, stop starting PUTs after their lifetime, and a body already
    arriving then gets KOSHA_LATE_WRITE_MARGIN_SECONDS more. S3 cannot revoke a presigned
    URL, so the upload sweep deletes the key of a session that ended unrecorded once more
    at this time (`upload_late_writes_delete`)."""
    multipart = session.strategy == UploadSession.Strategy.MULTIPART
    lifetime = settings.KOSHA_PART_URL_EXPIRES_SECONDS if multipart else settings.KOSHA_PUT_URL_EXPIRES_SECONDS
    return now + timedelta(seconds=lifetime + settings.KOSHA_LATE_WRITE_MARGIN_SECONDS)


def session_store_clean(*, session: UploadSession) -> None:
    """Abort the session's multipart upload and delete its key, then stamp finished_at.
    A store error is logged and left for the sweeper, which retries sessions that ended
    without finished_at. Call with no transaction open."""
    try:
        session_objects_delete(session=session)
    except BackendError:
        logger.warning("Store cleanup of session %s failed; the sweeper will retry", session.pk, exc_info=True)
        return
    UploadSession.objects.filter(pk=session.pk).update(finished_at=timezone.now())


def session_objects_delete(*, session: UploadSession) -> None:
    """Abort the session's multipart upload, if it has one, and delete its key: whatever
    its URLs put in the store goes. Raises BackendError. Call with no transaction open."""
    backend = get_backend()
    if session.multipart_upload_id:
        backend.multipart_abort(key=session.key, upload_id=session.multipart_upload_id)
    backend.delete(keys=[session.key])
