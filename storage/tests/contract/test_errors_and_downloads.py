"""Store errors mapped per store, and presigned downloads (disposition, ranges, conditions)."""

import hashlib
import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from storage.backends import get_backend
from storage.backends.base import (
    BackendBusy,
    BackendMisconfigured,
    UploadNotFound,
)
from storage.tests.contract.kit import TIMEOUT, error_code, new_key
from storage.tests.stores import DirectReadsMeet

# --- store error codes, mapped per store ----------------------------------------------------


@pytest.mark.parametrize("store_name", ["moto", "seaweedfs"], indirect=True)
def test_a_missing_upload_is_upload_not_found_in_ceph_rgws_dialect_too(store):
    from storage.tests.stores import ceph_dialect

    key = new_key()
    upload_id = store.multipart_start(key=key, content_type="text/plain")
    store.client.abort_multipart_upload(Bucket=store.bucket, Key=key, UploadId=upload_id)  # a lifecycle abort

    with ceph_dialect(store.client):
        with pytest.raises(UploadNotFound):
            store.multipart_list_parts(key=key, upload_id=upload_id)
        with pytest.raises(UploadNotFound):
            store.multipart_complete(key=key, upload_id=upload_id, parts=[(1, "0" * 32)])
        store.multipart_abort(key=key, upload_id=upload_id)


@pytest.mark.parametrize("store_name", ["moto", "seaweedfs"], indirect=True)
def test_a_missing_bucket_is_a_misconfigured_store(settings, store):
    settings.KOSHA_S3_BUCKET = f"no-such-bucket-{uuid.uuid4().hex[:8]}"
    get_backend.cache_clear()
    misconfigured = get_backend()

    with pytest.raises(BackendMisconfigured):
        misconfigured.multipart_start(key=new_key(), content_type="text/plain")
    with pytest.raises(BackendMisconfigured):
        list(misconfigured.list_prefix(prefix="users/"))
    with pytest.raises(BackendMisconfigured):
        misconfigured.delete(keys=[new_key()])


def test_credentials_the_store_does_not_know_are_a_misconfigured_store(seaweed_settings):
    seaweed_settings.KOSHA_S3_SECRET_ACCESS_KEY = "not-the-secret"
    get_backend.cache_clear()

    with pytest.raises(BackendMisconfigured):
        get_backend().multipart_start(key=new_key(), content_type="text/plain")
    with pytest.raises(BackendMisconfigured):
        get_backend().put_bytes(key=new_key(), data=b"x", content_type="text/plain")


@pytest.mark.parametrize("code", ["SlowDown", "ServiceUnavailable", "InternalError"])
def test_a_store_asking_to_slow_down_is_a_busy_store(s3_settings, code):
    from botocore.stub import Stubber

    store = get_backend()
    store._direct_reads().http = DirectReadsMeet(503)  # the direct HEAD meets it first, then botocore's
    with Stubber(store.client) as stub:
        stub.add_client_error("head_object", service_error_code=code, http_status_code=503)
        with pytest.raises(BackendBusy) as busy:
            store.head(key=new_key())

    assert busy.value.retry_after_seconds == 5


# --- downloads ----------------------------------------------------------------------------


def test_presigned_get_answers_as_an_attachment_with_a_unicode_filename(store, absolute):
    key, body = new_key(), b"%PDF-1.4 not really"
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
    key, body = new_key(), b"\x89PNG fake"
    store.put_bytes(key=key, data=body, content_type="image/png")

    url = store.presign_get(key=key, filename="cat.png", content_type="image/png", inline=True, expires_seconds=60)
    response = requests.get(absolute(url), timeout=TIMEOUT)

    assert response.content == body
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == "inline; filename=\"cat.png\"; filename*=UTF-8''cat.png"


@pytest.mark.parametrize(
    "change",
    [
        lambda url: url.replace("response-content-disposition=attachment", "response-content-disposition=inline"),
        lambda url: url.replace("response-content-type=application%2Fpdf", "response-content-type=text%2Fhtml"),
        lambda url: url[:-2] + ("00" if url[-2:] != "00" else "11"),
    ],
    ids=["disposition", "type", "signature"],
)
def test_seaweedfs_refuses_a_download_url_changed_after_signing(seaweed_settings, change):
    store, key = get_backend(), new_key()
    store.put_bytes(key=key, data=b"%PDF-1.4", content_type="application/pdf")
    url = store.presign_get(key=key, filename="a.pdf", content_type="application/pdf", inline=False, expires_seconds=60)
    assert requests.get(url, timeout=TIMEOUT).status_code == 200

    changed = change(url)

    assert changed != url
    response = requests.get(changed, timeout=TIMEOUT)
    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"


def test_seaweedfs_refuses_an_expired_download_url(seaweed_settings, monkeypatch):
    store, key = get_backend(), new_key()
    store.put_bytes(key=key, data=b"%PDF-1.4", content_type="application/pdf")
    real_now = timezone.now()
    monkeypatch.setattr("storage.backends.sigv4._now", lambda: real_now - timedelta(seconds=120))
    url = store.presign_get(key=key, filename="a.pdf", content_type="application/pdf", inline=False, expires_seconds=60)
    monkeypatch.undo()

    response = requests.get(url, timeout=TIMEOUT)

    assert response.status_code == 403
    assert error_code(response) == "AccessDenied"
    assert "expired" in response.text


