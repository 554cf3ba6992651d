"""Server-side object operations: put, open, copy, delete, listing by prefix."""

import io
import uuid

from storage.backends.local import LocalBackend
from storage.tests.contract.kit import new_key

# --- server-side object operations -------------------------------------------------------


def test_put_bytes_and_open_round_trip_bytes_and_streams(store):
    first, second = new_key(), new_key()

    store.put_bytes(key=first, data=b"thumbnail", content_type="image/webp")
    store.put_bytes(key=second, data=io.BytesIO(b"zip stream" * 1000), content_type="application/zip")

    with store.open(key=first) as stream:
        assert stream.read() == b"thumbnail"
    with store.open(key=second) as stream:
        assert stream.read() == b"zip stream" * 1000
    assert store.head(key=first).content_type == "image/webp"
    assert store.head(key=second).size_bytes == 10000


def test_fetch_answers_the_head_and_the_unvouched_bytes_up_to_a_size_and_only_the_head_beyond(store):
    small, large = new_key(), new_key()
    store.put_bytes(key=small, data=b"thumbnail", content_type="image/webp")
    store.put_bytes(key=large, data=b"x" * 2000, content_type="text/plain")

    small_info, small_data = store.fetch(key=small, max_bytes=1000)
    large_info, large_data = store.fetch(key=large, max_bytes=1000)

    assert small_info == store.head(key=small)
    # The bytes only where the store reports no checksum of them (moto); else the HEAD is enough.
    assert small_data == (None if small_info.sha256_b64 else b"thumbnail")
    assert (large_info.size_bytes, large_info.etag, large_data) == (2000, store.head(key=large).etag, None)
    assert store.fetch(key=new_key(), max_bytes=1000) is None


def test_copy_duplicates_bytes_and_type(store):
    source, dest = new_key(), new_key()
    store.put_bytes(key=source, data=b"original", content_type="text/markdown")

    store.copy(source_key=source, dest_key=dest)

    copied = store.head(key=dest)
    assert copied.size_bytes == 8
    assert copied.content_type == "text/markdown"
    assert copied.etag == store.head(key=source).etag
    with store.open(key=dest) as stream:
        assert stream.read() == b"original"


def test_delete_removes_objects_and_ignores_missing_keys(store):
    kept, gone = new_key(), new_key()
    store.put_bytes(key=kept, data=b"kept", content_type="text/plain")
    store.put_bytes(key=gone, data=b"gone", content_type="text/plain")

    store.delete(keys=[gone, new_key()])

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
    assert store.head(key=new_key()) is None


def test_local_listing_skips_multipart_and_metadata(local_store, local_absolute):
    key = new_key()
    local_store.put_bytes(key=key, data=b"x", content_type="text/plain")
    local_store.multipart_start(key=new_key(), content_type="text/plain")

    assert [item.key for item in local_store.list_prefix(prefix="")] == [key]
    assert isinstance(local_store, LocalBackend)
