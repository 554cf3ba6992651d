"""storage.fixed_reads against the ORM query each statement replaces: the same instances,
field for field, with the owner (and a session's folder) loaded, and nothing for a
trashed or unknown id; the same holders of a name."""

import threading
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Value
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing import factories
from storage.fixed_reads import (
    live_folder_with_owner,
    name_holder_rows,
    sessions_with_places,
    upload_locked,
    upload_with_owner_and_folder,
)
from storage.models import File, Folder, UploadSession
from storage.places import Place
from storage.services.trash import file_trash
from storage.services.uploads import upload_start

pytestmark = pytest.mark.django_db


def _values(instance) -> list:
    return [getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields]


def test_a_live_folder_is_read_as_the_orm_reads_it_with_its_owner(owner, django_assert_num_queries):
    parent = factories.folder(owner, "Parent")
    child = factories.folder(owner, "Child ✓", parent)
    expected = Folder.objects.select_related("owner").filter(pk=child.pk, deleted_at__isnull=True).first()

    with django_assert_num_queries(1):
        found = live_folder_with_owner(child.pk)
        assert found.owner.email == owner.email

    assert _values(found) == _values(expected)
    assert [type(value) for value in _values(found)] == [type(value) for value in _values(expected)]
    assert _values(found.owner) == _values(expected.owner)
    assert (found._state.adding, found._state.db) == (False, expected._state.db)
    assert found.owner._state.adding is False


def test_a_trashed_or_unknown_folder_is_not_read(owner):
    trashed = factories.folder(owner, "Old")
    Folder.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now(), trash_batch=uuid.uuid4())

    assert live_folder_with_owner(trashed.pk) is None
    assert live_folder_with_owner(uuid.uuid4()) is None


def _orm_name_holders(owner, folder_id, name) -> list:
    """What storage.names.name_holders read with the ORM before name_holder_rows."""
    live = {"owner": owner, "deleted_at__isnull": True, "name": name}
    files = File.objects.filter(folder_id=folder_id, **live).order_by().annotate(kind=Value("file"))
    folders = Folder.objects.filter(parent_id=folder_id, **live).order_by().annotate(kind=Value("folder"))
    return sorted(files.values_list("pk", "kind").union(folders.values_list("pk", "kind"), all=True))


def test_who_holds_a_name_is_read_as_the_orm_reads_it(owner, stranger, local_settings, django_assert_num_queries):
    photos = factories.folder(owner, "Photos")
    factories.folder(owner, "Photos", photos)  # a folder named as its parent, inside it
    factories.stored_file(owner, "a.txt", folder=photos)
    factories.stored_file(owner, "café.txt")  # NFC, at the root
    old = factories.stored_file(owner, "old.txt", folder=photos)
    file_trash(actor=owner, file=old, origin=TASK)
    factories.stored_file(stranger, "a.txt")
    factories.folder(stranger, "Photos")
    cases = [
        (folder_id, name)
        for folder_id in (None, photos.pk, uuid.uuid4())
        for name in ("Photos", "a.txt", "café.txt", "cafe\u0301.txt", "old.txt", "A.TXT", "none")
    ]

    for folder_id, name in cases:
        with django_assert_num_queries(1):
            found = name_holder_rows(owner_id=owner.pk, folder_id=folder_id, name=name)
        expected = _orm_name_holders(owner, folder_id, name)
        assert sorted(found) == expected, (folder_id, name)
        assert [type(pk) for pk, _ in found] == [uuid.UUID] * len(found)
    assert sorted(kind for _, kind in name_holder_rows(owner_id=owner.pk, folder_id=None, name="Photos")) == ["folder"]
    assert [kind for _, kind in name_holder_rows(owner_id=owner.pk, folder_id=photos.pk, name="a.txt")] == ["file"]


def _started(owner, folder, *, sha256):
    """A 3-byte upload of a.bin started into folder (None: the root)."""
    return upload_start(
        actor=owner,
        place=Place(owner=owner, folder=folder),
        name="a.bin",
        size_bytes=3,
        content_type="text/plain",
        sha256=sha256,
        on_conflict=None,
    )


def _orm_upload(upload_id):
    """What sharing.access.upload_for_actor read with the ORM before upload_with_owner_and_folder."""
    return UploadSession.objects.select_related("owner", "folder").filter(pk=upload_id).first()


