"""DRF fields that take JSON's own types only. DRF's CharField turns 1234 into "1234" and
its BooleanField takes "yes", 1 and "on": an API whose schema says string or boolean
refuses anything else with a 400 (the integer kin is kosha.integers.JsonIntegerField)."""

import re
from collections.abc import Callable
from typing import Any

from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

# The fields of each input class, bound once (JsonInput.fields).
_BOUND_FIELDS: dict[type, BindingDict] = {}
_drf_fields = serializers.Serializer.__dict__["fields"].func


class JsonTextField(serializers.CharField):
    """A JSON string, never a number or a boolean made into text. `max_length` bounds the
    text as sent, as the schema's maxLength says: DRF measures it after trimming, so a
    name padded past the limit with spaces was taken though the schema refused it."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


# What DRF's CharField validators refuse in a text (ProhibitNullCharactersValidator,
# ProhibitSurrogateCharactersValidator), for text_plain's one pass in C.
_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")


def text_plain(text: str) -> bool:
    """Whether DRF's CharField validators take `text` as it is: no NUL, no surrogate (an
    ASCII text is told by its NUL alone). One pass of C code, where DRF's surrogate
    validator calls ord() on each character in Python. No I/O."""
    if text.isascii():
        return "\x00" not in text
    return _NUL_OR_SURROGATE.search(text) is None


class JsonBooleanField(serializers.BooleanField):
    """true or false, never "yes", 1 or "on"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class JsonChoiceField(serializers.ChoiceField):
    """One of the choices, as a JSON string (DRF's ChoiceField also takes 1 for "1")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class JsonUuidField(serializers.UUIDField):
    """A UUID as a JSON string, returned as its canonical text (an id to look up)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return str(super().to_internal_value(data))


class JsonEmailField(serializers.EmailField):
    """An e-mail address as a JSON string, trimmed, at most 254 characters (RFC 5321's
    path limit, Django's own EmailField length)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonInput(serializers.Serializer):
    """A request body: a JSON object holding only the keys it declares. A key it does not
    declare is a 400 naming it (`field`), never silently ignored, so a typo (`parnet`) is
    told, not lost; the schema says the same with `additionalProperties: false`
    (kosha/schema/bodies.py).

    Its fields are bound once per class and shared by every instance: DRF deep-copies
    and binds the declared fields for each serializer instance, which cost more than
    validating the body (an upload start's body 1.1M instructions, 0.32M with the fields
    bound once; a complete's 0.58M, 0.13M: BENCHMARKS.md, issue 12). Sharing is safe because an input's fields are its class's declared ones
    (no get_fields override, no field changed in __init__), and DRF's fields keep no state
    while they validate. Only an instance whose root (itself, or for a nested input the
    instance validating) has a context or `partial` (which a field reads through its
    root) binds its own, as in DRF."""

    @property
    def fields(self) -> BindingDict:  # type: ignore[override]
        root = self.root
        if getattr(root, "_context", None) or getattr(root, "partial", False):
            return self._own_fields
        cls = type(self)
        bound = _BOUND_FIELDS.get(cls)
        if bound is None:
            # Bound to an instance of their own (no context, not partial); two threads
            # racing here bind equal fields and keep one.
            bound = _BOUND_FIELDS.setdefault(cls, _drf_fields(cls()))
        return bound

    @cached_property
    def _own_fields(self) -> BindingDict:
        return _drf_fields(self)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            _refuse_unknown(key for key in data if key not in self.fields)
        return super().to_internal_value(data)


class JsonList(serializers.ListField):
    """A ListField whose items are first given to `plain`: a function that returns the
    value the child's validation would return for an item it can vouch for (valid, and
    in the common shape), or None for any other item. When it vouches for every item, the
    list is that; otherwise every item is validated by the child, as DRF does, so each
    error (and which items have one) is the child's own. The same field to the schema
    (a ListField of its child). For a list of many items: DRF's per-item validation of a
    JsonInput child (field lookups, get_value, run_validation and validators for each
    field of each item) cost a 100-file batch start about a third of its instructions
    (BENCHMARKS.md, issue 12). The plain function's answers must equal the child's, item
    for item (a test per use compares them over a corpus of items)."""

    def __init__(self, *, plain: Callable[[Any], Any | None], **kwargs):
        self.plain = plain
        super().__init__(**kwargs)

    def run_child_validation(self, data):
        plain = self.plain
        values = []
        for item in data:
            value = plain(item)
            if value is None:
                return super().run_child_validation(data)
            values.append(value)
        return values


def _refuse_unknown(keys) -> None:
    unknown = sorted(keys)
    if unknown:
        raise serializers.ValidationError({key: ["This request has no such field."] for key in unknown})


def body_refuse_any(request) -> None:
    """For an operation whose schema declares no request body (`request=None`): a body
    naming any key is refused as an input refuses an unknown field, so a client that
    believes it sent something never has it silently ignored. No body, `{}` and `null`
    pass. Raises ValidationError (400 `invalid`, naming the first key in `field`), or for
    a body that is not an object (a list, a string, a number) 400 `invalid` too. Reads the
    body through the API's guarded parser; no lock."""
    data = request.data
    if isinstance(data, dict):
        _refuse_unknown(data)
    elif data is not None:
        raise serializers.ValidationError("This request takes no body.")
