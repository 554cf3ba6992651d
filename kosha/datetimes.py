"""Date-time input read strictly: RFC 3339 (an ISO 8601 profile) with a time zone, or a 400.

DRF's own DateTimeField reads "2026-12-01" as midnight and a zone-less "2026-12-01T10:00"
in the server's zone, so a link set to expire "on the 1st" died at its start, and the
service's "needs a zone" check could never fire (issue 10, fault 11). A client that means
the end of a day says so with a time and its own offset; nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from rest_framework import serializers

# RFC 3339 §5.6 date-time: full date, "T", time with seconds optional, fraction optional,
# then "Z" or a numeric offset. Only ASCII digits.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
EXAMPLE = "2026-12-01T23:59:59+01:00"


def datetime_clean(raw: object) -> datetime:
    """raw (a str) as an aware datetime in UTC, or ValueError naming what is wrong: not text, a date
    alone, no time zone, or an impossible date or time. No I/O."""
    if not isinstance(raw, str):
        raise ValueError(f"Give a date and time with a time zone as text, e.g. {EXAMPLE}.")
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise ValueError(f"A date alone is not an instant: give a time and a time zone too, e.g. {EXAMPLE}.")
    if not _RFC3339.fullmatch(raw):
        raise ValueError(f"Give a date and time with a time zone (RFC 3339), e.g. {EXAMPLE}.")
    try:
        parsed = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{raw} is not a real date and time.") from None
    return utc_instant(parsed, raw=raw)


def utc_instant(value: datetime, *, raw: object) -> datetime:
    """An aware datetime as the same instant in UTC. RFC 3339 allows offsets up to ±23:59,
    PostgreSQL's timestamptz only up to ±15:59 (a larger one was a DataError, a 500), and
    an instant's own offset means nothing once stored. Raises ValueError (naming `raw`) for
    an instant that has no UTC date Python can hold (0001-01-01T00:00+01:00). No I/O."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{raw} is out of the range of dates this server can store.") from None


class AwareDateTimeField(serializers.DateTimeField):
    """A DRF field for an instant: RFC 3339 with "Z" or an offset, nothing else (no date
    alone, no zone-less time, no number). The value is an aware datetime in UTC."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", f"RFC 3339 date-time with a time zone, e.g. {EXAMPLE}; a date alone or no zone is a 400."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        try:
            return datetime_clean(value)
        except ValueError as refused:
            raise serializers.ValidationError(str(refused), code="invalid") from None
