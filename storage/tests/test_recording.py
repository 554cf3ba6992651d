"""Recording a session's object (storage/services/recording.py): the one step behind an
upload's complete and a server-side copy, and one free-name rule for copy, rename-on-
conflict uploads and restores."""

import io

import pytest
from django.db import transaction
from PIL import Image
from prometheus_client import REGISTRY

from kosha.errors import UploadAborted
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.factories import pending_upload, stored_file
from kosha.testing.races import run_before
from storage.backends import get_backend
from storage.models import File, FileVersion, Folder, UploadSession
from storage.names import MAX_NAME_BYTES, name_clean, name_free
from storage.places import Place
from storage.services.files import file_copy
from storage.services.recording import session_abandon, version_record
from storage.services.trash import file_trash
from storage.services.uploads import upload_complete, upload_complete_from_event, upload_start
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color=(200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _completed_uploads() -> float:
    return REGISTRY.get_sample_value("kosha_uploads_completed_total") or 0.0


# --- one step for upload and copy -----------------------------------------------------------


def test_a_complete_racing_a_retried_complete_records_one_version(local_settings, owner):
    upload = pending_upload(owner, "a.txt", b"hello")

    with run_before(
        "storage.services.uploads.complete.version_record",
        lambda: upload_complete(actor=owner, upload=upload, origin=TASK),
    ) as first:
        second = upload_complete(actor=owner, upload=upload, origin=TASK)

    assert second.pk == first.result.pk
    assert FileVersion.objects.filter(file__owner=owner).count() == 1
    assert UploadSession.objects.get(pk=upload.pk).version_id == second.pk
    assert_usage_consistent(owner)


def test_a_copy_whose_new_key_a_storage_event_recorded_first_returns_that_file(local_settings, owner):
    source = stored_file(owner, "a.txt", b"hello")

    def event_about_the_copy():
        session = UploadSession.objects.get(owner=owner, status=UploadSession.Status.PENDING)
        return upload_complete_from_event(key=session.key)

    with run_before("storage.services.copies.version_record", event_about_the_copy) as event:
        copy = file_copy(actor=owner, file=source, origin=TASK)

    assert copy.pk == event.result.file_id
    assert copy.name == "a (2).txt"
    assert File.objects.filter(owner=owner).count() == 2
    assert_usage_consistent(owner)


def test_a_copy_is_recorded_as_an_upload_is_but_keeps_the_sources_dimensions_and_is_no_upload(
    local_settings, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source = stored_file(owner, "photo.png", _png(40, 20), content_type="image/png")
    source_version = FileVersion.objects.get(pk=source.current_version_id)
    uploads_before = _completed_uploads()

    with django_capture_on_commit_callbacks(execute=True):
        copy = file_copy(actor=owner, file=source, origin=TASK)

    version = FileVersion.objects.get(pk=copy.current_version_id)
    assert (version.width, version.height) == (source_version.width, source_version.height) == (40, 20)
    assert (copy.size_bytes, copy.content_type, version.number) == (source.size_bytes, "image/png", 1)
    # The follow-ups an upload schedules run for a copy too: the copy has its own thumbnail.
    assert version.thumbnail_key and version.thumbnail_key != source_version.thumbnail_key
    assert get_backend().head(key=version.thumbnail_key) is not None
    assert _completed_uploads() == uploads_before
    session = UploadSession.objects.get(version=version)
    assert session.status == UploadSession.Status.COMPLETED and session.finished_at is not None
    assert_usage_consistent(owner)


def test_a_completed_upload_counts_once_in_the_metric(local_settings, owner, django_capture_on_commit_callbacks):
    upload = pending_upload(owner, "a.txt", b"hello")
    before = _completed_uploads()

    with django_capture_on_commit_callbacks(execute=True):
        upload_complete(actor=owner, upload=upload, origin=TASK)
        upload_complete(actor=owner, upload=upload, origin=TASK)

    assert _completed_uploads() == before + 1


def test_recording_a_session_that_ended_raises_its_gone_error_and_records_nothing(local_settings, owner):
    upload = pending_upload(owner, "a.txt", b"hello")
    session_abandon(session=upload, status=UploadSession.Status.ABORTED)

    with pytest.raises(UploadAborted), transaction.atomic():
        version_record(
            session=upload,
            etag="",
            sha256="",
            name_policy=UploadSession.OnConflict.VERSION,
            actor=owner,
            origin=TASK,
        )

    assert not File.objects.filter(owner=owner).exists()
    assert usage_of(owner).reserved_bytes == 0
    assert_usage_consistent(owner)


def test_rename_on_conflict_also_steps_past_a_folder_that_took_the_name_meanwhile(local_settings, owner):
    started = upload_start(actor=owner, place=Place(owner=owner), name="notes", size_bytes=5, on_conflict="rename")
    get_backend().put_bytes(key=started.upload.key, data=b"hello", content_type="application/octet-stream")
    factories.folder(owner, "notes")

    version = upload_complete(actor=owner, upload=started.upload, origin=TASK)

    assert version.file.name == "notes (2)"
    assert_usage_consistent(owner)


# --- one free-name rule ------------------------------------------------------------------------


def test_a_free_name_is_kept(owner):
    assert name_free(owner=owner, folder_id=None, name="a.txt") == "a.txt"


def test_a_taken_name_gets_the_first_free_number_past_files_and_folders(owner, stranger):
    folder = factories.folder(owner, "docs")
    File.objects.create(owner=owner, folder=None, name="a.txt")
    Folder.objects.create(owner=owner, parent=None, name="a (2).txt")
    File.objects.create(owner=owner, folder=folder, name="a (3).txt")  # another folder: free here
    File.objects.create(owner=stranger, folder=None, name="a (3).txt")  # another owner: free here

    assert name_free(owner=owner, folder_id=None, name="a.txt") == "a (3).txt"


def test_a_trashed_item_does_not_hold_its_name(local_settings, owner):
    file = stored_file(owner, "a.txt")
    file_trash(actor=owner, file=file, origin=TASK)

    assert name_free(owner=owner, folder_id=None, name="a.txt") == "a.txt"


def test_a_suffix_numbers_from_the_bare_suffix(owner):
    File.objects.create(owner=owner, folder=None, name="a.txt")
    File.objects.create(owner=owner, folder=None, name="a (restored).txt")

    assert name_free(owner=owner.pk, folder_id=None, name="a.txt", suffix="restored") == "a (restored 2).txt"


# Up to 255 bytes of UTF-8 each; the first two are all extension but for "a"; the last two end
# in an emoji sequence that a cut to make room for " (2)" splits: a family (joined by
# U+200D) and a flag (tag characters closed by U+E007F).
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
LONG_NAMES = [
    "a." + "x" * 253,
    "a." + "\u00e9" * 126,
    "\u00e9" * 120 + "." + "x" * 13,
    "x" * 237 + FAMILY,
    "x" * 227 + ENGLAND,
]


@pytest.mark.parametrize("suffix", ["", "restored"])
@pytest.mark.parametrize("name", LONG_NAMES)
def test_the_free_variants_of_a_long_name_stay_valid_names(owner, name, suffix):
    File.objects.create(owner=owner, folder=None, name=name)
    variants = []
    for _ in range(3):
        variant = name_free(owner=owner, folder_id=None, name=name, suffix=suffix)
        File.objects.create(owner=owner, folder=None, name=variant)
        variants.append(variant)

    assert all(len(variant.encode()) <= MAX_NAME_BYTES for variant in variants)
    assert [name_clean(variant) for variant in variants] == variants  # no joiner or tag left dangling
    assert len({name, *variants}) == 4


def test_a_renamed_complete_of_a_long_name_records_a_valid_name(local_settings, owner_client, owner):
    # The variant once kept the 253-byte extension whole: 259 characters, which
    # PostgreSQL refused with a DataError (a 500, the session left pending) and SQLite stored.
    name = LONG_NAMES[0]
    stored_file(owner, name)
    started = owner_client.post("/api/v1/uploads/", {"name": name, "size": 3, "on_conflict": "rename"}, format="json")
    upload = UploadSession.objects.get(pk=started.json()["id"])
    get_backend().put_bytes(key=upload.key, data=b"abc", content_type="application/octet-stream")

    response = owner_client.post(f"/api/v1/uploads/{upload.pk}/complete/", {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == name[:251] + " (2)"
    assert_usage_consistent(owner)
