"""Upload URLs hold only what the session reserved (issue 9, examples 1, 2, 3 and 6).

A URL is dead once its session leaves `pending` (the local store refuses it; on S3, which
cannot revoke it, the key is deleted again once the URL cannot write any more), a single
PUT never replaces bytes that are there, a part URL takes exactly its part's length, and
a multipart upload that the store lost is a clear answer, never a 500 or an unexplained
503. Against the local store, moto and SeaweedFS, bytes sent by plain HTTP as a browser
sends them.
"""

import os
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from plans.models import Plan
from plans.services import usage_set_plan
from storage.backends import get_backend
from storage.models import UploadSession
from storage.services.uploads import upload_sweep
from storage.tests.protocol import assert_usage_consistent, usage_of
from storage.tests.stores import ceph_dialect

MB = 1_000_000
MiB = 1024 * 1024
pytestmark = pytest.mark.django_db


def _objects_of(user) -> list[str]:
    return [listed.key for listed in get_backend().list_prefix(prefix=f"users/{user.pk}/")]


# --- example 1: a single-PUT URL after its upload was aborted ----------------------------


def test_put_url_of_an_aborted_upload_parks_nothing_once_its_late_writes_are_swept(protocol, owner, store_name):
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="small", name="Small", storage_bytes=MB * 3 // 2, max_files=10, max_file_bytes=MB
        ),
    )
    answers = []

    for round_number in range(4):
        started = protocol.start(name=f"late-{round_number}.bin", size=MB).json()
        assert protocol.api.delete(f"/api/v1/uploads/{started['id']}/").status_code == 204
        answers.append(protocol.put(started["url"], os.urandom(MB), started["headers"]))
    parked_until_due = _objects_of(owner)
    upload_sweep(now=timezone.now())  # nothing is due yet: a late PUT may still be arriving
    parked_before_due = _objects_of(owner)
    upload_sweep(now=max(UploadSession.objects.values_list("delete_after", flat=True)))

    if store_name == "local":
        # Ours: the store itself refuses a URL whose session is no longer pending.
        assert [answer.status_code for answer in answers] == [403] * 4
        assert parked_until_due == []
    else:
        # S3 cannot revoke a presigned URL: the late PUTs land, until their delete is due.
        assert [answer.status_code for answer in answers] == [200] * 4
        assert len(parked_until_due) == len(parked_before_due) == 4
    assert _objects_of(owner) == []
    assert UploadSession.objects.filter(delete_after__isnull=False).count() == 0
    assert_usage_consistent(owner)
    assert usage_of(owner).reserved_bytes == 0


def test_an_ended_session_deletes_its_key_again_after_its_urls_lifetime_and_the_margin(
    protocol, owner, small_multipart, settings
):
    single = protocol.start(name="a.bin", size=10).json()
    multi = protocol.start(name="b.bin", size=9 * MiB).json()
    before = timezone.now()

    for started in (single, multi):
        assert protocol.api.delete(f"/api/v1/uploads/{started['id']}/").status_code == 204

    after = timezone.now()
    margin = timedelta(seconds=settings.KOSHA_LATE_WRITE_MARGIN_SECONDS)
    for started, lifetime in (
        (single, settings.KOSHA_PUT_URL_EXPIRES_SECONDS),
        (multi, settings.KOSHA_PART_URL_EXPIRES_SECONDS),
    ):
        due = UploadSession.objects.get(pk=started["id"]).delete_after
        assert before + timedelta(seconds=lifetime) + margin <= due <= after + timedelta(seconds=lifetime) + margin


# --- example 2: part URLs bind the part's length -------------------------------------------


# moto takes any length (it checks no signature): for it, the URL is what can be asserted.
@pytest.mark.parametrize("store_name", ["moto"], indirect=True)
def test_part_urls_sign_the_part_size_and_the_last_parts_remainder(protocol, small_multipart):
    started = protocol.start(name="video.mp4", size=17 * MiB).json()

    urls = protocol.part_urls(started["id"], [1, 2, 3])

    for number in (1, 2, 3):
        query = parse_qs(urlsplit(urls[number]["url"]).query)
        assert query["X-Amz-SignedHeaders"] == ["content-length;host"]
    upload = UploadSession.objects.get(pk=started["id"])
    assert [upload.part_bytes(number) for number in (1, 2, 3)] == [8 * MiB, 8 * MiB, 1 * MiB]


@pytest.mark.parametrize("store_name", ["local", "seaweedfs"], indirect=True)
@pytest.mark.parametrize(
    ("number", "sent_bytes"),
    [(1, 24 * MiB), (1, 8 * MiB + 1), (1, 8 * MiB - 1), (3, 2 * MiB), (3, MiB - 1)],
    ids=["24MiB-for-8", "one-more", "one-less", "last-longer", "last-shorter"],
)
def test_part_of_another_length_is_refused_by_the_store(protocol, owner, small_multipart, number, sent_bytes):
    started = protocol.start(name="video.mp4", size=17 * MiB).json()
    url = protocol.part_urls(started["id"], [number])[number]

    answer = protocol.put(url["url"], b"\0" * sent_bytes, url["headers"])

    assert answer.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in answer.text
    state = protocol.api.get(f"/api/v1/uploads/{started['id']}/").json()
    assert state["parts"] == []
    assert usage_of(owner).reserved_bytes == 17 * MiB


