"""The JSON error envelope for every error answered under the JSON doors, whoever answers.

DRF's exception handler (kosha.api) shapes what the API's views raise, and the link
views shape their domain errors. Everything else that can refuse a request answers with
Django's HTML: an unknown URL (404), a method a plain view does not take (405), the CSRF
check (403), a body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 400), a SuspiciousOperation
(400), a crash (500). Under the JSON doors `JsonErrorsMiddleware` turns any such answer
into `{"error": {"code", "message"}}` with the same status; `csrf_failure` and
`bad_request` (set in settings and kosha.urls) add what the status alone cannot say.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults

from kosha.json_body import body_limit_bytes
from kosha.sizes import size_text

# The API, and the drop-upload protocol under a public link (sharing/urls.py): clients
# of both read JSON, including when a request is refused.
_JSON_PATHS = re.compile(r"^/api/|^/s/[^/]+/uploads(/|$)")

# Codes for the statuses Django itself may answer; the same strings DRF uses for them.
_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


def is_json_path(path: str) -> bool:
    """Whether errors at this path are answered as JSON."""
    return bool(_JSON_PATHS.match(path))


def error_response(status: int, *, code: str | None = None, message: str | None = None, **details) -> JsonResponse:
    """`{"error": {"code", "message", ...details}}` with `status`."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {"code": code or _CODES.get(status, "error"), "message": message or f"{phrase}.", **details}
    return JsonResponse({"error": body}, status=status)


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";", 1)[0].strip() == "application/json"


class JsonErrorsMiddleware:
    """Under the JSON doors, replace any error answer that is not JSON by the envelope of
    its status, keeping its headers that matter to a client (Allow, Retry-After).
    Sits above CSRF and CommonMiddleware so it sees their answers too."""

    _KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_json_path(request.path) or _is_json(response):
            return response
        replaced = error_response(response.status_code)
        for header in self._KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        return replaced


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the envelope under the JSON doors, Django's page elsewhere."""
    if is_json_path(request.path):
        return error_response(
            403,
            code="csrf_failed",
            message=f"CSRF check failed: {reason}. Send the csrftoken cookie's value in X-CSRFToken.",
        )
    return csrf.csrf_failure(request, reason=reason)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a body over the limit is 413 (it is not malformed, only too large),
    as JSON under the JSON doors; anything else is Django's 400."""
    if isinstance(exception, RequestDataTooBig):
        limit = body_limit_bytes()
        if is_json_path(request.path):
            return error_response(
                413, code="too_large", message=f"The request body can be at most {size_text(limit)}.", limit_bytes=limit
            )
        response = defaults.bad_request(request, exception)
        response.status_code = 413
        return response
    return defaults.bad_request(request, exception)
