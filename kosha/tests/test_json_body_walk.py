"""kosha.json_body.json_body_loads walks the decoded values only when the text could hold
something to refuse (kosha.json_body._strings_plain, and the numbers noted as decoded):
its answer, value or error (class, message and fields), is the one of walking every
body, for any body. No database."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kosha import json_body
from kosha.errors import DomainError


def _walked(raw: bytes):
    """json_body_loads as it was: every decoded body walked by _check_values."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise json_body._malformed("The body must be JSON encoded as UTF-8.") from None
    json_body._check_depth(text)
    try:
        value = json.loads(
            text, parse_constant=json_body._refuse_constant, object_pairs_hook=json_body._object_without_repeats
        )
    except ValueError as exc:
        raise json_body._malformed(f"The body is not valid JSON: {exc}") from None
    json_body._check_values(value)
    return value


def _answer(loads, raw: bytes):
    try:
        return "value", loads(raw)
    except DomainError as exc:
        return "error", type(exc), str(exc), exc.as_dict()


BODIES = [
    '{"name": "a.txt", "size": 1}',
    '{"name": "é ü 漢字 😀", "size": 1}',
    '{"name": "\\u00e9", "size": 1}',  # an escape that makes a plain character
    '{"name": "a\\\\u0000"}',  # an escaped backslash, then text
    '{"name": "\\u0000"}',
    '{"name": "\\ud800"}',
    '{"\\ud800": 1}',
    '{"name": "\\udbff\\udfff"}',
    '{"name": "\ufdd0"}',  # the non-character itself, unescaped
    '{"name": "\U0010ffff"}',
    '{"name": "\uffff"}',
    '{"size": 9223372036854775807}',
    '{"size": 9223372036854775808}',
    '{"size": -9223372036854775808}',
    '{"size": -9223372036854775809}',
    '{"size": 1e400}',
    '{"size": -1e400}',
    '{"size": 1.5e300}',
    '{"size": 1.0}',
    '{"size": -0}',
    '{"size": ' + "1" * 4301 + "}",
    '{"size": 9223372036854775808, "name": "\\ud800"}',  # two faults: the walk's order decides
    '{"name": "\\ud800", "size": 9223372036854775808}',
    '[1e400, "\\u0000", 99999999999999999999]',
    '{"size": NaN}',
    '{"a": 1, "a": 2}',
    '{"a": "\x00"}',  # a raw control character: not JSON
    "[" * 65 + "]" * 65,
    "null",
    '"\\ud800"',
    "12345678901234567890",
]


@pytest.mark.parametrize("body", BODIES)
def test_each_body_answers_as_the_walk_of_every_body_answers(body):
    raw = body.encode("utf-8", "surrogatepass")
    assert _answer(json_body.json_body_loads, raw) == _answer(_walked, raw)


_strings = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["\x00", "\ud800", "\udfff", "\ufffe", "\ufdd0", "\U0010ffff", "é", "a\\u0000"]),
)
_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        _strings,
    ),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(_strings, children, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(value=_json, ascii_only=st.booleans())
def test_any_body_answers_as_the_walk_of_every_body_answers(value, ascii_only):
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert _answer(json_body.json_body_loads, raw) == _answer(_walked, raw)
