"""Every URL the project serves × every kind of caller → the expected status.

The routes come from the URL resolver: a route the table does not decide (and, for the
API, a method of it the table does not decide) fails `test_every_route_is_decided`, so
a new URL cannot be left out. Project routes have a row per method with the status for
each persona; third-party route sets (the Django admin, allauth's sign-in pages) have a
rule each, checked over all their routes.

Personas, in the sharing world (kosha.testing.world): the `owner` of the tree; the
`editor` and the `viewer` of its Shared folder; a `link` holder (an anonymous browser
that opened a live link: to the API and the pages it is anonymous); a signed-in
`stranger`; `anonymous`. On the public link views every persona but `anonymous` holds the
live link (it is the credential: the account does not matter), and `anonymous` guesses a
token. `test_link_states` covers links expired, revoked, used up and locked.

The items: world.file sits in Shared, world.sub under it, world.sibling beside it (not
shared). Rows name an item the editor and viewer reach, so the row shows what each role
may do with it; the stranger's 404 shows nothing leaks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from accounts.services import api_token_create, app_password_create
from kosha.origin import TASK
from kosha.testing.clients import api_as, web_as
from kosha.testing.factories import LINK_PASSWORD, folder, stored_file, stored_version
from kosha.testing.world import World
from sharing.views import DROP_SESSION_KEY
from storage.models import FileVersion
from storage.places import Place
from storage.services.archives import folder_archive_start
from storage.services.trash import file_trash, folder_trash
from storage.services.uploads import upload_start

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "editor", "viewer", "link", "stranger", "anonymous"]
API = "/api/v1"


# --- the extras a row may need, made on first use ---------------------------------------------


class Extra:
    """Items some rows act on, made through the services on first use."""

    def __init__(self, world: World):
        self.world = world

    @cached_property
    def viewer_notice(self) -> int:
        from notifications.models import Notification

        return Notification.objects.get(user=self.world.viewer, kind="share_received").pk

    @cached_property
    def upload(self) -> str:
        """A session the editor started in Shared (nothing uploaded yet)."""
        started = upload_start(
            actor=self.world.editor,
            place=Place(owner=self.world.owner, folder=self.world.shared),
            name="from-editor.txt",
            size_bytes=3,
        )
        return str(started.upload.pk)

    @cached_property
    def older_version(self) -> str:
        """The first of world.file's two versions."""
        stored_version(self.world.file, b"second")
        return str(self.world.file.versions.order_by("number").first().pk)

    @cached_property
    def thumbnail_file(self) -> str:
        """world.file with a thumbnail key (the thumbnail task runs after commit, which a
        test transaction never reaches: set the key it would set)."""
        version = self.world.file.current_version
        FileVersion.objects.filter(pk=version.pk).update(thumbnail_key=version.key)
        return str(self.world.file.pk)

    @cached_property
    def trashed(self) -> str:
        """A file in Shared that the editor moved to the trash."""
        file = stored_file(self.world.owner, "binned.txt", b"bin", folder=self.world.shared)
        file_trash(actor=self.world.editor, file=file, origin=TASK)
        return str(file.pk)

    @cached_property
    def trashed_folder(self) -> str:
        """A folder in Shared, with a file, that the editor moved to the trash."""
        binned = folder(self.world.owner, "Binned", self.world.shared)
        stored_file(self.world.owner, "inside.txt", b"in", folder=binned)
        folder_trash(actor=self.world.editor, folder=binned, origin=TASK)
        return str(binned.pk)

    @cached_property
    def archive(self) -> str:
        """A zip of Shared the owner asked for."""
        return str(folder_archive_start(actor=self.world.owner, folder=self.world.shared, origin=TASK).pk)

    @cached_property
    def api_token(self) -> str:
        """One of the owner's API tokens."""
        token, _key = api_token_create(user=self.world.owner, name="cli")
        return str(token.pk)

    @cached_property
    def app_password(self) -> str:
        """One of the owner's app passwords."""
        found, _key = app_password_create(user=self.world.owner, name="laptop")
        return str(found.pk)


# --- the table ----------------------------------------------------------------------------------

Path = Callable[[World, Extra], str]
Body = Callable[[World, Extra], dict]


@dataclass(frozen=True)
class Row:
    """One route and method. `kind`: "api" (DRF, JSON body), "page" (a signed-in page or a
    public JSON probe, form body) or "link" (a public link view; `path` gets the token)."""

    method: str
    path: Path | Callable[[World, Extra, str], str]
    expect: dict[str, int]
    body: Body | None = None
    kind: str = "api"
    drop: bool = False  # a link row on the drop link rather than the folder link
    # A link row's answer for a link expired, revoked, used up, and locked by a password.
    states: dict[str, int] = field(
        default_factory=lambda: {"expired": 410, "revoked": 410, "exhausted": 404, "locked": 403}
    )


