"""The one guard every JSON request body passes: the API (through `GuardedJSONParser`, its
only parser) and the public link's drop uploads (through `json_body_read`).

A body is refused before any view sees it when it is:
- larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` (413 `too_large`; judged from Content-Length
  before anything is read, and again from what was read);
- not UTF-8, not JSON, or uses the non-standard NaN/Infinity (400 `invalid`,
  reason `malformed_json`);
- nested deeper than `MAX_DEPTH` arrays and objects (400 `invalid`, reason
  `json_too_deep`): counted on the raw text in one linear pass before `json.loads`, so no
  body can make the decoder recurse into a RecursionError;
- holding a string (value or key) with a character no text may carry: NUL (PostgreSQL
  cannot store it), a lone surrogate (`"\\ud800"`: no UTF-8 encoding exists, so it breaks
  every later encode), or a Unicode non-character (U+FFFE, U+FDD0, ...) (400 `invalid`,
  reason `invalid_character`, naming the character);
- holding a number no column can hold: an integer outside 64 bits, or a float that
  overflows to infinity (400 `invalid`, reason `number_out_of_range`).
- naming one key twice in an object (400 `invalid`, reason `malformed_json`): RFC 8259
  section 4 leaves which value a parser keeps open, so the client's meaning is unknown.

RFC 8259 sections 2, 6, 7 and 8 (JSON text, numbers, strings, UTF-8); Unicode 15, section
23.7 (non-characters).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework import renderers
from rest_framework.parsers import BaseParser

from kosha.errors import BodyTooLarge, InvalidCharacter, InvalidInput, JsonTooDeep, MalformedJson, NumberOutOfRange
from kosha.sizes import size_text

MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# One token at a time, left to right: a string (its closing quote optional, so an
# unterminated one ends the scan instead of being retried from every later quote) or a
# bracket. Linear in the body's length whatever it holds.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
# NUL, the surrogate block, and the 66 non-characters: U+FDD0..U+FDEF and the last two
# code points of each of the 17 planes.
_FORBIDDEN = re.compile(
    "[\x00\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)


def body_limit_bytes() -> int | None:
    """The largest body kept in memory (Django's DATA_UPLOAD_MAX_MEMORY_SIZE; None: no limit)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"The request body can be at most {size_text(limit)}.", limit_bytes=limit)


def _malformed(message: str) -> MalformedJson:
    return MalformedJson(message)


def _check_depth(text: str) -> None:
    # Cheap first: a body with few brackets cannot be deep.
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonTooDeep(f"The body nests arrays and objects more than {MAX_DEPTH} deep.", max_depth=MAX_DEPTH)
        elif bracket in ("]", "}"):
            depth -= 1


def _check_text(text: str) -> None:
    found = _FORBIDDEN.search(text)
    if found is not None:
        character = f"U+{ord(found.group()):04X}"
        raise InvalidCharacter(f"The body holds {character}, which no text here may contain.", character=character)


def _check_values(value: Any) -> None:
    """Every string and number of a decoded body (iteratively: the depth is bounded, but
    a wide body should not cost a Python frame per value)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                pending.append(child)
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise NumberOutOfRange("The body holds an integer beyond 64 bits.")
        elif isinstance(item, float) and not math.isfinite(item):
            raise NumberOutOfRange("The body holds a number too large to represent.")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the object names {json.dumps(key)} twice")
            seen.add(key)
    return value


def json_body_loads(raw: bytes) -> Any:
    """The decoded value of a JSON body, after every check in the module docstring.
    Raises BodyTooLarge (413), MalformedJson, JsonTooDeep, InvalidCharacter,
    NumberOutOfRange (400 `invalid`, each with its `reason`). Pure: no I/O."""
    limit = body_limit_bytes()
    if limit is not None and len(raw) > limit:
        raise _too_large(limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("The body must be JSON encoded as UTF-8.") from None
    _check_depth(text)
    # Numbers beyond what _check_values allows, noted as the decoder meets them (the
    # decoder's own int() and float(), so its errors are the same).
    beyond: list[str] = []

    def parse_int(digits: str) -> int:
        number = int(digits)
        if not INT64_MIN <= number <= INT64_MAX:
            beyond.append(digits)
        return number

    def parse_float(digits: str) -> float:
        number = float(digits)
        if not math.isfinite(number):
            beyond.append(digits)
        return number

    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object_without_repeats,
            parse_int=parse_int,
            parse_float=parse_float,
        )
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, a 4,300-digit integer, a repeated key
        raise _malformed(f"The body is not valid JSON: {exc}") from None
    if beyond or not _strings_plain(text):
        _check_values(value)  # finds what is wrong, and refuses it as it always did
    return value


def _strings_plain(text: str) -> bool:
    """Whether no string (value or key) decoded from the JSON `text` can hold a forbidden
    character: the text holds none, and no \\u escape, the only escape that can make one
    (the others make quotes, slashes and whitespace). Then _check_values, a Python step per
    value and key (0.07M instructions a file of a 100-file batch start's 1.09M, BENCHMARKS.md,
    issue 12), would find no string to refuse; one pass of C code here."""
    if "\\u" in text:
        return False
    if text.isascii():
        return "\x00" not in text
    return _FORBIDDEN.search(text) is None


def _declared_length(meta) -> int:
    try:
        return max(int(meta.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def json_body_read(request: HttpRequest, *, stream=None) -> Any:
    """Read and decode the JSON body of a request (from `stream` when given, else the
    request itself), never reading more than the limit plus one byte. An empty body is
    None. Raises what json_body_loads raises."""
    limit = body_limit_bytes()
    if limit is not None and _declared_length(request.META) > limit:
        raise _too_large(limit)  # refused before a byte is read
    source = request if stream is None else stream
    raw = source.read() if limit is None else source.read(limit + 1)
    if not raw.strip():
        return None
    return json_body_loads(raw)


def json_object_read(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON body as an object, read through json_body_read's guard: {} for an
    empty body. Raises what json_body_read raises, and InvalidInput for another JSON value."""
    body = json_body_read(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    return body


class GuardedJSONParser(BaseParser):
    """DRF's JSON parser with the guard of this module. A BaseParser rather than a
    JSONParser subclass on purpose: DRF reads `request.body` whole before calling a
    JSONParser (raising Django's RequestDataTooBig, an HTML 400), while any other parser
    gets the stream, so the limit is checked here before anything is read."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {})["request"]
        value = json_body_read(request._request, stream=stream)
        return {} if value is None else value
