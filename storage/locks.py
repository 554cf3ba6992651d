"""The project's lock order, kept in one place:

    the owner's space lock -> UploadSession -> Folder -> File -> the owner's Usage row,

sessions, folders and files each by primary key, several owners' space locks and Usage rows
by owner. Every write that takes more than one of these takes them in this order, so two
writes never wait on each other in a cycle. plans/services.py and the storage services
point here.

Why this order (issue 12: one user's completes ran one at a time)
-----------------------------------------------------------------
Until December 2026 the order began with the owner's Usage row, locked (SELECT ... FOR
UPDATE) first by every write of a space and held to its commit. It served two purposes:

1. the quota counters (used and reserved bytes, file count and reserved file slots),
   read and written by the quota operations of plans/services.py;
2. the owner's mutex: every write that changes a space's names or shape (upload and batch
   completes, copies, folder create, rename, move, trash, restore, purge, version
   restore, delete and prune, archives) ran one at a time per owner, so that
   - a name is held by one live item of a folder across both kinds: the database keeps
     names unique within each kind (storage.models.unique_live_names: two partial unique
     indexes per kind, on (owner, folder, name) and (owner, name) at the root), but no
     constraint spans a File and a Folder;
   - a move's cycle and depth checks hold against a tree no other write is changing, and
     a folder trash collects a subtree that cannot gain a folder or a file meanwhile;
   - a new version of the live file of a name finds that file still live and still
     holding the name when it locks it;
   - the file-count rule at a complete (one that reserved no file slot, because its name
     was a live file at the start, becomes a new file when that file went away) reads
     counters nobody else changes before its write.
What a complete itself needs of its session (two completes of one session, a complete
racing an abort or the sweep) is the session's own row lock; version pruning and version
numbers, the file's row lock.

Holding Usage from the first statement of a complete to its commit made one user's
completes queue: a user uploading with 8 connections reached 0.66-0.93x the files/s of
eight users with one each (BENCHMARKS.md, issue 12). The two purposes now have two locks:

1. The space lock (`space_lock`), first: a transaction-scoped lock per owner, shared or
   exclusive (PostgreSQL advisory locks, `pg_advisory_xact_lock_shared` and
   `pg_advisory_xact_lock`, keyed by the owner's id; on SQLite, where every write
   transaction already holds the database's one write lock from its BEGIN
   (transaction_mode IMMEDIATE in kosha/settings), it is nothing). Writes that only add
   files under names they check (a single-file complete or a copy, `version_record`) and
   version pruning take it shared, so they run side by side; every other write of the
   space's names or shape (folder create, rename, move; file rename, move; trash,
   restore, purge; version restore and delete; batch completes; folder copies; archives)
   takes it exclusive, so it runs alone as it ran under the Usage row, and none of the
   shared holders runs meanwhile. Between shared holders:
   - two files of one name: the unique index decides. The complete inserts its file with
     ON CONFLICT DO NOTHING; on PostgreSQL an insert that meets an uncommitted row of the
     same name waits for that transaction, then inserts nothing if it committed. The
     complete then reads the name again and does what its policy says about the file
     that is there now (a new version of it, the next free "name (n).ext", or NameTaken),
     as it would have had it come second under the old lock;
   - a file against a folder of the same name: shared holders create no folders, and
     whoever creates one holds the space lock exclusive;
   - the destination folder: only exclusive holders trash, move or purge folders, so a
     plain read of it under the shared lock stays true until the commit (no FOR UPDATE
     of the folder, which queued every complete into one folder);
   - the file a new version joins: its row lock (FOR UPDATE, by the complete and by the
     prune) orders the version numbers; only exclusive holders trash, rename or move it.
2. The Usage row, last: the counters, changed by one UPDATE at the end of the
   transaction (a conditional one where a plan limit applies: `quota_reserve` at a start,
   `quota_commit_last` at a complete, which refuses a file beyond the plan's file count
   with TooManyFiles) or read under its row lock just before they are written
   (SELECT ... FOR UPDATE, then the UPDATE). The row is then held only from that
   statement to the commit. Because every write of the counters changes them in the same
   transaction as the rows they count, `usage_reconcile` still counts right under the
   Usage lock alone: a write that has not got the row yet has not committed its rows.
   Writes that hold no space lock lock at most a folder (key share), a session, then
   Usage: a start or a copy's reservation (its folder's key-share lock, its new sessions,
   then the reservation; "Deferred key checks" below), an abort or the sweep
   (`session_abandon`), a WebDAV body's reservation growing (uploads/reserve.py).

Taking Usage last in every write is what keeps the order one order now that Usage is no
longer the first lock: a complete holds its session (and a file's row, or an uncommitted
name in the unique index) when it reaches Usage, so no write may hold Usage and then wait
for any of those. An exclusive holder also takes Usage last: it runs alone in its space,
yet an abort (session, then Usage) or a start could be under way.

Deferred key checks
-------------------
PostgreSQL checks a new row's foreign keys (Django makes them DEFERRABLE INITIALLY
DEFERRED) at the commit, with FOR KEY SHARE on each row pointed at: the session's folder
and owner at a start, the file's folder and the version's file at a complete. By then the
transaction holds the owner's Usage row, so those key checks come after Usage in fact.
No lock of this order may refuse them to a transaction that holds Usage while its holder
waits for Usage: `folders_lock` takes FOR NO KEY UPDATE (renames, moves and trashes of
folders, UPDATEs of non-key columns, still wait for it), and files are locked FOR UPDATE
only by writes of their own space (prune, version restore and delete, batch completes),
whose key checks are their own.

The one lock that refuses a key check is a purge's: it DELETEs the folders of its trash
batches. Completes and copies' records hold the space lock, which the purge holds
exclusive, so only the writes that hold no space lock and insert sessions into a folder
meet it: a start (single or batch) and a copy's reservation, which read their folder live
through the door before their transaction, and may find it trashed and then purged. They
take their folder's key-share lock first in their transaction, before Usage, and check
there that it is still live (`folder_key_share`): the key check at their commit then asks
for a lock they hold already. The purge locks its folders FOR UPDATE
(`folders_lock_to_delete`), which waits for those key-share holders, before it reads the
sessions aimed at them:
- a start that has its folder's key-share lock first commits its session; the purge then
  finds it pending, fails it and releases its reservation with the others (no session
  left in a deleted folder, no reservation leaked); the client's complete finds the
  session failed;
- a start that reaches its folder after it was trashed (a purge deletes only trashed
  folders) finds it not live: it answers NotFound (404, the folder) with nothing recorded
  and nothing reserved, as the door would have answered a moment later (on SQLite too).
Other rows that point at folders or files are inserted by writes that do not take Usage
(a star, a public link, a share, an invitation) or that hold the space lock (a zip of a
folder or of a selection in one), so their key checks close no cycle with the purge; but
one whose door read its item live before it was trashed and purged failed that check at
its commit (an IntegrityError, a 500). The first ones pin their item the same way
(`item_pin`, first in their transaction; an invitation's acceptance, `items_key_share`,
before it locks the invitations; a link's visit that records an event or admits a drop,
sharing.services.link_visits.link_item_pin, before it locks the link), and the purge locks the files it deletes FOR UPDATE too,
before it deletes anything: pinned first, the row commits and the purge,
whose FOR UPDATE waited for it, deletes it with its item (Django's cascade reads it after
the lock); an item already trashed answers NotFound with nothing written. A zip checks
its folder is live under the space lock, which the purge takes exclusive
(storage/services/archives.py).
Before December 2026 the start took no folder lock before Usage: a purge that had deleted
the folder and then waited for Usage refused the start's key check at its commit, and
PostgreSQL aborted one of the two (the start answered 503 `database_busy`;
storage/tests/test_lock_order_races.py).
"""

