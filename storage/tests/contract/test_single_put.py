"""Single PUTs: what every store keeps, and what the enforcing stores refuse by themselves."""

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from storage.backends import get_backend
from storage.backends.base import (
    PresignedRequest,
)
from storage.backends.local import InvalidKey, LocalBackend, UploadRejected
from storage.models import UploadSession
from storage.tests.contract.kit import (
    TIMEOUT,
    checksum_b64,
    error_code,
    new_key,
    open_upload_session,
    put_to_url,
    upload,
)

# --- single PUT ---------------------------------------------------------------------------


def test_single_put_round_trip_is_described_by_head(upload_store):
    store, absolute, open_upload = upload_store
    key, body = new_key(), b"hello, kosha\n" * 100
    open_upload(key)

    response = upload(store, absolute, key, body, content_type="text/plain")

    info = store.head(key=key)
    assert info.size_bytes == len(body)
    assert info.content_type == "text/plain"
    assert info.etag == hashlib.md5(body).hexdigest()
    assert response.headers["ETag"] == f'"{info.etag}"'


def test_sha256_checksum_is_stored_and_reported(upload_store):
    store, absolute, open_upload = upload_store
    key, body = new_key(), b"checksummed bytes"
    checksum = checksum_b64(body)
    open_upload(key)

    upload(store, absolute, key, body, content_type="application/octet-stream", sha256_b64=checksum)

    reported = store.head(key=key).sha256_b64
    fetched, data = store.fetch(key=key, max_bytes=1024)
    if store.name == "local":
        assert reported == checksum
    else:
        assert reported in (checksum, None)
    # What the HEAD says; the bytes only where the store cannot vouch for them.
    assert (fetched.sha256_b64, data) == (reported, None if reported else body)


def test_fetch_reads_no_bytes_once_the_store_vouches_for_checksums(upload_store, monkeypatch):
    store, absolute, open_upload = upload_store
    first, second, body = new_key(), new_key(), b"vouched-for bytes"
    for key in (first, second):
        open_upload(key)
        upload(store, absolute, key, body, content_type="text/plain", sha256_b64=checksum_b64(body))
    reported = store.fetch(key=first, max_bytes=1024)[0].sha256_b64

    if reported:
        # A store that reports checksums (local, SeaweedFS, AWS) is asked a HEAD from now on.
        def no_reads(**kwargs):
            raise AssertionError("the bytes of an object the store vouches for were read")

        monkeypatch.setattr(store, "open", no_reads)
        if hasattr(store, "_get_small"):
            monkeypatch.setattr(store, "_get_small", no_reads)
        assert store.fetch(key=second, max_bytes=1024) == (store.head(key=second), None)
    else:
        # One that keeps none (moto) is read, in the one request.
        assert store.fetch(key=second, max_bytes=1024) == (store.head(key=second), body)


def test_presigned_put_returns_the_headers_the_client_must_send(store):
    checksum = checksum_b64(b"x")

    presigned = store.presign_put(
        key=new_key(), size_bytes=1, content_type="image/png", sha256_b64=checksum, expires_seconds=60
    )

    assert presigned.method == "PUT"
    assert presigned.headers == {"Content-Type": "image/png", "If-None-Match": "*", "x-amz-checksum-sha256": checksum}


def test_a_put_url_used_again_never_replaces_the_object(upload_store):
    store, absolute, open_upload = upload_store
    key = new_key()
    open_upload(key)
    presigned = store.presign_put(key=key, size_bytes=5, content_type="text/plain", sha256_b64=None, expires_seconds=60)
    assert put_to_url(absolute, presigned, b"first").status_code == 200

    again = put_to_url(absolute, presigned, b"other")

    assert again.status_code == 412
    assert error_code(again) == "PreconditionFailed"
    with store.open(key=key) as stream:
        assert stream.read() == b"first"


