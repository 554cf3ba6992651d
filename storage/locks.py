"""The project's lock order, kept in one place: Usage -> UploadSession -> Folder -> File,
each by primary key. Every write that takes more than one of these locks takes them in
this order, so two writes never wait on each other in a cycle.

Usage is locked by `plans.services.usage_lock`; the rest here. This is the only place
the order is written: plans/services.py and the storage services point here.
"""

import uuid
from collections.abc import Iterable

from storage.models import File, Folder, UploadSession


def upload_lock(*, upload_id: uuid.UUID) -> UploadSession:
    return UploadSession.objects.select_for_update().get(pk=upload_id)


def folders_lock(*, folder_ids: Iterable[uuid.UUID]) -> list[Folder]:
    return list(Folder.objects.select_for_update().filter(pk__in=list(folder_ids)).order_by("pk"))


def file_lock(*, file_id: uuid.UUID) -> File:
    return File.objects.select_for_update().get(pk=file_id)