import functools
import uuid
from collections.abc import Iterable

from django.db import connection

from kosha.errors import NotFound
from storage.fixed_reads import upload_locked
from storage.models import File, Folder, UploadSession

# (one owner, several owners) by shared; for several, unnest returns the sorted keys in
# array order, so the locks are taken in key order, in one statement.
_SPACE_LOCK_SQL = {
    True: (
        "SELECT pg_advisory_xact_lock_shared(%s)",
        "SELECT pg_advisory_xact_lock_shared(key) FROM unnest(%s::bigint[]) AS key",
    ),
    False: (
        "SELECT pg_advisory_xact_lock(%s)",
        "SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key",
    ),
}


def space_lock_key(owner_id: uuid.UUID) -> int:
    """The advisory lock key of an owner's space: the first 64 bits of the id, as the
    signed bigint PostgreSQL takes. Two owners sharing a key (one pair in 2**64) would
    only wait for each other."""
    return int.from_bytes(owner_id.bytes[:8], "big", signed=True)


def space_lock(*, owner_ids: Iterable[uuid.UUID], shared: bool) -> None:
    """Take the space lock of each owner (see above), until the end of the transaction:
    shared (writes that only add files or versions: version_record, version pruning) or
    exclusive (every other write of names or shape). Several owners are locked in key
    order. Call first in the transaction (atomic()); one statement on PostgreSQL, none on
    SQLite. Raises RuntimeError outside atomic(): in autocommit the lock would end with
    its own statement and guard nothing."""
    if not connection.in_atomic_block:
        raise RuntimeError("space_lock needs a transaction (atomic()): in autocommit it would guard nothing")
    if connection.vendor != "postgresql":
        return  # SQLite: the write transaction holds the database's write lock already
    keys = sorted({space_lock_key(owner_id) for owner_id in owner_ids})
    if not keys:
        return
    one, many = _SPACE_LOCK_SQL[shared]
    with connection.cursor() as cursor:
        if len(keys) == 1:
            cursor.execute(one, keys)
        else:
            cursor.execute(many, [keys])