def test_s3_presigned_put_signs_length_type_condition_checksum_and_expiry(s3_settings):
    store = get_backend()

    plain = store.presign_put(
        key=new_key(), size_bytes=10, content_type="text/plain", sha256_b64=None, expires_seconds=60
    )
    with_checksum = store.presign_put(
        key=new_key(),
        size_bytes=10,
        content_type="text/plain",
        sha256_b64=checksum_b64(b"0123456789"),
        expires_seconds=60,
    )

    query = parse_qs(urlsplit(plain.url).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host;if-none-match"]
    # when_required checksums: no CRC32 parameters a browser could not satisfy.
    assert not [name for name in query if "checksum" in name.lower()]
    signed = parse_qs(urlsplit(with_checksum.url).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "content-type", "if-none-match", "x-amz-checksum-sha256"} <= set(signed)


def test_s3_put_is_unconditional_where_the_operator_turned_conditional_writes_off(s3_settings):
    s3_settings.KOSHA_S3_CONDITIONAL_PUT = False
    get_backend.cache_clear()

    presigned = get_backend().presign_put(
        key=new_key(), size_bytes=10, content_type="text/plain", sha256_b64=None, expires_seconds=60
    )

    assert "If-None-Match" not in presigned.headers
    assert parse_qs(urlsplit(presigned.url).query)["X-Amz-SignedHeaders"] == ["content-length;content-type;host"]


# --- what the enforcing stores refuse by themselves (moto refuses none of it) --------------

_SIGNED = b"0123456789a"


@pytest.mark.parametrize(
    ("body", "headers", "status", "codes"),
    [
        pytest.param(b"0123456789", {}, 403, {"SignatureDoesNotMatch"}, id="shorter-body"),
        pytest.param(b"0123456789ab", {}, 403, {"SignatureDoesNotMatch"}, id="longer-body"),
        pytest.param(_SIGNED, {"Content-Type": "text/html"}, 403, {"SignatureDoesNotMatch"}, id="other-type"),
        pytest.param(
            _SIGNED,
            {"x-amz-checksum-sha256": checksum_b64(b"other")},
            403,
            {"SignatureDoesNotMatch"},
            id="other-checksum-header",
        ),
        pytest.param(b"0123456789X", {}, 400, {"BadDigest"}, id="body-not-matching-checksum"),
        pytest.param(_SIGNED, {"If-None-Match": None}, 403, {"SignatureDoesNotMatch"}, id="without-the-condition"),
    ],
)
def test_enforcing_store_refuses_a_put_other_than_signed(enforcing_store, body, headers, status, codes):
    store, absolute, open_upload = enforcing_store
    key = new_key()
    open_upload(key)
    presigned = store.presign_put(
        key=key,
        size_bytes=len(_SIGNED),
        content_type="text/plain",
        sha256_b64=checksum_b64(_SIGNED),
        expires_seconds=60,
    )

    response = put_to_url(absolute, presigned, body, **headers)

    assert response.status_code == status
    assert error_code(response) in codes
    assert store.head(key=key) is None


def tampered(url: str) -> str:
    # The local token and S3's X-Amz-Signature both end the URL.
    return (
        url[:-2] + ("AA" if url[-2:] != "AA" else "BB")
        if url.startswith("/")
        else url[:-2] + ("00" if url[-2:] != "00" else "11")
    )


def test_enforcing_store_refuses_a_tampered_signature(enforcing_store):
    store, absolute, open_upload = enforcing_store
    key = new_key()
    open_upload(key)
    presigned = store.presign_put(key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60)

    response = put_to_url(absolute, PresignedRequest(tampered(presigned.url), "PUT", presigned.headers), b"abc")

    assert response.status_code == 403
    assert error_code(response) in {"AccessDenied", "SignatureDoesNotMatch"}
    assert store.head(key=key) is None


def test_enforcing_store_refuses_an_expired_url(enforcing_store, monkeypatch):
    store, absolute, open_upload = enforcing_store
    key = new_key()
    open_upload(key)
    # Signed two minutes ago for one minute: the URL is past its expiry when used.
    real_now = timezone.now()
    monkeypatch.setattr("storage.backends.local.signing._now", lambda: real_now.timestamp() - 120)
    monkeypatch.setattr(
        "botocore.auth.get_current_datetime", lambda: real_now.replace(tzinfo=None) - timedelta(seconds=120)
    )
    monkeypatch.setattr("storage.backends.sigv4._now", lambda: real_now - timedelta(seconds=120))
    presigned = store.presign_put(key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60)
    monkeypatch.undo()

    response = put_to_url(absolute, presigned, b"abc")

    assert response.status_code == 403
    assert error_code(response) == "AccessDenied"
    assert "expired" in response.text
    assert store.head(key=key) is None


def test_seaweedfs_refuses_a_url_moved_to_another_key(seaweed_settings):
    store, key, other = get_backend(), new_key(), new_key()
    presigned = store.presign_put(key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60)

    response = put_to_url(lambda url: url.replace(key, other), presigned, b"abc")

    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"
    assert store.head(key=other) is None


def test_local_put_url_does_not_download_and_get_url_does_not_upload(local_store, local_absolute, transactional_db):
    key = new_key()
    open_upload_session(key)
    put = local_store.presign_put(key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60)
    put_to_url(local_absolute, put, b"abc")
    get_url = local_absolute(
        local_store.presign_get(key=key, filename="a.txt", content_type="text/plain", inline=False, expires_seconds=60)
    )

    assert requests.get(local_absolute(put.url), timeout=TIMEOUT).status_code == 403
    assert (
        requests.put(get_url, data=b"xyz", headers={"Content-Type": "text/plain"}, timeout=TIMEOUT).status_code == 403
    )
    assert requests.get(get_url, timeout=TIMEOUT).content == b"abc"


def test_local_receive_refuses_a_body_shorter_than_signed(local_store):
    key = new_key()

    with pytest.raises(UploadRejected):
        local_store.receive_object(key=key, chunks=[b"ab"], content_type="text/plain", expected_size=3)

    assert local_store.head(key=key) is None
    assert not any((local_store.root / ".tmp").iterdir())


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "users//x", "users/./x", ".meta/x", "users/a\\b", ""])
def test_local_keys_cannot_leave_the_storage_directory(local_store, key):
    with pytest.raises(InvalidKey):
        local_store.head(key=key)


