"""Object keys. No user text ever reaches a key: `users/<user uuid>/blobs/<blob uuid>`.

Blob ids are UUIDv7 (storage/ids.py): random enough that nobody guesses a key, and
ordered by the time they were made, so the blobs a batch of uploads starts together have
neighbouring keys and one listing of the store finds them all (storage/backends/s3.py,
`list_keys`). Blobs made before that have UUIDv4 ids; both have the same form.
"""

import uuid

from storage.ids import parse_id, uuid7, uuid7_milliseconds

_BLOBS = "blobs"

# The store probe's objects (storage/backends/s3_probe.py): never under users/, so no
# user's listing, quota or purge sees them; the orphan sweep deletes stale ones.
PROBES_PREFIX = "kosha-probes/"


def user_prefix(user_id: uuid.UUID | str) -> str:
    return f"users/{user_id}/"


def blob_key(user_id: uuid.UUID | str, blob_id: uuid.UUID | None = None) -> str:
    """The key of a new blob of user_id's (a fresh UUIDv7 unless blob_id is given)."""
    return f"{user_prefix(user_id)}{_BLOBS}/{blob_id or uuid7()}"


def blob_made_ms(key: str) -> int | None:
    """When the blob at key got its id, in Unix milliseconds, for a blob key whose id is a
    UUIDv7 (blob_key); None for any other key, or a blob id of another version."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "users" or parts[2] != _BLOBS:
        return None
    blob_id = parse_id(parts[3])
    if blob_id is None or str(blob_id) != parts[3]:
        return None
    return uuid7_milliseconds(blob_id)


def thumbnail_key(user_id: uuid.UUID | str, version_id: uuid.UUID | str, size: int) -> str:
    return f"{user_prefix(user_id)}thumbs/{version_id}-{size}.webp"


def archive_key(user_id: uuid.UUID | str, archive_id: uuid.UUID | str) -> str:
    return f"{user_prefix(user_id)}archives/{archive_id}.zip"


def is_archive_key(key: str) -> bool:
    """Whether key names a folder archive (`archive_key`): an object Kosha can build again
    at will, which the replicating backend may keep in the replica alone."""
    parts = key.split("/")
    return len(parts) == 4 and parts[0] == "users" and parts[2] == "archives"
