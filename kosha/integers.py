"""Integer input bounded to what its column holds, the same on every database.

PostgreSQL refuses an integer past its column type with an error (a 500 if nothing checks
first); SQLite stores anything up to 64 bits, so the same request would succeed there and
fail after a move to PostgreSQL. Django's own model-field validators follow the database
in use; these bounds are PostgreSQL's column ranges (Django's base `integer_field_ranges`)
on every database, so an input is good or bad regardless of where it is stored.

The JSON body guard (kosha/json_body.py) already refuses any integer past 64 bits; a
service cleaning an integer for a narrower column calls `int_clean` with `column_range`.
An output serializer shows an integer column through `column_integer_field`, so the API
schema's bounds are the same whatever database generates it
(kosha/tests/test_schema_integers.py).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from rest_framework import serializers

from kosha.errors import InvalidInput

SMALLINT_MAX = 2**15 - 1
INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


def column_range(model: type[models.Model], field_name: str) -> tuple[int, int]:
    """(lowest, highest) value the integer column of model.field_name holds on PostgreSQL."""
    field = model._meta.get_field(field_name)
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]


def column_validators(internal_type: str) -> list:
    """Min/max validators of a column type, for model fields (so that admin forms refuse
    on SQLite what PostgreSQL would)."""
    lowest, highest = BaseDatabaseOperations.integer_field_ranges[internal_type]
    return [MinValueValidator(lowest), MaxValueValidator(highest)]


def column_integer_field(model: type[models.Model], field_name: str, **kwargs: Any) -> serializers.IntegerField:
    """A DRF IntegerField showing model.field_name's integer column, bounded by its
    PostgreSQL range (`column_range`), nullable and required as a ModelSerializer makes
    it. A ModelSerializer's own field takes its bounds from the live connection (64-bit
    on SQLite for every column type), so the schema would depend on the database
    generating it."""
    lowest, highest = column_range(model, field_name)
    column = model._meta.get_field(field_name)
    optional = column.has_default() or column.blank or column.null
    kwargs.setdefault("required", not optional)
    return serializers.IntegerField(min_value=lowest, max_value=highest, allow_null=column.null, **kwargs)


def int_clean(raw, *, field: str, minimum: int, maximum: int, what: str = "a whole number") -> int:
    """raw as an int within [minimum, maximum]. Refuses booleans, floats and strings.
    Raises InvalidInput (with field, minimum, maximum)."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not minimum <= raw <= maximum:
        raise InvalidInput(
            f"{field} must be {what} from {minimum} to {maximum}.", field=field, minimum=minimum, maximum=maximum
        )
    return raw


class JsonIntegerField(serializers.IntegerField):
    """A DRF integer field for JSON bodies: a JSON number that is whole, never a string of
    digits, a boolean or a float (DRF's own IntegerField takes "10", and 10.0). Bounds as
    IntegerField's min_value/max_value, which the schema shows."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)
