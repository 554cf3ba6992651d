"""One contract, two object stores: every `store` test runs against the local backend (in
a temp dir, its URLs served by the live server) and against S3 (moto's HTTP server).

Bytes travel the way a browser sends them: plain HTTP to the presigned URLs. moto
enforces none of what the URLs sign (expiry, length, type, checksum), so for S3 the tests
assert the URL itself; the local backend is ours and the tests make it refuse.
"""

import base64
import hashlib
import io
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from storage.backends import get_backend
from storage.backends.base import PresignedRequest, StoredPart
from storage.backends.local import InvalidKey, LocalBackend, UploadRejected

MiB = 1024 * 1024
TIMEOUT = 30


def _live_server_url(request) -> str:
    # Requested at run time, so pytest-django does not turn the test transactional (and
    # flush every table after it): the view touches no table, and the `db` fixture of
    # the fixtures below is enough for Django's per-request connection check.
    return request.getfixturevalue("live_server").url


@pytest.fixture
def absolute(request, db, store):
    """Turns a presigned URL of either backend into one `requests` can reach: the local
    backend's site-relative URLs are served by the live server, S3's are absolute."""

    def make(url: str) -> str:
        if url.startswith("/"):
            return _live_server_url(request) + url
        return url

    return make


@pytest.fixture
def local_store(local_settings):
    return get_backend()


@pytest.fixture
def local_absolute(request, db, local_store):
    return lambda url: _live_server_url(request) + url


def _key() -> str:
    return f"users/{uuid.uuid4()}/blobs/{uuid.uuid4()}"


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _put(absolute, presigned: PresignedRequest, body: bytes, **headers) -> requests.Response:
    return requests.request(
        presigned.method, absolute(presigned.url), data=body, headers={**presigned.headers, **headers}, timeout=TIMEOUT
    )


def _upload(store, absolute, key: str, body: bytes, content_type: str = "text/plain", sha256_b64=None):
    presigned = store.presign_put(
        key=key, size_bytes=len(body), content_type=content_type, sha256_b64=sha256_b64, expires_seconds=60
    )
    response = _put(absolute, presigned, body)
    assert response.status_code == 200, response.text
    return response


# --- single PUT ---------------------------------------------------------------------------


def test_single_put_round_trip_is_described_by_head(store, absolute):
    key, body = _key(), b"hello, kosha\n" * 100

    response = _upload(store, absolute, key, body, content_type="text/plain")

    info = store.head(key=key)
    assert info.size_bytes == len(body)
    assert info.content_type == "text/plain"
    assert info.etag == hashlib.md5(body).hexdigest()
    assert response.headers["ETag"] == f'"{info.etag}"'


def test_sha256_checksum_is_stored_and_reported(store, absolute):
    key, body = _key(), b"checksummed bytes"
    checksum = _sha256_b64(body)

    _upload(store, absolute, key, body, content_type="application/octet-stream", sha256_b64=checksum)

    reported = store.head(key=key).sha256_b64
    if store.name == "local":
        assert reported == checksum
    else:
        assert reported in (checksum, None)


def test_presigned_put_returns_the_headers_the_client_must_send(store):
    checksum = _sha256_b64(b"x")

    presigned = store.presign_put(
        key=_key(), size_bytes=1, content_type="image/png", sha256_b64=checksum, expires_seconds=60
    )

    assert presigned.method == "PUT"
    assert presigned.headers == {"Content-Type": "image/png", "x-amz-checksum-sha256": checksum}


