"""GET as a redirect to the store's presigned URL, for app passwords that ask for it
(clients that follow redirects, e.g. rclone: then no byte passes through Kosha)."""

from __future__ import annotations

from dav.dav_provider import path_names
from kosha.errors import NotFound
from sharing.access import Need
from sharing.paths import item_at_path_for_actor
from storage.services.downloads import file_download_url


def download_redirect(environ: dict, *, path: str) -> str | None:
    """The presigned GET URL of the file at path (a download recorded with origin `dav`),
    or None when path names no file with content (WsgiDAV answers as usual)."""
    actor = environ["kosha.user"]
    try:
        target = item_at_path_for_actor(actor=actor, names=path_names(path), need=Need.VIEW)
        if target.kind != "file" or target.item.current_version_id is None:
            return None
        return file_download_url(actor=actor, file=target.item, origin=environ["kosha.origin"])
    except NotFound:
        return None
