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
    if settings.KOSHA_STORAGE == "s3":
        from storage.backends.s3 import S3Backend

        return S3Backend.from_settings()
    from storage.backends.local import LocalBackend

    return LocalBackend.from_settings()


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
