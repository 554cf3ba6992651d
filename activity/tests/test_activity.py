"""The activity log: what is recorded, from which address and door, who sees it, how long it
stays. Collaborators' and link visitors' actions: test_activity_collaboration.py."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule

from activity.models import ActivityEvent
from activity.services import activity_prune, activity_record
from activity.tasks import activity_prune_task
from kosha.origin import TASK, Origin
from kosha.testing.factories import PASSWORD, pending_upload

pytestmark = pytest.mark.django_db


def kinds(user):
    return list(ActivityEvent.objects.filter(actor=user).values_list("kind", flat=True))


def test_a_sign_in_is_recorded_with_the_clients_address(owner):
    client = Client(REMOTE_ADDR="203.0.113.7")

    response = client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})

    assert response.status_code == 302
    event = ActivityEvent.objects.get(actor=owner)
    assert event.kind == ActivityEvent.Kind.LOGIN
    assert (event.owner, event.via, event.ip_address) == (owner, "web", "203.0.113.7")


def test_a_failed_sign_in_is_recorded_in_the_space_of_the_account_it_named(owner):
    client = Client(REMOTE_ADDR="198.51.100.9")

    response = client.post("/accounts/login/", {"login": owner.email, "password": "wrong password"})

    assert response.status_code == 200
    event = ActivityEvent.objects.get(kind=ActivityEvent.Kind.LOGIN_FAILED)
    assert (event.actor, event.owner) == (None, owner)
    assert event.ip_address == "198.51.100.9"
    assert event.detail == {"identifier": owner.email}
    assert "wrong password" not in str(event.detail)


def test_a_failed_sign_in_for_no_account_has_no_actor(db):
    Client().post("/accounts/login/", {"login": "nobody@example.com", "password": "x"})

    event = ActivityEvent.objects.get(kind=ActivityEvent.Kind.LOGIN_FAILED)
    assert (event.actor, event.owner) == (None, None)


def test_upload_complete_and_download_are_recorded(local_settings, owner, owner_client):
    started = pending_upload(owner, "report.pdf", b"%PDF", content_type="application/pdf")

    completed = owner_client.post(f"/api/v1/uploads/{started.pk}/complete/", {}, format="json", REMOTE_ADDR="192.0.2.1")
    file_id = completed.json()["id"]
    downloaded = owner_client.get(f"/api/v1/files/{file_id}/download/", REMOTE_ADDR="192.0.2.2")

    assert completed.status_code == 200
    assert downloaded.status_code == 302
    upload, download = ActivityEvent.objects.filter(actor=owner).order_by("at", "id")
    assert (upload.kind, upload.item_type, upload.item_id, upload.item_name) == (
        "upload_completed",
        "file",
        file_id,
        "report.pdf",
    )
    assert upload.owner == owner
    assert upload.detail == {"version": 1, "size_bytes": 4}
    assert (upload.ip_address, upload.via) == ("192.0.2.1", "api")
    assert (download.kind, download.item_id, download.ip_address) == ("download", file_id, "192.0.2.2")


def test_forwarded_for_counts_only_behind_declared_proxies(settings, owner):
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.50"}
    Client(**headers).post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    settings.KOSHA_TRUSTED_PROXIES = 1
    Client(**headers).post("/accounts/login/", {"login": owner.email, "password": PASSWORD})

    untrusted, trusted = ActivityEvent.objects.filter(actor=owner).order_by("at", "id")
    assert untrusted.ip_address == "10.0.0.2"
    assert trusted.ip_address == "203.0.113.50"  # the proxy's entry, not the client-written one


def _record(kind, actor, *, owner=None, name=""):
    return activity_record(kind=kind, actor=actor, owner=owner or actor, origin=TASK, item_type="file", item_name=name)


def test_the_activity_page_shows_only_my_events_newest_first(owner, stranger):
    _record("download", owner, name="older.txt")
    _record("trash", owner, name="newer.txt")
    _record("download", stranger, name="secret.txt")
    client = Client()
    client.force_login(owner)  # records a sign-in, the newest event

    page = client.get("/activity/").content.decode()

    assert "secret.txt" not in page
    assert page.index("Signed in") < page.index("newer.txt") < page.index("older.txt")


def test_the_activity_page_is_cursor_paged(owner):
    for number in range(60):
        _record("download", owner, name=f"file-{number:02}.txt")
    client = Client()
    client.force_login(owner)

    first = client.get("/activity/")
    cursor = first.context["next_cursor"]
    second = client.get("/activity/", {"cursor": cursor})

    assert len(first.context["events"]) == 50
    assert len(second.context["events"]) == 11  # 60 downloads and the sign-in
    assert second.context["next_cursor"] is None
    seen = [view.event.pk for view in [*first.context["events"], *second.context["events"]]]
    assert len(set(seen)) == 61
    forged = client.get("/activity/", {"cursor": "forged"})
    assert (forged.status_code, forged["Location"]) == (302, "/activity/")  # as every page: the newest again


def test_the_activity_page_needs_a_sign_in(db):
    response = Client().get("/activity/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_pruning_deletes_only_events_past_retention(settings, owner):
    settings.KOSHA_ACTIVITY_RETENTION_DAYS = 30
    old = _record("download", owner)
    ActivityEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    recent = _record("download", owner)
    ActivityEvent.objects.filter(pk=recent.pk).update(at=timezone.now() - timedelta(days=29))

    assert activity_prune_task() == 1
    assert activity_prune() == 0
    assert list(ActivityEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_an_account_deleted_keeps_its_events_without_an_actor(owner):
    event = _record("download", owner)

    owner.delete()

    event.refresh_from_db()
    assert (event.actor, event.owner) == (None, None)


def test_an_unknown_kind_is_refused(owner):
    with pytest.raises(ValueError):
        activity_record(kind="teleported", actor=owner, owner=owner, origin=Origin(ip=None, via="web"))


def test_the_janitor_and_prune_schedules_are_registered(db):
    functions = set(Schedule.objects.values_list("func", flat=True))

    assert {
        "storage.tasks.orphan_sweep_task",
        "storage.tasks.usage_reconcile_task",
        "activity.tasks.activity_prune_task",
    } <= functions


def test_the_admin_lists_and_shows_events_read_only(owner, admin_client):
    event = _record("download", owner, name="x.txt")

    assert admin_client.get("/admin/activity/activityevent/").status_code == 200
    assert admin_client.get(f"/admin/activity/activityevent/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/activity/activityevent/add/").status_code == 403


def test_trash_restore_delete_forever_and_sharing_are_recorded(local_settings, owner, owner_client, collaborator):
    folder = owner_client.post("/api/v1/folders/", {"name": "Trip", "parent": None}, format="json").json()
    owner_client.post(
        "/api/v1/shares/", {"folder": folder["id"], "email": collaborator.email, "role": "viewer"}, format="json"
    )
    link = owner_client.post("/api/v1/share-links/", {"folder": folder["id"]}, format="json").json()
    owner_client.delete(f"/api/v1/share-links/{link['id']}/")
    owner_client.delete(f"/api/v1/folders/{folder['id']}/")
    owner_client.post(f"/api/v1/trash/{folder['id']}/restore/")
    owner_client.delete(f"/api/v1/folders/{folder['id']}/")

    owner_client.delete(f"/api/v1/trash/{folder['id']}/")

    kinds = list(ActivityEvent.objects.filter(actor=owner).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == [
        ActivityEvent.Kind.FOLDER_CREATED,
        ActivityEvent.Kind.SHARE_CREATED,
        ActivityEvent.Kind.LINK_CREATED,
        ActivityEvent.Kind.LINK_REVOKED,
        ActivityEvent.Kind.TRASH,
        ActivityEvent.Kind.RESTORE,
        ActivityEvent.Kind.TRASH,
        ActivityEvent.Kind.PURGE,
    ]
    assert ActivityEvent.objects.filter(kind=ActivityEvent.Kind.TRASH, item_name="Trip", owner=owner).count() == 2
    assert ActivityEvent.objects.get(kind=ActivityEvent.Kind.PURGE).item_name == "Trip"
