"""Finding fresh blobs by listing (list_keys), and whether a store verifies the checksum a
presigned PUT signs (verifies_signed_checksums), on every store."""

import os
import uuid

import pytest

from storage import keys
from storage.backends import s3_listing
from storage.backends.s3_probe import PROBE_PREFIX
from storage.ids import uuid7
from storage.tests.contract.kit import checksum_b64, put_to_url, upload


def _blob_keys(owner: uuid.UUID, count: int, *, at_ns: int | None = None) -> list[str]:
    """count new blob keys of owner's, in the order they sort (made a microsecond apart
    from at_ns on), or made now."""
    if at_ns is None:
        return [keys.blob_key(owner) for _ in range(count)]
    return [keys.blob_key(owner, uuid7(now_ns=at_ns + step * 1000)) for step in range(count)]


def _uploaded(store, absolute, open_upload, key_list: list[str]) -> dict[str, bytes]:
    bodies = {}
    for key in key_list:
        body = os.urandom(100 + len(bodies))
        open_upload(key)
        upload(store, absolute, key, body, content_type="application/octet-stream", sha256_b64=checksum_b64(body))
        bodies[key] = body
    return bodies


def test_list_keys_finds_what_head_finds_and_leaves_the_rest_undecided(upload_store):
    store, absolute, open_upload = upload_store
    owner = uuid.uuid4()
    batch = _blob_keys(owner, 12)
    # Another client of the same user starts blobs at the same moment, and an old blob
    # (an id of before time-ordered ids) belongs to the batch too.
    others = _blob_keys(owner, 3)
    old = keys.blob_key(owner, uuid.uuid4())
    bodies = _uploaded(store, absolute, open_upload, [*batch[:10], *others, old])

    listed = store.list_keys(keys=[*batch, old])

    if store.name == "local":
        assert set(listed) == {*batch[:10], old}  # a stat a key: any key, but only what is there
    else:
        assert set(listed) == set(batch[:10])  # the two not PUT, and the old key, are left to HEADs
    for key in batch[:10]:
        info = store.head(key=key)
        assert (
            (listed[key].size_bytes, listed[key].etag) == (info.size_bytes, info.etag) == (len(bodies[key]), info.etag)
        )


@pytest.mark.parametrize("store_name", ["moto", "seaweedfs"])
def test_a_walk_pages_past_foreign_keys_and_gives_up_on_a_crowded_range(store, monkeypatch):
    owner = uuid.uuid4()
    made = uuid7().int >> 80
    everything = _blob_keys(owner, 30, at_ns=made * 1_000_000)
    for key in everything:
        store.put_bytes(key=key, data=b"x" * 7, content_type="application/octet-stream")
    wanted = everything[::3]  # ten, with two foreign keys after each
    monkeypatch.setattr(s3_listing, "PAGE_SLACK", 1)

    found = store.list_keys(keys=wanted)
    monkeypatch.setattr(s3_listing, "WALK_SLACK", 4)
    cut_short = store.list_keys(keys=wanted)

    assert set(found) == set(wanted)
    assert all(listed.size_bytes == 7 for listed in found.values())
    # Cut short after a few foreign keys: what it found is right, the rest is undecided.
    assert set(cut_short) < set(wanted)
    assert set(cut_short) == set(wanted[: len(cut_short)])


@pytest.mark.parametrize("store_name", ["moto", "seaweedfs"])
def test_blobs_made_apart_are_walked_apart_and_a_lone_one_is_left_to_head(store):
    owner = uuid.uuid4()
    now = uuid7().int >> 80
    early = _blob_keys(owner, 3, at_ns=(now - 60_000) * 1_000_000)
    late = _blob_keys(owner, 3, at_ns=now * 1_000_000)
    lone = _blob_keys(owner, 1, at_ns=(now - 30_000) * 1_000_000)
    for key in [*early, *late, *lone]:
        store.put_bytes(key=key, data=b"blob", content_type="application/octet-stream")

    assert s3_listing.blob_runs([*late, *lone, *early]) == [early, late]
    assert set(store.list_keys(keys=[*early, *late, *lone])) == {*early, *late}


def test_the_probe_finds_which_stores_verify_a_signed_checksum_and_leaves_nothing(store, store_name):
    verifies = store.verifies_signed_checksums

    # moto keeps the header without checking the body against it (measured); SeaweedFS
    # refuses the body (BadDigest); the local store is ours and refuses it too.
    assert verifies is {"local": True, "moto": False, "seaweedfs": True}[store_name]
    assert list(store.list_prefix(prefix=PROBE_PREFIX)) == []


@pytest.mark.parametrize("store_name", ["moto"])
@pytest.mark.parametrize("setting", ["true", "false"])
def test_the_operators_word_replaces_the_probe(store, settings, setting):
    from storage.backends import get_backend

    settings.KOSHA_S3_VERIFIES_CHECKSUMS = setting
    get_backend.cache_clear()

    assert get_backend().verifies_signed_checksums is (setting == "true")


def test_a_store_that_verifies_refuses_a_body_that_does_not_match_its_signed_checksum(enforcing_store):
    store, absolute, open_upload = enforcing_store
    key, body = keys.blob_key(uuid.uuid4()), os.urandom(64)
    open_upload(key)
    presigned = store.presign_put(
        key=key,
        size_bytes=len(body),
        content_type="application/octet-stream",
        sha256_b64=checksum_b64(body[::-1]),
        expires_seconds=60,
    )

    response = put_to_url(absolute, presigned, body)

    assert store.verifies_signed_checksums
    assert response.status_code == 400
    assert store.head(key=key) is None


@pytest.mark.parametrize("store_name", ["seaweedfs"])
def test_a_reported_checksum_counts_only_from_a_store_that_verifies(store, settings, absolute):
    from storage.backends import get_backend

    key, body = keys.blob_key(uuid.uuid4()), os.urandom(64)
    upload(store, absolute, key, body, content_type="application/octet-stream", sha256_b64=checksum_b64(body))
    settings.KOSHA_S3_VERIFIES_CHECKSUMS = "false"
    get_backend.cache_clear()
    unvouched = get_backend()

    info, data = unvouched.fetch(key=key, max_bytes=1024)

    # SeaweedFS reports the SHA-256 it was sent; said not to verify, it is not believed,
    # and the bytes are read to be hashed.
    assert store.head(key=key).sha256_b64 == checksum_b64(body)
    assert unvouched.head(key=key).sha256_b64 is None
    assert (info.sha256_b64, data) == (None, body)
