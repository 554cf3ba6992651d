"""Multipart uploads: parts, listing, completion, abort, and signed part lengths."""

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from storage.backends import get_backend
from storage.backends.base import (
    PartsRejected,
    PresignedRequest,
    StoredPart,
    UploadNotFound,
)
from storage.tests.contract.kit import MiB, error_code, multipart_opened, new_key, put_part, put_to_url


def test_multipart_upload_lists_parts_and_completes(upload_store):
    store, absolute, open_upload = upload_store
    chunks = [b"a" * (5 * MiB), b"b" * (5 * MiB), b"c" * 1234]
    key, upload_id = multipart_opened(store, open_upload, "video/mp4")

    etags = []
    for number, chunk in enumerate(chunks, start=1):
        response = put_part(store, absolute, key, upload_id, number, chunk)
        assert response.status_code == 200, response.text
        etags.append(response.headers["ETag"])
    listed = store.multipart_list_parts(key=key, upload_id=upload_id)
    store.multipart_complete(key=key, upload_id=upload_id, parts=list(enumerate(etags, start=1)))

    assert listed == [
        StoredPart(number=number, etag=hashlib.md5(chunk).hexdigest(), size_bytes=len(chunk))
        for number, chunk in enumerate(chunks, start=1)
    ]
    info = store.head(key=key)
    assert info.size_bytes == sum(map(len, chunks))
    assert info.content_type == "video/mp4"
    digests = b"".join(hashlib.md5(chunk).digest() for chunk in chunks)
    assert info.etag == f"{hashlib.md5(digests).hexdigest()}-3"
    with store.open(key=key) as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(b"".join(chunks)).digest()
    # (A complete repeated now may succeed: S3 answers a retried complete as the first.)
    with pytest.raises(UploadNotFound):
        store.multipart_list_parts(key=key, upload_id=upload_id)


def test_multipart_complete_refuses_a_wrong_etag_and_a_small_middle_part(upload_store):
    store, absolute, open_upload = upload_store
    key, upload_id = multipart_opened(store, open_upload)
    for number in (1, 2):
        assert put_part(store, absolute, key, upload_id, number, b"tiny").status_code == 200
    etag = hashlib.md5(b"tiny").hexdigest()

    with pytest.raises(PartsRejected) as wrong_etag:
        store.multipart_complete(key=key, upload_id=upload_id, parts=[(1, "0" * 32)])
    with pytest.raises(PartsRejected) as too_small:
        store.multipart_complete(key=key, upload_id=upload_id, parts=[(1, etag), (2, etag)])

    assert wrong_etag.value.code == "InvalidPart"
    assert too_small.value.code == "EntityTooSmall"
    assert store.head(key=key) is None
    assert [part.number for part in store.multipart_list_parts(key=key, upload_id=upload_id)] == [1, 2]
    store.multipart_abort(key=key, upload_id=upload_id)


def test_multipart_abort_discards_the_parts_and_makes_no_object(upload_store):
    store, absolute, open_upload = upload_store
    key, upload_id = multipart_opened(store, open_upload)
    assert put_part(store, absolute, key, upload_id, 1, b"part one").status_code == 200

    store.multipart_abort(key=key, upload_id=upload_id)

    with pytest.raises(UploadNotFound):
        store.multipart_list_parts(key=key, upload_id=upload_id)
    with pytest.raises(UploadNotFound):
        store.multipart_complete(key=key, upload_id=upload_id, parts=[(1, hashlib.md5(b"part one").hexdigest())])
    assert store.head(key=key) is None
    store.multipart_abort(key=key, upload_id=upload_id)  # safe to repeat


def test_a_part_sent_after_its_upload_was_aborted_is_refused_by_the_enforcing_store(enforcing_store):
    store, absolute, open_upload = enforcing_store
    key, upload_id = multipart_opened(store, open_upload)
    presigned = store.presign_part(key=key, upload_id=upload_id, part_number=1, size_bytes=9, expires_seconds=600)
    store.multipart_abort(key=key, upload_id=upload_id)

    response = put_to_url(absolute, presigned, b"late part")

    assert response.status_code == 404
    assert error_code(response) == "NoSuchUpload"
    with pytest.raises(UploadNotFound):
        store.multipart_list_parts(key=key, upload_id=upload_id)


