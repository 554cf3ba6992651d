"""The sharing world: an owner's tree, a viewer and an editor on one folder, a stranger,
and public links in every state (live, expired, revoked, used up, locked by password)."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from sharing.models import Share, ShareLink
from sharing.services import share_create, share_link_create
from storage.backends import get_backend
from storage.models import File, Folder
from storage.services.folders import folder_create
from storage.services.uploads import upload_complete, upload_start

LINK_PASSWORD = "open sesame"
LINK_STATES = ["valid", "expired", "revoked", "exhausted", "locked"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Link passwords and personas are hashed in every world; PBKDF2 would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Password throttles and DRF's anonymous rate live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


def make_file(owner, name: str, data: bytes = b"hello", *, folder=None, content_type="text/plain") -> File:
    """A file recorded through the upload services, its bytes written straight to the store."""
    started = upload_start(
        user=owner, name=name, size_bytes=len(data), folder_id=folder.pk if folder else None, content_type=content_type
    )
    get_backend().put_bytes(key=started.upload.key, data=data, content_type=content_type)
    return upload_complete(user=owner, upload_id=started.upload.pk).file


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@dataclass
class World:
    owner: object
    viewer: object
    editor: object
    stranger: object
    shared: Folder  # shared with viewer (viewer) and editor (editor)
    sub: Folder  # inside shared
    sibling: Folder  # the owner's, next to shared, not shared
    file: File  # in shared
    sub_file: File  # in sub
    sibling_file: File  # in sibling
    viewer_share: Share = None
    editor_share: Share = None
    # state -> (link, token), for folder links and for drop links
    links: dict = field(default_factory=dict)
    drops: dict = field(default_factory=dict)


def _link_in_state(owner, folder, state: str, *, is_drop: bool) -> tuple[ShareLink, str]:
    link, token = share_link_create(
        owner=owner,
        folder_id=folder.pk,
        is_drop=is_drop,
        password=LINK_PASSWORD if state == "locked" else None,
        max_downloads=1 if state == "exhausted" else None,
    )
    now = timezone.now()
    if state == "expired":
        ShareLink.objects.filter(pk=link.pk).update(expires_at=now - timedelta(minutes=1))
    elif state == "revoked":
        ShareLink.objects.filter(pk=link.pk).update(revoked_at=now)
    elif state == "exhausted":
        ShareLink.objects.filter(pk=link.pk).update(download_count=1)
    link.refresh_from_db()
    return link, token


@pytest.fixture
def world(local_settings, owner, collaborator, stranger, django_user_model) -> World:
    editor = django_user_model.objects.create_user(email="editor@example.com", password="correct horse battery")
    shared = folder_create(user=owner, name="Shared")
    sub = folder_create(user=owner, name="Sub", parent_id=shared.pk)
    sibling = folder_create(user=owner, name="Private sibling")
    built = World(
        owner=owner,
        viewer=collaborator,
        editor=editor,
        stranger=stranger,
        shared=shared,
        sub=sub,
        sibling=sibling,
        file=make_file(owner, "report-secret-name.txt", b"report body", folder=shared),
        sub_file=make_file(owner, "deep.txt", b"deep", folder=sub),
        sibling_file=make_file(owner, "private.txt", b"private", folder=sibling),
    )
    built.viewer_share = share_create(owner=owner, folder_id=shared.pk, email=collaborator.email, role="viewer")
    built.editor_share = share_create(owner=owner, folder_id=shared.pk, email=editor.email, role="editor")
    for state in LINK_STATES:
        built.links[state] = _link_in_state(owner, shared, state, is_drop=False)
        built.drops[state] = _link_in_state(owner, shared, state, is_drop=True)
    return built


@pytest.fixture
def page_client() -> Client:
    return Client()