def api(method, path, owner, editor, viewer, stranger, *, body=None, signed_in=None) -> Row:
    """An API row: the four signed-in personas; the link holder and anonymous callers get
    a 401 with the `WWW-Authenticate: Token` challenge (token authentication first)."""
    expect = {"owner": owner, "editor": editor, "viewer": viewer, "stranger": stranger, "link": 401, "anonymous": 401}
    return Row(method, path, expect, body=body)


def every_signed_in(method, path, status, *, body=None) -> Row:
    """An API row about the caller's own things: every signed-in persona gets `status`."""
    return api(method, path, status, status, status, status, body=body)


def page(method, path, owner, editor, viewer, stranger, *, anonymous=302, body=None) -> Row:
    """A signed-in page: anonymous callers and link holders go to the sign-in page."""
    expect = {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "stranger": stranger,
        "link": anonymous,
        "anonymous": anonymous,
    }
    return Row(method, path, expect, body=body, kind="page")


def public(method, path, status, *, body=None) -> Row:
    """A route anyone reaches alike (health probes, the API schema, webhooks)."""
    return Row(method, path, dict.fromkeys(PERSONAS, status), body=body, kind="page")


def link_row(method, path, status, *, drop=False, body=None, locked=403) -> Row:
    """A public link view: whoever holds the live link gets `status`; a guessed token 404."""
    expect = {**dict.fromkeys(PERSONAS, status), "anonymous": 404}
    states = {"expired": 410, "revoked": 410, "exhausted": 404, "locked": locked}
    return Row(method, path, expect, body=body, kind="link", drop=drop, states=states)


def _file(w: World, x: Extra) -> str:
    return f"{API}/files/{w.file.pk}/"


def _folder(w: World, x: Extra) -> str:
    return f"{API}/folders/{w.sub.pk}/"


def _upload(w: World, x: Extra) -> str:
    return f"{API}/uploads/{x.upload}/"


def _version(w: World, x: Extra) -> str:
    return f"{API}/files/{w.file.pk}/versions/{x.older_version}/"


def _new_upload(w: World, x: Extra) -> dict:
    return {"folder": str(w.shared.pk), "name": "new.bin", "size": 5}


