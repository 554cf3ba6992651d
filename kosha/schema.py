"""The API schema's error answers, declared once for every operation.

Every error of the API has one shape, `{"error": {"code", "message", ...details}}`
(kosha/api.py). drf-spectacular documents only the success of each view, so this
postprocessing hook adds the `Error` component and, to each operation under /api/v1/,
the error statuses the shared layers can answer: the JSON guard and serializers (400,
413), authentication (401 with WWW-Authenticate), the access rule (403, 404), domain
conflicts and gone sessions (409, 410), verification (422), rate limits (429 with
Retry-After) and store outages (503). A view's own declaration of a status wins.
"""

from __future__ import annotations

from typing import Any

ERROR_STATUSES = {
    "400": "Bad input: the error names the field (`field`, and `fields` for several).",
    "401": "No or bad credentials (`not_authenticated`).",
    "403": "Seen but not allowed (`forbidden` with a `reason`, or a missing CSRF token).",
    "404": "Not found, or not yours to see.",
    "405": "Method not allowed here.",
    "409": "Conflicts with the current state (a taken name, a finished upload).",
    "410": "Gone (an expired link, archive or upload session).",
    "413": "Too large: over a plan limit (`quota_exceeded` with the numbers) or the body limit.",
    "415": "Unsupported media type: send JSON.",
    "422": "Uploaded bytes do not match what was declared.",
    "429": "Too many requests: wait Retry-After seconds.",
    "503": "The object store is unavailable; try again.",
}
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
    """drf-spectacular POSTPROCESSING_HOOKS entry: add `Error` and the error responses,
    and declare every list's page envelope."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = _ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            content = responses.get("200", {}).get("content", {}).get("application/json")
            if method == "get" and content and "schema" in content:
                content["schema"] = _paged(content["schema"], components)
            for status, description in ERROR_STATUSES.items():
                if status in responses:
                    continue
                response = {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                if status in _HEADERS:
                    response["headers"] = _HEADERS[status]
                responses[status] = response
    return result
