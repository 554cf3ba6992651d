"""Blob ids are UUIDv7 (RFC 9562): time-ordered, so one batch's keys sit together."""

import uuid

from storage import keys
from storage.ids import uuid7, uuid7_milliseconds

# RFC 9562, appendix A.6: 2022-02-22 19:22:22 UTC is 0x017F22E279B0 milliseconds.
RFC_EXAMPLE_MS = 0x017F22E279B0


def test_a_uuid7_carries_its_milliseconds_version_and_variant_as_rfc_9562_lays_them_out():
    made = uuid7(now_ns=RFC_EXAMPLE_MS * 1_000_000 + 500_000)

    assert str(made).startswith("017f22e2-79b0-7")  # as the RFC's example 017F22E2-79B0-7CC3-...
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert (made.int >> 64) & 0xFFF == 2048  # half a millisecond, in 1/4096 ms (section 6.2, method 3)
    assert uuid7_milliseconds(made) == RFC_EXAMPLE_MS


def test_later_ids_sort_after_earlier_ones_as_text_and_differ_within_one_instant():
    times = [RFC_EXAMPLE_MS * 1_000_000 + step * 300_000 for step in range(20)]

    made = [uuid7(now_ns=now) for now in times]
    same_instant = {uuid7(now_ns=times[0]) for _ in range(100)}

    assert [str(one) for one in made] == sorted(str(one) for one in made)
    assert len(same_instant) == 100


def test_a_blob_key_keeps_its_form_and_tells_when_its_id_was_made():
    user = uuid.uuid4()

    key = keys.blob_key(user)
    old = keys.blob_key(user, uuid.uuid4())

    assert key.startswith(f"users/{user}/blobs/")
    assert uuid.UUID(key.rsplit("/", 1)[1]).version == 7
    assert keys.blob_made_ms(key) == uuid7_milliseconds(uuid.UUID(key.rsplit("/", 1)[1]))
    assert keys.blob_made_ms(old) is None
    assert keys.blob_made_ms(keys.archive_key(user, uuid7())) is None
    assert keys.blob_made_ms(f"users/{user}/blobs/{str(uuid7()).upper()}") is None


def test_a_uuid4_has_no_time():
    assert uuid7_milliseconds(uuid.uuid4()) is None
