"""Object keys. No user text ever reaches a key: `users/<user uuid>/blobs/<blob uuid>`."""

import uuid


def user_prefix(user_id: uuid.UUID | str) -> str:
    return f"users/{user_id}/"


def blob_key(user_id: uuid.UUID | str, blob_id: uuid.UUID | None = None) -> str:
    return f"{user_prefix(user_id)}blobs/{blob_id or uuid.uuid4()}"


def thumbnail_key(user_id: uuid.UUID | str, version_id: uuid.UUID | str, size: int) -> str:
    return f"{user_prefix(user_id)}thumbs/{version_id}-{size}.webp"


def archive_key(user_id: uuid.UUID | str, archive_id: uuid.UUID | str) -> str:
    return f"{user_prefix(user_id)}archives/{archive_id}.zip"


def is_archive_key(key: str) -> bool:
    """Whether key names a folder archive (`archive_key`): an object Kosha can build again
    at will, which the replicating backend may keep in the replica alone."""
    parts = key.split("/")
    return len(parts) == 4 and parts[0] == "users" and parts[2] == "archives"