def _assert_part_refused_then_abort(store, response, *, key: str, upload_id: str) -> None:
    """The store refused a part sent other than signed and kept nothing of it; then the
    upload is aborted (the test's clean-up)."""
    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert store.multipart_list_parts(key=key, upload_id=upload_id) == []
    store.multipart_abort(key=key, upload_id=upload_id)


@pytest.mark.parametrize("sent", [5 * MiB + 1, 5 * MiB - 1], ids=["longer", "shorter"])
def test_enforcing_store_refuses_a_part_of_another_length_than_signed(enforcing_store, sent):
    store, absolute, open_upload = enforcing_store
    key, upload_id = multipart_opened(store, open_upload, "application/octet-stream")

    response = put_part(store, absolute, key, upload_id, 1, b"x" * sent, size_bytes=5 * MiB)

    _assert_part_refused_then_abort(store, response, key=key, upload_id=upload_id)


def test_seaweedfs_refuses_a_part_url_whose_part_number_was_changed(seaweed_settings):
    store, key = get_backend(), new_key()
    upload_id = store.multipart_start(key=key, content_type="application/octet-stream")
    presigned = store.presign_part(key=key, upload_id=upload_id, part_number=1, size_bytes=4, expires_seconds=600)
    assert "partNumber=1&" in presigned.url or presigned.url.endswith("partNumber=1")

    response = put_to_url(lambda url: url.replace("partNumber=1", "partNumber=2"), presigned, b"four")

    _assert_part_refused_then_abort(store, response, key=key, upload_id=upload_id)


def test_s3_part_url_signs_its_exact_length(s3_settings):
    store, key = get_backend(), new_key()
    upload_id = store.multipart_start(key=key, content_type="application/octet-stream")

    presigned = store.presign_part(key=key, upload_id=upload_id, part_number=3, size_bytes=1234, expires_seconds=600)

    query = parse_qs(urlsplit(presigned.url).query)
    assert query["X-Amz-SignedHeaders"] == ["content-length;host"]
    assert query["X-Amz-Expires"] == ["600"]
    store.multipart_abort(key=key, upload_id=upload_id)


def test_enforcing_store_refuses_a_part_url_with_a_tampered_signature(enforcing_store):
    store, absolute, open_upload = enforcing_store
    key, upload_id = multipart_opened(store, open_upload)
    presigned = store.presign_part(key=key, upload_id=upload_id, part_number=1, size_bytes=4, expires_seconds=600)
    url = presigned.url
    tampered = url[:-2] + ("00" if url[-2:] != "00" else "11")

    response = put_to_url(absolute, PresignedRequest(tampered, "PUT", presigned.headers), b"four")

    assert response.status_code == 403
    assert error_code(response) in {"AccessDenied", "SignatureDoesNotMatch"}
    assert store.multipart_list_parts(key=key, upload_id=upload_id) == []
    store.multipart_abort(key=key, upload_id=upload_id)


def test_enforcing_store_refuses_an_expired_part_url(enforcing_store, monkeypatch):
    store, absolute, open_upload = enforcing_store
    key, upload_id = multipart_opened(store, open_upload)
    # Signed two minutes ago for one minute: past its expiry when used.
    real_now = timezone.now()
    monkeypatch.setattr("storage.backends.local.signing._now", lambda: real_now.timestamp() - 120)
    monkeypatch.setattr("storage.backends.sigv4._now", lambda: real_now - timedelta(seconds=120))
    presigned = store.presign_part(key=key, upload_id=upload_id, part_number=1, size_bytes=4, expires_seconds=60)
    monkeypatch.undo()

    response = put_to_url(absolute, presigned, b"four")

    assert response.status_code == 403
    assert error_code(response) == "AccessDenied"
    assert "expired" in response.text
    assert store.multipart_list_parts(key=key, upload_id=upload_id) == []
    store.multipart_abort(key=key, upload_id=upload_id)


def test_seaweedfs_refuses_a_part_url_moved_to_another_upload_of_the_key(seaweed_settings):
    # The upload id is signed: a URL moved to another upload of the same key is refused.
    store, key = get_backend(), new_key()
    first = store.multipart_start(key=key, content_type="application/octet-stream")
    second = store.multipart_start(key=key, content_type="application/octet-stream")
    presigned = store.presign_part(key=key, upload_id=first, part_number=1, size_bytes=4, expires_seconds=600)

    response = put_to_url(lambda url: url.replace(first, second), presigned, b"four")

    _assert_part_refused_then_abort(store, response, key=key, upload_id=second)
    store.multipart_abort(key=key, upload_id=first)