# --- example 3: a reused PUT URL never replaces recorded bytes ------------------------------


def test_put_url_used_again_after_complete_cannot_replace_the_recorded_bytes(protocol, owner):
    original, replacement = b"the recorded bytes", b"a replaced payload"  # the same length
    started = protocol.start(name="notes.txt", size=len(original), content_type="text/plain").json()
    assert protocol.put(started["url"], original, started["headers"]).status_code == 200
    completed = protocol.complete(started["id"]).json()

    again = protocol.put(started["url"], replacement, started["headers"])

    assert again.status_code in (403, 412)  # local: session completed; S3 stores: the condition
    redirect = protocol.api.get(f"/api/v1/files/{completed['id']}/download/")
    assert requests.get(protocol.absolute(redirect["Location"]), timeout=30).content == original
    assert_usage_consistent(owner)


@pytest.mark.parametrize("store_name", ["local", "seaweedfs"], indirect=True)
def test_put_url_used_again_without_its_condition_is_refused_by_the_store(protocol, owner):
    data = b"recorded"
    started = protocol.start(name="a.txt", size=len(data), content_type="text/plain").json()
    assert protocol.put(started["url"], data, started["headers"]).status_code == 200
    protocol.complete(started["id"])
    unconditional = {name: value for name, value in started["headers"].items() if name != "If-None-Match"}

    again = protocol.put(started["url"], b"replaced", unconditional)

    assert again.status_code == 403
    with get_backend().open(key=UploadSession.objects.get(pk=started["id"]).key) as stream:
        assert stream.read() == data


def test_put_retried_after_a_lost_answer_is_refused_and_complete_records_the_first(protocol, owner):
    data = b"arrived once"
    started = protocol.start(name="a.txt", size=len(data), content_type="text/plain").json()
    assert protocol.put(started["url"], data, started["headers"]).status_code == 200

    retried = protocol.put(started["url"], data, started["headers"])
    completed = protocol.complete(started["id"])

    assert retried.status_code == 412
    assert "<Code>PreconditionFailed</Code>" in retried.text
    assert completed.status_code == 200, completed.json()
    assert completed.json()["size"] == len(data)
    assert_usage_consistent(owner)


# --- example 6: the store lost the multipart upload (a lifecycle rule, an operator) ---------


def _abort_in_the_store(upload: UploadSession) -> None:
    """What a bucket lifecycle rule does: the store aborts the upload; Kosha is not told."""
    get_backend().multipart_abort(key=upload.key, upload_id=upload.multipart_upload_id)


@pytest.fixture(params=["aws", "ceph"])
def dialect(request, store):
    """The store answers a missing upload as AWS does (NoSuchUpload) or as Ceph RGW does
    (NoSuchKey); only S3 stores have dialects, the local store is ours."""
    if request.param == "ceph" and store.name == "s3":
        with ceph_dialect(store.client):
            yield request.param
    else:
        yield request.param


def test_upload_lost_in_the_store_shows_no_parts_and_complete_is_gone(protocol, owner, small_multipart, dialect):
    started = protocol.start(name="video.mp4", size=9 * MiB).json()
    etags = protocol.put_parts(started["id"], {1: os.urandom(8 * MiB), 2: os.urandom(MiB)})
    _abort_in_the_store(UploadSession.objects.get(pk=started["id"]))

    state = protocol.api.get(f"/api/v1/uploads/{started['id']}/")
    completed = protocol.complete(started["id"], etags)
    again = protocol.complete(started["id"], etags)

    assert state.status_code == 200
    assert state.json()["status"] == "pending"
    assert state.json()["parts"] == []
    assert state.json()["store_upload_missing"] is True
    assert completed.status_code == 410
    assert completed.json()["error"]["code"] == "gone"
    assert completed.json()["error"]["reason"] == "upload_vanished"
    assert again.status_code == 410
    assert UploadSession.objects.get(pk=started["id"]).status == UploadSession.Status.FAILED
    assert usage_of(owner).reserved_bytes == 0
    assert _objects_of(owner) == []
    assert_usage_consistent(owner)


def test_state_of_a_multipart_upload_the_store_holds_says_nothing_is_missing(protocol, small_multipart):
    started = protocol.start(name="video.mp4", size=9 * MiB).json()
    protocol.put_parts(started["id"], {1: os.urandom(8 * MiB)})

    state = protocol.api.get(f"/api/v1/uploads/{started['id']}/").json()

    assert [part["number"] for part in state["parts"]] == [1]
    assert state["store_upload_missing"] is False
