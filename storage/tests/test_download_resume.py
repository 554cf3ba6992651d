"""Resuming a download never splices two versions (issue 9, example 5).

Each version has its own key, so the presigned URL a download started with keeps serving
that version's bytes, whatever is uploaded meanwhile. A splice needs a fresh URL from
`/download/` (now pointing at the new version's key) asked for the rest of the bytes
with `If-Range: <old ETag>`: the store must then answer 200 with the whole current body,
as RFC 9110 §13.1.5 and AWS S3 do. The local store is ours and must; moto and SeaweedFS
ignore If-Range (measured; docs/deployment.md), so that part runs on the local store.
"""

import os

import pytest
import requests

pytestmark = pytest.mark.django_db
SIZE = 10_000


def _download_url(protocol, file_id) -> str:
    redirect = protocol.api.get(f"/api/v1/files/{file_id}/download/")
    assert redirect.status_code == 302
    return protocol.absolute(redirect["Location"])


@pytest.mark.parametrize("store_name", ["local"], indirect=True)
def test_resuming_with_the_old_etag_from_a_fresh_url_gets_the_whole_new_version(protocol):
    v1, v2 = os.urandom(SIZE), os.urandom(SIZE)
    file_id = protocol.upload("film.bin", v1).json()["id"]
    first = requests.get(_download_url(protocol, file_id), headers={"Range": "bytes=0-4999"}, timeout=30)
    assert (first.status_code, first.content) == (206, v1[:5000])
    protocol.upload("film.bin", v2)

    rest = requests.get(
        _download_url(protocol, file_id),
        headers={"Range": "bytes=5000-", "If-Range": first.headers["ETag"]},
        timeout=30,
    )

    assert rest.status_code == 200
    assert rest.content == v2
    assert rest.headers["ETag"] != first.headers["ETag"]


def test_resuming_from_the_url_the_download_started_with_gets_the_rest_of_the_same_version(protocol):
    v1, v2 = os.urandom(SIZE), os.urandom(SIZE)
    file_id = protocol.upload("film.bin", v1).json()["id"]
    url = _download_url(protocol, file_id)
    first = requests.get(url, headers={"Range": "bytes=0-4999"}, timeout=30)
    protocol.upload("film.bin", v2)

    rest = requests.get(url, headers={"Range": "bytes=5000-", "If-Range": first.headers["ETag"]}, timeout=30)

    assert rest.status_code == 206
    assert first.content + rest.content == v1
