"""Handing out a file's bytes: a short-lived presigned GET, and the download recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from activity.models import ActivityEvent
from kosha.errors import NotFound
from kosha.origin import Origin
from storage.audit import item_event_record
from storage.downloads import version_download_url
from storage.models import File, FileVersion

if TYPE_CHECKING:
    from accounts.models import User


def file_download_url(
    *, actor: User | None, file: File, version: FileVersion | None = None, inline: bool = False, origin: Origin
) -> str:
    """A short-lived GET URL of a version of `file` (the current one when None), a file
    the door got through sharing.access, for actor (a User, or None for a link visitor).
    `inline` is honoured only for types that cannot run script. A download (not an
    inline preview) records DOWNLOAD in the file owner's space, so an owner learns what
    collaborators and link visitors took. Raises NotFound for a file without content.
    Locks nothing."""
    version = version or file.current_version
    if version is None:
        raise NotFound("This file has no content yet.", resource="file")
    url = version_download_url(file=file, version=version, inline=inline)
    if not inline:
        detail = {"version": version.number} if version.pk != file.current_version_id else None
        with transaction.atomic():
            item_event_record(kind=ActivityEvent.Kind.DOWNLOAD, actor=actor, item=file, origin=origin, detail=detail)
    return url
