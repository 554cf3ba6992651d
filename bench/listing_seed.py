"""The seed of bench/listing_bench.py: one target user with 100,000 files in 1,000
folders (one of them a 10,000-item folder) among the files of many other users, written
to PostgreSQL with COPY, then indexed and analysed. Reused when a second run finds it.

Imported by listing_bench after django.setup(); not a program of its own.
"""

import datetime as dt
import os
import random
import sys
import time
import uuid

from django.db import connection, transaction

from accounts.models import User
from storage.models import File, FileVersion, Folder

SEED = 3
TARGET_EMAIL = "listing-bench@example.com"
TARGET_FOLDERS = 1000
TARGET_FILES = 100_000
BIG_FOLDER_SUBFOLDERS = 50
BIG_FOLDER_ITEMS = 10_000
OTHER_USERS = int(os.environ.get("BENCH_OTHER_USERS", "200"))
OTHER_FILES_PER_USER = int(os.environ.get("BENCH_OTHER_FILES_PER_USER", "5000"))
OTHER_FOLDERS_PER_USER = 50
TRASHED_SHARE = 0.02


WORDS = (
    "invoice report budget holiday photo meeting notes draft contract scan receipt family "
    "project plan design review summary minutes agenda proposal quote order statement tax "
    "return payslip insurance policy lease mortgage bank letter resume cover passport visa "
    "ticket booking itinerary hotel flight trip beach mountain garden house kitchen renovation "
    "wedding birthday party christmas school homework essay thesis lecture slides exam grades "
    "recipe menu shopping list inventory catalog brochure flyer poster logo banner mockup "
    "wireframe sketch prototype spec requirements roadmap backlog sprint release changelog "
    "manual guide tutorial handbook checklist template form application certificate diploma "
    "license permit warranty manual backup export archive dump log config settings data "
    "dataset survey results analysis chart forecast sales marketing campaign newsletter "
    "press interview podcast episode video clip trailer soundtrack album song demo concert "
    "portrait landscape sunset family vacation kids dog cat baby anniversary reunion team "
    "offsite workshop training onboarding payroll expenses reimbursement audit compliance "
    "quarterly annual monthly weekly daily final revised signed approved old new copy"
).split()
EXTENSIONS = (
    ("pdf", "application/pdf", 30),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 15),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 10),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", 4),
    ("jpg", "image/jpeg", 20),
    ("png", "image/png", 6),
    ("txt", "text/plain", 4),
    ("csv", "text/csv", 3),
    ("md", "text/markdown", 2),
    ("zip", "application/zip", 3),
    ("mp4", "video/mp4", 2),
    ("mp3", "audio/mpeg", 1),
)
EXT_CHOICES = [(ext, ctype) for ext, ctype, _ in EXTENSIONS]
EXT_WEIGHTS = [weight for *_, weight in EXTENSIONS]


# --- seeding --------------------------------------------------------------------------------


class Seeder:
    """Builds rows in memory-light batches and streams them to PostgreSQL with COPY."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.now = dt.datetime.now(dt.UTC)
        self.folders: list[tuple] = []
        self.files: list[tuple] = []
        self.versions: list[tuple] = []

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self, *, days: int = 3 * 365) -> dt.datetime:
        return self.now - dt.timedelta(seconds=self.rng.randrange(days * 86400))

    def file_name(self, taken: set[str]) -> tuple[str, str]:
        rng = self.rng
        ext, ctype = rng.choices(EXT_CHOICES, EXT_WEIGHTS)[0]
        first, second = rng.choice(WORDS), rng.choice(WORDS)
        shape = rng.random()
        if shape < 0.15 and ctype.startswith("image/"):
            stem = f"IMG_{rng.randint(1, 9999):04d}"
        elif shape < 0.45:
            stem = f"{first.capitalize()} {second} {rng.randint(2012, 2025)}"
        elif shape < 0.75:
            stem = f"{first}_{second}_{rng.randint(1, 999):03d}"
        else:
            stem = f"{first}-{second}-v{rng.randint(1, 12)}"
        name, copy = f"{stem}.{ext}", 1
        while name in taken:
            copy += 1
            name = f"{stem} ({copy}).{ext}"
        taken.add(name)
        return name, ctype

    def folder(self, *, owner: uuid.UUID, parent: uuid.UUID | None, name: str) -> uuid.UUID:
        folder_id = self.new_id()
        created = self.moment()
        self.folders.append((folder_id, owner, parent, name, created, created, None, False))
        return folder_id

    def files_in(self, *, owner: uuid.UUID, folder: uuid.UUID | None, live: int, versions: bool = True) -> None:
        rng = self.rng
        taken: set[str] = set()
        trashed = int(live * TRASHED_SHARE)
        for index in range(live + trashed):
            file_id = self.new_id()
            name, ctype = self.file_name(taken)
            size = int(rng.lognormvariate(12, 2.5)) % (8 * 1024**3)
            updated = self.moment()
            deleted = self.moment(days=30) if index >= live else None
            count = rng.choices((1, 2, 3), (70, 20, 10))[0] if versions else 1
            current = None
            for number in range(1, count + 1):
                version_id = self.new_id()
                thumb = ""
                if number == count and ctype.startswith("image/") and rng.random() < 0.8:
                    thumb = f"users/{owner}/thumbs/{version_id}.webp"
                self.versions.append(
                    (
                        version_id,
                        file_id,
                        number,
                        f"users/{owner}/blobs/{version_id}",
                        size if number == count else int(size * rng.uniform(0.5, 1.5)),
                        ctype,
                        "",
                        "",
                        "",
                        updated if number == count else updated - dt.timedelta(days=count - number),
                        owner,
                        thumb,
                    )
                )
                current = version_id
            self.files.append((file_id, owner, folder, name, current, size, ctype, updated, updated, deleted, False))

    def flush(self, cursor) -> None:
        # Folders first, then versions, then the files that point at them.
        for table, columns, rows in (
            ("storage_folder", _FOLDER_COLUMNS, self.folders),
            ("storage_fileversion", _VERSION_COLUMNS, self.versions),
            ("storage_file", _FILE_COLUMNS, self.files),
        ):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            rows.clear()


_FOLDER_COLUMNS = "id, owner_id, parent_id, name, created_at, updated_at, deleted_at, is_trash_root"
_VERSION_COLUMNS = (
    "id, file_id, number, key, size_bytes, content_type, sha256, sha1, etag, created_at, created_by_id, thumbnail_key"
)
_FILE_COLUMNS = (
    "id, owner_id, folder_id, name, current_version_id, size_bytes, content_type, created_at, updated_at, "
    "deleted_at, is_trash_root"
)


def _secondary_indexes(cursor, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX ...) of the tables' indexes that no constraint owns."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY 1
        """,
        [list(tables)],
    )
    return cursor.fetchall()


