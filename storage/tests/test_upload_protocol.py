"""The upload protocol end to end, against both stores, bytes sent by plain HTTP."""

import hashlib
import os
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from storage.backends import UploadNotFound, get_backend
from storage.models import File, FileVersion, UploadSession
from storage.tests.protocol import assert_usage_consistent, usage_of

MiB = 1024 * 1024
pytestmark = pytest.mark.django_db


def test_single_upload_records_file_and_usage_and_downloads_as_attachment(protocol, owner):
    data = os.urandom(64 * 1024)

    response = protocol.upload("report 2026 – final.pdf", data, content_type="application/pdf")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "report 2026 – final.pdf"
    assert body["size"] == len(data)
    assert body["version"] == 1
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count) == (len(data), 0, 1)
    assert_usage_consistent(owner)
    version = FileVersion.objects.get(file_id=body["id"])
    assert version.key == f"users/{owner.pk}/blobs/{version.key.rsplit('/', 1)[1]}"
    assert version.sha256 == hashlib.sha256(data).hexdigest()

    redirect = protocol.api.get(f"/api/v1/files/{body['id']}/download/")

    assert redirect.status_code == 302
    downloaded = requests.get(protocol.absolute(redirect["Location"]), timeout=30)
    assert downloaded.status_code == 200
    assert downloaded.content == data
    disposition = downloaded.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''report%202026%20%E2%80%93%20final.pdf" in disposition


def test_complete_is_idempotent(protocol, owner):
    data = b"hello world\n"
    started = protocol.start(name="a.txt", size=len(data), content_type="text/plain").json()
    protocol.put(started["url"], data, started["headers"])

    first = protocol.complete(started["id"])
    second = protocol.complete(started["id"])

    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert File.objects.filter(owner=owner).count() == 1
    assert usage_of(owner).used_bytes == len(data)
    assert_usage_consistent(owner)


def test_multipart_upload_resumes_after_a_crash_without_resending_parts(protocol, owner, small_multipart):
    data = os.urandom(20 * MiB)
    started = protocol.start(name="video.mp4", size=len(data), content_type="video/mp4")
    assert started.status_code == 201, started.json()
    started = started.json()
    assert started["strategy"] == "multipart"
    assert (started["part_size"], started["part_count"]) == (8 * MiB, 3)
    chunks = {n: data[(n - 1) * 8 * MiB : n * 8 * MiB] for n in (1, 2, 3)}
    protocol.put_parts(started["id"], {1: chunks[1], 2: chunks[2]})
    # ... the client crashes here and forgets everything but the upload id ...

    state = protocol.api.get(f"/api/v1/uploads/{started['id']}/").json()
    held = {part["number"]: part for part in state["parts"]}
    assert sorted(held) == [1, 2]
    assert held[1]["size"] == 8 * MiB
    etags = {n: part["etag"] for n, part in held.items()}
    etags.update(protocol.put_parts(started["id"], {3: chunks[3]}))
    response = protocol.complete(started["id"], etags)

    assert response.status_code == 200, response.json()
    assert response.json()["size"] == len(data)
    redirect = protocol.api.get(f"/api/v1/files/{response.json()['id']}/download/")
    assert requests.get(protocol.absolute(redirect["Location"]), timeout=60).content == data
    assert_usage_consistent(owner)
    assert usage_of(owner).used_bytes == len(data)


def test_multipart_with_sha256_is_verified_by_reading_the_object(protocol, owner, small_multipart):
    data = os.urandom(9 * MiB)
    started = protocol.start(name="disk.img", size=len(data), sha256=hashlib.sha256(data).hexdigest()).json()
    etags = protocol.put_parts(started["id"], {1: data[: 8 * MiB], 2: data[8 * MiB :]})

    response = protocol.complete(started["id"], etags)

    assert response.status_code == 200, response.json()
    assert FileVersion.objects.get(file_id=response.json()["id"]).sha256 == hashlib.sha256(data).hexdigest()


