"""Account deletion: locked out at once, every object purged, and only then the rows.

Entry points (settings page, admin action, admin delete) all end in one service; the
purge survives a crash between its steps and a store outage, and a rerun finishes it.
"""

import os
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import DeletionSource, account_delete_request, api_token_create
from kosha.origin import TASK
from kosha.testing.factories import PASSWORD
from kosha.testing.races import run_before
from plans.models import Usage
from storage import keys
from storage.backends import BackendError, UploadNotFound, get_backend
from storage.models import File, FileVersion, Folder, UploadSession
from storage.services import account_purge as account_services
from storage.services.account_purge import account_purge, account_purge_sweep
from storage.tests.protocol import ProtocolClient

MiB = 1024 * 1024
pytestmark = pytest.mark.django_db


def _prefix_keys(user_id) -> list[str]:
    return [listed.key for listed in get_backend().list_prefix(prefix=keys.user_prefix(user_id))]


def _rows_of(user_id) -> dict[str, int]:
    return {
        "user": User.objects.filter(pk=user_id).count(),
        "usage": Usage.objects.filter(user_id=user_id).count(),
        "folders": Folder.objects.filter(owner_id=user_id).count(),
        "files": File.objects.filter(owner_id=user_id).count(),
        "versions": FileVersion.objects.filter(file__owner_id=user_id).count(),
        "uploads": UploadSession.objects.filter(owner_id=user_id).count(),
        "tokens": ApiToken.objects.filter(user_id=user_id).count(),
    }


NO_ROWS = {"user": 0, "usage": 0, "folders": 0, "files": 0, "versions": 0, "uploads": 0, "tokens": 0}


def _fill_account(protocol, owner) -> None:
    """Two files (one with two versions), a folder, a server-made object, a token."""
    folder = protocol.api.post("/api/v1/folders/", {"name": "Photos", "parent": None}, format="json")
    assert folder.status_code == 201, folder.json()
    assert protocol.upload("a.txt", b"first").status_code == 200
    assert protocol.upload("a.txt", b"second version").status_code == 200
    assert protocol.upload("b.bin", os.urandom(2048), folder=folder.json()["id"]).status_code == 200
    get_backend().put_bytes(key=keys.archive_key(owner.pk, "zip1"), data=b"zip bytes", content_type="application/zip")
    api_token_create(user=owner, name="sync")


def _put_objects(user_id, count: int) -> list[str]:
    backend = get_backend()
    made = [keys.blob_key(user_id) for _ in range(count)]
    for key in made:
        backend.put_bytes(key=key, data=b"x", content_type="application/octet-stream")
    return made


def _mark_deleting(user) -> None:
    """The request's row changes without running the purge (its on-commit task)."""
    User.objects.filter(pk=user.pk).update(deleting_at=timezone.now(), is_active=False)


# --- the request ----------------------------------------------------------------------------