def test_s3_presigned_put_signs_length_type_checksum_and_expiry(s3_settings):
    store = get_backend()

    plain = store.presign_put(key=_key(), size_bytes=10, content_type="text/plain", sha256_b64=None, expires_seconds=60)
    with_checksum = store.presign_put(
        key=_key(), size_bytes=10, content_type="text/plain", sha256_b64=_sha256_b64(b"0123456789"), expires_seconds=60
    )

    query = parse_qs(urlsplit(plain.url).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host"]
    # when_required checksums: no CRC32 parameters a browser could not satisfy.
    assert not [name for name in query if "checksum" in name.lower()]
    signed = parse_qs(urlsplit(with_checksum.url).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "content-type", "x-amz-checksum-sha256"} <= set(signed)


# --- what the local store refuses (S3 refuses the same through the signature) -------------


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        pytest.param(b"0123456789", {}, 403, "SignatureDoesNotMatch", id="shorter-body"),
        pytest.param(b"0123456789ab", {}, 403, "SignatureDoesNotMatch", id="longer-body"),
        pytest.param(b"0123456789a", {"Content-Type": "text/html"}, 403, "SignatureDoesNotMatch", id="other-type"),
        pytest.param(
            b"0123456789a",
            {"x-amz-checksum-sha256": _sha256_b64(b"other")},
            403,
            "SignatureDoesNotMatch",
            id="other-checksum-header",
        ),
        pytest.param(b"0123456789X", {}, 400, "BadDigest", id="body-not-matching-checksum"),
    ],
)
def test_local_put_refuses_bytes_other_than_signed(local_store, local_absolute, body, headers, status, code):
    key, signed_body = _key(), b"0123456789a"
    presigned = local_store.presign_put(
        key=key,
        size_bytes=len(signed_body),
        content_type="text/plain",
        sha256_b64=_sha256_b64(signed_body),
        expires_seconds=60,
    )

    response = _put(local_absolute, presigned, body, **headers)

    assert response.status_code == status
    assert f"<Code>{code}</Code>" in response.text
    assert local_store.head(key=key) is None
    assert not any((local_store.root / ".tmp").iterdir())


def test_local_put_refuses_a_tampered_token(local_store, local_absolute):
    key = _key()
    presigned = local_store.presign_put(
        key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60
    )
    token = presigned.url.rsplit("/", 1)[1]
    tampered = PresignedRequest(
        url=presigned.url[: -len(token)] + token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
        method="PUT",
        headers=presigned.headers,
    )

    response = _put(local_absolute, tampered, b"abc")

    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text
    assert local_store.head(key=key) is None


def test_local_put_refuses_an_expired_url(local_store, local_absolute, monkeypatch):
    key = _key()
    presigned = local_store.presign_put(
        key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60
    )
    real_now = __import__("time").time
    monkeypatch.setattr("storage.backends.local.signing._now", lambda: real_now() + 61)

    response = _put(local_absolute, presigned, b"abc")

    assert response.status_code == 403
    assert "expired" in response.text
    assert local_store.head(key=key) is None


def test_local_put_url_does_not_download_and_get_url_does_not_upload(local_store, local_absolute):
    key = _key()
    put = local_store.presign_put(key=key, size_bytes=3, content_type="text/plain", sha256_b64=None, expires_seconds=60)
    _put(local_absolute, put, b"abc")
    get_url = local_absolute(
        local_store.presign_get(key=key, filename="a.txt", content_type="text/plain", inline=False, expires_seconds=60)
    )

    assert requests.get(local_absolute(put.url), timeout=TIMEOUT).status_code == 403
    assert (
        requests.put(get_url, data=b"xyz", headers={"Content-Type": "text/plain"}, timeout=TIMEOUT).status_code == 403
    )
    assert requests.get(get_url, timeout=TIMEOUT).content == b"abc"


def test_local_receive_refuses_a_body_shorter_than_signed(local_store):
    key = _key()

    with pytest.raises(UploadRejected):
        local_store.receive_object(key=key, chunks=[b"ab"], content_type="text/plain", expected_size=3)

    assert local_store.head(key=key) is None


@pytest.mark.parametrize("key", ["../escape", "/etc/passwd", "users//x", "users/./x", ".meta/x", "users/a\\b", ""])
def test_local_keys_cannot_leave_the_storage_directory(local_store, key):
    with pytest.raises(InvalidKey):
        local_store.head(key=key)


# --- multipart ----------------------------------------------------------------------------