# Only moto takes a part of another length than its URL signs (local and SeaweedFS refuse
# it: test_part_of_another_length_is_refused_by_the_store): the HEAD at complete catches it.
@pytest.mark.parametrize("store_name", ["moto"], indirect=True)
def test_multipart_size_mismatch_deletes_object_and_releases_reservation(protocol, owner, small_multipart):
    declared = 17 * MiB
    started = protocol.start(name="big.bin", size=declared).json()
    etags = protocol.put_parts(started["id"], {1: os.urandom(8 * MiB), 2: os.urandom(8 * MiB), 3: os.urandom(100)})

    response = protocol.complete(started["id"], etags)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "verification_failed"
    assert response.json()["error"]["reason"] == "size_mismatch"
    upload = UploadSession.objects.get(pk=started["id"])
    assert upload.status == UploadSession.Status.FAILED
    assert get_backend().head(key=upload.key) is None
    assert not File.objects.filter(owner=owner).exists()
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.reserved_files) == (0, 0, 0)


def test_a_single_put_of_other_bytes_than_the_declared_sha256_never_becomes_a_file(protocol, owner):
    # The PUT URL signs the checksum: an enforcing store refuses the body; one that keeps
    # no checksum (moto) takes it, and complete reads the bytes (one GET) and refuses them.
    data = os.urandom(64 * 1024)
    started = protocol.start(name="x.bin", size=len(data), sha256=hashlib.sha256(b"other").hexdigest()).json()

    stored = protocol.put(started["url"], data, started["headers"])
    response = protocol.complete(started["id"])

    if stored.status_code == 200:
        assert response.status_code == 422
        assert response.json()["error"]["reason"] == "checksum_mismatch"
        assert get_backend().head(key=UploadSession.objects.get(pk=started["id"]).key) is None
        assert usage_of(owner).reserved_bytes == 0
    else:
        assert (response.status_code, response.json()["error"]["reason"]) == (409, "upload_incomplete")
    assert not File.objects.filter(owner=owner).exists()


def test_multipart_checksum_mismatch_is_refused(protocol, owner, small_multipart):
    data = os.urandom(9 * MiB)
    started = protocol.start(name="x.bin", size=len(data), sha256=hashlib.sha256(b"other").hexdigest()).json()
    etags = protocol.put_parts(started["id"], {1: data[: 8 * MiB], 2: data[8 * MiB :]})

    response = protocol.complete(started["id"], etags)

    assert response.status_code == 422
    assert response.json()["error"]["reason"] == "checksum_mismatch"
    assert get_backend().head(key=UploadSession.objects.get(pk=started["id"]).key) is None
    assert usage_of(owner).reserved_bytes == 0
    assert not File.objects.filter(owner=owner).exists()


def test_abort_multipart_discards_parts_and_releases_reservation(protocol, owner, small_multipart):
    started = protocol.start(name="movie.mkv", size=12 * MiB).json()
    protocol.put_parts(started["id"], {1: os.urandom(8 * MiB)})
    assert usage_of(owner).reserved_bytes == 12 * MiB

    response = protocol.api.delete(f"/api/v1/uploads/{started['id']}/")

    assert response.status_code == 204
    upload = UploadSession.objects.get(pk=started["id"])
    assert upload.status == UploadSession.Status.ABORTED
    assert upload.finished_at is not None
    with pytest.raises(UploadNotFound):
        get_backend().multipart_list_parts(key=upload.key, upload_id=upload.multipart_upload_id)
    assert usage_of(owner).reserved_bytes == 0
    assert protocol.api.delete(f"/api/v1/uploads/{started['id']}/").status_code == 204
    assert protocol.complete(started["id"], {1: "x"}).status_code == 410


def test_abort_single_deletes_the_object(protocol, owner):
    started = protocol.start(name="a.bin", size=10).json()
    protocol.put(started["url"], b"0123456789", started["headers"])

    assert protocol.api.delete(f"/api/v1/uploads/{started['id']}/").status_code == 204

    assert get_backend().head(key=UploadSession.objects.get(pk=started["id"]).key) is None
    assert_usage_consistent(owner)


def test_complete_before_any_bytes_arrive_is_a_conflict_and_keeps_the_session(protocol, owner):
    started = protocol.start(name="a.bin", size=10).json()

    response = protocol.complete(started["id"])

    assert response.status_code == 409
    assert response.json()["error"]["reason"] == "upload_incomplete"
    assert UploadSession.objects.get(pk=started["id"]).status == UploadSession.Status.PENDING
    assert usage_of(owner).reserved_bytes == 10


