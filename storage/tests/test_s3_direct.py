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


@pytest.mark.parametrize("store_settings", S3_STORES)
def test_a_direct_listing_page_answers_what_botocores_listing_answers(request, store_settings):
    request.getfixturevalue(store_settings)
    backend = get_backend()
    owner = new_key().split("/")[1]
    made = [f"users/{owner}/blobs/{name}" for name in ("a", "b", "c", "d")]
    for number, key in enumerate(made):
        backend.put_bytes(key=key, data=b"x" * number, content_type="text/plain")

    page, truncated = backend._direct_reads().list_page(prefix=f"users/{owner}/", start_after=made[0], max_keys=2)
    raw = backend.client.list_objects_v2(Bucket=backend.bucket, Prefix=f"users/{owner}/", StartAfter=made[0], MaxKeys=2)

    assert truncated is raw["IsTruncated"] is True
    expected = [(item["Key"], item["Size"], item["ETag"].strip('"'), item["LastModified"]) for item in raw["Contents"]]
    assert [(item.key, item.size_bytes, item.etag, item.last_modified) for item in page] == expected
    assert [item.key for item in page] == made[1:3]


@pytest.mark.parametrize("workers", [16])
def test_the_client_keeps_a_connection_for_each_store_worker_of_a_few_completes(s3_settings, caplog, workers, settings):
    from concurrent.futures import ThreadPoolExecutor

    from storage.backends.s3 import S3Backend, pool_connections_for

    settings.KOSHA_UPLOAD_BATCH_STORE_WORKERS = workers
    get_backend.cache_clear()
    backend = get_backend()
    key = new_key()
    backend.put_bytes(key=key, data=b"x", content_type="text/plain")
    small = S3Backend(
        bucket=backend.bucket,
        endpoint_url=settings.KOSHA_S3_ENDPOINT_URL,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",  # noqa: S106
        pool_connections=20,
    )

    def heads(store) -> list[str]:
        caplog.clear()
        with caplog.at_level("WARNING", logger="urllib3.connectionpool"):
            with ThreadPoolExecutor(max_workers=4 * workers) as pool:
                list(pool.map(lambda _: store.head(key=key), range(16 * workers)))
        return [record.getMessage() for record in caplog.records if "pool is full" in record.getMessage()]

    assert backend.client.meta.config.max_pool_connections == pool_connections_for(workers=workers) >= 4 * workers
    assert heads(backend) == []
    # The control: botocore's default-sized pool discards connections under the same load.
    assert heads(small) != []