def test_delete_request_locks_the_account_out_at_once_and_enqueues_the_purge(
    local_settings, owner, client, django_capture_on_commit_callbacks
):
    api_token_create(user=owner, name="laptop")
    client.force_login(owner)
    assert client.get(reverse("settings")).status_code == 200

    with django_capture_on_commit_callbacks() as callbacks:
        account_delete_request(user=owner, source=DeletionSource.CONSOLE)

    owner.refresh_from_db()
    assert owner.deleting_at is not None
    assert owner.is_active is False
    assert owner.has_usable_password() is False
    assert ApiToken.objects.filter(user=owner).count() == 0
    # account_purge_task, once the lock-out is committed (the others forget cached tokens).
    assert len([c for c in callbacks if c.__qualname__.startswith("account_delete_request")]) == 1
    # The open session no longer authenticates (inactive, and its auth hash no longer matches).
    response = client.get(reverse("settings"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_no_complete_can_record_once_deletion_is_requested(
    local_settings, owner, owner_client, django_capture_on_commit_callbacks
):
    from storage.services.uploads import upload_complete

    started = owner_client.post("/api/v1/uploads/", {"name": "late.txt", "size": 4}, format="json").json()
    upload = UploadSession.objects.get(pk=started["id"])
    get_backend().put_bytes(key=upload.key, data=b"late", content_type="application/octet-stream")
    with django_capture_on_commit_callbacks():  # the purge is announced, not yet run
        account_delete_request(user=owner, source=DeletionSource.CONSOLE)
    owner.refresh_from_db()

    with pytest.raises(Exception) as refused:
        upload_complete(actor=owner, upload=upload, origin=TASK)

    assert getattr(refused.value, "code", None) == "gone"
    assert not File.objects.filter(owner=owner).exists()


# --- the purge --------------------------------------------------------------------------------


def test_purge_deletes_every_object_then_every_row(
    protocol, owner, small_multipart, django_capture_on_commit_callbacks
):
    _fill_account(protocol, owner)
    # A multipart upload left half done: its parts are not objects under the prefix yet.
    started = protocol.start(name="big.iso", size=6 * MiB).json()
    protocol.put_parts(started["id"], {1: os.urandom(6 * MiB)})
    upload = UploadSession.objects.get(pk=started["id"])
    assert len(_prefix_keys(owner.pk)) == 4
    stranger_keys = _put_objects("00000000-0000-0000-0000-000000000001", 1)

    with django_capture_on_commit_callbacks(execute=True):
        account_delete_request(user=owner, source=DeletionSource.CONSOLE)

    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS
    with pytest.raises(UploadNotFound):
        get_backend().multipart_list_parts(key=upload.key, upload_id=upload.multipart_upload_id)
    assert get_backend().head(key=stranger_keys[0]) is not None  # nobody else's objects


def test_purge_deletes_in_batches_and_lists_again_before_the_rows(s3_settings, owner, monkeypatch):
    _put_objects(owner.pk, 5)
    _mark_deleting(owner)
    monkeypatch.setattr(account_services, "PURGE_BATCH", 2)
    backend = get_backend()
    deleted_batches, listings = [], []
    real_delete, real_list = backend.delete, backend.list_prefix
    monkeypatch.setattr(backend, "delete", lambda *, keys: (deleted_batches.append(len(keys)), real_delete(keys=keys)))
    monkeypatch.setattr(
        backend, "list_prefix", lambda *, prefix: (listings.append(prefix), real_list(prefix=prefix))[1]
    )

    assert account_purge(user_id=owner.pk) is True

    assert deleted_batches == [2, 2, 1]
    assert len(listings) == 4  # three batches, then the listing that proves the prefix empty
    assert _rows_of(owner.pk) == NO_ROWS


def test_purge_killed_between_object_and_row_deletes_is_finished_by_a_rerun(protocol, owner, monkeypatch):
    _fill_account(protocol, owner)
    _mark_deleting(owner)
    real_purge_rows = account_services._purge_rows
    calls = []

    def killed_once(*, user_id):
        calls.append(user_id)
        if len(calls) == 1:
            raise SystemExit("worker killed")
        return real_purge_rows(user_id=user_id)

    monkeypatch.setattr(account_services, "_purge_rows", killed_once)

    with pytest.raises(SystemExit):
        account_purge(user_id=owner.pk)

    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk)["user"] == 1  # the rows outlive the objects, never the reverse
    assert _rows_of(owner.pk)["versions"] == 3

    assert account_purge(user_id=owner.pk) is True

    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS


@pytest.mark.parametrize("failing", ["list_prefix", "delete", "multipart_abort"])
def test_store_outage_during_purge_leaves_rows_untouched_and_the_retry_finishes(
    s3_settings, owner, owner_client, live_server, small_multipart, monkeypatch, failing
):
    protocol = ProtocolClient(api=owner_client, base_url=live_server.url)
    _fill_account(protocol, owner)
    protocol.start(name="big.iso", size=6 * MiB)
    _mark_deleting(owner)
    rows_before, keys_before = _rows_of(owner.pk), sorted(_prefix_keys(owner.pk))

    def unreachable(**kwargs):
        raise BackendError("connection refused")

    monkeypatch.setattr(get_backend(), failing, unreachable)

    with pytest.raises(BackendError):
        account_purge(user_id=owner.pk)

    assert _rows_of(owner.pk) == rows_before
    monkeypatch.undo()
    if failing != "delete":
        assert sorted(_prefix_keys(owner.pk)) == keys_before

    assert account_purge(user_id=owner.pk) is True

    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS


def test_purge_task_failure_is_retried_by_the_sweep(s3_settings, owner, monkeypatch):
    _put_objects(owner.pk, 3)
    User.objects.filter(pk=owner.pk).update(deleting_at=timezone.now() - timedelta(hours=2), is_active=False)
    monkeypatch.setattr(get_backend(), "delete", lambda **kwargs: (_ for _ in ()).throw(BackendError("down")))

    assert account_purge_sweep() == 0  # still down: logged, left for the next sweep
    assert _rows_of(owner.pk)["user"] == 1

    monkeypatch.undo()
    assert account_purge_sweep() == 1
    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS


def test_purge_refuses_an_account_not_marked_deleting(s3_settings, owner):
    made = _put_objects(owner.pk, 2)

    assert account_purge(user_id=owner.pk) is False

    assert sorted(_prefix_keys(owner.pk)) == sorted(made)
    assert _rows_of(owner.pk)["user"] == 1


def test_purge_of_an_account_already_gone_does_nothing(s3_settings, owner):
    _mark_deleting(owner)
    assert account_purge(user_id=owner.pk) is True

    assert account_purge(user_id=owner.pk) is False


def test_a_user_row_deleted_outside_the_flow_still_loses_its_objects(
    s3_settings, owner, django_capture_on_commit_callbacks
):
    _put_objects(owner.pk, 2)

    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()

    assert _prefix_keys(owner.pk) == []


# --- entry points: settings page ----------------------------------------------------------------


def test_settings_page_links_to_the_deletion_confirmation(client, owner):
    client.force_login(owner)

    page = client.get(reverse("settings"))
    confirmation = client.get(reverse("settings_account_delete"))

    assert reverse("settings_account_delete") in page.content.decode()
    assert confirmation.status_code == 200
    assert 'type="password"' in confirmation.content.decode()


def test_settings_deletion_with_a_wrong_password_changes_nothing(local_settings, client, owner):
    client.force_login(owner)
    made = _put_objects(owner.pk, 1)

    response = client.post(reverse("settings_account_delete"), {"password": "not my password"})

    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    owner.refresh_from_db()
    assert owner.deleting_at is None and owner.is_active
    assert _prefix_keys(owner.pk) == made


def test_settings_deletion_needs_a_signed_in_user(client):
    response = client.post(reverse("settings_account_delete"), {"password": PASSWORD})

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_settings_deletion_with_the_password_purges_everything_and_signs_out(
    protocol, client, owner, stranger, django_capture_on_commit_callbacks
):
    _fill_account(protocol, owner)
    stranger_made = _put_objects(stranger.pk, 1)
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("settings_account_delete"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert SESSION_KEY not in client.session
    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS
    assert _prefix_keys(stranger.pk) == stranger_made
    assert User.objects.filter(pk=stranger.pk).exists()


# --- entry points: the admin ---------------------------------------------------------------------


def test_admin_action_deletes_account_and_all_files(
    protocol, admin_web, owner, stranger, django_capture_on_commit_callbacks
):
    _fill_account(protocol, owner)
    stranger_made = _put_objects(stranger.pk, 1)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "delete_accounts_and_files", "_selected_action": [str(owner.pk)]},
        )

    assert response.status_code == 302
    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS
    assert _prefix_keys(stranger.pk) == stranger_made


