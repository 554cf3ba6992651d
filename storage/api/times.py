"""Times in API answers built from plain values (not through a DRF serializer), written
exactly as DRF's DateTimeField writes them."""

import datetime
from collections.abc import Callable

from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

_DATETIME = serializers.DateTimeField()  # DRF's representation of a time, as the serializers give it


def times_json() -> Callable[[object], object]:
    """_DATETIME.to_representation for the times of one answer, with its settings read
    once instead of per value: an aware time in ISO 8601 in the current time zone (DRF's
    default format; "Z" for UTC), as DRF writes it. Anything else (another format, no
    time zones, a naive time) goes through DRF's field."""
    field_timezone = _DATETIME.default_timezone()
    if field_timezone is None or str(api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return _DATETIME.to_representation

    def time_json(value: object) -> object:
        if not isinstance(value, datetime.datetime) or value.tzinfo is None or value.utcoffset() is None:
            return _DATETIME.to_representation(value)
        try:
            text = value.astimezone(field_timezone).isoformat()
        except OverflowError:
            return _DATETIME.to_representation(value)  # DRF's own refusal
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return time_json
