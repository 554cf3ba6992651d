"""Ids in URLs and request bodies, and the time-ordered ids of blobs."""

import os
import time
import uuid

# RFC 9562, section 5.7: the version field (bits 48-51) of a UUIDv7.
UUID7_VERSION = 7
_MS_MASK = (1 << 48) - 1
_RAND_B_MASK = (1 << 62) - 1
_NS_PER_MS = 1_000_000


def parse_id(raw: object) -> uuid.UUID | None:
    """The UUID `raw` names (a UUID or its text), or None for anything malformed, so
    that a caller answers a bad id exactly as an unknown one (NotFound)."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        return None


def uuid7(*, now_ns: int | None = None) -> uuid.UUID:
    """A UUID version 7 (RFC 9562, section 5.7; Python 3.11's uuid module has none): the
    Unix time in milliseconds in the first 48 bits, then the version, then 12 bits of
    sub-millisecond time (section 6.2, method 3), the variant, and 62 random bits from
    os.urandom. Ids made later sort after ids made earlier, byte by byte and in their
    text form alike (lowercase hex at fixed places), to the 1/4096 ms, so the keys of
    blobs made together sit together in a store's listing. `now_ns`: the time in
    nanoseconds since the epoch (default: now; for tests)."""
    now = time.time_ns() if now_ns is None else now_ns
    milliseconds, rest_ns = divmod(now, _NS_PER_MS)
    fraction = rest_ns * 4096 // _NS_PER_MS
    random_bits = int.from_bytes(os.urandom(8), "big") & _RAND_B_MASK
    value = (milliseconds & _MS_MASK) << 80 | UUID7_VERSION << 76 | fraction << 64 | 0b10 << 62 | random_bits
    return uuid.UUID(int=value)


def uuid7_milliseconds(value: uuid.UUID) -> int | None:
    """The Unix time in milliseconds a UUIDv7 carries (RFC 9562, section 5.7), or None for
    a UUID of another version or variant (a blob id made before ids were time-ordered)."""
    if value.version != UUID7_VERSION:
        return None
    return value.int >> 80