@pytest.mark.parametrize("in_folder", [False, True])
def test_an_upload_is_read_as_the_orm_reads_it_with_its_owner_and_folder(
    owner, local_settings, in_folder, django_assert_num_queries
):
    folder = factories.folder(owner, "Inbox ✓") if in_folder else None
    started = _started(owner, folder, sha256=None)
    expected = _orm_upload(started.upload.pk)

    with django_assert_num_queries(1):
        found = upload_with_owner_and_folder(started.upload.pk)
        assert found.owner.email == owner.email
        assert (found.folder is None) is (folder is None)

    assert _values(found) == _values(expected)
    assert [type(value) for value in _values(found)] == [type(value) for value in _values(expected)]
    assert _values(found.owner) == _values(expected.owner)
    assert [type(value) for value in _values(found.owner)] == [type(value) for value in _values(expected.owner)]
    if in_folder:
        assert _values(found.folder) == _values(expected.folder)
        assert [type(value) for value in _values(found.folder)] == [type(v) for v in _values(expected.folder)]
        assert found.folder._state.adding is False
    assert (found._state.adding, found._state.db) == (False, expected._state.db)
    assert found.owner._state.adding is False


def test_an_unknown_upload_is_not_read():
    assert upload_with_owner_and_folder(uuid.uuid4()) is None


def test_many_uploads_are_read_as_the_orm_reads_them_with_shared_owners_and_folders(
    owner, local_settings, django_assert_num_queries
):
    inbox = factories.folder(owner, "Inbox ✓")
    place_ids = []
    for index, folder in enumerate([inbox, None, inbox]):
        started = upload_start(
            actor=owner, place=Place(owner=owner, folder=folder), name=f"{index}.bin", size_bytes=3, sha256=None
        )
        place_ids.append(started.upload.pk)
    unknown = uuid.uuid4()

    with django_assert_num_queries(1):
        found = {upload.pk: upload for upload in sessions_with_places([*place_ids, unknown])}
        assert {upload.folder.name if upload.folder else None for upload in found.values()} == {"Inbox ✓", None}

    assert set(found) == set(place_ids)
    for upload_id in place_ids:
        expected = _orm_upload(upload_id)
        assert _values(found[upload_id]) == _values(expected)
        assert _values(found[upload_id].owner) == _values(expected.owner)
        assert (_values(found[upload_id].folder) if expected.folder else None) == (
            _values(expected.folder) if expected.folder else None
        )
    assert found[place_ids[0]].folder is found[place_ids[2]].folder
    assert found[place_ids[0]].owner is found[place_ids[1]].owner


@pytest.mark.parametrize("status", ["pending", "completed"])
def test_a_locked_upload_is_read_as_the_orms_select_for_update_reads_it(
    owner, local_settings, status, django_assert_num_queries
):
    started = _started(owner, factories.folder(owner, "Inbox ✓"), sha256="ab" * 32)
    if status == "completed":
        version = factories.stored_file(owner, "b.bin", b"xyz").current_version
        UploadSession.objects.filter(version=version).update(version=None)  # one session per version
        UploadSession.objects.filter(pk=started.upload.pk).update(
            status=UploadSession.Status.COMPLETED, version=version, finished_at=timezone.now()
        )

    with transaction.atomic():
        expected = UploadSession.objects.select_for_update().get(pk=started.upload.pk)
        with django_assert_num_queries(1) as captured:
            found = upload_locked(started.upload.pk)

    if connection.features.has_select_for_update:
        assert captured.captured_queries[0]["sql"].endswith(" FOR UPDATE")
    assert _values(found) == _values(expected)
    assert [type(value) for value in _values(found)] == [type(value) for value in _values(expected)]
    assert (found._state.adding, found._state.db) == (False, expected._state.db)


def test_locking_an_unknown_upload_raises_as_the_orms_get_does():
    with pytest.raises(UploadSession.DoesNotExist), transaction.atomic():
        upload_locked(uuid.uuid4())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_upload_is_locked_until_the_transaction_ends(owner, local_settings):
    started = upload_start(actor=owner, place=Place(owner=owner), name="a.bin", size_bytes=3, sha256=None)
    seen: list = []

    def other_connection() -> None:
        try:
            with transaction.atomic():
                UploadSession.objects.select_for_update(nowait=True).get(pk=started.upload.pk)
            seen.append("locked it")
        except DatabaseError as exc:
            seen.append(type(exc).__name__)
        finally:
            connection.close()

    with transaction.atomic():
        upload_locked(started.upload.pk)
        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join(timeout=30)
    thread = threading.Thread(target=other_connection)
    thread.start()
    thread.join(timeout=30)

    assert seen == ["OperationalError", "locked it"]
