"""kosha.row_instances.row_instance builds what Model.from_db (and, unsaved, Model(*row))
builds, attribute for attribute, for the models the hot paths build from rows; and goes
through Django's constructor whenever a pre_init or post_init receiver is connected or the
row is not a full one. No database."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models.signals import post_init, pre_init

from accounts.models import User
from activity.models import ActivityEvent
from kosha.row_instances import _plain_fields, row_instance
from storage.models import File, FileVersion, Folder, UploadSession

NOW = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


def _row(model) -> list:
    """A full row of made-up values, one of each field's kind (no database)."""
    row = []
    for number, field in enumerate(model._meta.concrete_fields):
        kind = field.get_internal_type()
        if field.db_type(connection) == "uuid":
            row.append(uuid.uuid4())
        elif kind == "DateTimeField":
            row.append(NOW)
        elif kind in ("CharField", "TextField", "EmailField", "SlugField"):
            row.append(f"text {number}")
        elif kind == "BooleanField":
            row.append(number % 2 == 0)
        elif kind == "JSONField":
            row.append({"n": number})
        elif kind == "GenericIPAddressField":
            row.append("192.0.2.1")
        else:
            row.append(number)
    return row


def _state(instance) -> tuple:
    # fields_cache is made on first use (Django's __init__ uses it through a ForeignKey's
    # descriptor; here it is made when read): empty either way.
    state = instance._state
    return type(instance), state.adding, state.db, state.fields_cache, {**vars(state), "fields_cache": {}}


def _attributes(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


MODELS = [UploadSession, File, FileVersion, ActivityEvent, Folder, User]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_an_instance_is_what_from_db_and_the_constructor_build(model):
    row = _row(model)
    attnames = [field.attname for field in model._meta.concrete_fields]

    saved, by_django = row_instance(model, row, db="default"), model.from_db("default", attnames, row)
    unsaved, made = row_instance(model, row, db=None), model(*row)

    for ours, theirs in ((saved, by_django), (unsaved, made)):
        assert _state(ours) == _state(theirs)
        assert _attributes(ours) == _attributes(theirs)
        assert list(vars(ours)) == list(vars(theirs))  # the same attributes, in the same order
        assert ours.pk == theirs.pk


@pytest.mark.parametrize("model", [UploadSession, File, FileVersion, ActivityEvent], ids=lambda model: model.__name__)
def test_the_hot_paths_models_take_the_plain_path(model):
    assert _plain_fields(model) == tuple(field.attname for field in model._meta.concrete_fields)


@pytest.mark.parametrize("signal", [pre_init, post_init])
def test_a_connected_init_receiver_is_sent_as_django_sends_it(signal):
    seen = []

    def receiver(sender, **kwargs):
        seen.append(sender)

    signal.connect(receiver, sender=File, weak=False)
    try:
        instance = row_instance(File, _row(File), db="default")
    finally:
        signal.disconnect(receiver, sender=File)

    assert seen == [File]
    assert not instance._state.adding
