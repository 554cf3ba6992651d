"""The S3 backend's own HEAD and GET (storage/backends/s3_direct.py): they answer what
botocore's calls answer, go out signed (SeaweedFS checks the signature), and leave every
answer they do not expect to botocore's call, so no error path differs."""

import pytest
from botocore.exceptions import EndpointConnectionError

from storage.backends import get_backend
from storage.tests.contract.kit import new_key
from storage.tests.stores import DirectReadsMeet

pytestmark = pytest.mark.django_db

S3_STORES = ["s3_settings", "seaweed_settings"]


@pytest.mark.parametrize("store_settings", S3_STORES)
def test_the_direct_head_and_get_answer_what_botocore_answers(request, store_settings):
    request.getfixturevalue(store_settings)
    backend = get_backend()
    key = new_key()
    backend.put_bytes(key=key, data=b"thumbnail", content_type="image/webp")
    direct = backend._direct_reads()
    assert direct is not None  # the fast path is on for these stores

    info = direct.head(key=key)
    with direct.open(key=key) as stream:
        data = stream.read()

    raw = backend.client.head_object(Bucket=backend.bucket, Key=key)
    assert (info.size_bytes, info.content_type, info.etag) == (9, "image/webp", raw["ETag"].strip('"'))
    assert data == b"thumbnail"
    assert direct.head(key=new_key()) is None


@pytest.mark.parametrize("store_settings", S3_STORES)
@pytest.mark.parametrize("failure", [EndpointConnectionError(endpoint_url="http://x"), 503, 403])
def test_an_answer_it_does_not_expect_is_left_to_botocores_call(request, store_settings, failure):
    request.getfixturevalue(store_settings)
    backend = get_backend()
    key = new_key()
    backend.put_bytes(key=key, data=b"hello", content_type="text/plain")
    direct = backend._direct_reads()
    direct.http = DirectReadsMeet(failure)

    info = backend.head(key=key)
    with backend.open(key=key) as stream:
        data = stream.read()

    assert direct.http.sent == 2  # both tried the direct way first
    assert info.size_bytes == 5
    assert data == b"hello"
