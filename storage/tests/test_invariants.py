"""A Jepsen-style check of the store/rows/quota invariants (issue 9).

A seeded, randomized workload runs in concurrent threads (each with its own database
connection) through the real services, against PostgreSQL (or SQLite, on a file:
_file_backed_sqlite) and a real store (the local one and moto's S3 server): upload
starts (some over quota), PUTs (right, short, oversized, repeated), completes, aborts,
copies, moves, trash, restore and purge, new versions of live files, and the sweeps.
After the run the checker asserts, and reports as violations:

1. every object under users/ is accounted for by a version row (blob or thumbnail), a
   pending session, or a session that ended within the late-write grace;
2. every version row's object exists with the recorded size (and ETag);
3. each user's usage equals the sum of their rows, and reservations equal their live
   sessions (bytes and file slots);
4. no reservation leaks: after the upload sweep has expired every session, nothing stays
   reserved.

`KOSHA_INVARIANT_OPS` (default 240) and `KOSHA_INVARIANT_SEED` (default 9) reproduce a
run; the figure for 2000 operations is in BENCHMARKS.md.
"""

from __future__ import annotations

import os
import random
import sqlite3
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from kosha.errors import DomainError
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.races import run_concurrently
from plans.models import Usage
from storage.backends import BackendError, PresignedRequest, get_backend
from storage.models import File, FileVersion, Folder, UploadSession
from storage.places import Place
from storage.services.files import file_copy, file_update
from storage.services.janitors import orphans_sweep
from storage.services.trash import file_trash, trash_delete, trash_restore
from storage.services.uploads import upload_complete, upload_start
from storage.services.uploads.sweep import upload_abort, upload_sweep

OPS = int(os.environ.get("KOSHA_INVARIANT_OPS", "240"))
SEED = int(os.environ.get("KOSHA_INVARIANT_SEED", "9"))
WORKERS = 4
ROUND_OPS = 25  # per worker per round: each round well inside run_concurrently's 60 s
NAMES = [f"n{n}.bin" for n in range(8)]


def _late() -> timedelta:
    """Past every session's expiry: a sweep run as of now + this ends them all."""
    return timedelta(hours=settings.KOSHA_UPLOAD_SESSION_HOURS + 1)


def _payload(rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice((0, 1, 17, 1024, 4096)))


