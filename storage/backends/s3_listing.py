"""Finding many fresh blobs in one S3 listing instead of a HEAD each (S3Backend.list_keys).

ListObjectsV2 answers up to 1,000 objects a request, in ascending order of their keys,
starting after any key named by `start-after` (AWS S3 API reference, ListObjectsV2:
"StartAfter is where you want Amazon S3 to start listing from ... can be any key in the
bucket"; MaxKeys, IsTruncated). Blob ids are UUIDv7 (storage/keys.py), so the blobs one
batch started sit next to each other under `users/<user>/blobs/`: a walk that starts just
before the first of them and stops past the last lists them and, at most, the few
blobs that the same user started at the same moment elsewhere.

A walk only ever confirms what it lists. A key it does not list (not uploaded yet, or a
store that lists in another order, or a walk cut short) is left undecided for a HEAD,
so a listing never decides anything a HEAD would decide otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from storage import keys as object_keys
from storage.backends.base import ListedObject

# The most objects one ListObjectsV2 request returns (its MaxKeys limit).
MAX_KEYS = 1000
# Blobs made this far apart are walked separately: the keys between them belong to
# uploads the batch does not hold, and a walk would list them all.
RUN_GAP_MS = 2000
# A walk is cut short once it has listed this many keys beyond the ones it looks for
# (another client of the same user starting blobs at the same moment): HEADs decide the rest.
WALK_SLACK = 200
# Keys a page asks for beyond the ones still looked for, so that a few foreign keys in
# the range do not cost a second request.
PAGE_SLACK = 16

# One page of a listing: (prefix, start_after, max_keys) -> (objects in key order, truncated).
Page = Callable[[str, str, int], tuple[list[ListedObject], bool]]


def blob_runs(keys: Iterable[str]) -> list[list[str]]:
    """The time-ordered blob keys among keys, grouped into runs worth one walk each: same
    user, ids made within RUN_GAP_MS of the previous one, two keys or more (a lone key is
    a HEAD either way), each run in key order. Other keys are left out."""
    by_prefix: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key in set(keys):
        made_ms = object_keys.blob_made_ms(key)
        if made_ms is not None:
            by_prefix[key.rpartition("/")[0]].append((key, made_ms))
    runs: list[list[str]] = []
    for blobs in by_prefix.values():
        blobs.sort()
        run: list[str] = []
        last_ms = None
        for key, made_ms in blobs:
            if last_ms is not None and made_ms - last_ms > RUN_GAP_MS:
                runs.append(run)
                run = []
            run.append(key)
            last_ms = made_ms
        runs.append(run)
    return [run for run in runs if len(run) >= 2]


def run_walk(run: list[str], *, page: Page) -> dict[str, ListedObject]:
    """The keys of one run (blob_runs) that the listing holds, by key: pages from just
    before the first key (start-after the first key without its last character, which
    sorts right before it) until a page reaches the last key, the listing ends, every key
    was found, WALK_SLACK foreign keys were listed, or its pages found no more keys than
    there were pages (so the walk plus a HEAD of each key it missed never costs more
    requests than a HEAD of every key). Raises what page raises."""
    prefix = run[0].rpartition("/")[0] + "/"
    wanted = set(run)
    last = run[-1]
    found: dict[str, ListedObject] = {}
    start_after = run[0][:-1]
    listed = 0
    pages = 0
    while True:
        missing = len(wanted) - len(found)
        objects, truncated = page(prefix, start_after, min(MAX_KEYS, missing + PAGE_SLACK))
        pages += 1
        for listed_object in objects:
            if listed_object.key in wanted:
                found[listed_object.key] = listed_object
        listed += len(objects)
        if not objects or not truncated or objects[-1].key >= last or len(found) == len(wanted):
            return found
        if listed - len(found) > WALK_SLACK or pages >= len(found):
            # Pages that found fewer keys than they cost: another one that finds nothing
            # would make the walk and the HEADs of the rest cost more than a HEAD a key.
            return found
        start_after = objects[-1].key