TABLE: dict[tuple[str, str], Row] = {
    # --- files, folders, uploads, versions, trash, search: one set for owners and collaborators
    ("file-detail", "get"): api("get", _file, 200, 200, 200, 404),
    ("file-detail", "patch"): api("patch", _file, 200, 200, 403, 404, body=lambda w, x: {"name": "new.txt"}),
    ("file-detail", "delete"): api("delete", _file, 204, 204, 403, 404),
    ("file-download", "get"): api("get", lambda w, x: f"{_file(w, x)}download/", 302, 302, 302, 404),
    ("file-preview", "get"): api("get", lambda w, x: f"{_file(w, x)}preview/", 302, 302, 302, 404),
    ("file-thumbnail", "get"): api(
        "get", lambda w, x: f"{API}/files/{x.thumbnail_file}/thumbnail/", 302, 302, 302, 404
    ),
    # A copy beside the source lands in Shared: the viewer may not add there.
    ("file-copy", "post"): api("post", lambda w, x: f"{_file(w, x)}copy/", 201, 201, 403, 404, body=lambda w, x: {}),
    # Stars are personal: whoever may see the item stars it.
    ("sharing-api:file-star", "put"): api("put", lambda w, x: f"{_file(w, x)}star/", 201, 201, 201, 404),
    ("sharing-api:file-star", "delete"): api("delete", lambda w, x: f"{_file(w, x)}star/", 204, 204, 204, 404),
    ("sharing-api:folder-star", "put"): api("put", lambda w, x: f"{_folder(w, x)}star/", 201, 201, 201, 404),
    ("sharing-api:folder-star", "delete"): api("delete", lambda w, x: f"{_folder(w, x)}star/", 204, 204, 204, 404),
    ("sharing-api:recent", "get"): every_signed_in("get", lambda w, x: f"{API}/recent/", 200),
    ("sharing-api:starred", "get"): every_signed_in("get", lambda w, x: f"{API}/starred/", 200),
    ("file-version-list", "get"): api("get", lambda w, x: f"{_file(w, x)}versions/", 200, 200, 200, 404),
    ("file-version-download", "get"): api("get", lambda w, x: f"{_version(w, x)}download/", 302, 302, 302, 404),
    ("file-version-restore", "post"): api("post", lambda w, x: f"{_version(w, x)}restore/", 201, 201, 403, 404),
    # Deleting a version deletes bytes forever: the owner's alone.
    ("file-version-detail", "delete"): api("delete", _version, 204, 403, 403, 404),
    ("folder-list", "post"): api(
        "post",
        lambda w, x: f"{API}/folders/",
        201,
        201,
        403,
        404,
        body=lambda w, x: {"name": "New", "parent": str(w.shared.pk)},
    ),
    ("folder-detail", "get"): api("get", _folder, 200, 200, 200, 404),
    ("folder-detail", "patch"): api("patch", _folder, 200, 200, 403, 404, body=lambda w, x: {"name": "Renamed"}),
    ("folder-detail", "delete"): api("delete", _folder, 204, 204, 403, 404),
    # A copy of Sub beside it lands in Shared: the viewer may not add there.
    ("folder-copy", "post"): api(
        "post", lambda w, x: f"{_folder(w, x)}copy/", 201, 201, 403, 404, body=lambda w, x: {}
    ),
    ("folder-items", "get"): api("get", lambda w, x: f"{API}/folders/{w.shared.pk}/items/", 200, 200, 200, 404),
    ("folder-archive", "post"): api("post", lambda w, x: f"{API}/folders/{w.shared.pk}/archive/", 202, 202, 202, 404),
    ("archive-detail", "get"): api("get", lambda w, x: f"{API}/archives/{x.archive}/", 200, 200, 200, 404),
    # A zip of some items of Shared: whoever may view Shared.
    ("archive-selection", "post"): api(
        "post",
        lambda w, x: f"{API}/archives/",
        202,
        202,
        202,
        404,
        body=lambda w, x: {"files": [str(w.file.pk)], "folders": []},
    ),
    # The details panel: anyone who may view (who has access is null but for the owner).
    ("file-details", "get"): api("get", lambda w, x: f"{_file(w, x)}details/", 200, 200, 200, 404),
    ("folder-details", "get"): api("get", lambda w, x: f"{_folder(w, x)}details/", 200, 200, 200, 404),
    # Each caller's own pending uploads: scoped to the caller as owner, so 200 for everyone.
    ("upload-list", "get"): every_signed_in("get", lambda w, x: f"{API}/uploads/", 200),
    ("upload-list", "post"): api("post", lambda w, x: f"{API}/uploads/", 201, 201, 403, 404, body=_new_upload),
    # The editor's session: theirs, and in the owner's space; nobody else's.
    ("upload-detail", "get"): api("get", _upload, 200, 200, 404, 404),
    ("upload-detail", "delete"): api("delete", _upload, 204, 204, 404, 404),
    # A single-PUT session has no parts (409), and nothing was uploaded yet (409).
    ("upload-parts", "post"): api(
        "post", lambda w, x: f"{_upload(w, x)}parts/", 409, 409, 404, 404, body=lambda w, x: {"numbers": [1]}
    ),
    ("upload-complete", "post"): api(
        "post", lambda w, x: f"{_upload(w, x)}complete/", 409, 409, 404, 404, body=lambda w, x: {}
    ),
    # A batch into the shared folder: as the single start. Its complete answers per file
    # (a stranger's ids are per-file 404s, storage/tests/test_upload_batch.py), so 200.
    ("upload-batch", "post"): api(
        "post",
        lambda w, x: f"{API}/uploads/batch/",
        200,
        200,
        403,
        404,
        body=lambda w, x: {"folder": str(w.shared.pk), "files": [{"name": "new.bin", "size": 5}]},
    ),
    ("upload-batch-complete", "post"): every_signed_in(
        "post", lambda w, x: f"{API}/uploads/batch/complete/", 200, body=lambda w, x: {"uploads": [str(x.upload)]}
    ),
    ("search", "get"): every_signed_in("get", lambda w, x: f"{API}/search/?q=report", 200),
    ("trash-list", "get"): every_signed_in("get", lambda w, x: f"{API}/trash/", 200),
    ("trash-empty", "post"): every_signed_in("post", lambda w, x: f"{API}/trash/empty/", 200),
    # What the editor trashed in Shared: they may restore it, only the owner delete it forever.
    ("trash-restore", "post"): api("post", lambda w, x: f"{API}/trash/{x.trashed}/restore/", 200, 200, 404, 404),
    # Inside a trashed folder: seen and restored by whoever may restore the folder.
    ("trash-items", "get"): api("get", lambda w, x: f"{API}/trash/{x.trashed_folder}/items/", 200, 200, 404, 404),
    ("trash-detail", "delete"): api("delete", lambda w, x: f"{API}/trash/{x.trashed}/", 204, 403, 404, 404),
    # --- notifications: each person's own ---------------------------------------------------------
    ("notifications-api:notification-list", "get"): every_signed_in("get", lambda w, x: f"{API}/notifications/", 200),
    ("notifications-api:notification-unread", "get"): every_signed_in(
        "get", lambda w, x: f"{API}/notifications/unread/", 200
    ),
    ("notifications-api:notification-read-all", "post"): every_signed_in(
        "post", lambda w, x: f"{API}/notifications/read-all/", 200
    ),
    ("notifications-api:notification-read", "post"): api(
        "post", lambda w, x: f"{API}/notifications/{x.viewer_notice}/read/", 404, 404, 200, 404
    ),
    # --- sharing: only an item's owner shares it (403 for those who can see it) ----------------
    ("sharing-api:share-list", "get"): every_signed_in("get", lambda w, x: f"{API}/shares/", 200),
    ("sharing-api:share-list", "post"): api(
        "post",
        lambda w, x: f"{API}/shares/",
        201,
        403,
        403,
        404,
        body=lambda w, x: {"folder": str(w.sub.pk), "email": w.stranger.email, "role": "viewer"},
    ),
    ("sharing-api:share-detail", "patch"): api(
        "patch",
        lambda w, x: f"{API}/shares/{w.viewer_share.pk}/",
        200,
        404,
        404,
        404,
        body=lambda w, x: {"role": "editor"},
    ),
    ("sharing-api:share-detail", "delete"): api(
        "delete", lambda w, x: f"{API}/shares/{w.viewer_share.pk}/", 204, 404, 404, 404
    ),
    ("sharing-api:shared-with-me", "get"): every_signed_in("get", lambda w, x: f"{API}/shared-with-me/", 200),
    ("activity-list", "get"): every_signed_in("get", lambda w, x: f"{API}/activity/", 200),
    ("sharing-api:changes", "get"): every_signed_in("get", lambda w, x: f"{API}/changes/", 200),
    ("sharing-api:changes-latest", "get"): every_signed_in("get", lambda w, x: f"{API}/changes/latest/", 200),
    ("sharing-api:share-link-list", "get"): every_signed_in("get", lambda w, x: f"{API}/share-links/", 200),
    ("sharing-api:share-link-list", "post"): api(
        "post", lambda w, x: f"{API}/share-links/", 201, 403, 403, 404, body=lambda w, x: {"folder": str(w.shared.pk)}
    ),
    ("sharing-api:share-link-detail", "patch"): api(
        "patch",
        lambda w, x: f"{API}/share-links/{w.links['valid'][0].pk}/",
        200,
        404,
        404,
        404,
        body=lambda w, x: {"max_downloads": 5},
    ),
    ("sharing-api:share-link-detail", "delete"): api(
        "delete", lambda w, x: f"{API}/share-links/{w.links['valid'][0].pk}/", 204, 404, 404, 404
    ),
    # --- the deprecated grantee routes: the same viewsets, so the same answers -----------------
    ("sharing-api:shared-file", "get"): api("get", lambda w, x: f"{API}/shared/files/{w.file.pk}/", 200, 200, 200, 404),
    ("sharing-api:shared-file", "patch"): api(
        "patch",
        lambda w, x: f"{API}/shared/files/{w.file.pk}/",
        200,
        200,
        403,
        404,
        body=lambda w, x: {"name": "new.txt"},
    ),
    ("sharing-api:shared-file", "delete"): api(
        "delete", lambda w, x: f"{API}/shared/files/{w.file.pk}/", 204, 204, 403, 404
    ),
    ("sharing-api:shared-file-download", "get"): api(
        "get", lambda w, x: f"{API}/shared/files/{w.file.pk}/download/", 302, 302, 302, 404
    ),
    ("sharing-api:shared-folder", "patch"): api(
        "patch",
        lambda w, x: f"{API}/shared/folders/{w.sub.pk}/",
        200,
        200,
        403,
        404,
        body=lambda w, x: {"name": "Renamed"},
    ),
    ("sharing-api:shared-folder", "delete"): api(
        "delete", lambda w, x: f"{API}/shared/folders/{w.sub.pk}/", 204, 204, 403, 404
    ),
    ("sharing-api:shared-folder-items", "get"): api(
        "get", lambda w, x: f"{API}/shared/folders/{w.shared.pk}/items/", 200, 200, 200, 404
    ),
    ("sharing-api:shared-upload-start", "post"): api(
        "post", lambda w, x: f"{API}/shared/uploads/", 201, 201, 403, 404, body=_new_upload
    ),
    ("sharing-api:shared-upload-detail", "get"): api(
        "get", lambda w, x: f"{API}/shared/uploads/{x.upload}/", 200, 200, 404, 404
    ),
    ("sharing-api:shared-upload-detail", "delete"): api(
        "delete", lambda w, x: f"{API}/shared/uploads/{x.upload}/", 204, 204, 404, 404
    ),
    ("sharing-api:shared-upload-parts", "post"): api(
        "post",
        lambda w, x: f"{API}/shared/uploads/{x.upload}/parts/",
        409,
        409,
        404,
        404,
        body=lambda w, x: {"numbers": [1]},
    ),
    ("sharing-api:shared-upload-complete", "post"): api(
        "post", lambda w, x: f"{API}/shared/uploads/{x.upload}/complete/", 409, 409, 404, 404, body=lambda w, x: {}
    ),
    # --- one's own account -------------------------------------------------------------------------
    ("api-usage", "get"): every_signed_in("get", lambda w, x: f"{API}/usage/", 200),
    ("api-token-list", "get"): every_signed_in("get", lambda w, x: f"{API}/tokens/", 200),
    ("api-token-list", "post"): every_signed_in(
        "post", lambda w, x: f"{API}/tokens/", 201, body=lambda w, x: {"name": "ci"}
    ),
    ("api-token-detail", "delete"): api("delete", lambda w, x: f"{API}/tokens/{x.api_token}/", 204, 404, 404, 404),
    ("app-password-list", "get"): every_signed_in("get", lambda w, x: f"{API}/app-passwords/", 200),
    ("app-password-list", "post"): every_signed_in(
        "post", lambda w, x: f"{API}/app-passwords/", 201, body=lambda w, x: {"name": "ci"}
    ),
    ("app-password-detail", "delete"): api(
        "delete", lambda w, x: f"{API}/app-passwords/{x.app_password}/", 204, 404, 404, 404
    ),
    # --- webhooks: no secret configured, so there is nothing to call -------------------------------
    ("webhook-storage", "post"): public("post", lambda w, x: f"{API}/webhooks/storage/", 404, body=lambda w, x: {}),
    ("webhook-identity", "post"): public("post", lambda w, x: f"{API}/webhooks/identity/", 404, body=lambda w, x: {}),
    # --- public probes and the API's description ---------------------------------------------------
    ("healthz", "get"): public("get", lambda w, x: "/healthz", 200),
    ("readyz", "get"): public("get", lambda w, x: "/readyz", 200),
    ("metrics", "get"): public("get", lambda w, x: "/metrics", 200),  # the test client is on loopback
    ("api-schema", "get"): public("get", lambda w, x: "/api/schema/", 200),
    ("api-docs", "get"): public("get", lambda w, x: "/api/docs/", 200),
    # A local-store URL is its own credential: a made-up one is refused whoever asks.
    ("storage-local-object", "get"): public("get", lambda w, x: "/storage/local/not-a-signed-token", 403),
    ("storage-local-object", "put"): public("put", lambda w, x: "/storage/local/not-a-signed-token", 403),
    # --- signed-in pages ---------------------------------------------------------------------------
    ("home", "get"): page("get", lambda w, x: "/", 200, 200, 200, 200),
    ("folder", "get"): page("get", lambda w, x: f"/f/{w.shared.pk}", 200, 200, 200, 404),
    ("trash", "get"): page("get", lambda w, x: "/trash/", 200, 200, 200, 200),
    ("recent", "get"): page("get", lambda w, x: "/recent/", 200, 200, 200, 200),
    ("starred", "get"): page("get", lambda w, x: "/starred/", 200, 200, 200, 200),
    ("activity", "get"): page("get", lambda w, x: "/activity/", 200, 200, 200, 200),
    ("sharing:shared-with-me", "get"): page("get", lambda w, x: "/shared/", 200, 200, 200, 200),
    ("sharing:shared-by-me", "get"): page("get", lambda w, x: "/shared/by-me/", 200, 200, 200, 200),
    # Only the link's or share's owner reaches it: anyone else's id is a 404 (nothing changes).
    ("sharing:shared-by-me-link-revoke", "post"): page(
        "post", lambda w, x: f"/shared/by-me/links/{w.links['valid'][0].pk}/revoke", 302, 404, 404, 404
    ),
    ("sharing:shared-by-me-share-delete", "post"): page(
        "post", lambda w, x: f"/shared/by-me/shares/{w.viewer_share.pk}/delete", 302, 404, 404, 404
    ),
    # The old address only redirects to /f/<id>, which checks access.
    ("sharing:shared-folder", "get"): page("get", lambda w, x: f"/shared/f/{w.sub.pk}", 301, 301, 301, 301),
    ("notifications", "get"): page("get", lambda w, x: "/notifications/", 200, 200, 200, 200),
    ("notifications_read_all", "post"): page("post", lambda w, x: "/notifications/read-all", 302, 302, 302, 302),
    # The viewer's notice of the share they received: only they open it.
    ("notification_open", "post"): page(
        "post", lambda w, x: f"/notifications/{x.viewer_notice}/open", 404, 404, 302, 404
    ),
    ("notification_settings", "get"): page("get", lambda w, x: "/settings/notifications/", 200, 200, 200, 200),
    ("notification_settings", "post"): page(
        "post", lambda w, x: "/settings/notifications/", 302, 302, 302, 302, body=lambda w, x: {"email": ["quota"]}
    ),
    ("settings", "get"): page("get", lambda w, x: "/settings/", 200, 200, 200, 200),
    ("settings_plan", "get"): page("get", lambda w, x: "/settings/plan/", 200, 200, 200, 200),
    ("settings_token_create", "post"): page(
        "post", lambda w, x: "/settings/tokens/", 200, 200, 200, 200, body=lambda w, x: {"name": "laptop"}
    ),
    # Another person's token id: the form answers as for an unknown one.
    ("settings_token_revoke", "post"): page(
        "post", lambda w, x: "/settings/tokens/revoke/", 302, 302, 302, 302, body=lambda w, x: {"token_id": x.api_token}
    ),
    ("settings_app_passwords", "get"): page("get", lambda w, x: "/settings/app-passwords/", 200, 200, 200, 200),
    ("settings_app_passwords", "post"): page(
        "post", lambda w, x: "/settings/app-passwords/", 200, 200, 200, 200, body=lambda w, x: {"name": "phone"}
    ),
    # Another person's app password id: the form answers as for an unknown one.
    ("settings_app_password_revoke", "post"): page(
        "post",
        lambda w, x: "/settings/app-passwords/revoke/",
        302,
        302,
        302,
        302,
        body=lambda w, x: {"app_password_id": x.app_password},
    ),
    ("settings_account_delete", "get"): page("get", lambda w, x: "/settings/delete/", 200, 200, 200, 200),
    # --- public link views (the token is the credential) -------------------------------------------
    # The token is the credential (tested in sharing/tests/test_invitations.py); a guess is 404.
    ("sharing:invitation", "get"): public("get", lambda w, x: f"/invitations/{'A' * 43}", 404),
    ("sharing:link", "get"): link_row("get", lambda w, x, t: f"/s/{t}", 200, locked=200),  # the password form
    ("sharing:link", "post"): link_row("post", lambda w, x, t: f"/s/{t}", 302, body=lambda w, x: {"password": "wrong"}),
    ("sharing:link-folder", "get"): link_row("get", lambda w, x, t: f"/s/{t}/f/{w.sub.pk}", 200),
    ("sharing:link-download", "get"): link_row("get", lambda w, x, t: f"/s/{t}/download/{w.file.pk}", 302),
    # "Download all": a zip of the link's folder (one download of the link), and its poll.
    ("sharing:link-archive", "post"): link_row("post", lambda w, x, t: f"/s/{t}/archives/", 202, body=lambda w, x: {}),
    ("sharing:link-archive-detail", "get"): link_row("get", lambda w, x, t: f"/s/{t}/archives/{x.archive}/", 200),
    ("sharing:drop-upload-start", "post"): link_row(
        "post", lambda w, x, t: f"/s/{t}/uploads/", 201, drop=True, body=lambda w, x: {"name": "dropped.txt", "size": 4}
    ),
    ("sharing:drop-upload-detail", "get"): link_row(
        "get", lambda w, x, t: f"/s/{t}/uploads/{x.drop_upload}/", 200, drop=True
    ),
    ("sharing:drop-upload-detail", "delete"): link_row(
        "delete", lambda w, x, t: f"/s/{t}/uploads/{x.drop_upload}/", 204, drop=True
    ),
    ("sharing:drop-upload-parts", "post"): link_row(
        "post",
        lambda w, x, t: f"/s/{t}/uploads/{x.drop_upload}/parts/",
        409,
        drop=True,
        body=lambda w, x: {"numbers": [1]},
    ),
    ("sharing:drop-upload-complete", "post"): link_row(
        "post", lambda w, x, t: f"/s/{t}/uploads/{x.drop_upload}/complete/", 409, drop=True, body=lambda w, x: {}
    ),
}

