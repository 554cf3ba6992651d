"""Listing and search benchmark (issue 3): keyset pages and trigram search on PostgreSQL.

Seeds a PostgreSQL database with COPY: one user with 100,000 files in 1,000 folders, one of
them a 10,000-item folder (50 subfolders, 9,950 live files, some trashed ones besides),
among 1,000,000 files of 200 other users (50 nested folders each). The target's files have
1-3 FileVersion rows (current version set, thumbnails on most images), the others' one;
~2% more files are in the trash. Words repeat across all users' names, as they do in real
drives, so the trigram index has to tell one owner's matches from everyone's. Then measures, calling
the selectors the API views call and, separately, through the Django test client (URL,
auth, throttle, serializer and JSON rendering included):
  - page 1 and page 50 (cursor followed 49 times) of the big folder by name, size and
    -modified, 100 items a page;
  - search for a word that exists ("invoice") and for a typo of it ("invocie").
Prints `EXPLAIN (ANALYZE, BUFFERS)` of every query those calls run, then a JSON summary.

Run against a database of its own (it migrates it, seeds it once and reuses the seed on a
second run):
    createdb -h 127.0.0.1 -U postgres kosha_bench_listing
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kosha_bench_listing \
        KOSHA_EMBEDDED=true SECRET_KEY=bench .venv/bin/python -m bench.listing_bench
    dropdb -h 127.0.0.1 -U postgres kosha_bench_listing
Sizes can be scaled down with BENCH_OTHER_USERS, BENCH_OTHER_FILES_PER_USER, BENCH_RUNS.
"""

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kosha.settings")
os.environ.setdefault("KOSHA_EMBEDDED", "true")
os.environ.setdefault("SECRET_KEY", "bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from storage.listing import folder_items_list_for_user  # noqa: E402
from storage.models import File, FileVersion, Folder  # noqa: E402
from storage.search import search_for_user  # noqa: E402

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
PAGE_SIZE = 100
DEEP_PAGE = 50
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
WARMUP = 5
SORTS = ("name", "size", "-modified")
SEARCH_WORD = "invoice"
SEARCH_TYPO = "invocie"  # a transposition, the case WORD_SIMILARITY_THRESHOLD is tuned for
TARGETS_MS = {"page_p95": 30.0, "search_p95": 100.0, "deep_over_first": 1.5}

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
                        updated if number == count else updated - dt.timedelta(days=count - number),
                        owner,
                        thumb,
                    )
                )
                current = version_id
            self.files.append((file_id, owner, folder, name, current, size, ctype, updated, updated, deleted, False))

    def flush(self, cursor) -> None:
        with cursor.copy(
            "COPY storage_folder (id, owner_id, parent_id, name, created_at, updated_at, deleted_at, is_trash_root) "
            "FROM STDIN"
        ) as copy:
            for row in self.folders:
                copy.write_row(row)
        with cursor.copy(
            "COPY storage_fileversion (id, file_id, number, key, size_bytes, content_type, sha256, etag, created_at, "
            "created_by_id, thumbnail_key) FROM STDIN"
        ) as copy:
            for row in self.versions:
                copy.write_row(row)
        with cursor.copy(
            "COPY storage_file (id, owner_id, folder_id, name, current_version_id, size_bytes, content_type, "
            "created_at, updated_at, deleted_at, is_trash_root) FROM STDIN"
        ) as copy:
            for row in self.files:
                copy.write_row(row)
        self.folders.clear()
        self.files.clear()
        self.versions.clear()


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


# --- measuring ------------------------------------------------------------------------------


def _figures(samples: list[float]) -> dict:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(cuts[18], 2),
        "min_ms": round(min(samples), 2),
        "max_ms": round(max(samples), 2),
    }


def timed(*calls, runs: int = RUNS) -> list[dict]:
    """Figures for each call, run in turn (first, second, first, ...) so that a noisy
    neighbour on the shared machine slows every call alike and the ratios stay fair."""
    for _ in range(WARMUP):
        for call in calls:
            call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for call, bucket in zip(calls, samples, strict=True):
            started = time.perf_counter()
            call()
            bucket.append((time.perf_counter() - started) * 1000)
    return [_figures(bucket) for bucket in samples]


def captured(call) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        call()
    return [query["sql"] for query in context.captured_queries]


