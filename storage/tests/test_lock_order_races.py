"""Races the lock order of storage/locks.py must survive, on PostgreSQL (review of the
space lock, 12f7b5b): a write that takes the Usage row last must not hold a lock that a
transaction already holding Usage waits for at its commit (a batch complete's folder
lock, a purge's DELETE of the folder a start is going into; a row pointing at a folder
must commit before the purge deletes it, and go with it), and a complete that renames
must not give up while other completes keep taking the names it tries."""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from kosha.errors import CopyGone, NotFound
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.clients import api_as
from kosha.testing.races import run_after, run_before, run_concurrently
from plans.models import Usage
from sharing.drops import drop_start_admit
from sharing.invitations import invitations_accept
from sharing.models import DropStart, Invitation, LinkEvent, Share, ShareLink
from sharing.services.link_visits import link_download_count
from sharing.services.links import share_link_create, share_link_revoke
from sharing.services.shares import share_create
from storage.backends import get_backend
from storage.models import File, Folder, FolderArchive, Star, UploadSession
from storage.places import Place
from storage.services.account_purge import account_purge
from storage.services.archives import folder_archive_start
from storage.services.files import file_copy
from storage.services.stars import star_set
from storage.services.trash import folder_trash, trash_batches_purge
from storage.services.uploads import upload_complete, upload_start
from storage.services.uploads.batch import uploads_complete_batch, uploads_start_batch
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DATA = b"r" * 500


def _sent(owner, name: str, *, folder=None, on_conflict: str = "version") -> UploadSession:
    """A started upload whose bytes are in the store, not completed."""
    started = upload_start(
        actor=owner,
        place=Place(owner=owner, folder=folder),
        name=name,
        size_bytes=len(DATA),
        on_conflict=on_conflict,
    )
    get_backend().put_bytes(key=started.upload.key, data=DATA, content_type="application/octet-stream")
    return started.upload


def test_a_batch_complete_into_a_folder_and_a_start_into_it_both_finish(local_settings, owner):
    folder = factories.folder(owner, "Inbox")
    sent = _sent(owner, "first.bin", folder=folder)

    # The start holds the owner's Usage row (its reservation) until its commit, where
    # PostgreSQL checks its session's (deferred) foreign key to the folder. The batch
    # complete, meanwhile, locks the folder and then waits for Usage: a folder lock that
    # refuses the key check closes a cycle, and PostgreSQL aborts one of the two.
    with run_after(
        "storage.services.uploads.start.quota_reserve",
        lambda: uploads_complete_batch(actor=owner, uploads=[sent], origin=TASK),
        in_thread=True,
    ) as race:
        started = upload_start(
            actor=owner, place=Place(owner=owner, folder=folder), name="second.bin", size_bytes=len(DATA)
        )

    assert started.upload.status == UploadSession.Status.PENDING
    assert not isinstance(race.result[sent.pk], Exception), race.result
    assert list(File.objects.filter(owner=owner).values_list("name", flat=True)) == ["first.bin"]
    assert_usage_consistent(owner)


def test_many_completes_of_one_name_that_rename_all_record(local_settings, owner):
    count = 8
    uploads = [_sent(owner, "photo.jpg", on_conflict="rename") for _ in range(count)]

    results = run_concurrently(count, lambda i: upload_complete(actor=owner, upload=uploads[i], origin=TASK))

    assert [type(result).__name__ for result in results] == ["FileVersion"] * count, results
    names = sorted(File.objects.filter(owner=owner, deleted_at__isnull=True).values_list("name", flat=True))
    assert names == sorted(["photo.jpg"] + [f"photo ({n}).jpg" for n in range(2, count + 1)])
    usage = usage_of(owner)
    assert (usage.file_count, usage.reserved_bytes, usage.reserved_files) == (count, 0, 0)
    assert_usage_consistent(owner)


