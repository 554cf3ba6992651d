"""Request bodies in the schema exactly as the API parses them.

drf-spectacular maps each field's type and bounds. What it cannot see, this adds:
- a body is an object with only the keys it declares (`additionalProperties: false`;
  kosha.json_fields.JsonInput refuses any other key with a 400);
- no text in a body may hold a character the JSON guard refuses (kosha/json_body.py):
  every free-text string gets `TEXT_PATTERN` (no NUL, no non-character of the BMP; a
  lone surrogate and the other planes' non-characters, also refused, are not in it);
- a field's own rule as a pattern, where it has one (`schema_pattern` on the field: a
  name, a MIME type, a checksum);
- rules across fields ("exactly one of file or folder"), declared next to the input as
  its `schema_rules` (JSON Schema keywords merged into its component).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance

from kosha.json_fields import JsonInput
from kosha.schema.errors import error_responses_add

# Written for every reader of a pattern: ECMA-262 (the schema's dialect), Python's `re` and
# the Rust engine of JSON Schema validators. So: no lone surrogate (no character in Rust),
# no `\U` escape (none in ECMA-262: characters beyond the BMP stand as themselves), no `\s`
# (ASCII-only in one reading, Unicode in another): whitespace is spelled out (whitespace()).
# The 32 non-characters beyond the BMP (U+1FFFE, ...) are refused too but left out here:
# the fuzzer's pattern reader cannot take them (kosha/tests/test_schema_fuzz.py).
NOT_TEXT = r"\x00\ufdd0-\ufdef\ufffe\uffff"
TEXT_PATTERN = rf"^[^{NOT_TEXT}]*$"


def character_class(keep: Callable[[str], bool], *, below: int = sys.maxunicode + 1) -> str:
    """The characters for which `keep` is true, as the ranges of a regular-expression
    character class (`\\u00ad\\u0600-\\u0605...`), found by walking the code points below
    `below` once (about 0.4 s for all of Unicode; called at schema generation only)."""
    ranges: list[tuple[int, int]] = []
    for point in range(below):
        if keep(chr(point)):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1] = (ranges[-1][0], point)
            else:
                ranges.append((point, point))
    return "".join(_escaped(start) if start == end else f"{_escaped(start)}-{_escaped(end)}" for start, end in ranges)


def _escaped(point: int) -> str:
    # Beyond the BMP the character itself: `\U` is no escape of ECMA-262.
    return f"\\u{point:04x}" if point <= 0xFFFF else chr(point)


@functools.cache
def whitespace() -> str:
    """Python's whitespace (str.isspace, what str.strip() removes) as a character class."""
    return character_class(str.isspace, below=0x3001)


@functools.cache
def text_not_blank_pattern() -> str:
    """TEXT_PATTERN with at least one character that is not whitespace: a field DRF trims
    and refuses blank (" " is "" once trimmed, a 400)."""
    return rf"^[^{NOT_TEXT}]*[^{NOT_TEXT}{whitespace()}][^{NOT_TEXT}]*$"


def _may_be_blank(field) -> bool:
    # DRF's CharField trims by default and refuses the empty string unless allow_blank.
    return getattr(field, "allow_blank", True) or not getattr(field, "trim_whitespace", False)


def one_of_present(*names: str) -> dict:
    """`schema_rules` for "exactly one of these fields, not null"."""
    return {"oneOf": [{"required": [name], "properties": {name: {"type": "string"}}} for name in names]}


class InputAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with request bodies as exact as the parsing."""

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        instance = force_instance(serializer)
        if direction == "request" and isinstance(instance, JsonInput):
            schema["additionalProperties"] = False
            schema.update(getattr(instance, "schema_rules", {}))
            if type(instance).__doc__ is None:  # not JsonInput's own docstring, inherited
                schema.pop("description", None)
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and hasattr(field, "schema_pattern"):
            schema["pattern"] = field.schema_pattern()
        free_text = schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema)
        if direction == "request" and free_text:
            schema["pattern"] = TEXT_PATTERN if _may_be_blank(field) else text_not_blank_pattern()
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        # A body whose rules ask for something (at least one of two lists) cannot be left out.
        rules = getattr(force_instance(serializer), "schema_rules", {})
        return schema, required or bool({"required", "anyOf", "oneOf"} & set(rules))

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            error_responses_add(view=self.view, method=method, path=path, operation=operation)
        return operation


_BLANK = {"type": "string", "maxLength": 0}


def _blank_alternatives(node: Any) -> None:
    if isinstance(node, dict):
        one_of = node.get("oneOf")
        if isinstance(one_of, list) and len(one_of) == 2 and one_of[1] == _BLANK:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _blank_alternatives(value)
    elif isinstance(node, list):
        for value in node:
            _blank_alternatives(value)


def blank_alternatives_hook(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: a text field that may be blank is `anyOf`
    its rule or "" (drf-spectacular writes `oneOf`), because its rule may allow "" too (a
    pattern such as `^[^\\x00]*$`, or sha256's `^(?:[0-9a-f]{64})?$`): under `oneOf` an empty
    value then matched both and was schema-invalid, though the API takes it (JSON Schema
    2020-12 §10.2.1.3: oneOf is valid when exactly one subschema is)."""
    _blank_alternatives(result.get("components", {}).get("schemas", {}))
    return result
