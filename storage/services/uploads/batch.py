"""Batches of the direct-upload protocol: many small files in a handful of requests.

- `uploads_start_batch`: validate every file, check the names in two queries, reserve
  quota for all of them under one Usage lock, create the sessions in one INSERT, then
  (no transaction open) sign each PUT or start each multipart upload.
- `uploads_complete_batch`: verify every object, no transaction open (one listing of
  the store for the objects it can vouch for, a HEAD or GET of each other one in a
  bounded thread pool), then record every verified upload in one transaction:
  the files and versions in bulk INSERTs, the reservations moved in one UPDATE per
  space, the sessions closed and the activity written, each in one statement.

Both answer per file, in request order: one bad file never fails the others. A file
is decided exactly as the single-file protocol decides it (same rules, same errors),
and an upload the bulk path cannot record plainly (a name that turned into a conflict
meanwhile, a rename, a folder trashed meanwhile) is recorded alone by the single-file
recorder after the batch commits, so the rules live in one place.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from activity.models import ActivityEvent
from activity.services import activity_record_many
from kosha.errors import DomainError, InvalidInput, NameTaken, NameTakenByFolder, UploadGone
from kosha.fixed_writes import rows_insert, rows_insert_write, rows_update, rows_update_write
from kosha.metrics import UPLOADS_COMPLETED, UPLOADS_STARTED
from kosha.origin import Origin
from plans.services import quota_commit_each, quota_reserve_each, usage_lock
from storage.audit import item_event_build
from storage.backends import BackendError, ObjectInfo, get_backend
from storage.locks import folders_lock
from storage.models import File, FileVersion, Folder, UploadSession
from storage.places import Place
from storage.services.recording import after_version_recorded, session_abandon, versions_sha1_enqueue
from storage.services.uploads.complete import (
    stored_object_check,
    stored_object_verdict,
    verified_record,
)
from storage.services.uploads.start import StartRequest, UploadStart, session_build, session_sign, start_request_clean
from storage.services.uploads.transfer import upload_require_pending

if TYPE_CHECKING:
    from accounts.models import User

UPLOADED = ActivityEvent.Kind.UPLOAD_COMPLETED
_VERSION_FILE = FileVersion._meta.get_field("file")
_FILE_CURRENT_VERSION = File._meta.get_field("current_version")

# What each file of a batch gets: its start (or recorded version), or the error the
# single-file request would have answered with.
StartResult = UploadStart | DomainError
CompleteResult = FileVersion | DomainError


def uploads_start_batch(*, actor: User | None, place: Place, files: list[dict[str, Any]]) -> list[StartResult]:
    """Start many uploads into one place, one result per file in order.

    files: dicts of upload_start's fields (name, size_bytes, content_type, sha256,
    on_conflict). place and actor as upload_start (the door checked that actor may add
    there; the place owner's plan and quota apply). Each file gets an UploadStart or the
    error the single start raises for it: InvalidName, InvalidInput, NameTakenByFolder,
    NameTaken (on_conflict "fail" and a live file of that name, or the same name earlier
    in the batch unless on_conflict is "rename"), a QuotaExceeded (decided in request
    order: a file that does not fit is refused and later ones may still fit), or
    StoreUnavailable. Two queries for the names, then one transaction (the Usage lock,
    one UPDATE of it, one INSERT of the sessions), then the signing with none open
    (no store call for single PUTs on S3; one per multipart file)."""
    owner, folder = place.owner, place.folder
    results: list[StartResult | None] = [None] * len(files)
    cleaned: dict[int, StartRequest] = {}
    for index, fields in enumerate(files):
        try:
            cleaned[index] = start_request_clean(**fields)
        except DomainError as exc:
            results[index] = exc

    names = {request.name for request in cleaned.values()}
    live: dict[str, Any] = {"owner": owner, "name__in": names, "deleted_at__isnull": True}
    folder_names = set(Folder.objects.filter(parent=folder, **live).values_list("name", flat=True)) if names else set()
    file_names = set(File.objects.filter(folder=folder, **live).values_list("name", flat=True)) if names else set()
    wanted: list[tuple[int, StartRequest, int]] = []
    seen: set[str] = set()
    for index, request in cleaned.items():
        name_taken = request.name in file_names
        fail = request.on_conflict == UploadSession.OnConflict.FAIL
        if request.name in folder_names:
            results[index] = NameTakenByFolder(name=request.name)
        elif (fail and name_taken) or (request.name in seen and request.on_conflict != UploadSession.OnConflict.RENAME):
            results[index] = NameTaken(name=request.name)
        else:
            seen.add(request.name)
            # As upload_start: a new version of a live file reserves no file slot.
            version_of_live = name_taken and request.on_conflict == UploadSession.OnConflict.VERSION
            wanted.append((index, request, 0 if version_of_live else 1))

    sessions: list[tuple[int, UploadSession]] = []
    if wanted:
        with transaction.atomic():
            refused = quota_reserve_each(user=owner, requests=[(req.size_bytes, slots) for _, req, slots in wanted])
            for (index, request, slots), error in zip(wanted, refused, strict=True):
                if error is not None:
                    results[index] = error
                else:
                    upload = session_build(actor=actor, place=place, request=request, reserved_files=slots)
                    sessions.append((index, upload))
            UploadSession.objects.bulk_create([upload for _, upload in sessions])
    UPLOADS_STARTED.inc(len(sessions))

    for index, upload in sessions:
        try:
            results[index] = session_sign(upload)
        except DomainError as exc:
            results[index] = exc
    return [result for result in results if result is not None]


@dataclass
class _Verified:
    upload: UploadSession
    etag: str
    sha256_hex: str


def uploads_complete_batch(
    *, actor: User | None, uploads: list[UploadSession], origin: Origin
) -> dict[Any, CompleteResult]:
    """Complete many single-PUT uploads (sessions the door got through
    sharing.access.uploads_for_actor), one result per session, keyed by session id.

    Each gets its recorded FileVersion (also when it was completed before: idempotent
    like upload_complete), or the error upload_complete raises for it: UploadGone,
    UploadExpired, UploadIncomplete, SizeMismatch or ChecksumMismatch (the session ends,
    its reservation is given back), StoreUnavailable (nothing recorded, reservation
    kept), InvalidInput for a multipart session (it completes alone, with its parts), and
    the errors of version_record. The store is asked with no transaction open: one
    listing for the objects it can vouch for (_listed), then the HEADs (and sha256 reads)
    of the others in parallel, at most KOSHA_UPLOAD_BATCH_STORE_WORKERS at a time; then one
    transaction records every upload it can in bulk (locks: each space's Usage in id
    order, the sessions, their folders, the files that get versions); the few it cannot
    (a conflict that appeared since the start, a rename, a file slot short) are recorded
    one by one after it, by the single-file recorder."""
    results: dict[Any, CompleteResult] = {}
    done_version_ids = {}
    pending: list[UploadSession] = []
    for upload in uploads:
        if upload.status == UploadSession.Status.COMPLETED and upload.version_id:
            done_version_ids[upload.pk] = upload.version_id
            continue
        try:
            upload_require_pending(upload)
            if upload.strategy == UploadSession.Strategy.MULTIPART:
                raise InvalidInput(
                    "A multipart upload completes alone, with its parts: POST /api/v1/uploads/<id>/complete/.",
                    field="uploads",
                )
        except DomainError as exc:
            results[upload.pk] = exc
            continue
        pending.append(upload)

    verified: list[_Verified] = []
    for upload, checked in zip(pending, _store_checks(pending), strict=True):
        if isinstance(checked, DomainError):
            results[upload.pk] = checked
            continue
        info, sha256_hex = checked
        failed = stored_object_verdict(upload, info=info, sha256_hex=sha256_hex)
        if failed is not None:
            session_abandon(session=upload, status=UploadSession.Status.FAILED)
            results[upload.pk] = failed
            continue
        verified.append(_Verified(upload=upload, etag=info.etag, sha256_hex=sha256_hex))

    bulk = _record_in_bulk(verified, actor=actor, origin=origin)
    results.update(bulk.results)
    done_version_ids.update(bulk.completed_before)
    for item in bulk.alone:
        try:
            results[item.upload.pk] = verified_record(
                item.upload, etag=item.etag, sha256_hex=item.sha256_hex, actor=actor, origin=origin
            )
        except DomainError as exc:
            results[item.upload.pk] = exc

    if done_version_ids:
        versions = FileVersion.objects.select_related("file__current_version").in_bulk(done_version_ids.values())
        results.update({pk: versions[version_id] for pk, version_id in done_version_ids.items()})
    return results


def _store_checks(uploads: list[UploadSession]) -> list[tuple[ObjectInfo, str] | DomainError]:
    """stored_object_check of each upload, with as few store requests as the store allows:
    first one listing for the uploads a listing can vouch for (_listed), then
    stored_object_check (a HEAD, or a GET) of the rest in parallel threads. Store calls
    only, no query."""
    listed = _listed(uploads)

    def check(upload: UploadSession) -> tuple[ObjectInfo, str] | DomainError:
        try:
            return stored_object_check(upload)
        except DomainError as exc:
            return exc

    results: list[tuple[ObjectInfo, str] | DomainError | None] = [listed.get(upload.pk) for upload in uploads]
    rest = [upload for upload, result in zip(uploads, results, strict=True) if result is None]
    if len(rest) <= 1:
        checked = [check(upload) for upload in rest]
    else:
        workers = min(settings.KOSHA_UPLOAD_BATCH_STORE_WORKERS, len(rest))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload-batch-head") as pool:
            checked = list(pool.map(check, rest))
    answers = iter(checked)
    return [result if result is not None else next(answers) for result in results]


def _listed(uploads: list[UploadSession]) -> dict[Any, tuple[ObjectInfo, str]]:
    """What stored_object_check would answer, by session id, for the uploads that one
    listing (StorageBackend.list_keys) shows at their keys with their declared size: an
    upload without a checksum (the HEAD checks the size alone, and the listing gives the
    size and ETag a HEAD gives), or with one on a store that verifies signed checksums
    (the PUT URL signed the session's SHA-256 and length, and the key is fresh: the
    object there holds the signed bytes, so their SHA-256 is the session's). Anything
    else, an upload the listing does not show, or shows with another size, is left to
    stored_object_check, which decides it exactly as for a single complete. A store
    that fails the listing leaves everything to it."""
    backend = get_backend()
    signed = [upload for upload in uploads if upload.sha256]
    trusted = bool(signed) and len(uploads) > 1 and backend.verifies_signed_checksums
    candidates = uploads if trusted else [upload for upload in uploads if not upload.sha256]
    if len(candidates) < 2:
        return {}
    try:
        listed = backend.list_keys(keys=[upload.key for upload in candidates])
    except BackendError:
        return {}
    found: dict[Any, tuple[ObjectInfo, str]] = {}
    for upload in candidates:
        stored = listed.get(upload.key)
        if stored is not None and stored.size_bytes == upload.size_bytes:
            info = ObjectInfo(size_bytes=stored.size_bytes, content_type=upload.content_type, etag=stored.etag)
            found[upload.pk] = (info, upload.sha256)
    return found


@dataclass
class _Bulk:
    results: dict[Any, CompleteResult] = field(default_factory=dict)
    # Sessions a concurrent complete recorded first: their version ids.
    completed_before: dict[Any, Any] = field(default_factory=dict)
    # What to record alone, after the commit.
    alone: list[_Verified] = field(default_factory=list)


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


def _record_in_bulk(items: list[_Verified], *, actor: User | None, origin: Origin) -> _Bulk:
    """Record in one transaction what can be recorded plainly: a new file under a free
    name, or a new version of the live file of that name (on_conflict "version"). The
    rest (see uploads_complete_batch) is left for the single-file recorder. Raises
    NameTaken, with nothing recorded, when a file took one of the names between the
    check and the insert (the retry records that upload alone)."""
    bulk = _Bulk()
    if not items:
        return bulk
    with transaction.atomic():
        usages = {owner_id: usage_lock(user=owner_id) for owner_id in sorted({i.upload.owner_id for i in items})}
        # The sessions' rows as values, not instances (storage/locks.py's order: after Usage).
        locked = {
            row[0]: _Locked(*row)
            for row in UploadSession.objects.select_for_update()
            .filter(pk__in=[item.upload.pk for item in items])
            .values_list(*_LOCKED_FIELDS)
        }
        folder_ids = {item.upload.folder_id for item in items if item.upload.folder_id is not None}
        folders = {folder.pk: folder for folder in folders_lock(folder_ids=folder_ids)} if folder_ids else {}
        taken_by_folder, files_by_name = _names_taken(items)

        plain: dict[Any, list[tuple[_Verified, _Locked, File | None]]] = defaultdict(list)
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

        recorded: list[tuple[_Verified, _Locked, File | None]] = []
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


def _names_taken(items: list[_Verified]) -> tuple[set[tuple], dict[tuple, File]]:
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
    live = Q(owner_id__in=owner_ids, name__in=names, deleted_at__isnull=True)
    taken_by_folder = set(Folder.objects.filter(live & in_parent).values_list("owner_id", "parent_id", "name"))
    files = File.objects.filter(live & in_folder).select_for_update()
    return taken_by_folder, {(file.owner_id, file.folder_id, file.name): file for file in files}


_FILE_VERSION_SET = ("current_version_id", "size_bytes", "content_type", "updated_at")
_SESSION_CLOSE_SET = ("status", "finished_at", "version_id")


def _bulk_rows(
    entries: list[tuple[_Verified, _Locked, File | None]],
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
            file = File.from_db(alias, file_insert.attnames, file_row)
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
        version = FileVersion.from_db(alias, version_insert.attnames, version_row)
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
