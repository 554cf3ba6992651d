"""The API schema is the same whatever database generates it: an integer's bounds come
from kosha/integers.py (PostgreSQL's column ranges), never from the live connection's,
which are 64-bit on SQLite whatever the column type."""

import functools
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.sqlite3.base import DatabaseWrapper as SqliteDatabase
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

VENDOR_RANGES = {
    "postgresql": BaseDatabaseOperations.integer_field_range,
    "sqlite": SqliteDatabase.ops_class.integer_field_range,
}


def _forget_integer_bounds() -> None:
    """Model fields cache their validators (bounds from the connection included), and a
    serializer instance its fields (those made once in a view's `extend_schema` too)."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            vars(field).pop("validators", None)
    for held in gc.get_objects():
        if issubclass(type(held), serializers.BaseSerializer):  # type(): never a proxy's target
            vars(held).pop("fields", None)


@contextmanager
def _integer_ranges_of(vendor: str) -> Iterator[None]:
    _forget_integer_bounds()
    try:
        with mock.patch.object(
            connection.ops, "integer_field_range", functools.partial(VENDOR_RANGES[vendor], connection.ops)
        ):
            yield
    finally:
        _forget_integer_bounds()


def _schema_with_ranges_of(vendor: str) -> dict:
    with _integer_ranges_of(vendor):
        return SchemaGenerator().get_schema(request=None, public=True)


def _integer_bounds(schema: dict) -> dict[str, tuple]:
    """Every integer property of every component: name -> (minimum, maximum)."""
    bounds = {}
    for name, component in schema["components"]["schemas"].items():
        for prop, spec in component.get("properties", {}).items():
            if spec.get("type") == "integer":
                bounds[f"{name}.{prop}"] = (spec.get("minimum"), spec.get("maximum"))
    return bounds


@pytest.mark.django_db
def test_the_schema_is_the_same_on_postgresql_and_on_sqlite():
    on_postgresql = _schema_with_ranges_of("postgresql")

    on_sqlite = _schema_with_ranges_of("sqlite")

    assert _integer_bounds(on_sqlite) == _integer_bounds(on_postgresql)
    assert json.dumps(on_sqlite, sort_keys=True) == json.dumps(on_postgresql, sort_keys=True)


@pytest.mark.django_db
def test_output_counters_show_their_columns_postgresql_range():
    bounds = _integer_bounds(_schema_with_ranges_of("sqlite"))

    assert bounds["VersionOutput.number"] == (0, 2**31 - 1)
    assert bounds["ShareLinkOutput.download_count"] == (0, 2**31 - 1)
    assert bounds["NotificationOutput.count"] == (0, 2**31 - 1)