def upload_lock(*, upload_id: uuid.UUID) -> UploadSession:
    """The session, its row locked (FOR UPDATE) until the transaction ends, read by one
    fixed statement (storage.fixed_reads.upload_locked; every complete, abort and sweep
    of a session takes it). Raises UploadSession.DoesNotExist."""
    return upload_locked(upload_id)


def folders_lock(*, folder_ids: Iterable[uuid.UUID]) -> list[Folder]:
    """Lock the folders (pk order) against other writers of their rows, but not against
    the foreign-key checks of rows that point at them (PostgreSQL FOR NO KEY UPDATE, which
    FOR KEY SHARE passes). Those checks are deferred to the commit (Django's foreign keys
    are DEFERRABLE INITIALLY DEFERRED), so a start or a complete makes them while it
    already holds the owner's Usage row, taken last; a FOR UPDATE here, by a write that
    then waits for that Usage row (a batch complete, a folder copy), closed a cycle that
    PostgreSQL broke by aborting one of them. Renames, moves and trashes of folders are
    UPDATEs of non-key columns and still wait for this lock. A purge, which deletes its
    folders, locks them with folders_lock_to_delete instead ("Deferred key checks")."""
    return list(Folder.objects.select_for_update(no_key=True).filter(pk__in=list(folder_ids)).order_by("pk"))