def _trash_and_purge(owner, folder) -> None:
    trashed = folder_trash(actor=owner, folder=folder, origin=TASK)
    trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])


def _assert_the_folder_and_the_session_are_gone(owner, folder, upload_id) -> None:
    """The purge deleted the folder and its file, and failed the session aimed at it,
    giving its reservation back: nothing left behind, nothing reserved."""
    upload = UploadSession.objects.get(pk=upload_id)
    assert (upload.status, upload.folder_id) == (UploadSession.Status.FAILED, None)
    assert not Folder.objects.filter(pk=folder.pk).exists()
    usage = usage_of(owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (0, 0)
    assert_usage_consistent(owner)


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
def test_a_start_into_a_folder_and_a_purge_of_it_both_finish(local_settings, owner, batch):
    folder = factories.folder(owner, "Old")
    factories.stored_file(owner, "kept.txt", b"kept", folder=folder)
    place = Place(owner=owner, folder=folder)  # read live by the door before the trash

    # The folder is trashed and purged while the start holds the owner's Usage row (its
    # reservation). Before the fix the purge DELETEd the folder, then waited for Usage,
    # and the start's deferred key check of its session's folder waited at its commit
    # for the deleted row: a cycle, PostgreSQL aborted one (the start answered 503). Now
    # the start holds the folder's key-share lock from before Usage: the purge waits
    # for the start's commit, then fails its session with the others.
    target = (
        "storage.services.uploads.batch.quota_reserve_each" if batch else "storage.services.uploads.start.quota_reserve"
    )
    with run_after(target, lambda: _trash_and_purge(owner, folder), in_thread=True):
        if batch:
            [started] = uploads_start_batch(actor=owner, place=place, files=[{"name": "late.bin", "size_bytes": 500}])
        else:
            started = upload_start(actor=owner, place=place, name="late.bin", size_bytes=500)

    assert not isinstance(started, Exception), started
    assert not File.objects.filter(owner=owner).exists()
    _assert_the_folder_and_the_session_are_gone(owner, folder, started.upload.pk)


def test_a_copy_into_a_folder_and_a_purge_of_it_both_finish(local_settings, owner):
    source = factories.stored_file(owner, "source.txt", b"copied bytes")
    folder = factories.folder(owner, "Old")
    place = Place(owner=owner, folder=folder)  # read live by the door before the trash

    # The copy's reservation is a start's (sessions into the folder, then Usage): the
    # same cycle, the same lock. The copy then finds its session failed by the purge.
    with run_after("storage.services.copies.quota_reserve", lambda: _trash_and_purge(owner, folder), in_thread=True):
        with pytest.raises(CopyGone):
            file_copy(actor=owner, file=source, place=place, origin=TASK)

    assert list(File.objects.filter(owner=owner).values_list("name", flat=True)) == ["source.txt"]
    [session] = UploadSession.objects.filter(owner=owner, name="source.txt", on_conflict="rename")
    _assert_the_folder_and_the_session_are_gone(owner, folder, session.pk)


def test_a_version_restore_the_database_gives_up_gives_its_reservation_back(local_settings, owner):
    file = factories.stored_file(owner, "notes.txt", b"v" * 10)
    factories.stored_version(file, b"v" * 20)
    first = file.versions.get(number=1)

    def competing() -> None:
        # Holds the owner's Usage row, then waits for the file the restore holds: a cycle
        # once the restore asks for Usage. A longer deadlock_timeout here makes PostgreSQL
        # abort the restore's transaction, not this one.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '10s'")
            Usage.objects.select_for_update().get(user_id=owner.pk)
            File.objects.select_for_update().get(pk=file.pk)

    with run_after("storage.services.versions.file_lock", competing, in_thread=True):
        response = api_as(owner).post(f"/api/v1/files/{file.pk}/versions/{first.pk}/restore/")

    # 503 says nothing was changed and the client may retry: the reservation the restore
    # made before its copy (no session holds it for the sweep) was kept until this fix.
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "database_busy"
    assert file.versions.count() == 2
    assert usage_of(owner).reserved_bytes == 0
    assert_usage_consistent(owner)
    assert sum(1 for _ in get_backend().list_prefix(prefix=f"users/{owner.pk}/")) == 2  # the copy deleted


def _pointer_writes(owner, collaborator):
    """(the function the write calls first in its transaction, the write of an item), by case."""
    return {
        "star": ("storage.services.stars.item_pin", lambda item: star_set(actor=owner, item=item)),
        "link": (
            "sharing.services.links.item_pin",
            lambda item: share_link_create(actor=owner, item=item, origin=TASK),
        ),
        "share": (
            "sharing.services.shares.item_pin",
            lambda item: share_create(actor=owner, item=item, email=collaborator.email, origin=TASK),
        ),
        "invitation": (
            "sharing.invitations.item_pin",
            lambda item: share_create(actor=owner, item=item, email="nobody-yet@example.com", origin=TASK),
        ),
        "archive": (
            "storage.services.archives.folder_pin",
            lambda item: folder_archive_start(actor=owner, folder=item, origin=TASK),
        ),
    }


@pytest.mark.parametrize("case", ["star", "link", "share", "invitation", "archive"])
def test_a_row_pointing_at_a_folder_and_a_purge_of_it_both_finish(local_settings, owner, collaborator, case):
    folder = factories.folder(owner, "Old")
    factories.stored_file(owner, "kept.txt", b"kept", folder=folder)
    pin, write = _pointer_writes(owner, collaborator)[case]

    # The folder is trashed and purged while the write holds it (key share; an archive:
    # the space lock too). The purge waits for the write's commit, then deletes the new
    # row with the folder: no key check refused, nothing left pointing at nothing.
    with run_after(pin, lambda: _trash_and_purge(owner, folder), in_thread=True):
        write(folder)

    assert not Folder.objects.filter(pk=folder.pk).exists()
    for model in (Star, ShareLink, Share, Invitation, FolderArchive):
        assert not model.objects.filter(folder_id=folder.pk).exists(), model


@pytest.mark.parametrize("case", ["star", "link", "share", "invitation"])
def test_a_row_pointing_at_a_file_and_a_purge_of_it_both_finish(local_settings, owner, collaborator, case):
    folder = factories.folder(owner, "Old")
    file = factories.stored_file(owner, "notes.txt", b"notes", folder=folder)
    pin, write = _pointer_writes(owner, collaborator)[case]

    # The file's folder is trashed (which marks the file by an UPDATE that passes the
    # write's key-share lock) and purged while the write holds the file. The purge locks
    # its files FOR UPDATE before it reads what points at them, so it waits for the
    # write's commit and deletes the new row with the file. Before, it read the rows
    # first, then its DELETE of the file waited, and its own key checks failed at its
    # commit for the row committed meanwhile (IntegrityError).
    with run_after(pin, lambda: _trash_and_purge(owner, folder), in_thread=True):
        write(file)

    assert not File.objects.filter(pk=file.pk).exists()
    for model in (Star, ShareLink, Share, Invitation):
        assert not model.objects.filter(file_id=file.pk).exists(), model


def test_an_invitation_accepted_and_a_purge_of_its_folder_both_finish(local_settings, owner):
    folder = factories.folder(owner, "Old")
    share_create(actor=owner, item=folder, email="late@example.com", origin=TASK)
    user = factories.user("late")
    user.email = "late@example.com"
    user.save(update_fields=["email"])

    # The folder is trashed and purged while the acceptance has made its share. Before,
    # the purge held the folder (FOR UPDATE) and its DELETE of the invitation waited for
    # the acceptance's lock on it, whose share's key check waited for the folder at its
    # commit: deadlock detected. Now the acceptance holds the folder (key share) first:
    # the purge waits for its commit, then deletes the share and the invitation with it.
    with run_after("sharing.models.Share.save", lambda: _trash_and_purge(owner, folder), in_thread=True):
        [share] = invitations_accept(user=user, email="late@example.com")

    assert share.folder_id == folder.pk
    assert not Folder.objects.filter(pk=folder.pk).exists()
    assert not Share.objects.exists()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_a_link_download_and_a_purge_of_its_item_both_finish(local_settings, owner, kind):
    folder = factories.folder(owner, "Old")
    file = factories.stored_file(owner, "notes.txt", b"notes", folder=folder)
    link, _token = factories.link(owner, folder if kind == "folder" else file)

    # The item is trashed and purged while a visitor's download is counted (the link's
    # row updated, its DOWNLOADED event inserted). Before, the purge read the link's
    # events, then its DELETE of the link waited for the count, whose event then made the
    # purge's key check fail at its commit (IntegrityError). Now the count holds the
    # link's item first (key share): the purge waits, then deletes the link, its events
    # and the item.
    with run_after(
        "sharing.services.link_visits.link_event_record", lambda: _trash_and_purge(owner, folder), in_thread=True
    ):
        link_download_count(link=link, address="203.0.113.9")

    assert not Folder.objects.filter(pk=folder.pk).exists()
    assert not ShareLink.objects.filter(pk=link.pk).exists()
    assert not LinkEvent.objects.filter(link_id=link.pk).exists()


def test_a_drop_admission_and_a_purge_of_its_folder_both_finish(local_settings, owner):
    folder = factories.folder(owner, "Inbox")
    link, _token = factories.link(owner, folder, is_drop=True)

    # The same race for a drop's admission (the link locked, a DropStart inserted).
    with run_after("sharing.models.DropStart.save", lambda: _trash_and_purge(owner, folder), in_thread=True):
        drop_start_admit(link=link, address="203.0.113.9", size_bytes=10)

    assert not ShareLink.objects.filter(pk=link.pk).exists()
    assert not DropStart.objects.filter(link_id=link.pk).exists()


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_a_link_page_visit_and_a_purge_of_its_item_both_finish(local_settings, owner, kind):
    folder = factories.folder(owner, "Old")
    file = factories.stored_file(owner, "notes.txt", b"notes", folder=folder)
    _link, token = factories.link(owner, folder if kind == "folder" else file)

    # The item is trashed and purged between the page's read of the link and its ACCESSED
    # event. Before, the event was inserted holding nothing: it failed its key check to the
    # link the purge had deleted (IntegrityError, the visitor's page a 500). Now the visit
    # holds the link's item first (key share): the purge waits, then deletes the link, the
    # event and the item.
    with run_before("sharing.models.LinkEvent.save", lambda: _trash_and_purge(owner, folder), in_thread=True):
        response = Client().get(f"/s/{token}")

    # A folder's page then lists a folder trashed meanwhile (404); a file's shows the file read.
    assert response.status_code == (404 if kind == "folder" else 200)
    assert not Folder.objects.filter(pk=folder.pk).exists()
    assert not ShareLink.objects.exists()
    assert not LinkEvent.objects.exists()


def test_a_link_page_of_an_item_purged_since_the_link_was_read_is_404(local_settings, owner):
    folder = factories.folder(owner, "Old")
    _link, token = factories.link(owner, folder)

    # Purged after the page read the link, before the visit holds its item: the item is
    # gone, so the link is (404; before, the ACCESSED event's IntegrityError, a 500).
    with run_after("sharing.selectors.link_get_by_token", lambda: _trash_and_purge(owner, folder)):
        response = Client().get(f"/s/{token}")

    assert response.status_code == 404
    assert not LinkEvent.objects.exists()


def test_a_link_revoked_while_a_purge_of_its_item_runs_both_finish(local_settings, owner):
    folder = factories.folder(owner, "Old")
    link, _token = factories.link(owner, folder)
    trashed = folder_trash(actor=owner, folder=folder, origin=TASK)

    # The owner revokes the link of a trashed folder while the purge runs. Before, the
    # revoke held the link's row (its UPDATE) and then inserted its REVOKED event; the
    # purge had read the link's events, its DELETE of the link waited for the revoke, and
    # the event committed meanwhile failed the purge's key check (IntegrityError: the
    # purge a 500, or the retention task failed). Now the revoke holds the item first.
    with run_before(
        "sharing.models.LinkEvent.save",
        lambda: trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch]),
        in_thread=True,
    ):
        share_link_revoke(actor=owner, link=link, origin=TASK)

    assert not Folder.objects.filter(pk=folder.pk).exists()
    assert not ShareLink.objects.exists()
    assert not LinkEvent.objects.exists()


