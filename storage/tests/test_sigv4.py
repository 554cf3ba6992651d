"""The fast presigner makes botocore's URL, byte for byte, for the same instant: PUT, part,
download, HEAD and GET URLs, for any key, header values, expiry and day."""

import base64
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.config import Config
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.backends.sigv4 import Presigner
from storage.disposition import content_disposition

NOW = datetime(2026, 12, 1, 4, 49, 39, tzinfo=UTC)


def _client(*, endpoint, style, token=None, region="eu-west-1", signature="s3v4"):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        aws_session_token=token,
        config=Config(
            signature_version=signature, s3={"addressing_style": style}, request_checksum_calculation="when_required"
        ),
    )


def _botocore_url(client, params):
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        return client.generate_presigned_url("put_object", Params=params, ExpiresIn=60)


@pytest.mark.parametrize(
    ("endpoint", "style", "token"),
    [
        ("http://127.0.0.1:9000", "path", None),
        ("https://s3.example.com", "path", None),
        ("http://localhost:80", "path", None),
        (None, "virtual", None),
        (None, "virtual", "FwoGZXIvYXdzEJr//////////token+with/slashes=="),
    ],
)
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"IfNoneMatch": "*"},
        {"IfNoneMatch": "*", "ChecksumSHA256": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="},
    ],
)
@pytest.mark.parametrize("key", ["users/1/blobs/abc", "users/x y/blobs/é+z~(1).bin"])
def test_the_url_is_botocores(endpoint, style, token, extra, key):
    client = _client(endpoint=endpoint, style=style, token=token)
    params = {"Bucket": "kosha-bucket", "Key": key, "ContentLength": 65536, "ContentType": "image/jpeg", **extra}
    headers = {"Content-Length": "65536", "Content-Type": "image/jpeg"}
    if "IfNoneMatch" in extra:
        headers["If-None-Match"] = "*"
    if "ChecksumSHA256" in extra:
        headers["x-amz-checksum-sha256"] = extra["ChecksumSHA256"]

    signer = Presigner.for_client(client, bucket="kosha-bucket")

    assert signer is not None
    assert signer.presign_put(key=key, headers=headers, expires_seconds=60, now=NOW) == _botocore_url(client, params)


def test_a_configuration_it_cannot_reproduce_is_left_to_botocore():
    client = _client(endpoint="http://127.0.0.1:9000", style="path", signature="s3")  # SigV2

    assert Presigner.for_client(client, bucket="kosha-bucket") is None


@pytest.mark.parametrize(
    ("operation", "method", "params", "headers"),
    [
        ("head_object", "HEAD", {"ChecksumMode": "ENABLED"}, {"x-amz-checksum-mode": "ENABLED"}),
        ("get_object", "GET", {}, {}),
    ],
)
@pytest.mark.parametrize(("endpoint", "style"), [("http://127.0.0.1:9000", "path"), (None, "virtual")])
def test_the_servers_own_head_and_get_urls_are_botocores(operation, method, params, headers, endpoint, style):
    # storage/backends/s3_direct.py sends these itself instead of botocore's head_object/get_object.
    client = _client(endpoint=endpoint, style=style)
    key = "users/1/blobs/abc"
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        expected = client.generate_presigned_url(
            operation, Params={"Bucket": "kosha-bucket", "Key": key, **params}, ExpiresIn=60
        )

    signer = Presigner.for_client(client, bucket="kosha-bucket")

    assert signer is not None
    assert signer.presign(method=method, key=key, headers=headers, expires_seconds=60, now=NOW) == expected


# Keys, upload ids and file names from every corner of what the URL encoding must treat
# differently: unreserved characters, "/", reserved ASCII, spaces, percent signs, non-ASCII.
_KEY_TEXT = st.text(alphabet=st.sampled_from("aZ09-_.~/ +=&?#%;:@,$!*'()[]é日\u00a0"), min_size=1, max_size=40).filter(
    lambda key: not key.startswith("/")
)
_HEADER_VALUE = st.text(alphabet=st.sampled_from("aZ09-_.~/+=; \t"), min_size=1, max_size=30)
_EXPIRES = st.sampled_from([1, 60, 900, 3600, 604800])
_CLIENTS = [
    ("http://127.0.0.1:9000", "path", None, "us-east-1"),
    (None, "virtual", None, "eu-west-1"),
    (None, "virtual", "FwoGZXIvYXdzEJr//////////token+with/slashes==", "ap-southeast-2"),
]
_INSTANTS = [NOW, datetime(2026, 12, 2, 0, 0, 1, tzinfo=UTC), datetime(2027, 1, 1, 23, 59, 59, tzinfo=UTC)]


