"""`get_backend()` picks the object store implementation from settings, once."""

from functools import cache

from django.conf import settings

from storage.backends.base import (
    BackendBusy,
    BackendError,
    BackendMisconfigured,
    ListedObject,
    ObjectInfo,
    PartsRejected,
    PresignedRequest,
    StorageBackend,
    StoredPart,
    UploadNotFound,
)


@cache
def get_backend() -> StorageBackend:
    """The primary store (KOSHA_STORAGE), wrapped with its replica when
    KOSHA_REPLICA_STORAGE names one (storage/backends/replica.py)."""
    if settings.KOSHA_STORAGE == "s3":
        from storage.backends.s3 import S3Backend

        primary = S3Backend.from_settings()
    else:
        from storage.backends.local import LocalBackend

        primary = LocalBackend.from_settings()
    if not settings.KOSHA_REPLICA_STORAGE:
        return primary
    from storage.backends.replica import ReplicatingBackend

    return ReplicatingBackend(
        primary=primary,
        replica=_replica_from_settings(),
        failure_threshold=settings.KOSHA_REPLICA_FAILURE_THRESHOLD,
        probe_seconds=settings.KOSHA_REPLICA_PROBE_SECONDS,
    )


def _replica_from_settings() -> StorageBackend:
    if settings.KOSHA_REPLICA_STORAGE == "s3":
        from storage.backends.s3 import S3Backend

        return S3Backend(
            bucket=settings.KOSHA_REPLICA_S3_BUCKET,
            endpoint_url=settings.KOSHA_REPLICA_S3_ENDPOINT_URL,
            region=settings.KOSHA_REPLICA_S3_REGION,
            access_key_id=settings.KOSHA_REPLICA_S3_ACCESS_KEY_ID,
            secret_access_key=settings.KOSHA_REPLICA_S3_SECRET_ACCESS_KEY,
            addressing_style=settings.KOSHA_REPLICA_S3_ADDRESSING_STYLE,
        )
    from storage.backends.local import LocalBackend

    return LocalBackend(root=settings.KOSHA_REPLICA_LOCAL_STORAGE_DIR)


__all__ = [
    "BackendError",
    "ListedObject",
    "ObjectInfo",
    "PartsRejected",
    "PresignedRequest",
    "StorageBackend",
    "BackendBusy",
    "BackendMisconfigured",
    "StoredPart",
    "UploadNotFound",
    "get_backend",
]
