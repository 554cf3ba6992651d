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

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kosha.errors import DomainError, InvalidInput, NameTaken, NameTakenByFolder, UploadCompleted
from kosha.fixed_writes import rows_insert, rows_insert_write
from kosha.json_in import texts_in
from kosha.metrics import UPLOADS_STARTED
from kosha.origin import Origin
from plans.services import quota_reserve_each
from storage.backends import BackendError, ObjectInfo, get_backend
from storage.locks import folder_pin
from storage.models import File, FileVersion, Folder, UploadSession
from storage.places import Place
from storage.services.recording import session_abandon
from storage.services.uploads.batch_record import Bulk, CompleteResult, Verified, record_in_bulk
from storage.services.uploads.complete import (
    stored_object_check,
    stored_object_verdict,
    verified_record,
)
from storage.services.uploads.start import (
    StartRequest,
    UploadStart,
    session_of_row,
    session_row,
    session_sign,
    start_request_clean,
)
from storage.services.uploads.transfer import upload_require_pending

if TYPE_CHECKING:
    from accounts.models import User


# What each file of a batch gets: its start (or recorded version), or the error the
# single-file request would have answered with.
StartResult = UploadStart | DomainError


def uploads_start_batch(*, actor: User | None, place: Place, files: list[dict[str, Any]]) -> list[StartResult]:
    """Start many uploads into one place, one result per file in order.

    files: dicts of upload_start's fields (name, size_bytes, content_type, sha256,
    on_conflict). place and actor as upload_start (the door checked that actor may add
    there; the place owner's plan and quota apply). Each file gets an UploadStart or the
    error the single start raises for it: InvalidName, InvalidInput, NameTakenByFolder,
    NameTaken (on_conflict "fail" and a live file of that name, or the same name earlier
    in the batch unless on_conflict is "rename"), a QuotaExceeded (decided in request
    order: a file that does not fit is refused and later ones may still fit), or
    StoreUnavailable. Raises NotFound for the whole batch (the place's folder was trashed
    or deleted since the door read it; nothing recorded, nothing reserved). Two queries
    for the names, then one transaction (the folder's key-share lock, then the Usage
    lock, one UPDATE of it, one INSERT of the sessions: kosha.fixed_writes' statement,
    one JSON parameter on PostgreSQL; storage/locks.py, "Deferred key
    checks"), then the signing with none open (no store call for single PUTs on S3; one
    per multipart file). Any other error while signing fails the batch: its sessions
    end (failed) and give their reservations back before it is raised."""
    owner, folder = place.owner, place.folder
    results: list[StartResult | None] = [None] * len(files)
    cleaned: dict[int, StartRequest] = {}
    for index, fields in enumerate(files):
        try:
            cleaned[index] = start_request_clean(**fields)
        except DomainError as exc:
            results[index] = exc

    names = {request.name for request in cleaned.values()}
    live: dict[str, Any] = {"owner": owner, "name__in": texts_in(names), "deleted_at__isnull": True}
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
        insert = rows_insert(UploadSession)
        rows: list[tuple[int, list]] = []
        with transaction.atomic():
            folder_pin(folder_id=place.folder_id)  # first: the folder's key-share lock, before Usage (storage/locks.py)
            refused = quota_reserve_each(user=owner, requests=[(req.size_bytes, slots) for _, req, slots in wanted])
            now = timezone.now()
            for (index, request, slots), error in zip(wanted, refused, strict=True):
                if error is not None:
                    results[index] = error
                else:
                    rows.append((index, session_row(actor=actor, place=place, request=request, slots=slots, now=now)))
            rows_insert_write(insert, [row for _, row in rows])
        sessions = [(index, session_of_row(row, actor=actor, place=place)) for index, row in rows]
    UPLOADS_STARTED.inc(len(sessions))

    try:
        for index, upload in sessions:
            try:
                results[index] = session_sign(upload)
            except DomainError as exc:
                results[index] = exc
    except Exception:
        # An error no file answers for (a bug, the database) fails the whole request, so
        # no URL reaches the client: every session of the batch ends now and gives its
        # reservation back, rather than holding it until it expires (session_sign ended
        # the one that raised; an ended session is left as it is).
        for _, upload in sessions:
            session_abandon(session=upload, status=UploadSession.Status.FAILED)
        raise
    return [result for result in results if result is not None]


def uploads_complete_batch(
    *, actor: User | None, uploads: list[UploadSession], origin: Origin
) -> dict[Any, CompleteResult]:
    """Complete many single-PUT uploads (sessions the door got through
    sharing.access.uploads_for_actor), one result per session, keyed by session id.

    Each gets its recorded FileVersion (also when it was completed before: idempotent
    like upload_complete; UploadCompleted once that version was deleted), or the error
    upload_complete raises for it: UploadGone, UploadExpired, UploadIncomplete,
    SizeMismatch or ChecksumMismatch (the session ends, its reservation is given back),
    StoreUnavailable (nothing recorded, reservation kept), InvalidInput for a multipart
    session (it completes alone, with its parts), and the errors of version_record. The store is asked with no transaction open: one
    listing for the objects it can vouch for (_listed), then the HEADs (and sha256 reads)
    of the others in parallel, at most KOSHA_UPLOAD_BATCH_STORE_WORKERS at a time; then one
    transaction records every upload it can in bulk (locks: each space's Usage in id
    order, the sessions, their folders, the files that get versions); the few it cannot
    (a conflict that appeared since the start, a rename, a file slot short) are recorded
    one by one after it, by the single-file recorder. A file that takes one of the names
    while the batch records fails no other upload (_record)."""
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

    verified: list[Verified] = []
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
        verified.append(Verified(upload=upload, etag=info.etag, sha256_hex=sha256_hex))

    bulk = _record(verified, actor=actor, origin=origin)
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
        # A version deleted since (pruned; the session's version_id is then null): what
        # the single complete answers for that session.
        results.update(
            {pk: versions.get(version_id) or UploadCompleted() for pk, version_id in done_version_ids.items()}
        )
    return results


def _record(verified: list[Verified], *, actor: User | None, origin: Origin) -> Bulk:
    """record_in_bulk, once more when a file took one of the names between its check and
    its INSERT (NameTaken, nothing recorded): the second attempt sees that file and
    decides its upload as on_conflict says, so one file's race never fails the batch. A
    second race leaves every upload to the single-file recorder, which decides each alone."""
    for _attempt in range(2):
        try:
            return record_in_bulk(verified, actor=actor, origin=origin)
        except NameTaken:
            continue
    return Bulk(alone=list(verified))


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
