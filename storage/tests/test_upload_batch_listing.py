"""A batch complete verifies by one listing what a listing can vouch for, and records
exactly what HEADs would: on the local store, moto and SeaweedFS, bytes sent by plain
HTTP as a browser sends them."""

import hashlib
import os

import pytest

from storage.backends import get_backend
from storage.models import File, FileVersion, UploadSession
from storage.services.uploads import batch
from storage.services.uploads.complete import stored_object_check
from storage.tests.protocol import ProtocolClient, assert_usage_consistent

pytestmark = pytest.mark.django_db


def _described(contents: dict[str, bytes], *, sha256: bool) -> list[dict]:
    return [
        {
            "name": name,
            "size": len(data),
            "content_type": "application/octet-stream",
            **({"sha256": hashlib.sha256(data).hexdigest()} if sha256 else {}),
        }
        for name, data in contents.items()
    ]


def _started(protocol: ProtocolClient, count: int, *, sha256: bool = True) -> tuple[dict[str, bytes], list[dict]]:
    contents = {f"file {number:03d}.bin": os.urandom(1000 + number) for number in range(count)}
    answer = protocol.batch_start(_described(contents, sha256=sha256))
    assert answer.status_code == 200, answer.json()
    return contents, answer.json()["files"]


@pytest.fixture
def one_by_one(monkeypatch):
    """The uploads a batch complete verified one by one (stored_object_check: a HEAD or
    a GET each), by session id; the rest were vouched for by the listing."""
    checked = []

    def counted(upload):
        checked.append(str(upload.pk))
        return stored_object_check(upload)

    monkeypatch.setattr(batch, "stored_object_check", counted)
    return checked


@pytest.mark.parametrize("sha256", [True, False], ids=["sha256", "no-sha256"])
def test_a_listed_batch_records_exactly_what_heads_record(protocol, store_name, owner, one_by_one, sha256):
    contents, started = _started(protocol, 12, sha256=sha256)
    ids = protocol.batch_put(started, contents)
    sessions = list(UploadSession.objects.filter(pk__in=ids).order_by("key"))
    by_head = [stored_object_check(upload) for upload in sessions]

    checked = batch._store_checks(sessions)
    one_by_one.clear()
    answers = protocol.batch_complete(ids).json()["uploads"]

    described = [(info.size_bytes, info.etag, sha) for info, sha in checked]
    assert described == [(info.size_bytes, info.etag, sha) for info, sha in by_head]
    # Only a store that keeps the header without checking the body (moto) leaves
    # checksummed files to a request each; a file without a checksum is listed anywhere.
    assert len(one_by_one) == (12 if sha256 and store_name == "moto" else 0)
    assert [answer["status"] for answer in answers] == [200] * 12
    recorded = {v.key: (v.size_bytes, v.etag, v.sha256) for v in FileVersion.objects.filter(file__owner=owner)}
    assert recorded == {s.key: (i.size_bytes, i.etag, sha) for s, (i, sha) in zip(sessions, by_head, strict=True)}
    if sha256:
        assert {v.sha256 for v in FileVersion.objects.filter(file__owner=owner)} == {
            hashlib.sha256(data).hexdigest() for data in contents.values()
        }
    assert_usage_consistent(owner)


def test_a_missing_object_and_a_wrong_size_get_the_errors_a_head_gives(protocol, owner, one_by_one):
    contents, started = _started(protocol, 4)
    protocol.batch_put(started[:2], contents)
    # The fourth key holds bytes of another size (as a store without a signed length
    # could hold them); the third holds nothing yet.
    get_backend().put_bytes(
        key=UploadSession.objects.get(pk=started[3]["upload"]["id"]).key,
        data=b"short",
        content_type="application/octet-stream",
    )

    answers = protocol.batch_complete([entry["upload"]["id"] for entry in started]).json()["uploads"]

    assert [answer["status"] for answer in answers] == [200, 200, 409, 422]
    assert answers[2]["error"]["reason"] == "upload_incomplete"
    assert answers[3]["error"]["reason"] == "size_mismatch"
    assert set(one_by_one) >= {started[2]["upload"]["id"], started[3]["upload"]["id"]}
    assert UploadSession.objects.get(pk=started[2]["upload"]["id"]).status == UploadSession.Status.PENDING
    assert UploadSession.objects.get(pk=started[3]["upload"]["id"]).status == UploadSession.Status.FAILED
    assert File.objects.filter(owner=owner).count() == 2
    assert_usage_consistent(owner)


def test_a_body_put_without_its_signed_checksum_is_never_recorded(protocol, store_name, owner):
    contents, started = _started(protocol, 3)
    protocol.batch_put(started[:2], contents)
    other = started[2]["upload"]
    headers = {name: value for name, value in other["headers"].items() if name.lower() != "x-amz-checksum-sha256"}
    sent = protocol.put(other["url"], os.urandom(len(contents[started[2]["name"]])), headers)

    answers = protocol.batch_complete([entry["upload"]["id"] for entry in started]).json()["uploads"]

    # The enforcing stores refuse a PUT without a signed header: nothing arrives (409).
    # moto takes it, and keeps no checksum: the GET of its bytes finds the mismatch (422).
    assert sent.status_code == (200 if store_name == "moto" else 403)
    assert [answer["status"] for answer in answers] == [200, 200, 422 if store_name == "moto" else 409]
    assert File.objects.filter(owner=owner).count() == 2
    assert_usage_consistent(owner)


@pytest.mark.parametrize("store_name", ["seaweedfs"])
def test_a_store_said_not_to_verify_checks_each_checksummed_file(protocol, settings, one_by_one):
    settings.KOSHA_S3_VERIFIES_CHECKSUMS = "false"
    get_backend.cache_clear()
    contents, started = _started(protocol, 5)
    ids = protocol.batch_put(started, contents)

    answers = protocol.batch_complete(ids).json()["uploads"]

    assert [answer["status"] for answer in answers] == [200] * 5
    assert sorted(one_by_one) == sorted(ids)


@pytest.mark.django_db(transaction=True)
def test_a_listing_that_fails_leaves_every_file_to_its_head(faulty_store, owner_client, live_server, one_by_one):
    protocol = ProtocolClient(api=owner_client, base_url=live_server.url)
    contents, started = _started(protocol, 3)
    ids = protocol.batch_put(started, contents)
    faulty_store.fail("list_keys")

    answers = protocol.batch_complete(ids).json()["uploads"]

    assert [answer["status"] for answer in answers] == [200] * 3
    assert faulty_store.calls["list_keys"] == 1
    assert sorted(one_by_one) == sorted(ids)
