"""No store error reaches a user as a 500 or an unexplained 503 (issue 9).

The store fails through FaultyBackend (storage/tests/stores.py) in the named ways a
backend reports: busy (SlowDown, 5xx), misconfigured (a missing bucket, refused keys),
unreachable, or an error no service translated. Each answers a 503 whose `reason` says
which, with Retry-After when waiting helps, and changes nothing it should not.
"""

import pytest

from kosha.testing.factories import pending_upload, stored_file
from storage.backends import BackendBusy, BackendError, BackendMisconfigured
from storage.models import UploadSession
from storage.tests.protocol import assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db


def test_a_busy_store_at_complete_is_a_503_to_retry_later_that_keeps_the_session(faulty_store, owner, owner_client):
    upload = pending_upload(owner, "a.txt", b"hello")
    faulty_store.fail("head", lambda: BackendBusy("SlowDown"))

    response = owner_client.post(f"/api/v1/uploads/{upload.pk}/complete/", {}, format="json")
    retried = owner_client.post(f"/api/v1/uploads/{upload.pk}/complete/", {}, format="json")

    assert response.status_code == 503
    assert (response.json()["error"]["code"], response.json()["error"]["reason"]) == ("store_unavailable", "store_busy")
    assert response["Retry-After"] == "5"
    assert retried.status_code == 200
    assert_usage_consistent(owner)


def test_a_store_refusing_kosha_is_a_503_that_says_so_and_keeps_no_reservation(
    faulty_store, owner, owner_client, small_multipart
):
    faulty_store.fail("multipart_start", lambda: BackendMisconfigured("NoSuchBucket"))

    response = owner_client.post("/api/v1/uploads/", {"name": "big.bin", "size": 6 * 1024 * 1024}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["reason"] == "store_misconfigured"
    assert "Retry-After" not in response
    assert UploadSession.objects.get(owner=owner).status == UploadSession.Status.FAILED
    assert usage_of(owner).reserved_bytes == 0
    assert_usage_consistent(owner)


def test_a_store_failing_to_sign_the_put_is_a_503_that_keeps_no_reservation(faulty_store, owner, owner_client):
    faulty_store.fail("presign_put", lambda: BackendError("presigned PUT does not sign ['content-length']"))

    response = owner_client.post("/api/v1/uploads/", {"name": "a.txt", "size": 5}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"
    assert "reason" not in response.json()["error"]  # unreachable: the kind itself
    assert UploadSession.objects.get(owner=owner).status == UploadSession.Status.FAILED
    assert_usage_consistent(owner)


def test_a_store_error_no_service_translated_is_a_503_not_a_500(faulty_store, owner, owner_client):
    file = stored_file(owner, "a.txt", b"hello")
    faulty_store.fail("presign_get", lambda: BackendBusy("SlowDown"))

    response = owner_client.get(f"/api/v1/files/{file.pk}/download/")

    assert response.status_code == 503
    assert response.json()["error"]["reason"] == "store_busy"
    assert response["Retry-After"] == "5"


def test_a_busy_store_while_listing_parts_is_a_503_to_retry_later(faulty_store, owner, owner_client, small_multipart):
    started = owner_client.post("/api/v1/uploads/", {"name": "big.bin", "size": 6 * 1024 * 1024}, format="json")
    faulty_store.fail("multipart_list_parts", lambda: BackendBusy("503"))

    response = owner_client.get(f"/api/v1/uploads/{started.json()['id']}/")
    again = owner_client.get(f"/api/v1/uploads/{started.json()['id']}/")

    assert response.status_code == 503
    assert response.json()["error"]["reason"] == "store_busy"
    assert again.status_code == 200
    assert again.json()["parts"] == []


class SignerBug(Exception):
    """An error no service translates (a bug in a signer, the database failing): the
    request fails as a 500, but its sessions must not keep their reservations."""


def test_an_unexpected_error_signing_a_start_ends_its_session_and_keeps_no_reservation(
    faulty_store, owner, owner_client
):
    faulty_store.fail("presign_put", lambda: SignerBug("unexpected"))

    with pytest.raises(SignerBug):
        owner_client.post("/api/v1/uploads/", {"name": "a.txt", "size": 5}, format="json")

    assert UploadSession.objects.get(owner=owner).status == UploadSession.Status.FAILED
    assert usage_of(owner).reserved_bytes == 0
    assert_usage_consistent(owner)


def test_an_unexpected_error_signing_a_batch_ends_every_session_of_it_and_keeps_no_reservation(
    faulty_store, owner, owner_client, small_multipart
):
    # The first file is signed; starting the second (multipart) fails: the client gets
    # neither, so neither may hold its reservation until it expires.
    files = [{"name": "small.txt", "size": 5}, {"name": "big.bin", "size": 6 * 1024 * 1024}]
    faulty_store.fail("multipart_start", lambda: SignerBug("unexpected"))

    with pytest.raises(SignerBug):
        owner_client.post("/api/v1/uploads/batch/", {"files": files}, format="json")

    statuses = set(UploadSession.objects.filter(owner=owner).values_list("status", flat=True))
    assert statuses == {UploadSession.Status.FAILED}
    assert UploadSession.objects.filter(owner=owner).count() == 2
    assert usage_of(owner).reserved_bytes == 0
    assert_usage_consistent(owner)