def test_a_link_revoked_after_a_purge_took_it_with_its_item_is_404(local_settings, owner):
    folder = factories.folder(owner, "Old")
    link, _token = factories.link(owner, folder)

    # The purge commits between the door's read of the link and the revoke: the link is
    # gone (404; before, refresh_from_db's DoesNotExist, a 500).
    _trash_and_purge(owner, folder)
    with pytest.raises(NotFound):
        share_link_revoke(actor=owner, link=link, origin=TASK)


def _marked_deleting(user) -> None:
    """The account's deletion requested (account_delete_request's lock-out), its purge not run."""
    User.objects.filter(pk=user.pk).update(deleting_at=timezone.now(), is_active=False)


@pytest.mark.parametrize("where", ["root", "folder"])
def test_an_upload_start_and_the_purge_of_its_account_both_finish(local_settings, owner, where):
    folder = factories.folder(owner, "Inbox") if where == "folder" else None
    factories.stored_file(owner, "kept.txt", b"kept", folder=folder)
    place = Place(owner=owner, folder=folder)  # the door let the start in before the deletion request
    _marked_deleting(owner)

    # The account purge runs while the start holds its folder (key share) and the Usage
    # row (its reservation). Before, the purge locked the User row (FOR UPDATE), then its
    # cascade waited for the start's locks, while the start's commit waited for the User
    # row (its session's deferred key check of the owner, FOR KEY SHARE): a deadlock,
    # PostgreSQL aborted one of the two. Now the purge takes the space lock, the folders
    # and files it deletes and the Usage row before the User row: it waits for the start's
    # commit, then deletes its session with the rest.
    with run_after(
        "storage.services.uploads.start.quota_reserve", lambda: account_purge(user_id=owner.pk), in_thread=True
    ) as race:
        started = upload_start(actor=owner, place=place, name="late.bin", size_bytes=500)

    assert started.upload.status == UploadSession.Status.PENDING
    assert race.result is True
    assert not User.objects.filter(pk=owner.pk).exists()
    assert not UploadSession.objects.exists()
    assert not File.objects.exists()
    assert not Folder.objects.exists()


def test_a_trash_purge_and_the_purge_of_its_account_both_finish(local_settings, owner):
    folder = factories.folder(owner, "Old")
    factories.stored_file(owner, "old.txt", b"old", folder=folder)
    factories.stored_file(owner, "kept.txt", b"kept")
    trashed = folder_trash(actor=owner, folder=folder, origin=TASK)
    _marked_deleting(owner)

    # The retention purge holds the space lock, the trashed folder and file (FOR UPDATE)
    # and goes on to Usage when the account purge starts: the account purge waits for
    # the space lock, then deletes what is left.
    with run_after(
        "storage.services.trash.folders_lock_to_delete",
        lambda: account_purge(user_id=owner.pk),
        in_thread=True,
    ) as race:
        result = trash_batches_purge(owner_id=owner.pk, batches=[trashed.trash_batch])

    assert (result.files, race.result) == (1, True)
    assert not User.objects.filter(pk=owner.pk).exists()
    assert not File.objects.exists()
    assert not Folder.objects.exists()