def test_same_name_upload_becomes_a_new_version(protocol, owner):
    first = protocol.upload("notes.txt", b"v1", content_type="text/plain").json()
    second = protocol.upload("notes.txt", b"version 2", content_type="text/plain").json()

    assert first["id"] == second["id"]
    assert second["version"] == 2
    assert second["size"] == len(b"version 2")
    assert list(FileVersion.objects.filter(file_id=first["id"]).values_list("number", flat=True)) == [2, 1]
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.file_count) == (len(b"v1") + len(b"version 2"), 1)
    assert_usage_consistent(owner)


def test_on_conflict_rename_keeps_both_and_fail_refuses(protocol, owner):
    protocol.upload("notes.txt", b"one")

    renamed = protocol.upload("notes.txt", b"two", on_conflict="rename").json()
    refused = protocol.start(name="notes.txt", size=3, on_conflict="fail")

    assert renamed["name"] == "notes (2).txt"
    assert refused.status_code == 409
    assert refused.json()["error"]["reason"] == "name_taken"
    assert_usage_consistent(owner)


def test_expired_sessions_are_swept_like_an_abort(protocol, owner, small_multipart):
    from django.utils import timezone

    from storage.tasks import upload_sweep_task

    single = protocol.start(name="a.bin", size=4).json()
    protocol.put(single["url"], b"abcd", single["headers"])
    multi = protocol.start(name="b.bin", size=9 * MiB).json()
    protocol.put_parts(multi["id"], {1: os.urandom(8 * MiB)})
    UploadSession.objects.update(expires_at=timezone.now())

    assert upload_sweep_task() == 2
    assert upload_sweep_task() == 0

    for upload in UploadSession.objects.all():
        assert upload.status == UploadSession.Status.EXPIRED
        assert upload.finished_at is not None
        assert get_backend().head(key=upload.key) is None
    assert_usage_consistent(owner)
    assert usage_of(owner).reserved_bytes == 0
    assert protocol.complete(single["id"]).status_code == 410


def test_single_put_url_signs_length_and_type_and_expires_quickly(s3_settings, owner_client):
    response = owner_client.post(
        "/api/v1/uploads/", {"name": "a.txt", "size": 5, "content_type": "text/plain"}, format="json"
    )

    query = parse_qs(urlparse(response.json()["url"]).query)
    assert query["X-Amz-Expires"] == ["60"]
    signed = query["X-Amz-SignedHeaders"][0].split(";")
    assert "content-length" in signed
    assert "content-type" in signed
    assert response.json()["headers"]["Content-Type"] == "text/plain"


def test_single_put_with_wrong_length_on_s3_is_caught_at_complete(s3_settings, owner_client, owner, live_server):
    # moto does not enforce the signed Content-Length; our HEAD at complete does.
    from storage.tests.protocol import ProtocolClient

    protocol = ProtocolClient(api=owner_client, base_url=live_server.url)
    started = protocol.start(name="a.bin", size=10).json()
    protocol.put(started["url"], b"0123456789-and-more", started["headers"])

    response = protocol.complete(started["id"])

    assert response.status_code == 422
    assert response.json()["error"]["reason"] == "size_mismatch"
    assert get_backend().head(key=UploadSession.objects.get(pk=started["id"]).key) is None
    assert_usage_consistent(owner)


def test_store_unreachable_at_complete_is_a_503_that_records_nothing_and_keeps_the_reservation(
    protocol, owner, monkeypatch
):
    from django.utils import timezone

    from storage.backends import BackendError
    from storage.tasks import upload_sweep_task

    started = protocol.start(name="a.bin", size=4).json()
    protocol.put(started["url"], b"abcd", started["headers"])
    backend = get_backend()

    def unreachable(**kwargs):
        raise BackendError("connection refused")

    monkeypatch.setattr(backend, "head", unreachable)
    response = protocol.complete(started["id"])

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"
    assert not File.objects.filter(owner=owner).exists()
    assert UploadSession.objects.get(pk=started["id"]).status == UploadSession.Status.PENDING
    assert usage_of(owner).reserved_bytes == 4

    # The store stays down until the session expires: the sweep releases the reservation.
    UploadSession.objects.filter(pk=started["id"]).update(expires_at=timezone.now())
    monkeypatch.undo()
    assert upload_sweep_task() == 1
    assert usage_of(owner).reserved_bytes == 0
    assert get_backend().head(key=UploadSession.objects.get(pk=started["id"]).key) is None
    assert_usage_consistent(owner)
