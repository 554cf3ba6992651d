"""An operation whose schema declares no request body refuses a body that names
anything (README, The API: "any other key is a 400 naming it"), and changes nothing;
no body, `{}` (what the web app's `post` sends) and `null` still pass. DELETEs too."""

import pytest

from accounts.models import ApiToken, AppPassword
from accounts.services import api_token_create, app_password_create
from kosha.testing import factories
from notifications.models import Notification
from sharing.models import Share, ShareLink
from storage.models import File, FileVersion, Folder, FolderArchive, Star, UploadSession
from storage.services.stars import star_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(owner, local_settings):
    file = factories.stored_file(owner, "a.txt", b"one")
    first = file.current_version
    factories.stored_version(file, b"two")
    _work, docs, _sub = factories.trashed_tree(owner)
    folder = factories.folder(owner, "Photos")
    star_set(actor=owner, item=folder)
    Notification.objects.create(user=owner, kind="quota", batch_key="80", about="80")
    return {"file": file, "first": first, "docs": docs, "folder": folder}


def _paths(items) -> dict[str, tuple[str, str]]:
    file, first, docs, folder = items["file"], items["first"], items["docs"], items["folder"]
    return {
        "version restore": ("post", f"/api/v1/files/{file.pk}/versions/{first.pk}/restore/"),
        "trash restore": ("post", f"/api/v1/trash/{docs.pk}/restore/"),
        "trash empty": ("post", "/api/v1/trash/empty/"),
        "folder archive": ("post", f"/api/v1/folders/{folder.pk}/archive/"),
        "star": ("put", f"/api/v1/files/{file.pk}/star/"),
        "unstar": ("delete", f"/api/v1/folders/{folder.pk}/star/"),
        "read all": ("post", "/api/v1/notifications/read-all/"),
    }


OPERATIONS = ["version restore", "trash restore", "trash empty", "folder archive", "star", "unstar", "read all"]


def _state(owner) -> tuple:
    return (
        FileVersion.objects.filter(file__owner=owner).count(),
        sorted(map(str, Folder.objects.filter(owner=owner).values_list("name", "deleted_at"))),
        sorted(map(str, File.objects.filter(owner=owner).values_list("name", "deleted_at"))),
        Star.objects.filter(user=owner).count(),
        Notification.objects.filter(user=owner, read_at__isnull=True).count(),
        FolderArchive.objects.count(),
    )


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_body_naming_a_field_is_400_naming_it_and_changes_nothing(owner_client, owner, items, operation):
    method, path = _paths(items)[operation]
    before = _state(owner)

    response = getattr(owner_client, method)(path, {"bogus": 1}, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["field"] == "bogus"
    assert _state(owner) == before


@pytest.mark.parametrize("body", [None, "{}", "null"])
def test_no_body_an_empty_object_or_null_still_restores(owner_client, items, body):
    path = f"/api/v1/files/{items['file'].pk}/versions/{items['first'].pk}/restore/"

    response = owner_client.post(path, body, content_type="application/json") if body else owner_client.post(path)

    assert response.status_code == 201, response.content[:300]


def test_a_body_that_is_not_an_object_is_400(owner_client, items):
    response = owner_client.post("/api/v1/trash/empty/", "[1]", content_type="application/json")

    assert response.status_code == 400
    assert Folder.objects.filter(pk=items["docs"].pk, deleted_at__isnull=False).exists()


@pytest.fixture
def deletables(owner, collaborator, items):
    """Something for each DELETE of the API (the README's promise holds for them too: a
    client sending {"permanent": true} with a file's DELETE must not see it trashed)."""
    token, _ = api_token_create(user=owner, name="laptop")
    app_password, _ = app_password_create(user=owner, name="phone")
    link, _ = factories.link(owner, items["file"])
    return {
        "file": ("file", items["file"].pk, f"/api/v1/files/{items['file'].pk}/"),
        "folder": ("folder", items["folder"].pk, f"/api/v1/folders/{items['folder'].pk}/"),
        "version": ("version", items["first"].pk, f"/api/v1/files/{items['file'].pk}/versions/{items['first'].pk}/"),
        "trash item": ("folder", items["docs"].pk, f"/api/v1/trash/{items['docs'].pk}/"),
        "upload": ("upload", (upload := factories.pending_upload(owner, "u.txt")).pk, f"/api/v1/uploads/{upload.pk}/"),
        "share": (
            "share",
            (share := factories.share(owner, items["file"], collaborator)).pk,
            f"/api/v1/shares/{share.pk}/",
        ),
        "share link": ("link", link.pk, f"/api/v1/share-links/{link.pk}/"),
        "token": ("token", token.pk, f"/api/v1/tokens/{token.pk}/"),
        "app password": ("app password", app_password.pk, f"/api/v1/app-passwords/{app_password.pk}/"),
    }


def _as_it_was(kind: str, pk) -> tuple:
    """The row's state a DELETE would change (gone, trashed, aborted, revoked)."""
    model, fields = {
        "file": (File, ("deleted_at",)),
        "folder": (Folder, ("deleted_at",)),
        "version": (FileVersion, ("pk",)),
        "upload": (UploadSession, ("status",)),
        "share": (Share, ("pk",)),
        "link": (ShareLink, ("revoked_at",)),
        "token": (ApiToken, ("pk",)),
        "app password": (AppPassword, ("pk",)),
    }[kind]
    return tuple(model.objects.filter(pk=pk).values_list(*fields))


DELETES = ["file", "folder", "version", "trash item", "upload", "share", "share link", "token", "app password"]


@pytest.mark.parametrize("operation", DELETES)
def test_a_delete_with_a_body_naming_a_field_is_400_naming_it_and_deletes_nothing(owner_client, deletables, operation):
    kind, pk, path = deletables[operation]
    before = _as_it_was(kind, pk)

    response = owner_client.delete(path, {"permanent": True}, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["field"] == "permanent"
    assert _as_it_was(kind, pk) == before != ()


@pytest.mark.parametrize("operation", DELETES)
def test_a_delete_with_no_body_or_an_empty_object_still_deletes(owner_client, deletables, operation):
    kind, pk, path = deletables[operation]
    before = _as_it_was(kind, pk)

    response = owner_client.delete(path, "{}", content_type="application/json")

    assert response.status_code == 204, response.content[:300]
    assert _as_it_was(kind, pk) != before