class Worker:
    """One thread's share of the workload: its own random stream, the sessions it started."""

    def __init__(self, index: int, users: list, folders: dict, base_url: str) -> None:
        self.base_url = base_url
        self.rng = random.Random(SEED * 1000 + index)
        self.users = users
        self.folders = folders
        self.sessions: list[tuple[UploadSession, bytes, PresignedRequest]] = []
        self.counts: dict[str, int] = {}
        self.refusals: dict[str, int] = {}

    def step(self) -> None:
        op = self.rng.choice(
            ["upload", "upload", "start", "put", "put", "complete", "complete", "abort", "copy", "move"]
            + ["trash", "restore", "purge", "sweep"]
        )
        self.counts[op] = self.counts.get(op, 0) + 1
        try:
            getattr(self, f"op_{op}")()
        except (DomainError, BackendError, FileNotFoundError) as exc:
            # A refusal the workload expects; the checker judges the outcome.
            refused = f"{op}:{type(exc).__name__}"
            self.refusals[refused] = self.refusals.get(refused, 0) + 1

    def _user(self):
        return self.rng.choice(self.users)

    def _file(self, **filters):
        owner = self._user()
        found = list(File.objects.filter(owner=owner, **filters).values_list("pk", flat=True)[:20])
        # None when another thread's purge deleted the one picked since the listing.
        return File.objects.filter(pk=self.rng.choice(found)).first() if found else None

    def op_start(self) -> None:
        owner = self._user()
        data = _payload(self.rng)
        # Sometimes far over the plan's quota: refused before anything is reserved.
        size = len(data) if self.rng.random() > 0.05 else 10**13
        folder = self.rng.choice([None, self.folders[owner.pk]])
        started = upload_start(
            actor=owner,
            place=Place(owner=owner, folder=folder),
            name=self.rng.choice(NAMES),  # a taken name: a new version of that file
            size_bytes=size,
            content_type="application/octet-stream",
        )
        self.sessions.append((started.upload, data, started.put))

    def _session(self):
        """Mostly the newest sessions (as a client works), sometimes an old one (reused)."""
        if not self.sessions:
            return None, b"", None
        recent = self.sessions[-3:] if self.rng.random() < 0.8 else self.sessions
        return self.rng.choice(recent)

    def op_upload(self) -> None:
        """The whole happy path, so files accumulate for the other operations to use."""
        self.op_start()
        session, data, put = self.sessions[-1]
        self._send(put, data)
        upload_complete(actor=session.owner, upload=session, origin=TASK)

    def _send(self, put: PresignedRequest, data: bytes) -> None:
        """The PUT a browser sends to the signed URL (the store enforces what it signs)."""
        url = put.url if put.url.startswith("http") else self.base_url + put.url
        requests.request(put.method, url, data=data, headers=put.headers, timeout=30)

    def op_put(self) -> None:
        session, data, put = self._session()
        if session is None:
            return
        kind = self.rng.random()
        if kind < 0.15:
            data = data + b"overflow"  # oversized: complete must refuse it
        elif kind < 0.25 and data:
            data = data[:-1]  # aborted mid-transfer: short
        self._send(put, data)  # a PUT again after complete is the reused URL

    def op_complete(self) -> None:
        session, _, _ = self._session()
        if session is not None:
            session.refresh_from_db()
            upload_complete(actor=session.owner, upload=session, origin=TASK)

    def op_abort(self) -> None:
        session, _, _ = self._session()
        if session is not None:
            session.refresh_from_db()
            upload_abort(upload=session)

    def op_copy(self) -> None:
        file = self._file(deleted_at__isnull=True)
        if file is not None:
            file_copy(actor=file.owner, file=file, name=f"copy-{self.rng.randrange(10**6)}.bin", origin=TASK)

    def op_move(self) -> None:
        file = self._file(deleted_at__isnull=True)
        if file is not None:
            folder = self.rng.choice([None, self.folders[file.owner_id]])
            file_update(actor=file.owner, file=file, place=Place(owner=file.owner, folder=folder), origin=TASK)

    def op_trash(self) -> None:
        file = self._file(deleted_at__isnull=True)
        if file is not None:
            file_trash(actor=file.owner, file=file, origin=TASK)

    def op_restore(self) -> None:
        file = self._file(deleted_at__isnull=False)
        if file is not None:
            trash_restore(actor=file.owner, item=file, origin=TASK)

    def op_purge(self) -> None:
        file = self._file(deleted_at__isnull=False)
        if file is not None:
            trash_delete(actor=file.owner, item=file, origin=TASK)

    def op_sweep(self) -> None:
        if self.rng.random() < 0.5:
            upload_sweep(now=timezone.now() + (_late() if self.rng.random() < 0.1 else timedelta(0)))
        else:
            orphans_sweep(dry_run=False)


def violations_find(users) -> list[str]:
    """The invariants of the module docstring, checked against the rows and the store;
    returns one line per violation (empty: all hold)."""
    backend = get_backend()
    found: list[str] = []
    grace_start = timezone.now() - timedelta(seconds=settings.KOSHA_LATE_WRITE_MARGIN_SECONDS)
    recorded = dict(FileVersion.objects.values_list("key", "size_bytes"))
    thumbnails = set(FileVersion.objects.exclude(thumbnail_key="").values_list("thumbnail_key", flat=True))
    live_sessions = set(
        UploadSession.objects.filter(status=UploadSession.Status.PENDING).values_list("key", flat=True)
    ) | set(UploadSession.objects.filter(finished_at__gte=grace_start).values_list("key", flat=True))
    listed = {item.key: item.size_bytes for item in backend.list_prefix(prefix="users/")}
    for key in listed:
        if key not in recorded and key not in thumbnails and key not in live_sessions:
            found.append(f"object {key} accounted for by no row or live session")
    for version in FileVersion.objects.values("key", "size_bytes", "etag"):
        info = backend.head(key=version["key"])
        if info is None:
            found.append(f"version object {version['key']} missing")
        elif info.size_bytes != version["size_bytes"] or (version["etag"] and info.etag != version["etag"]):
            found.append(f"version object {version['key']} is {info.size_bytes} B {info.etag}, row says otherwise")
    for user in users:
        found.extend(_usage_violations(user))
    return found