def folders_lock_to_delete(*, folder_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Lock the folders a purge is about to DELETE (pk order), FOR UPDATE: the lock their
    DELETE takes anyway, taken before the purge reads what points at them, so that it
    waits first for every start holding one of them by `folder_key_share` and then sees
    that start's committed session ("Deferred key checks" above). Call under the owner's
    space lock (exclusive), before Usage. Returns the ids locked (those still there)."""
    return list(
        Folder.objects.select_for_update().filter(pk__in=list(folder_ids)).order_by("pk").values_list("pk", flat=True)
    )


@functools.cache
def _key_share_sql(model: type[File] | type[Folder], vendor: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    deleted_at = connection.ops.quote_name(model._meta.get_field("deleted_at").column)
    lock = " FOR KEY SHARE" if vendor == "postgresql" else ""  # SQLite: the write transaction is alone
    # Only the model's table and column names are interpolated; the id is a parameter.
    return f"SELECT 1 FROM {table} WHERE {pk} = %s AND {deleted_at} IS NULL{lock}"  # noqa: S608


def _live_key_share(model: type[File] | type[Folder], pk: uuid.UUID) -> bool:
    if not connection.in_atomic_block:
        raise RuntimeError("a key-share lock needs a transaction (atomic()): in autocommit it would guard nothing")
    with connection.cursor() as cursor:
        cursor.execute(_key_share_sql(model, connection.vendor), [model._meta.pk.get_db_prep_value(pk, connection)])
        return cursor.fetchone() is not None


def folder_key_share(*, folder_id: uuid.UUID) -> bool:
    """Whether folder `folder_id` is live (not trashed, not deleted), and if it is, hold
    it, until the end of the transaction, against being deleted, but not against renames,
    moves or trashes (PostgreSQL FOR KEY SHARE, the lock the deferred foreign-key check of
    a row pointing at it takes at the commit). A write that inserts sessions into a
    folder without holding the space lock (a start, a copy's reservation) calls it first
    in its transaction, before Usage ("Deferred key checks" above). One query; locks
    nothing on SQLite. Raises RuntimeError outside atomic()."""
    return _live_key_share(Folder, folder_id)


def file_key_share(*, file_id: uuid.UUID) -> bool:
    """`folder_key_share` for a file: whether it is live, and if it is, hold it (FOR KEY
    SHARE) against being deleted until the end of the transaction. One query; locks
    nothing on SQLite. Raises RuntimeError outside atomic()."""
    return _live_key_share(File, file_id)


def folder_pin(*, folder_id: uuid.UUID | None, field: str | None = "folder") -> None:
    """Hold folder `folder_id` (key share, `folder_key_share`) until the end of the
    transaction, after checking that it is still live: first in the transaction of a write
    that inserts a row pointing at it holding no space lock (a start, a batch start, a
    copy's reservation, before Usage; a star, a public link, a share or an invitation,
    through `item_pin`), so that it either commits before a purge deletes the folder
    (which then takes the new row with it) or finds the folder gone ("Deferred key
    checks" above). None, the root, needs nothing. Raises NotFound (resource "folder", and
    `field`, the request's field naming the folder, when not None), as the door answers
    for a folder trashed or deleted before it read it. One query for a folder. Raises
    RuntimeError outside atomic()."""
    if folder_id is not None and not folder_key_share(folder_id=folder_id):
        where = {"field": field} if field is not None else {}
        raise NotFound("Folder not found.", resource="folder", **where)


def item_pin(*, item: File | Folder, field: str | None = None) -> None:
    """`folder_pin` for a folder; for a file, the same: hold it (key share) until the end
    of the transaction, after checking it is still live, first in the transaction of a
    write that inserts a row pointing at it (a star, a public link, a share, an
    invitation), so that a purge, which locks its files FOR UPDATE before it deletes
    them, waits for that write and deletes its row with the file. Raises NotFound
    (resource "folder" or "file", and `field` when not None). One query; locks nothing on
    SQLite. Raises RuntimeError outside atomic()."""
    if isinstance(item, Folder):
        folder_pin(folder_id=item.pk, field=field)
    elif not file_key_share(file_id=item.pk):
        where = {"field": field} if field is not None else {}
        raise NotFound("File not found.", resource="file", **where)


@functools.cache
def _items_key_share_sql(model: type[File] | type[Folder]) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    # Only the model's table and column names are interpolated; the ids are a parameter.
    return f"SELECT {pk} FROM {table} WHERE {pk} = ANY(%s) ORDER BY {pk} FOR KEY SHARE"  # noqa: S608


def items_key_share(*, folder_ids: Iterable[uuid.UUID], file_ids: Iterable[uuid.UUID]) -> None:
    """Hold these folders, then these files (each in pk order), those still there, live
    or trashed, against being deleted until the end of the transaction (FOR KEY SHARE):
    first in the transaction of a write that inserts rows pointing at items it did not
    check live (invitations_accept: shares of whatever its invitations name), so that a
    purge of one waits for its commit or has committed before (and taken the rows naming
    it with it). At most two queries on PostgreSQL; none on SQLite, where the write
    transaction is alone. Raises RuntimeError outside atomic()."""
    if not connection.in_atomic_block:
        raise RuntimeError("items_key_share needs a transaction (atomic()): in autocommit it would guard nothing")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model, ids in ((Folder, folder_ids), (File, file_ids)):
            if keys := sorted(set(ids)):
                cursor.execute(_items_key_share_sql(model), [keys])


def file_lock(*, file_id: uuid.UUID) -> File:
    """Lock a file's row (FOR UPDATE) and return it, live or trashed: the caller checks
    `deleted_at`. Raises NotFound (resource "file") when the row is gone, deleted forever
    since the caller read it (a purge between a door's read and the write), never the
    ORM's DoesNotExist (a 500). One query."""
    try:
        return File.objects.select_for_update().get(pk=file_id)
    except File.DoesNotExist:
        raise NotFound("File not found.", resource="file") from None
