"""The walk of a run of blob keys (storage/backends/s3_listing.py) over ListObjectsV2's
paging, played by a sorted list of keys: how many requests it makes."""

import time
import uuid
from datetime import UTC, datetime

from storage import keys
from storage.backends import s3_listing
from storage.backends.base import ListedObject
from storage.ids import uuid7


def _listing(stored: list[str]):
    """ListObjectsV2's paging over `stored` (prefix, start-after, max-keys, IsTruncated)
    as a Page, and the list of the requests it answered."""
    requests = []

    def page(prefix: str, start_after: str, max_keys: int):
        requests.append(start_after)
        after = [key for key in sorted(stored) if key.startswith(prefix) and key > start_after]
        listed = [ListedObject(key=key, size_bytes=1, last_modified=datetime.now(UTC)) for key in after[:max_keys]]
        return listed, len(after) > max_keys

    return page, requests


def _made(count: int) -> list[str]:
    user, start_ns = uuid.uuid4(), time.time_ns()
    return [keys.blob_key(user, uuid7(now_ns=start_ns + step * 10_000)) for step in range(count)]


def test_a_walk_never_costs_more_requests_than_a_head_for_each_key_it_misses():
    made = _made(120)
    # Two keys of a batch with over a hundred of another client's blobs between them.
    wanted = [made[0], made[-1]]
    page, requests = _listing(made)

    found = s3_listing.run_walk(wanted, page=page)

    # The pages, and a HEAD of each key they missed: no more than a HEAD of every key.
    assert found.keys() <= set(wanted)
    assert len(requests) + len(set(wanted) - found.keys()) <= len(wanted)


def test_a_batch_that_holds_its_whole_range_is_one_request():
    made = _made(300)
    page, requests = _listing(made)

    found = s3_listing.run_walk(made, page=page)

    assert set(found) == set(made)
    assert len(requests) == 1
