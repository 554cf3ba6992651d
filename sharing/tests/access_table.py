"""The access matrix's table: every project route and method, with the status each
persona gets (see test_access_matrix.py)."""

from __future__ import annotations

from kosha.testing.world import World
from sharing.tests.access_kit import API, Extra, Row, api, every_signed_in, link_row, moved, page, public


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


def _share(w: World, x: Extra) -> str:
    return f"{API}/shares/{w.viewer_share.pk}/"


def _share_link(w: World, x: Extra) -> str:
    return f"{API}/share-links/{w.links['valid'][0].pk}/"


def _new_folder(w: World, x: Extra) -> dict:
    return {"name": "New", "parent": str(w.shared.pk)}


def _new_batch(w: World, x: Extra) -> dict:
    return {"folder": str(w.shared.pk), "files": [{"name": "new.bin", "size": 5}]}


def _new_share(w: World, x: Extra) -> dict:
    return {"folder": str(w.sub.pk), "email": w.stranger.email, "role": "viewer"}


def _selection(w: World, x: Extra) -> dict:
    return {"files": [str(w.file.pk)], "folders": []}


def _part_one(w: World, x: Extra) -> dict:
    return {"numbers": [1]}


def _app_password_id(w: World, x: Extra) -> dict:
    return {"app_password_id": x.app_password}


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
    ("folder-list", "post"): api("post", lambda w, x: f"{API}/folders/", 201, 201, 403, 404, body=_new_folder),
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
    ("archive-selection", "post"): api("post", lambda w, x: f"{API}/archives/", 202, 202, 202, 404, body=_selection),
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
    ("upload-parts", "post"): api("post", lambda w, x: f"{_upload(w, x)}parts/", 409, 409, 404, 404, body=_part_one),
    ("upload-complete", "post"): api(
        "post", lambda w, x: f"{_upload(w, x)}complete/", 409, 409, 404, 404, body=lambda w, x: {}
    ),
    # A batch into the shared folder: as the single start. Its complete answers per file
    # (a stranger's ids are per-file 404s, storage/tests/test_upload_batch.py), so 200.
    ("upload-batch", "post"): api("post", lambda w, x: f"{API}/uploads/batch/", 200, 200, 403, 404, body=_new_batch),
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
    ("sharing-api:share-list", "post"): api("post", lambda w, x: f"{API}/shares/", 201, 403, 403, 404, body=_new_share),
    ("sharing-api:share-detail", "patch"): api(
        "patch", _share, 200, 404, 404, 404, body=lambda w, x: {"role": "editor"}
    ),
    ("sharing-api:share-detail", "delete"): api("delete", _share, 204, 404, 404, 404),
    ("sharing-api:shared-with-me", "get"): every_signed_in("get", lambda w, x: f"{API}/shared-with-me/", 200),
    ("activity-list", "get"): every_signed_in("get", lambda w, x: f"{API}/activity/", 200),
    ("sharing-api:changes", "get"): every_signed_in("get", lambda w, x: f"{API}/changes/", 200),
    ("sharing-api:changes-latest", "get"): every_signed_in("get", lambda w, x: f"{API}/changes/latest/", 200),
    ("sharing-api:share-link-list", "get"): every_signed_in("get", lambda w, x: f"{API}/share-links/", 200),
    ("sharing-api:share-link-list", "post"): api(
        "post", lambda w, x: f"{API}/share-links/", 201, 403, 403, 404, body=lambda w, x: {"folder": str(w.shared.pk)}
    ),
    ("sharing-api:share-link-detail", "patch"): api(
        "patch", _share_link, 200, 404, 404, 404, body=lambda w, x: {"max_downloads": 5}
    ),
    ("sharing-api:share-link-detail", "delete"): api("delete", _share_link, 204, 404, 404, 404),
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
    # Each person's own unfinished uploads: the page is scoped to the caller, never by an id.
    ("settings_uploads", "get"): page("get", lambda w, x: "/settings/uploads/", 200, 200, 200, 200),
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
        "post", lambda w, x: "/settings/app-passwords/revoke/", 302, 302, 302, 302, body=_app_password_id
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
        "post", lambda w, x, t: f"/s/{t}/uploads/{x.drop_upload}/parts/", 409, drop=True, body=_part_one
    ),
    ("sharing:drop-upload-complete", "post"): link_row(
        "post", lambda w, x, t: f"/s/{t}/uploads/{x.drop_upload}/complete/", 409, drop=True, body=lambda w, x: {}
    ),
}

# The deprecated grantee routes (/api/v1/shared/...): the same viewsets, so the same answers.
TABLE.update(
    {
        (f"sharing-api:{grantee_route}", method): moved(TABLE[(route, method)], f"{API}/", f"{API}/shared/")
        for grantee_route, route, method in [
            ("shared-file", "file-detail", "get"),
            ("shared-file", "file-detail", "patch"),
            ("shared-file", "file-detail", "delete"),
            ("shared-file-download", "file-download", "get"),
            ("shared-folder", "folder-detail", "patch"),
            ("shared-folder", "folder-detail", "delete"),
            ("shared-folder-items", "folder-items", "get"),
            ("shared-upload-start", "upload-list", "post"),
            ("shared-upload-detail", "upload-detail", "get"),
            ("shared-upload-detail", "upload-detail", "delete"),
            ("shared-upload-parts", "upload-parts", "post"),
            ("shared-upload-complete", "upload-complete", "post"),
        ]
    }
)

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