# --- the local store takes bytes only for a pending session --------------------------------


@pytest.mark.parametrize(
    "status",
    [
        UploadSession.Status.ABORTED,
        UploadSession.Status.EXPIRED,
        UploadSession.Status.FAILED,
        UploadSession.Status.COMPLETED,
    ],
)
def test_local_put_is_refused_once_its_session_is_not_pending(local_store, local_absolute, transactional_db, status):
    key = new_key()
    session = open_upload_session(key)
    presigned = local_store.presign_put(
        key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60
    )
    UploadSession.objects.filter(pk=session.pk).update(status=status)

    response = put_to_url(local_absolute, presigned, b"abc")

    assert response.status_code == 403
    assert error_code(response) == "AccessDenied"
    assert local_store.head(key=key) is None


def test_local_put_is_refused_for_a_session_past_its_expiry_or_for_no_session(
    local_store, local_absolute, transactional_db
):
    expired, unknown = new_key(), new_key()
    session = open_upload_session(expired)
    UploadSession.objects.filter(pk=session.pk).update(expires_at=timezone.now())
    urls = [
        local_store.presign_put(key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60)
        for key in (expired, unknown)
    ]

    answers = [put_to_url(local_absolute, presigned, b"abc") for presigned in urls]

    assert [answer.status_code for answer in answers] == [403, 403]
    assert local_store.head(key=expired) is None
    assert local_store.head(key=unknown) is None


def test_local_put_whose_session_is_aborted_while_the_body_arrives_is_refused(local_store, local_absolute, monkeypatch):
    key = new_key()
    session = open_upload_session(key)
    presigned = local_store.presign_put(
        key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60
    )
    stage = LocalBackend.stage_object

    def stage_then_abort(self, **kwargs):
        staged = stage(self, **kwargs)
        # The abort commits after the first check, while the body is staged.
        UploadSession.objects.filter(pk=session.pk).update(status=UploadSession.Status.ABORTED)
        return staged

    monkeypatch.setattr(LocalBackend, "stage_object", stage_then_abort)

    response = put_to_url(local_absolute, presigned, b"abc")

    assert response.status_code == 403
    assert local_store.head(key=key) is None
    assert not any((local_store.root / ".tmp").iterdir())


def test_local_part_is_refused_once_its_session_is_not_pending(local_store, local_absolute, transactional_db):
    key = new_key()
    upload_id = local_store.multipart_start(key=key, content_type="text/plain")
    session = open_upload_session(key, upload_id)
    presigned = local_store.presign_part(key=key, upload_id=upload_id, part_number=1, size_bytes=4, expires_seconds=600)
    UploadSession.objects.filter(pk=session.pk).update(status=UploadSession.Status.ABORTED)

    response = put_to_url(local_absolute, presigned, b"late")

    assert response.status_code == 404
    assert error_code(response) == "NoSuchUpload"
    assert local_store.multipart_list_parts(key=key, upload_id=upload_id) == []
