"""Change feed benchmark (issue 14): the cheap poll against what a client would do without
it, on PostgreSQL, through the Django test client (URL, session auth, DRF, JSON).

Seeds a database of its own: BENCH_EVENTS activity events (300,000) over 72 hours among
BENCH_USERS users (500), and one user with a 100-file folder (through the real upload
services, on the local store) and a folder shared with them by another user. Then, in
alternating rounds (kosha's bench.listing_bench.timed: first, second, first, ...):
  - `GET /api/v1/changes/latest/` answered 304 (the poll while nothing changed);
  - `GET /api/v1/folders/root/items/?limit=100` (re-reading the open folder: the poll's
    baseline, what a client without it would do every interval);
  - `GET /api/v1/changes/?cursor=` from a cursor 1 hour old and one 72 hours old (a client
    back from a weekend), 200 entries a page.
Prints min/median/max per call, the ratio poll / listing, and the queries of each call.

    createdb -h 127.0.0.1 -U postgres kosha_bench_changes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kosha_bench_changes \\
        KOSHA_EMBEDDED=true SECRET_KEY=bench .venv/bin/python -m bench.changes_bench
    dropdb -h 127.0.0.1 -U postgres kosha_bench_changes
"""

import json
import os
import random
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kosha.settings")
os.environ.setdefault("KOSHA_EMBEDDED", "true")
os.environ.setdefault("SECRET_KEY", "bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from activity.models import ActivityEvent  # noqa: E402
from bench.listing_bench import captured, timed  # noqa: E402
from kosha.pages import cursor_sign  # noqa: E402
from kosha.testing.factories import folder, share, stored_file, user  # noqa: E402
from storage.backends import get_backend  # noqa: E402

USERS = int(os.environ.get("BENCH_USERS", "500"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "300000"))
FILES = 100


def seed() -> User:
    """The target user (made once; a second run reuses the seed)."""
    target = User.objects.filter(email__startswith="bench-changes-target").first()
    if target is not None:
        return target
    target = user("bench-changes-target")
    other = user("bench-changes-sharer")
    shared = folder(other, "Team")
    share(other, shared, target, role="editor")
    for number in range(FILES):
        stored_file(target, f"file-{number:03}.txt", b"x")
    User.objects.bulk_create(
        [User(email=f"bench-{number}-{uuid.uuid4().hex[:6]}@example.com") for number in range(USERS)]
    )
    owners = list(User.objects.values_list("pk", flat=True))
    now = timezone.now()
    span = timedelta(hours=72).total_seconds()
    batch = []
    for number in range(EVENTS):
        batch.append(
            ActivityEvent(
                owner_id=random.choice(owners),
                kind=ActivityEvent.Kind.UPLOAD_COMPLETED,
                item_type="file",
                item_id=str(uuid.uuid4()),
                item_name="x.txt",
                item_parent_id=shared.pk if number % 500 == 0 else uuid.uuid4(),
                detail={"version": 1},
                at=now - timedelta(seconds=span * (EVENTS - number) / EVENTS),
            )
        )
        if len(batch) == 10_000:
            ActivityEvent.objects.bulk_create(batch)
            batch = []
    ActivityEvent.objects.bulk_create(batch)
    return target


def main() -> None:
    settings.KOSHA_STORAGE = "local"
    settings.KOSHA_LOCAL_STORAGE_DIR = Path(tempfile.mkdtemp(prefix="kosha-bench-changes-"))
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    settings.KOSHA_CHANGES_SETTLE_SECONDS = 0
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    get_backend.cache_clear()
    call_command("migrate", verbosity=0)
    target = seed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE activity_activityevent")
    client = Client()
    client.force_login(target)
    etag = client.get("/api/v1/changes/latest/")["ETag"]
    scope = f"changes:{target.pk}"
    recent = cursor_sign([timezone.now() - timedelta(hours=1), 0], scope=scope)
    weekend = cursor_sign([timezone.now() - timedelta(hours=72), 0], scope=scope)

    def poll():
        assert client.get("/api/v1/changes/latest/", HTTP_IF_NONE_MATCH=etag).status_code == 304

    def listing():
        assert client.get("/api/v1/folders/root/items/?limit=100").status_code == 200

    def feed(cursor):
        return lambda: client.get("/api/v1/changes/", {"cursor": cursor, "limit": 200}).json()

    calls = {"poll_304": poll, "listing_100": listing, "feed_1h": feed(recent), "feed_72h": feed(weekend)}
    figures = dict(zip(calls, timed(*calls.values()), strict=True))
    queries = {name: len(captured(call)) for name, call in calls.items()}
    summary = {
        "events": ActivityEvent.objects.count(),
        "figures_ms": figures,
        "queries": queries,
        "entries": {"feed_1h": len(feed(recent)()["items"]), "feed_72h": len(feed(weekend)()["items"])},
        "poll_over_listing_median": round(figures["poll_304"]["p50_ms"] / figures["listing_100"]["p50_ms"], 3),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
