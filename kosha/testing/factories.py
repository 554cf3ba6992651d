"""Factories: rows made through the real services, so a test's setup obeys every rule a
user's request does (quota, names, locks, follow-up tasks scheduled on commit).

Each factory is the one place that knows a service's signature: when a service changes,
change the call here, not in the tests. Factories act as a task would (origin TASK); the
actor is the owner unless a factory says otherwise (`by=`).
"""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing.commits import committed
from sharing.models import Share, ShareLink
from sharing.services.links import share_link_create
from sharing.services.shares import share_create
from storage.backends import get_backend
from storage.models import File, FileVersion, Folder, UploadSession
from storage.places import Place
from storage.services.folders import folder_create
from storage.services.trash import folder_trash
from storage.services.uploads import upload_complete, upload_start

PASSWORD = "correct horse battery staple"  # every factory-made account's password
LINK_PASSWORD = "open sesame"  # the password of a link made in the "locked" state
LINK_STATES = ("valid", "expired", "revoked", "exhausted", "locked")


def user(label: str = "user", *, password: str = PASSWORD, **fields):
    """A new active account with a unique address `<label>-<8 hex>@example.com`."""
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    return get_user_model().objects.create_user(email=email, password=password, **fields)


def pending_upload(
    owner,
    name: str = "a.txt",
    data: bytes = b"hello",
    *,
    folder: Folder | None = None,
    content_type: str = "text/plain",
    by=None,
) -> UploadSession:
    """An upload started by `by` (default: the owner; an editor of a shared folder may
    start one there too) into the owner's `folder`, its bytes already in the active
    store, not yet completed: what a client leaves just before it calls complete."""
    started = upload_start(
        actor=by or owner,
        place=Place(owner=owner, folder=folder),
        name=name,
        size_bytes=len(data),
        content_type=content_type,
    )
    get_backend().put_bytes(key=started.upload.key, data=data, content_type=content_type)
    return started.upload


def _uploaded(owner, name: str, data: bytes, *, folder: Folder | None, content_type: str, by=None) -> FileVersion:
    """pending_upload, then upload_complete as the uploader."""
    upload = pending_upload(owner, name, data, folder=folder, content_type=content_type, by=by)
    return upload_complete(actor=by or owner, upload=upload, origin=TASK)


def stored_file(
    owner, name: str = "a.txt", data: bytes = b"hello", *, folder: Folder | None = None, content_type="text/plain"
) -> File:
    """A file uploaded by `owner` into `folder` (None: the root). If a live file of that
    name is already there, the bytes become its newest version (the upload default).
    The returned File has `current_version` set."""
    return _uploaded(owner, name, data, folder=folder, content_type=content_type).file


def stored_version(
    file: File, data: bytes = b"hello again", *, content_type: str | None = None, by=None
) -> FileVersion:
    """A new version of `file` (same owner, folder and name), uploaded by `by` (default:
    the owner; an editor of a share may upload into the owner's storage too)."""
    return _uploaded(
        file.owner,
        file.name,
        data,
        folder=file.folder,
        content_type=content_type or file.content_type,
        by=by,
    )


def folder(owner, name: str, parent: Folder | None = None, *, by=None) -> Folder:
    """A folder of `owner` under `parent` (None: the root), made by `by` (default: the
    owner; an editor of `parent` may make one too)."""
    return folder_create(actor=by or owner, place=Place(owner=owner, folder=parent), name=name, origin=TASK)


def trashed_tree(owner) -> tuple[Folder, Folder, Folder]:
    """work/ (docs/ (a.txt "alpha", sub/ (b.txt "beta"))) of `owner`, docs trashed by the
    owner; returns (work, docs, sub)."""
    work = folder(owner, "work")
    docs = folder(owner, "docs", work)
    sub = folder(owner, "sub", docs)
    stored_file(owner, "a.txt", b"alpha", folder=docs)
    stored_file(owner, "b.txt", b"beta", folder=sub)
    folder_trash(actor=owner, folder=docs, origin=TASK)
    return work, docs, sub


def unreachable_folder_ids(owner, stranger) -> list[str]:
    """Folder ids `owner` may not move or copy anything into, each to be answered 404:
    a folder of `stranger`, one of the owner's own in the trash, and a malformed id."""
    theirs = folder(stranger, "theirs")
    trashed = folder(owner, "trashed")
    folder_trash(actor=owner, folder=trashed, origin=TASK)
    return [str(theirs.pk), str(trashed.pk), "nope"]


def share(owner, item: File | Folder, grantee, role: str = "viewer") -> Share:
    """Share the owner's file or folder with `grantee` as "viewer" or "editor", committed:
    its after-commit work (the grantee's notice) runs too, as after a real request."""
    with committed():
        return share_create(actor=owner, item=item, email=grantee.email, role=role, origin=TASK)


def link(
    owner, item: File | Folder, state: str = "valid", *, is_drop: bool = False, password: str | None = None
) -> tuple[ShareLink, str]:
    """A public link to `item` and its token, in one of LINK_STATES: "valid"; "expired"
    (a minute ago); "revoked"; "exhausted" (its one download used); "locked" (behind
    `password`, default LINK_PASSWORD). A drop link (`is_drop`) needs a folder."""
    if state not in LINK_STATES:
        raise ValueError(f"state must be one of {LINK_STATES}, not {state!r}")
    if state == "locked" and password is None:
        password = LINK_PASSWORD
    made, token = share_link_create(
        actor=owner,
        item=item,
        is_drop=is_drop,
        password=password,
        max_downloads=1 if state == "exhausted" else None,
        origin=TASK,
    )
    # The service refuses a past expiry and counts downloads itself: move the row there.
    now = timezone.now()
    change = {
        "expired": {"expires_at": now - timedelta(minutes=1)},
        "revoked": {"revoked_at": now},
        "exhausted": {"download_count": 1},
    }.get(state)
    if change:
        ShareLink.objects.filter(pk=made.pk).update(**change)
        made.refresh_from_db()
    return made, token