def _usage_violations(user) -> list[str]:
    usage = Usage.objects.get(user=user)
    pending = UploadSession.objects.filter(owner=user, status=UploadSession.Status.PENDING)
    expected = {
        "used_bytes": FileVersion.objects.filter(file__owner=user).aggregate(t=Sum("size_bytes"))["t"] or 0,
        "file_count": File.objects.filter(owner=user).count(),
        "reserved_bytes": pending.aggregate(t=Sum("size_bytes"))["t"] or 0,
        "reserved_files": pending.aggregate(t=Sum("reserved_files"))["t"] or 0,
    }
    return [
        f"{user.email}: {name} is {getattr(usage, name)}, rows say {value}"
        for name, value in expected.items()
        if getattr(usage, name) != value
    ]


@pytest.fixture(scope="module", autouse=True)
def _file_backed_sqlite(django_db_setup, django_db_blocker, live_server, tmp_path_factory):
    """On SQLite, this module's database is a file (a copy of the in-memory test
    database), and the live server's requests open their own connections to it.

    Django's in-memory test database is one shared-cache database: its connections lock
    whole tables and a writer that meets a lock fails at once ("database table is
    locked"; the busy timeout does not apply), and the live server's requests all share
    the test's one connection. The workload's threads need what the embedded deployment
    has: a file in WAL mode whose writers wait for each other (kosha/settings: IMMEDIATE
    transactions, a 20 s busy timeout), each on its own connection. PostgreSQL: nothing."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    settings_dict = connection.settings_dict
    memory_name = settings_dict["NAME"]
    path = tmp_path_factory.mktemp("invariants") / "test.sqlite3"
    override = live_server.thread.connections_override or {}
    with django_db_blocker.unblock():
        connection.ensure_connection()
        in_memory = connection.connection  # kept open: closing it would drop the in-memory database
        copy = sqlite3.connect(path)
        in_memory.backup(copy)
        copy.close()
        connection.connection = None  # the wrapper reconnects, to the file (every thread's does)
        settings_dict["NAME"] = str(path)
        shared = override.pop(connection.alias, None)
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            connection.close()
            settings_dict["NAME"] = memory_name
            connection.connection = in_memory
            if shared is not None:
                override[connection.alias] = shared


@pytest.fixture(params=["local", "moto"])
def invariant_store(request):
    request.getfixturevalue({"local": "local_settings", "moto": "s3_settings"}[request.param])
    return get_backend()


@pytest.mark.django_db(transaction=True)
def test_a_random_concurrent_workload_keeps_every_invariant(invariant_store, live_server):
    users = [factories.user(f"jepsen{n}") for n in range(3)]
    folders = {user.pk: factories.folder(user, "inbox") for user in users}
    workers = [Worker(index, users, folders, live_server.url) for index in range(WORKERS)]
    done = 0
    while done < OPS:
        per_worker = min(ROUND_OPS, -(-(OPS - done) // WORKERS))
        results = run_concurrently(WORKERS, lambda i, n=per_worker: [workers[i].step() for _ in range(n)])
        assert not [r for r in results if isinstance(r, BaseException)], results
        done += per_worker * WORKERS

    assert violations_find(users) == []
    # No reservation leaks: once every session has expired and been swept, none remains.
    upload_sweep(now=timezone.now() + _late(), limit=10**6)
    assert UploadSession.objects.filter(status=UploadSession.Status.PENDING).count() == 0
    assert violations_find(users) == []
    assert all(Usage.objects.get(user=user).reserved_bytes == 0 for user in users)
    counts: dict[str, int] = {}
    for worker in workers:
        for op, n in worker.counts.items():
            counts[op] = counts.get(op, 0) + n
    print(sorted(sum((list(w.refusals.items()) for w in workers), [])))
    print(f"invariants: seed {SEED}, {done} operations {sorted(counts.items())}, 0 violations")
    assert sum(counts.values()) == done
    assert File.objects.exists() and Folder.objects.exists()
