"""Notifications (issue 11 item 6): each kind made once per event, after the change
commits (DESIGN.md: notifications are fed by activity events after commit), never for a
change that rolls back; batched kinds coalesce; e-mail leaves only after commit, by the
worker, and only for the kinds a person keeps on."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activity.hooks import events_committed
from activity.models import ActivityEvent
from kosha.origin import Origin
from kosha.testing.clients import api_as, web_as
from kosha.testing.commits import committed
from kosha.testing.factories import folder, link, pending_upload, share, stored_file, user
from notifications.models import Kind, Notification, Preference
from notifications.services import batches_close
from notifications.tasks import links_expiring_task
from plans.models import Plan, Usage
from plans.services import usage_set_plan
from sharing.services.shares import share_create
from storage.services.folders import folder_update
from storage.services.uploads import upload_complete
from storage.services.uploads.batch import uploads_complete_batch

pytestmark = pytest.mark.django_db
API = "/api/v1"
WEB = Origin(ip="192.0.2.1", via="web")
LINK = Origin(ip="192.0.2.9", via="link")


def notices(person, kind):
    return list(Notification.objects.filter(user=person, kind=kind))


def _close_batches(capture):
    with capture(execute=True):
        return batches_close(now=timezone.now() + timedelta(days=1))


# --- written after the change commits, never for one that rolls back ----------------------


def _dropped_through_a_link(world):
    upload = pending_upload(world.owner, "scan.pdf", b"dropped", folder=world.shared)
    return lambda: upload_complete(actor=None, upload=upload, origin=LINK), Kind.LINK_DROP


def _changed_by_a_collaborator(world):
    upload = pending_upload(world.owner, "edit.txt", b"x", folder=world.shared, by=world.editor)
    return lambda: upload_complete(actor=world.editor, upload=upload, origin=WEB), Kind.COLLABORATOR_CHANGES


def _filling_the_storage(world):
    used_bytes = Usage.objects.get(user=world.owner).used_bytes
    plan = Plan.objects.create(
        code="exact", name="Exact", storage_bytes=used_bytes + 10, max_files=100, max_file_bytes=100, versions_kept=1
    )
    usage_set_plan(user=world.owner, plan=plan)
    upload = pending_upload(world.owner, "last.bin", b"x" * 10)  # completed: 100 % full
    return lambda: upload_complete(actor=world.owner, upload=upload, origin=WEB), Kind.QUOTA


@pytest.mark.parametrize("change_of", [_dropped_through_a_link, _changed_by_a_collaborator, _filling_the_storage])
def test_a_change_that_rolls_back_tells_nobody_and_the_same_change_committed_tells_once(world, change_of):
    change, kind = change_of(world)

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        change()
        assert not notices(world.owner, kind)  # never written inside the change's transaction
        raise RuntimeError("abandon")
    assert not notices(world.owner, kind)

    with committed():
        change()
    assert len(notices(world.owner, kind)) == 1


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_a_share_tells_its_grantee_only_once_it_has_committed(owner):
    friend = user("friend")
    team = folder(owner, "Team")
    with pytest.raises(RuntimeError), transaction.atomic():
        share_create(actor=owner, item=team, email=friend.email, origin=WEB)
        raise RuntimeError("abandon")
    assert not Notification.objects.filter(user=friend).exists()

    share_create(actor=owner, item=team, email=friend.email, origin=WEB)  # commits

    (notice,) = notices(friend, Kind.SHARE_RECEIVED)
    assert notice.about == "Team"
    assert [message.to for message in mail.outbox] == [[friend.email]]


# --- a share received ------------------------------------------------------------------------


def test_a_share_received_is_one_notice_and_one_mail_after_commit(owner, django_capture_on_commit_callbacks):
    friend = user("friend")
    team = folder(owner, "Team")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            share_create(actor=owner, item=team, email=friend.email, role="editor", origin=WEB)
            assert mail.outbox == []  # nothing leaves inside the transaction
            assert not notices(friend, Kind.SHARE_RECEIVED)  # nor is the notice written in it

    (notice,) = notices(friend, Kind.SHARE_RECEIVED)
    assert notice.text == f"{owner.email} shared “Team” with you"
    assert notice.url == f"/f/{team.pk}"
    assert [message.to for message in mail.outbox] == [[friend.email]]
    assert mail.outbox[0].subject == notice.text
    assert "/f/" in mail.outbox[0].body
    assert not notices(owner, Kind.SHARE_RECEIVED)


def test_a_rolled_back_share_leaves_no_notice_and_sends_no_mail(owner, django_capture_on_commit_callbacks):
    friend = user("friend")
    team = folder(owner, "Team")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                share_create(actor=owner, item=team, email=friend.email, origin=WEB)
                raise RuntimeError("abandon")

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.filter(user=friend).exists()


def test_a_kind_turned_off_by_email_still_shows_in_the_app(owner, django_capture_on_commit_callbacks):
    friend = user("friend")
    web_as(friend).post("/settings/notifications/", {"email": [Kind.QUOTA, Kind.LINK_DROP]})
    assert Preference.objects.get(user=friend, kind=Kind.SHARE_RECEIVED).by_email is False

    with django_capture_on_commit_callbacks(execute=True):
        share_create(actor=owner, item=folder(owner, "Team"), email=friend.email, origin=WEB)

    assert len(notices(friend, Kind.SHARE_RECEIVED)) == 1
    assert mail.outbox == []
    page = web_as(friend).get("/settings/notifications/").content.decode()
    assert 'value="quota" checked' in page and 'value="share_received">' in page


# --- files dropped through a link: batched --------------------------------------------------


def _drop(owner, into, name, capture):
    upload = pending_upload(owner, name, b"dropped", folder=into)
    with capture(execute=True):
        upload_complete(actor=None, upload=upload, origin=LINK)


def test_drops_through_a_link_coalesce_into_one_notice_and_one_mail(
    owner, local_settings, django_capture_on_commit_callbacks
):
    inbox = folder(owner, "Inbox")
    other = folder(owner, "Other inbox")
    for number in range(3):
        _drop(owner, inbox, f"scan-{number}.pdf", django_capture_on_commit_callbacks)
    _drop(owner, other, "elsewhere.pdf", django_capture_on_commit_callbacks)

    drops = {notice.batch_key: notice for notice in notices(owner, Kind.LINK_DROP)}
    assert set(drops) == {str(inbox.pk), str(other.pk)}
    assert drops[str(inbox.pk)].count == 3
    assert drops[str(inbox.pk)].text == "“scan-2.pdf” and 2 more files were dropped through your link"
    assert mail.outbox == []  # not while the batch is open

    assert _close_batches(django_capture_on_commit_callbacks) == 2
    assert sorted(message.subject for message in mail.outbox) == sorted(n.text for n in drops.values())
    assert _close_batches(django_capture_on_commit_callbacks) == 0  # mailed once
    assert len(mail.outbox) == 2

    # After the window a new drop opens a new notice.
    _drop(owner, inbox, "later.pdf", django_capture_on_commit_callbacks)
    assert len(notices(owner, Kind.LINK_DROP)) == 3


# --- a collaborator's changes: batched per collaborator --------------------------------------


def test_a_collaborators_changes_coalesce_per_collaborator(world, local_settings, django_capture_on_commit_callbacks):
    mail.outbox.clear()  # the world's two grantees were told of their shares
    for number in range(2):
        upload = pending_upload(world.owner, f"edit-{number}.txt", b"x", folder=world.shared, by=world.editor)
        with committed():
            upload_complete(actor=world.editor, upload=upload, origin=WEB)
    with committed():
        folder_update(actor=world.editor, folder=world.sub, name="Renamed sub", origin=WEB)
    # The owner's own changes and a task's are nobody's collaboration.
    folder(world.owner, "Mine", world.shared)
    stored_file(world.owner, "own.txt", b"own", folder=world.shared)

    (notice,) = notices(world.owner, Kind.COLLABORATOR_CHANGES)
    assert notice.count == 3 and notice.batch_key == str(world.editor.pk)
    assert notice.text == f"{world.editor.email} made 3 changes in your files (latest: “Renamed sub”)"
    assert not notices(world.editor, Kind.COLLABORATOR_CHANGES)

    assert _close_batches(django_capture_on_commit_callbacks) == 1
    assert [message.to for message in mail.outbox] == [[world.owner.email]]


# --- quota at 80 / 95 / 100 % -----------------------------------------------------------------


@pytest.fixture
def small_plan(owner):
    plan = Plan.objects.create(
        code="tiny", name="Tiny", storage_bytes=100, max_files=100, max_file_bytes=100, versions_kept=1
    )
    usage_set_plan(user=owner, plan=plan)
    return plan


def test_quota_thresholds_are_told_once_per_crossing(owner, small_plan, local_settings):
    for name, size_bytes in [
        ("a.bin", 50),  # 50 %
        ("b.bin", 30),  # 80 %
        ("c.bin", 5),  # 85 %: no new crossing
        ("d.bin", 15),  # 100 %: 95 and 100 crossed at once, the highest told
    ]:
        with committed():
            stored_file(owner, name, b"x" * size_bytes)

    assert [(n.about, n.text) for n in reversed(notices(owner, Kind.QUOTA))] == [
        ("80", "Your storage is 80 % full"),
        ("100", "Your storage is 100 % full"),
    ]


# --- a link about to expire -------------------------------------------------------------------


def test_a_link_about_to_expire_is_told_once(owner, django_capture_on_commit_callbacks, settings):
    settings.KOSHA_LINK_EXPIRY_NOTICE_HOURS = 24
    report = stored_file(owner, "report.pdf", b"r")
    soon, _ = link(owner, report)
    later, _ = link(owner, report)
    gone, _ = link(owner, report, "revoked")
    type(soon).objects.filter(pk__in=[soon.pk, gone.pk]).update(expires_at=timezone.now() + timedelta(hours=3))

    with django_capture_on_commit_callbacks(execute=True):
        assert links_expiring_task() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert links_expiring_task() == 0

    (notice,) = notices(owner, Kind.LINK_EXPIRING)
    assert notice.batch_key == str(soon.pk) and notice.text == "Your link to “report.pdf” expires soon"
    assert [message.to for message in mail.outbox] == [[owner.email]]


# --- the list, the count, marking read -------------------------------------------------------


def test_the_api_pages_marks_read_and_counts(world):
    for number in range(3):
        share(world.owner, stored_file(world.owner, f"f{number}.txt"), world.stranger)
    client = api_as(world.stranger)
    assert client.get(f"{API}/notifications/unread/").json() == {"unread": 3}

    first = client.get(f"{API}/notifications/", {"limit": 2}).json()
    second = client.get(f"{API}/notifications/", {"limit": 2, "cursor": first["next"]}).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next"] is None
    assert [item["text"] for item in first["items"]] == [
        f"{world.owner.email} shared “f2.txt” with you",
        f"{world.owner.email} shared “f1.txt” with you",
    ]

    read = client.post(f"{API}/notifications/{first['items'][0]['id']}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert client.get(f"{API}/notifications/unread/").json() == {"unread": 2}
    # Someone else's notice is not found, and cannot be marked.
    assert api_as(world.owner).post(f"{API}/notifications/{first['items'][1]['id']}/read/").status_code == 404
    assert client.post(f"{API}/notifications/read-all/").json() == {"marked": 2}
    assert client.get(f"{API}/notifications/unread/").json() == {"unread": 0}


def test_the_list_is_one_query_whatever_its_length(world, django_assert_num_queries):
    for number in range(4):
        share(world.owner, stored_file(world.owner, f"f{number}.txt"), world.stranger)
    client = api_as(world.stranger)
    with django_assert_num_queries(1):
        assert len(client.get(f"{API}/notifications/").json()["items"]) == 4


def test_every_signed_in_page_shows_the_unread_count_in_the_header(world):
    page = web_as(world.viewer)  # the world shared a folder with them: one unread notice
    html = page.get("/").content.decode()
    assert "data-unread-count>1<" in html

    listing = page.get("/notifications/").content.decode()
    assert f"{world.owner.email} shared “Shared” with you" in listing
    notice = Notification.objects.get(user=world.viewer)
    opened = page.post(f"/notifications/{notice.pk}/open")
    assert opened.status_code == 302 and opened.url == f"/f/{world.shared.pk}"
    assert "data-unread-count" not in page.get("/").content.decode()
    assert web_as(world.stranger).post(f"/notifications/{notice.pk}/open").status_code == 404
    assert Client().get("/notifications/").status_code == 302


# --- a commit's many events: one write per notice ----------------------------------------------


def _notice_writes(queries) -> list[str]:
    return [
        query["sql"].split()[0]
        for query in queries.captured_queries
        if '"notifications_notification"' in query["sql"] and not query["sql"].startswith("SELECT")
    ]


@pytest.mark.parametrize("count", [3, 9])
def test_an_editors_batch_counts_into_the_owners_notice_in_one_write(world, count):
    def batch_complete(prefix: str) -> list[str]:
        uploads = [
            pending_upload(world.owner, f"{prefix}-{number}.txt", b"x", folder=world.shared, by=world.editor)
            for number in range(count)
        ]
        with CaptureQueriesContext(connection) as queries, committed():
            results = uploads_complete_batch(actor=world.editor, uploads=uploads, origin=WEB)
        assert not [result for result in results.values() if isinstance(result, Exception)], results
        return _notice_writes(queries)

    # The first batch opens the owner's notice: an UPDATE finds none open, an INSERT opens
    # it with every file counted (before: one UPDATE more per file after the first).
    assert batch_complete("first") == ["UPDATE", "INSERT"]
    # The second counts into it: one UPDATE for the batch (before: one per file).
    assert batch_complete("second") == ["UPDATE"]

    (notice,) = notices(world.owner, Kind.COLLABORATOR_CHANGES)
    latest = ActivityEvent.objects.filter(actor=world.editor, kind=ActivityEvent.Kind.UPLOAD_COMPLETED).latest("id")
    assert (notice.count, notice.who, notice.about) == (2 * count, world.editor.email, latest.item_name)
    assert notice.about.startswith("second-")


def _tellings(world) -> list[ActivityEvent]:
    """One commit's events, interleaved: an editor's changes, drops through a link into two
    folders, a share received, the owner's own change (tells nobody)."""
    kinds = ActivityEvent.Kind

    def event(kind, *, actor, name, parent=None, via="web", detail=None):
        return ActivityEvent(
            kind=kind,
            actor=actor,
            owner=world.owner,
            item_type="file",
            item_id=str(uuid.uuid4()),
            item_name=name,
            item_parent_id=parent,
            detail=detail or {},
            via=via,
        )

    drop = {"actor": None, "via": "link"}
    return [
        event(kinds.UPLOAD_COMPLETED, actor=world.editor, name="edit-1.txt"),
        event(kinds.UPLOAD_COMPLETED, name="drop-1.pdf", parent=world.shared.pk, **drop),
        event(kinds.SHARE_CREATED, actor=world.owner, name="shared.txt", detail={"grantee": str(world.viewer.pk)}),
        event(kinds.RENAME, actor=world.editor, name="renamed.txt"),
        event(kinds.UPLOAD_COMPLETED, name="drop-2.pdf", parent=world.sub.pk, **drop),
        event(kinds.UPLOAD_COMPLETED, actor=world.owner, name="own.txt"),
        event(kinds.UPLOAD_COMPLETED, name="drop-3.pdf", parent=world.shared.pk, **drop),
        event(kinds.TRASH, actor=world.editor, name="trashed.txt"),
    ]


def _notices_now() -> list[tuple]:
    fields = ("user_id", "kind", "batch_key", "count", "who", "about", "url", "is_open")
    return list(Notification.objects.order_by("id").values_list(*fields))


def test_a_commits_events_make_the_notices_the_same_events_make_one_by_one(world):
    events = _tellings(world)
    Notification.objects.all().delete()

    events_committed.send(sender=ActivityEvent, event_ids=[], events=events)
    together = _notices_now()
    Notification.objects.all().delete()
    for event in events:
        events_committed.send(sender=ActivityEvent, event_ids=[], events=[event])

    assert _notices_now() == together
    assert [(kind, count) for _user, kind, _key, count, *_rest in together] == [
        (Kind.COLLABORATOR_CHANGES, 3),
        (Kind.LINK_DROP, 2),
        (Kind.SHARE_RECEIVED, 1),
        (Kind.LINK_DROP, 1),
    ]