def test_local_get_streams_with_nosniff_and_answers_head_and_ranges(local_store, local_absolute):
    key, body = new_key(), bytes(range(256)) * 10
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
    assert full.headers["Last-Modified"].endswith(" GMT")
    assert "ETag" in full.headers["Access-Control-Expose-Headers"]
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(body))
    assert head.content == b""
    assert ranged.status_code == 206
    assert ranged.content == body[10:20]
    assert ranged.headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    assert beyond.status_code == 416


# What S3 answers to conditional GETs (RFC 9110 §13.2.2's order: If-Match and If-None-Match
# win over the dates), as moto and SeaweedFS answer them too; the local store must agree.
_PAST, _FUTURE = "Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 01 Jan 2099 00:00:00 GMT"


@pytest.mark.parametrize(
    ("conditions", "status"),
    [
        pytest.param({"If-None-Match": "{etag}"}, 304, id="if-none-match-current"),
        pytest.param({"If-None-Match": '"other"'}, 200, id="if-none-match-other"),
        pytest.param({"If-Match": "{etag}"}, 200, id="if-match-current"),
        pytest.param({"If-Match": '"other"'}, 412, id="if-match-other"),
        pytest.param({"If-Modified-Since": _FUTURE}, 304, id="if-modified-since-later"),
        pytest.param({"If-Modified-Since": _PAST}, 200, id="if-modified-since-earlier"),
        pytest.param({"If-Unmodified-Since": _PAST}, 412, id="if-unmodified-since-earlier"),
        pytest.param({"If-Match": '"other"', "Range": "bytes=0-9"}, 412, id="if-match-before-range"),
    ],
)
def test_conditional_get_answers_as_s3_does(store, absolute, conditions, status):
    key, body = new_key(), b"0123456789" * 100
    store.put_bytes(key=key, data=body, content_type="text/plain")
    url = absolute(
        store.presign_get(key=key, filename="a.txt", content_type="text/plain", inline=False, expires_seconds=60)
    )
    etag = requests.get(url, timeout=TIMEOUT).headers["ETag"]

    response = requests.get(
        url, headers={name: value.format(etag=etag) for name, value in conditions.items()}, timeout=TIMEOUT
    )

    assert response.status_code == status
    if status == 200:
        assert response.content == body
    if status == 304:
        assert response.content == b""
        assert response.headers["ETag"] == etag
    if status == 412:
        assert error_code(response) == "PreconditionFailed"


# S3 documents that If-Match (or If-None-Match) decides when a date condition disagrees;
# SeaweedFS answers so, moto does not (412 for the first case), so moto is left out.
@pytest.mark.parametrize("store_name", ["local", "seaweedfs"], indirect=True)
@pytest.mark.parametrize(
    ("conditions", "status"),
    [
        pytest.param({"If-Match": "{etag}", "If-Unmodified-Since": _PAST}, 200, id="if-match-wins-over-the-date"),
        pytest.param({"If-None-Match": "{etag}", "If-Modified-Since": _PAST}, 304, id="if-none-match-wins"),
        pytest.param({"If-None-Match": '"other"', "If-Modified-Since": _FUTURE}, 200, id="if-none-match-passes"),
    ],
)
def test_conditional_get_lets_the_etag_decide_over_the_date_as_s3_does(store, absolute, conditions, status):
    test_conditional_get_answers_as_s3_does(store, absolute, conditions, status)


@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        pytest.param("{etag}", 206, id="current-etag"),
        pytest.param('"0123456789abcdef0123456789abcdef"', 200, id="other-etag"),
        pytest.param("W/{etag}", 200, id="weak-etag"),
        pytest.param("{last_modified}", 200, id="a-date"),
    ],
)
def test_local_if_range_serves_the_range_only_for_the_current_strong_etag(
    local_store, local_absolute, if_range, status
):
    key, body = new_key(), bytes(range(256)) * 40
    local_store.put_bytes(key=key, data=body, content_type="application/octet-stream")
    url = local_absolute(
        local_store.presign_get(
            key=key, filename="a.bin", content_type="application/octet-stream", inline=False, expires_seconds=60
        )
    )
    first = requests.get(url, headers={"Range": "bytes=0-4999"}, timeout=TIMEOUT)
    validator = if_range.format(etag=first.headers["ETag"], last_modified=first.headers["Last-Modified"])

    response = requests.get(url, headers={"Range": "bytes=5000-", "If-Range": validator}, timeout=TIMEOUT)

    assert response.status_code == status
    assert response.content == (body[5000:] if status == 206 else body)


def test_presigned_get_of_a_missing_object_is_not_found(store, absolute):
    url = store.presign_get(
        key=new_key(), filename="gone.txt", content_type="text/plain", inline=False, expires_seconds=60
    )

    # S3 answers 403 rather than 404 when the signer may not list the bucket (moto: 403).
    assert requests.get(absolute(url), timeout=TIMEOUT).status_code in (403, 404)