# Third-party route sets, decided by a rule over all their routes (see the tests below).
ADMIN_NAMESPACE = "admin"
ALLAUTH_MODULE = "allauth"
# allauth pages that manage a signed-in account: anonymous callers go to the sign-in page.
ALLAUTH_SIGNED_IN_ONLY = {
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "mfa_index",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "socialaccount_connections",
}


# --- the routes, from the resolver -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", "name", or the pattern for an unnamed route
    namespace: str | None
    name: str | None
    pattern: str
    callback: Callable


def _routes(resolver=None, prefix: str = "", namespace: str | None = None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or pattern
            yield Route(key=key, namespace=namespace, name=entry.name, pattern=pattern, callback=entry.callback)


def _drf_methods(callback) -> set[str] | None:
    """The methods a DRF route answers (its viewset actions or APIView handlers), or None
    for a route outside DRF."""
    view_class = getattr(callback, "cls", None)
    if view_class is None or not issubclass(view_class, APIView):
        return None
    actions = getattr(callback, "actions", None)
    if actions:
        # DRF answers HEAD as GET (and adds it to `actions` once a GET has been served).
        return set(actions) - {"head", "options"}
    return {method for method in ("get", "post", "put", "patch", "delete") if hasattr(view_class, method)}


def _is_admin(route: Route) -> bool:
    return route.namespace == ADMIN_NAMESPACE


def _is_allauth(route: Route) -> bool:
    return route.callback.__module__.startswith(ALLAUTH_MODULE) or route.pattern.startswith("accounts/social/")


def test_every_route_is_decided():
    routes = list(_routes())
    tabled = {key for key, _method in TABLE}

    undecided = [
        route.key for route in routes if route.key not in tabled and not _is_admin(route) and not _is_allauth(route)
    ]
    routed = {route.key for route in routes}
    stale = tabled - routed
    methods_missing = []
    for route in routes:
        methods = _drf_methods(route.callback)
        if methods is None or route.key not in tabled:
            continue
        decided = {method for key, method in TABLE if key == route.key}
        if methods != decided:
            methods_missing.append((route.key, sorted(methods - decided), sorted(decided - methods)))

    assert len(routes) > 100, "the resolver walk found too few routes"
    assert undecided == [], f"routes the access table does not decide: {undecided}"
    assert stale == set(), f"rows for routes that do not exist: {stale}"
    assert methods_missing == [], f"(route, methods not decided, methods not served): {methods_missing}"


# --- project routes ----------------------------------------------------------------------------


def _persona_user(world: World, persona: str):
    return {"owner": world.owner, "editor": world.editor, "viewer": world.viewer, "stranger": world.stranger}.get(
        persona
    )


def _link_holder(world: World) -> Client:
    """An anonymous browser that opened the live folder link (its session knows the link)."""
    client = Client()
    _link, token = world.links["valid"]
    assert client.get(f"/s/{token}").status_code == 200
    return client


def _client(world: World, row: Row, persona: str):
    user = _persona_user(world, persona)
    if row.kind == "api":
        if persona == "link":
            client = _link_holder(world)
            client.defaults["HTTP_ACCEPT"] = "application/json"
            return client
        return api_as(user)
    if persona == "link":
        return _link_holder(world)
    return web_as(user) if user is not None else Client()


def _call(client, row: Row, path: str, body: dict | None):
    if row.kind == "api" and hasattr(client, "force_authenticate"):
        return getattr(client, row.method)(path, body, format="json")
    if row.kind == "link" and path.split("?")[0].endswith("/") or row.kind == "api" or row.method in ("put", "patch"):
        return getattr(client, row.method)(path, body or {}, content_type="application/json")
    return getattr(client, row.method)(path, body or {})


def _drop_upload(world: World, client: Client, link) -> str:
    """A drop session started through `link`, remembered in `client`'s browser session."""
    started = upload_start(actor=None, place=Place(owner=world.owner, folder=world.shared), name="d.txt", size_bytes=4)
    session = client.session
    session[DROP_SESSION_KEY] = {str(link.pk): [str(started.upload.pk)]}
    session.save()
    return str(started.upload.pk)


def _link_call(world: World, row: Row, persona: str, state: str):
    link, token = (world.drops if row.drop else world.links)[state]
    user = _persona_user(world, persona)
    client = web_as(user) if user is not None else Client()
    if persona == "anonymous":
        token = "x" * 43  # a guessed token: right length, no link
    if state == "locked":
        assert client.post(f"/s/{token}", {"password": "not " + LINK_PASSWORD}).status_code == 403
    extra = Extra(world)
    extra.drop_upload = _drop_upload(world, client, link)
    body = row.body(world, extra) if row.body else None
    return _call(client, row, row.path(world, extra, token), body)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", list(TABLE), ids=[f"{name}-{method}" for name, method in TABLE])
def test_access_matrix(world, key, persona):
    row = TABLE[key]

    if row.kind == "link":
        response = _link_call(world, row, persona, "valid")
    else:
        extra = Extra(world)
        path = row.path(world, extra)
        body = row.body(world, extra) if row.body else None
        response = _call(_client(world, row, persona), row, path, body)

    assert response.status_code == row.expect[persona], getattr(response, "content", b"")[:300]
    if response.status_code in (403, 404) and row.kind != "link":
        # Refused: nothing of the owner's tree is named.
        for name in (world.sub.name, world.file.name, world.sibling.name):
            assert name.encode() not in response.content


LINK_ROWS = [key for key, row in TABLE.items() if row.kind == "link"]


@pytest.mark.parametrize("state", ["expired", "revoked", "exhausted", "locked"])
@pytest.mark.parametrize("key", LINK_ROWS, ids=[f"{name}-{method}" for name, method in LINK_ROWS])
def test_link_states(world, key, state):
    row = TABLE[key]

    response = _link_call(world, row, "link", state)

    assert response.status_code == row.states[state], response.content[:300]
    # Nothing but a live, unlocked link may name what it points at.
    for name in (world.shared.name, world.sub.name, world.file.name):
        assert name.encode() not in response.content


# --- third-party routes ------------------------------------------------------------------------


def _fill(pattern: str) -> str:
    """A concrete path for a route pattern: every parameter gets a value of its shape."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: "1", pattern)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def _personas_clients(world: World) -> dict:
    return {
        "owner": web_as(world.owner),
        "editor": web_as(world.editor),
        "viewer": web_as(world.viewer),
        "link": _link_holder(world),
        "stranger": web_as(world.stranger),
        "anonymous": Client(),
    }


def test_no_persona_reaches_any_admin_page(world):
    """None of the personas is staff: every admin route redirects them to a sign-in page
    (or, for the unnamed shortcuts to a change page, onwards into the admin, where the
    same rule applies); the admin's sign-in page refuses a signed-in non-staff account
    (403). None shows admin content."""
    clients = _personas_clients(world)
    admin_routes = [route for route in _routes() if _is_admin(route)]
    answers = {}

    for route in admin_routes:
        path = _fill(route.pattern)
        for persona, client in clients.items():
            response = client.get(path)
            answers[(route.pattern, persona)] = (response.status_code, response.get("Location", ""))

    assert len(admin_routes) > 50

    def refused(answer) -> bool:
        status, location = answer
        return status == 403 or (status in (301, 302) and location.startswith(("/admin/", "/accounts/login/")))

    wrong = {key: answer for key, answer in answers.items() if not refused(answer)}
    assert wrong == {}


def test_allauth_pages_keep_account_pages_behind_sign_in_and_never_fail(world):
    clients = _personas_clients(world)
    allauth_routes = [route for route in _routes() if _is_allauth(route)]
    failures, open_account_pages = {}, []

    for route in allauth_routes:
        path = _fill(route.pattern)
        for persona, client in clients.items():
            response = client.get(path)
            if response.status_code >= 500:
                failures[(route.key, persona)] = response.status_code
            if persona in ("anonymous", "link") and route.name in ALLAUTH_SIGNED_IN_ONLY:
                if response.status_code != 302 or not response["Location"].startswith("/accounts/login/"):
                    open_account_pages.append((route.key, persona, response.status_code))

    assert {route.name for route in allauth_routes} >= ALLAUTH_SIGNED_IN_ONLY
    assert failures == {}
    assert open_account_pages == []


def test_a_stranger_cannot_reach_an_upload_by_id(world):
    upload_id = Extra(world).upload

    answers = [
        api_as(world.stranger).get(f"{API}/uploads/{upload_id}/"),
        api_as(world.viewer).post(f"{API}/uploads/{upload_id}/complete/", {}, format="json"),
        api_as(world.stranger).get(f"{API}/uploads/{uuid.uuid4()}/"),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404]
