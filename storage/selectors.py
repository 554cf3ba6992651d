"""Reads of the storage app, always scoped to a user: another user's object is NotFound."""

import uuid

from django.db.models import QuerySet

from kosha.errors import NotFound
from storage.models import File, FileVersion, Folder, UploadSession


def _parse_id(raw) -> uuid.UUID | None:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        return None


def folder_get_for_user(*, user, folder_id, include_trashed: bool = False) -> Folder:
    """The user's folder, or NotFound (also for another user's folder or a malformed id)."""
    parsed = _parse_id(folder_id)
    queryset = Folder.objects.filter(owner=user, pk=parsed)
    if not include_trashed:
        queryset = queryset.filter(deleted_at__isnull=True)
    folder = queryset.first() if parsed else None
    if folder is None:
        raise NotFound("Folder not found.", resource="folder")
    return folder


def file_get_for_user(*, user, file_id, include_trashed: bool = False) -> File:
    parsed = _parse_id(file_id)
    queryset = File.objects.select_related("current_version", "folder").filter(owner=user, pk=parsed)
    if not include_trashed:
        queryset = queryset.filter(deleted_at__isnull=True)
    file = queryset.first() if parsed else None
    if file is None:
        raise NotFound("File not found.", resource="file")
    return file


def upload_get_for_user(*, user, upload_id) -> UploadSession:
    parsed = _parse_id(upload_id)
    upload = UploadSession.objects.filter(owner=user, pk=parsed).first() if parsed else None
    if upload is None:
        raise NotFound("Upload not found.", resource="upload")
    return upload


def folder_children_for_user(*, user, folder: Folder | None) -> tuple[QuerySet[Folder], QuerySet[File]]:
    """Live subfolders and files directly inside folder (None is the root), by name."""
    folders = Folder.objects.filter(owner=user, parent=folder, deleted_at__isnull=True).order_by("name", "id")
    files = File.objects.filter(owner=user, folder=folder, deleted_at__isnull=True).order_by("name", "id")
    return folders, files


def file_versions_for_user(*, user, file_id) -> QuerySet[FileVersion]:
    file = file_get_for_user(user=user, file_id=file_id)
    return file.versions.order_by("-number")