def explain(statements: list[str]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each captured SELECT, replaying the session settings
    (search's set_config) in one transaction as the selector does."""
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            if "set_config(" in sql:
                cursor.execute(sql)
                continue
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plans.append(sql + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return plans


def listing_case(*, user, folder_id, sort: str, client: Client) -> tuple[dict, dict]:
    def page(cursor=None):
        return folder_items_list_for_user(
            user=user, folder_id=str(folder_id), sort=sort, cursor=cursor, limit=PAGE_SIZE
        )

    cursor, seen = None, 0
    for _ in range(DEEP_PAGE - 1):
        result = page(cursor)
        seen += len(result.items)
        cursor = result.next_cursor
    deep = page(cursor)
    assert len(deep.items) == PAGE_SIZE and deep.items[0]["kind"] == "file", "page 50 should be a full page of files"
    url = f"/api/v1/folders/{folder_id}/items/"

    def api(cursor=None):
        params = {"sort": sort, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:300]

    first_sql, deep_sql = captured(lambda: page()), captured(lambda: page(cursor))
    first_selector, deep_selector = timed(lambda: page(), lambda: page(cursor))
    first_api, deep_api = timed(lambda: api(), lambda: api(cursor))
    figures = {
        "page_1": {"selector": first_selector, "api": first_api, "queries": len(first_sql)},
        f"page_{DEEP_PAGE}": {
            "selector": deep_selector,
            "api": deep_api,
            "queries": len(deep_sql),
            "items_before": seen,
        },
    }
    for layer in ("selector", "api"):
        figures[f"deep_over_first_{layer}_p50"] = round(
            figures[f"page_{DEEP_PAGE}"][layer]["p50_ms"] / figures["page_1"][layer]["p50_ms"], 2
        )
        figures[f"deep_over_first_{layer}_p95"] = round(
            figures[f"page_{DEEP_PAGE}"][layer]["p95_ms"] / figures["page_1"][layer]["p95_ms"], 2
        )
    return figures, {"page_1": explain(first_sql), f"page_{DEEP_PAGE}": explain(deep_sql)}


def search_case(*, user, query: str, client: Client) -> tuple[dict, list[str]]:
    def run():
        return search_for_user(user=user, query=query)

    page = run()

    def api():
        response = client.get("/api/v1/search/", {"q": query})
        assert response.status_code == 200, response.content[:300]

    statements = captured(run)
    selector, through_api = timed(run, api)
    figures = {
        "selector": selector,
        "api": through_api,
        "queries": len(statements),
        "results_on_page": len(page.items),
        "top_names": [item.name for item in page.items[:5]],
        f"top_10_containing_{SEARCH_WORD}": sum(SEARCH_WORD in item.name.lower() for item in page.items[:10]),
    }
    return figures, explain(statements)


def verdicts(listing: dict, search: dict) -> dict:
    pages = [
        case[page][layer]["p95_ms"]
        for case in listing.values()
        for page in ("page_1", f"page_{DEEP_PAGE}")
        for layer in ("selector",)
    ]
    ratios = [case["deep_over_first_selector_p50"] for case in listing.values()]
    searches = [case["selector"]["p95_ms"] for case in search.values()]
    return {
        "every_page_p95_under_30ms": max(pages) < TARGETS_MS["page_p95"],
        "worst_page_p95_ms": max(pages),
        "page_50_within_1_5x_of_page_1": max(ratios) <= TARGETS_MS["deep_over_first"],
        "worst_ratio_p50": max(ratios),
        "search_p95_under_100ms": max(searches) < TARGETS_MS["search_p95"],
        "worst_search_p95_ms": max(searches),
    }


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", interactive=False, verbosity=0)
    user, folder_id, seeding = seed()
    load_before = os.getloadavg()[0]
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    listing, listing_plans = {}, {}
    for sort in SORTS:
        listing[sort], listing_plans[sort] = listing_case(user=user, folder_id=folder_id, sort=sort, client=client)
    search, search_plans = {}, {}
    for label, query in (("word", SEARCH_WORD), ("typo", SEARCH_TYPO)):
        search[f"{label}:{query}"], search_plans[f"{label}:{query}"] = search_case(
            user=user, query=query, client=client
        )

    for sort, pages in listing_plans.items():
        for page, plans in pages.items():
            for plan in plans:
                print(f"\n=== listing sort={sort} {page} ===\n{plan}")
    for label, plans in search_plans.items():
        for plan in plans:
            print(f"\n=== search {label} ===\n{plan}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    summary = {
        "postgresql": server,
        "cpus": os.cpu_count(),
        "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "runs_per_case": RUNS,
        "page_size": PAGE_SIZE,
        "seed": seeding,
        "listing_big_folder": listing,
        "search": search,
        "targets": verdicts(listing, search),
    }
    print("\n" + json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()
