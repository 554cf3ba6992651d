"""The fast PUT presigner makes botocore's URL, byte for byte, for the same instant."""

from datetime import UTC, datetime
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.config import Config

from storage.backends.sigv4 import Presigner

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
