"""The API schema's error answers: for each operation, the statuses it can answer.

Every error of the API has one shape, `{"error": {"code", "message", ...details}}`
(kosha/api.py). drf-spectacular documents only the success of each view; this adds, per
operation under /api/v1/, the error statuses that operation can answer and nothing more,
each with the error envelope narrowed to its codes (and the `reason` sub-codes of
kosha/errors). They come from two places, neither a hand-kept table:
- the shared layers, read from the operation itself: a JSON body (400 from the guard
  and the input serializer, 413 over the body limit, 415 not JSON), query parameters
  (400), an id in the path (404), authentication (401 with WWW-Authenticate), the CSRF
  check of a session on a write (403), the rate limits (429 with Retry-After);
- the domain errors its handler can raise, read from the code (kosha/schema/raises.py).
A view's own declaration of a status wins (given the envelope when it names none). kosha/tests/test_schema_fuzz.py fails when an
operation answers a status (or a code) it does not declare.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

from kosha.errors import InvalidCursor
from kosha.json_fields import body_refuse_any
from kosha.schema.raises import calls, raised_by

ERROR_STATUSES = {
    "400": "Bad input: the error names the field (`field`, and `fields` for several).",
    "401": "No or bad credentials (`not_authenticated`).",
    "403": "Seen but not allowed (`forbidden` with a `reason`), or a session's write without its CSRF token.",
    "404": "Not found, or not yours to see.",
    "409": "Conflicts with the current state (a taken name, a finished upload).",
    "410": "Gone (an expired link, archive or upload session).",
    "413": "Too large: over a plan limit (`quota_exceeded` with the numbers) or the body limit.",
    "415": "Unsupported media type: send JSON.",
    "422": "Uploaded bytes do not match what was declared.",
    "429": "Too many requests: wait Retry-After seconds.",
    "503": "The object store is unavailable; try again.",
}
# The JSON guard's refusals of a body (kosha/json_body.py).
_BODY_REASONS = ("malformed_json", "json_too_deep", "invalid_character", "number_out_of_range")
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "additionalProperties": True,
        }
    },
}
_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The scheme to use: `Token`."}},
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}
_UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _handler(view) -> tuple[Any, type]:
    owner = type(view)
    name = getattr(view, "action", None) or view.request.method.lower()
    return getattr(owner, name, None), owner


def operation_errors(*, view, method: str, operation: dict[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """The error statuses one operation can answer, each with its codes and reasons."""
    answers: dict[str, tuple[set[str], set[str]]] = {}

    def add(status: int | str, code: str, reason: str | None = None) -> None:
        codes, reasons = answers.setdefault(str(status), (set(), set()))
        codes.add(code)
        if reason:
            reasons.add(reason)

    parameters = {parameter["in"] for parameter in operation.get("parameters", [])}
    handler, owner = _handler(view)
    # An operation without a body that refuses one (kosha.json_fields.body_refuse_any)
    # reads it through the same guard.
    if "requestBody" in operation or (handler is not None and calls(handler, body_refuse_any, owner=owner)):
        add(400, "invalid")
        for reason in _BODY_REASONS:
            add(400, "invalid", reason)
        add(413, "too_large")
        add(415, "unsupported_media_type")
    if "query" in parameters:
        add(400, "invalid")
    if any(parameter["name"] == "cursor" for parameter in operation.get("parameters", [])):
        add(400, "invalid", InvalidCursor.reason)
    if "path" in parameters:
        add(404, "not_found")
    if not all(isinstance(permission, AllowAny) for permission in view.get_permissions()):
        add(401, "not_authenticated")
    if method in _UNSAFE and any(isinstance(auth, SessionAuthentication) for auth in view.get_authenticators()):
        add(403, "permission_denied")  # DRF's CSRF refusal
    if view.get_throttles():
        add(429, "throttled")
    if handler is not None:
        for error in raised_by(handler, owner=owner):
            add(error.status, error.code, error.reason)
    return answers


def _response(status: str, codes: set[str], reasons: set[str]) -> dict[str, Any]:
    narrowed: dict[str, Any] = {"code": {"type": "string", "enum": sorted(codes)}}
    if reasons:
        narrowed["reason"] = {"type": "string", "enum": sorted(reasons)}
    listed = ", ".join(f"`{code}`" for code in sorted(codes | reasons))
    response: dict[str, Any] = {
        "description": f"{ERROR_STATUSES.get(status, 'Error.')} Codes and reasons: {listed}.",
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Error"},
                        {"type": "object", "properties": {"error": {"type": "object", "properties": narrowed}}},
                    ]
                }
            }
        },
    }
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def error_responses_add(*, view, method: str, path: str, operation: dict[str, Any]) -> None:
    """Add the operation's error responses (a status the view declares itself wins)."""
    if not path.startswith("/api/v1/"):
        return
    responses = operation.setdefault("responses", {})
    for status, (codes, reasons) in sorted(operation_errors(view=view, method=method, operation=operation).items()):
        derived = _response(status, codes, reasons)
        declared = responses.setdefault(status, derived)
        if "content" not in declared:  # the view's words, with the envelope it is sent in
            declared["content"] = derived["content"]
            declared.setdefault("headers", derived.get("headers", {}))


def _paged(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A list answer as it is sent: `{"items", "next"}` (kosha/pages.py). drf-spectacular
    wraps a list view's answer in an array, whether or not it names the page already."""
    if schema.get("type") != "array":
        return schema
    ref = schema.get("items", {}).get("$ref", "")
    named = components.get(ref.rpartition("/")[2], {})
    if {"items", "next"} <= set(named.get("properties", {})):
        return schema["items"]
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {"items": schema, "next": {"type": "string", "nullable": True}},
    }


def error_responses_hook(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the `Error` component, and declare
    every list's page envelope."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = _ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            content = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
            if method == "get" and content and "schema" in content:
                content["schema"] = _paged(content["schema"], components)
    return result
