"""Opaque keyset cursors for listings.

A cursor names where the previous page stopped: the listing it belongs to (folder and
sort), the phase (folders are listed before files) and the last row's key values. It is
signed with django.core.signing, so a client can neither forge a position nor reuse a
cursor with another folder or sort; anything tampered or malformed is InvalidInput on
the `cursor` field (400).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing

from kosha.errors import InvalidInput

_SALT = "kosha.storage.listing-cursor"
_VERSION = 1
PHASE_FOLDERS = "folders"
PHASE_FILES = "files"


@dataclass(frozen=True)
class Cursor:
    scope: str  # which listing: e.g. "<folder id>|<sort>"
    phase: str  # PHASE_FOLDERS or PHASE_FILES
    # The last row's key values in sort order (id last); None starts the phase afresh.
    values: tuple[Any, ...] | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    return str(value)  # UUIDs


def _decode_value(raw: Any) -> Any:
    if isinstance(raw, dict) and set(raw) == {"dt"} and isinstance(raw["dt"], str):
        return datetime.fromisoformat(raw["dt"])
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        return raw
    raise ValueError("unexpected cursor value")


def cursor_encode(cursor: Cursor) -> str:
    values = None if cursor.values is None else [_encode_value(value) for value in cursor.values]
    payload = {"v": _VERSION, "s": cursor.scope, "p": cursor.phase, "k": values}
    return signing.dumps(payload, salt=_SALT, compress=True)


def _invalid() -> InvalidInput:
    return InvalidInput("This cursor is not valid here; start again from the first page.", field="cursor")


def cursor_decode(raw, *, scope: str, key_count: dict[str, int]) -> Cursor:
    """The cursor for this listing, or InvalidInput. key_count maps each phase to how
    many key values its cursor must carry."""
    if not isinstance(raw, str) or not raw or len(raw) > 2000:
        raise _invalid()
    try:
        payload = signing.loads(raw, salt=_SALT)
    except signing.BadSignature:
        raise _invalid() from None
    try:
        if not isinstance(payload, dict) or payload.get("v") != _VERSION or payload.get("s") != scope:
            raise ValueError("other listing")
        phase = payload.get("p")
        if phase not in key_count:
            raise ValueError("unknown phase")
        raw_values = payload.get("k")
        if raw_values is None:
            return Cursor(scope=scope, phase=phase, values=None)
        if not isinstance(raw_values, list) or len(raw_values) != key_count[phase]:
            raise ValueError("wrong key length")
        values = tuple(_decode_value(value) for value in raw_values)
    except (TypeError, ValueError):
        raise _invalid() from None
    return Cursor(scope=scope, phase=phase, values=values)