def _botocore_url_at(client, operation, params, expires, instant):
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=instant.replace(tzinfo=None)):
        return client.generate_presigned_url(operation, Params=params, ExpiresIn=expires)


@pytest.fixture(scope="module")
def signers():
    """Each client configuration with its fast signer, made once for the module."""
    made = []
    for endpoint, style, token, region in _CLIENTS:
        client = _client(endpoint=endpoint, style=style, token=token, region=region)
        made.append((client, Presigner.for_client(client, bucket="kosha-bucket")))
    return made


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    which=st.integers(0, len(_CLIENTS) - 1),
    instant=st.sampled_from(_INSTANTS),
    key=_KEY_TEXT,
    size=st.integers(0, 5 * 1024**4),
    content_type=_HEADER_VALUE,
    sha256=st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
    conditional=st.booleans(),
    expires=_EXPIRES,
)
def test_put_urls_are_botocores_for_any_key_headers_expiry_and_day(
    signers, which, instant, key, size, content_type, sha256, conditional, expires
):
    client, signer = signers[which]
    params = {"Bucket": "kosha-bucket", "Key": key, "ContentLength": size, "ContentType": content_type}
    headers = {"Content-Length": str(size), "Content-Type": content_type}
    if conditional:
        params["IfNoneMatch"] = headers["If-None-Match"] = "*"
    if sha256 is not None:
        params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = base64.b64encode(sha256).decode()

    url = signer.presign_put(key=key, headers=headers, expires_seconds=expires, now=instant)

    assert url == _botocore_url_at(client, "put_object", params, expires, instant)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    which=st.integers(0, len(_CLIENTS) - 1),
    instant=st.sampled_from(_INSTANTS),
    key=_KEY_TEXT,
    upload_id=st.text(alphabet=st.sampled_from("aZ09-_.~/+=% "), min_size=1, max_size=60),
    part_number=st.integers(1, 10_000),
    size=st.integers(0, 5 * 1024**3),
    expires=_EXPIRES,
)
def test_part_urls_are_botocores(signers, which, instant, key, upload_id, part_number, size, expires):
    client, signer = signers[which]
    params = {"Bucket": "kosha-bucket", "Key": key, "UploadId": upload_id, "PartNumber": part_number}

    url = signer.presign(
        method="PUT",
        key=key,
        headers={"Content-Length": str(size)},
        query={"uploadId": upload_id, "partNumber": str(part_number)},
        expires_seconds=expires,
        now=instant,
    )

    assert url == _botocore_url_at(client, "upload_part", {**params, "ContentLength": size}, expires, instant)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    which=st.integers(0, len(_CLIENTS) - 1),
    instant=st.sampled_from(_INSTANTS),
    key=_KEY_TEXT,
    filename=st.text(min_size=0, max_size=40),
    content_type=st.sampled_from(["image/jpeg", "text/plain", "application/pdf", "text/html", "video/mp4"]),
    inline=st.booleans(),
    expires=_EXPIRES,
)
def test_download_urls_are_botocores(signers, which, instant, key, filename, content_type, inline, expires):
    client, signer = signers[which]
    disposition = content_disposition(filename, inline=inline, content_type=content_type)
    params = {
        "Bucket": "kosha-bucket",
        "Key": key,
        "ResponseContentDisposition": disposition,
        "ResponseContentType": content_type,
    }

    url = signer.presign(
        method="GET",
        key=key,
        headers={},
        query={"response-content-disposition": disposition, "response-content-type": content_type},
        expires_seconds=expires,
        now=instant,
    )

    assert url == _botocore_url_at(client, "get_object", params, expires, instant)


def test_the_signing_key_follows_the_day_and_the_credentials():
    # One day's key is cached; another day, or rotated credentials, derive their own.
    client = _client(endpoint="http://127.0.0.1:9000", style="path")
    signer = Presigner.for_client(client, bucket="kosha-bucket")
    params = {"Bucket": "kosha-bucket", "Key": "k", "ContentLength": 1, "ContentType": "text/plain"}
    headers = {"Content-Length": "1", "Content-Type": "text/plain"}
    later = NOW + timedelta(days=1)

    for instant in (NOW, later, NOW):
        url = signer.presign_put(key="k", headers=headers, expires_seconds=60, now=instant)
        assert url == _botocore_url_at(client, "put_object", params, 60, instant)
    client._request_signer._credentials.secret_key = "rotated-secret"
    url = signer.presign_put(key="k", headers=headers, expires_seconds=60, now=NOW)
    assert url == _botocore_url_at(client, "put_object", params, 60, NOW)