def test_multipart_upload_lists_parts_and_completes(store, absolute):
    key = _key()
    chunks = [b"a" * (5 * MiB), b"b" * (5 * MiB), b"c" * 1234]
    upload_id = store.multipart_start(key=key, content_type="video/mp4")

    etags = []
    for number, chunk in enumerate(chunks, start=1):
        presigned = store.presign_part(key=key, upload_id=upload_id, part_number=number, expires_seconds=600)
        response = _put(absolute, presigned, chunk)
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
    with pytest.raises(KeyError):
        store.multipart_list_parts(key=key, upload_id=upload_id)


def test_multipart_complete_refuses_a_wrong_etag_and_a_small_middle_part(store, absolute):
    key = _key()
    upload_id = store.multipart_start(key=key, content_type="text/plain")
    for number in (1, 2):
        presigned = store.presign_part(key=key, upload_id=upload_id, part_number=number, expires_seconds=600)
        assert _put(absolute, presigned, b"tiny").status_code == 200
    etag = hashlib.md5(b"tiny").hexdigest()

    with pytest.raises(ValueError):
        store.multipart_complete(key=key, upload_id=upload_id, parts=[(1, "0" * 32)])
    with pytest.raises(ValueError):
        store.multipart_complete(key=key, upload_id=upload_id, parts=[(1, etag), (2, etag)])

    assert store.head(key=key) is None
    assert [part.number for part in store.multipart_list_parts(key=key, upload_id=upload_id)] == [1, 2]
    store.multipart_abort(key=key, upload_id=upload_id)


def test_multipart_abort_discards_the_parts_and_makes_no_object(store, absolute):
    key = _key()
    upload_id = store.multipart_start(key=key, content_type="text/plain")
    presigned = store.presign_part(key=key, upload_id=upload_id, part_number=1, expires_seconds=600)
    assert _put(absolute, presigned, b"part one").status_code == 200

    store.multipart_abort(key=key, upload_id=upload_id)

    with pytest.raises(KeyError):
        store.multipart_list_parts(key=key, upload_id=upload_id)
    assert store.head(key=key) is None
    store.multipart_abort(key=key, upload_id=upload_id)  # safe to repeat


def test_local_part_put_to_an_aborted_upload_is_refused(local_store, local_absolute):
    key = _key()
    upload_id = local_store.multipart_start(key=key, content_type="text/plain")
    presigned = local_store.presign_part(key=key, upload_id=upload_id, part_number=1, expires_seconds=600)
    local_store.multipart_abort(key=key, upload_id=upload_id)

    response = _put(local_absolute, presigned, b"late part")

    assert response.status_code == 404
    assert "<Code>NoSuchUpload</Code>" in response.text
    assert not (local_store.root / ".multipart" / upload_id).exists()


# --- downloads ----------------------------------------------------------------------------


def test_presigned_get_answers_as_an_attachment_with_a_unicode_filename(store, absolute):
    key, body = _key(), b"%PDF-1.4 not really"
    store.put_bytes(key=key, data=body, content_type="application/octet-stream")

    url = store.presign_get(
        key=key, filename='Résumé "final".pdf', content_type="application/pdf", inline=False, expires_seconds=60
    )
    response = requests.get(absolute(url), timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.content == body
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Resume _final_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"
    )


def test_presigned_get_can_answer_inline(store, absolute):
    key, body = _key(), b"\x89PNG fake"
    store.put_bytes(key=key, data=body, content_type="image/png")

    url = store.presign_get(key=key, filename="cat.png", content_type="image/png", inline=True, expires_seconds=60)
    response = requests.get(absolute(url), timeout=TIMEOUT)

    assert response.content == body
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == "inline; filename=\"cat.png\"; filename*=UTF-8''cat.png"


def test_local_get_streams_with_nosniff_and_answers_head_and_ranges(local_store, local_absolute):
    key, body = _key(), bytes(range(256)) * 10
    local_store.put_bytes(key=key, data=body, content_type="application/octet-stream")
    url = local_absolute(
        local_store.presign_get(
            key=key, filename="a.bin", content_type="application/zip", inline=False, expires_seconds=60
        )
    )

    full = requests.get(url, timeout=TIMEOUT)
    head = requests.head(url, timeout=TIMEOUT)
    ranged = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=TIMEOUT)
    beyond = requests.get(url, headers={"Range": "bytes=9999-"}, timeout=TIMEOUT)

    assert full.content == body
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert full.headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert "ETag" in full.headers["Access-Control-Expose-Headers"]
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(body))
    assert head.content == b""
    assert ranged.status_code == 206
    assert ranged.content == body[10:20]
    assert ranged.headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    assert beyond.status_code == 416


