"""Model instances from full rows, for the hot paths that build many (a batch of uploads:
its sessions read, its files, versions and events written): what `Model.from_db` (or, for
an unsaved instance, `Model(*row)`) builds, without `Model.__init__`'s work per field.

`Model.__init__` with positional values sends pre_init, makes the instance's ModelState,
sets each field's attribute through `setattr` (a ForeignKey's id through its descriptor,
which also forgets a cached related object: there is none on a new instance) and sends
post_init. For a model whose fields' attributes are plain (no descriptor that does more
than store the value) and while no pre_init or post_init receiver is connected, the
instance is its `__dict__`: the ModelState, then each field's value, in field order.
That is about 45K instructions an instance under `__init__`, 4 per file of a batch
complete (BENCHMARKS.md, issue 12). Any other model, row or moment goes through Django's
own constructor. kosha/tests/test_row_instances.py compares the two, attribute for attribute.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)

# The class attributes of a field that only store the value (DeferredAttribute defines no
# __set__; ForeignKeyDeferredAttribute's also forgets a cached related object).
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


@functools.cache
def _plain_fields(model: type[Model]) -> tuple[str, ...] | None:
    """The attnames of model's concrete fields, in order, when every one is a plain
    attribute and the model keeps Django's constructor and from_db; else None."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined]
        return None
    attnames = []
    for field in model._meta.concrete_fields:
        attribute = model.__dict__.get(field.attname)
        if type(attribute) not in _PLAIN_ATTRIBUTES or field.generated:
            return None
        attnames.append(field.attname)
    return tuple(attnames)


def row_instance(model: type[M], row: Sequence[Any], *, db: str | None) -> M:
    """`model.from_db(db, <every concrete field's attname>, row)` for a row of every
    concrete field's value in field order (a read's row, or kosha.fixed_writes' row of a
    write); with db None, the unsaved `model(*row)`. No query."""
    attnames = _plain_fields(model)
    if attnames is None or len(row) != len(attnames) or pre_init.receivers or post_init.receivers:
        if db is None:
            return model(*row)
        return model.from_db(db, [field.attname for field in model._meta.concrete_fields], row)
    instance = model.__new__(model)
    state = ModelState()
    if db is not None:
        state.adding = False
        state.db = db
    values = instance.__dict__
    values["_state"] = state
    values.update(zip(attnames, row, strict=True))
    return instance