def test_admin_plain_delete_runs_the_purge_flow(s3_settings, admin_web, owner, django_capture_on_commit_callbacks):
    _put_objects(owner.pk, 3)
    assert admin_web.get(reverse("admin:accounts_user_delete", args=[owner.pk])).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(reverse("admin:accounts_user_delete", args=[owner.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS


def test_admin_bulk_delete_runs_the_purge_flow(
    s3_settings, admin_web, owner, stranger, django_capture_on_commit_callbacks
):
    _put_objects(owner.pk, 2)
    _put_objects(stranger.pk, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "delete_selected", "_selected_action": [str(owner.pk), str(stranger.pk)], "post": "yes"},
        )

    assert response.status_code == 302
    for user in (owner, stranger):
        assert _prefix_keys(user.pk) == []
        assert _rows_of(user.pk) == NO_ROWS


def test_admin_change_form_shows_a_deleting_account(admin_web, owner):
    _mark_deleting(owner)

    assert admin_web.get(reverse("admin:accounts_user_change", args=[owner.pk])).status_code == 200
    assert admin_web.get(reverse("admin:accounts_user_changelist")).status_code == 200


# --- concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_delete_everything_once(s3_settings, owner):
    """The second purge runs to its end while the first is between deleting the objects
    and deleting the rows: each deletes what is left, and only one deletes the rows."""
    _put_objects(owner.pk, 30)
    _mark_deleting(owner)

    with run_before("storage.services.account_purge._purge_rows", lambda: account_purge(user_id=owner.pk)) as second:
        first = account_purge(user_id=owner.pk)

    assert sorted([first, second.result]) == [False, True]
    assert _prefix_keys(owner.pk) == []
    assert _rows_of(owner.pk) == NO_ROWS