def seed() -> tuple[User, uuid.UUID, dict]:
    """The target user and the big folder's id; seeds the database on the first run only."""
    target = User.objects.filter(email=TARGET_EMAIL).first()
    if target is not None:
        big = Folder.objects.get(owner=target, name="Big folder")
        return target, big.id, {"reused": True}
    if File.objects.exists():
        sys.exit("The database holds files but no benchmark seed: point DATABASE_URL at an empty database.")

    started = time.perf_counter()
    target = User.objects.create_user(email=TARGET_EMAIL, password=None)
    others = User.objects.bulk_create(
        [User(email=f"other-{index}@example.com", password="!") for index in range(OTHER_USERS)]
    )
    seeder = Seeder()
    tables = ("storage_file", "storage_fileversion", "storage_folder")
    with transaction.atomic(), connection.cursor() as cursor:
        # Bulk load: drop the secondary indexes and rebuild them after the COPY (far faster
        # than maintaining a GIN trigram index row by row), and skip the FK triggers (the
        # rows are consistent by construction). Both last for this transaction only.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        indexes = _secondary_indexes(cursor, tables)
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")

        # The target user: 10 top folders, 939 folders under them, the big folder (one of
        # them) holding 50 subfolders and 9,950 files; the other 90,050 files spread out.
        owner = target.pk
        tops = [
            seeder.folder(owner=owner, parent=None, name=f"{word.capitalize()} {index}")
            for index, word in enumerate(seeder.rng.sample(WORDS, 10))
        ]
        big = seeder.folder(owner=owner, parent=tops[0], name="Big folder")
        subfolders = [
            seeder.folder(owner=owner, parent=big, name=f"{seeder.rng.choice(WORDS)} {index:02d}")
            for index in range(BIG_FOLDER_SUBFOLDERS)
        ]
        middle_count = TARGET_FOLDERS - len(tops) - 1 - len(subfolders)
        middles = [
            seeder.folder(
                owner=owner,
                parent=tops[index % len(tops)],
                name=f"{seeder.rng.choice(WORDS)} {seeder.rng.choice(WORDS)} {index}",
            )
            for index in range(middle_count)
        ]
        big_files = BIG_FOLDER_ITEMS - BIG_FOLDER_SUBFOLDERS
        seeder.files_in(owner=owner, folder=big, live=big_files)
        spread = [*middles, *subfolders, *tops]
        rest = TARGET_FILES - big_files
        for index, folder in enumerate(spread):
            seeder.files_in(owner=owner, folder=folder, live=rest // len(spread) + (index < rest % len(spread)))
        seeder.flush(cursor)

        # Everyone else: 50 folders each (5 at the root, 45 below them), one version per file.
        for other in others:
            roots = [
                seeder.folder(owner=other.pk, parent=None, name=f"{seeder.rng.choice(WORDS)} {index}")
                for index in range(5)
            ]
            folders = [
                *roots,
                *(
                    seeder.folder(owner=other.pk, parent=roots[index % 5], name=f"{seeder.rng.choice(WORDS)} {index}")
                    for index in range(OTHER_FOLDERS_PER_USER - 5)
                ),
            ]
            per_folder = OTHER_FILES_PER_USER // len(folders)
            for folder in folders:
                seeder.files_in(owner=other.pk, folder=folder, live=per_folder, versions=False)
            seeder.flush(cursor)
        copied = time.perf_counter() - started

        for _, definition in indexes:
            cursor.execute(definition)
    indexed = time.perf_counter() - started - copied
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    counts = {
        "files": File.objects.count(),
        "file_versions": FileVersion.objects.count(),
        "folders": Folder.objects.count(),
        "target_live_files": File.objects.filter(owner=target, deleted_at__isnull=True).count(),
        "big_folder_live_files": File.objects.filter(owner=target, folder_id=big, deleted_at__isnull=True).count(),
    }
    return (
        target,
        big,
        {
            "reused": False,
            "copy_seconds": round(copied, 1),
            "index_seconds": round(indexed, 1),
            "total_seconds": round(time.perf_counter() - started, 1),
            **counts,
        },
    )
