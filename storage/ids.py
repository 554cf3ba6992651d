"""Ids in URLs and request bodies."""

import uuid


def parse_id(raw: object) -> uuid.UUID | None:
    """The UUID `raw` names (a UUID or its text), or None for anything malformed, so
    that a caller answers a bad id exactly as an unknown one (NotFound)."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        return None