def test_presigned_get_of_a_missing_object_is_not_found(store, absolute):
    url = store.presign_get(
        key=_key(), filename="gone.txt", content_type="text/plain", inline=False, expires_seconds=60
    )

    # S3 answers 403 rather than 404 when the signer may not list the bucket (moto: 403).
    assert requests.get(absolute(url), timeout=TIMEOUT).status_code in (403, 404)


# --- server-side object operations -------------------------------------------------------


def test_put_bytes_and_open_round_trip_bytes_and_streams(store):
    first, second = _key(), _key()

    store.put_bytes(key=first, data=b"thumbnail", content_type="image/webp")
    store.put_bytes(key=second, data=io.BytesIO(b"zip stream" * 1000), content_type="application/zip")

    with store.open(key=first) as stream:
        assert stream.read() == b"thumbnail"
    with store.open(key=second) as stream:
        assert stream.read() == b"zip stream" * 1000
    assert store.head(key=first).content_type == "image/webp"
    assert store.head(key=second).size_bytes == 10000


def test_copy_duplicates_bytes_and_type(store):
    source, dest = _key(), _key()
    store.put_bytes(key=source, data=b"original", content_type="text/markdown")

    store.copy(source_key=source, dest_key=dest)

    copied = store.head(key=dest)
    assert copied.size_bytes == 8
    assert copied.content_type == "text/markdown"
    assert copied.etag == store.head(key=source).etag
    with store.open(key=dest) as stream:
        assert stream.read() == b"original"


def test_delete_removes_objects_and_ignores_missing_keys(store):
    kept, gone = _key(), _key()
    store.put_bytes(key=kept, data=b"kept", content_type="text/plain")
    store.put_bytes(key=gone, data=b"gone", content_type="text/plain")

    store.delete(keys=[gone, _key()])

    assert store.head(key=gone) is None
    assert store.head(key=kept) is not None
    store.delete(keys=[])


def test_list_prefix_and_delete_prefix_cover_exactly_one_users_objects(store):
    mine, theirs = f"users/{uuid.uuid4()}/", f"users/{uuid.uuid4()}/"
    my_keys = sorted([f"{mine}blobs/{uuid.uuid4()}" for _ in range(3)] + [f"{mine}thumbs/{uuid.uuid4()}-256.webp"])
    for key in my_keys:
        store.put_bytes(key=key, data=b"12345", content_type="application/octet-stream")
    store.put_bytes(key=f"{theirs}blobs/{uuid.uuid4()}", data=b"x", content_type="text/plain")

    listed = list(store.list_prefix(prefix=mine))
    blobs_only = [item.key for item in store.list_prefix(prefix=f"{mine}bl")]
    deleted = store.delete_prefix(prefix=mine)

    assert sorted(item.key for item in listed) == my_keys
    assert {item.size_bytes for item in listed} == {5}
    assert all(item.last_modified.tzinfo is not None for item in listed)
    assert sorted(blobs_only) == my_keys[:3]
    assert deleted == 4
    assert list(store.list_prefix(prefix=mine)) == []
    assert len(list(store.list_prefix(prefix=theirs))) == 1


def test_head_of_a_missing_key_is_none(store):
    assert store.head(key=_key()) is None


def test_local_listing_skips_multipart_and_metadata(local_store, local_absolute):
    key = _key()
    local_store.put_bytes(key=key, data=b"x", content_type="text/plain")
    local_store.multipart_start(key=_key(), content_type="text/plain")

    assert [item.key for item in local_store.list_prefix(prefix="")] == [key]
    assert isinstance(local_store, LocalBackend)
