"""Structured logs: one JSON object per line, each carrying the id of its request.

`RequestIdMiddleware` takes the id from `X-Request-ID` (a load balancer's or a client's)
or makes one, returns it in the response, and keeps it in a context variable that
`RequestIdFilter` copies onto every log record made while the request runs.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from outside reach every log line: accept only short, plain tokens.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("kosha_request_id", default=None)


def request_id_current() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the running request's, or for records logged
    after the middleware returned (django.request's 4xx/5xx lines), the one on the
    request the record carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id is None:
            request_id = getattr(getattr(record, "request", None), "request_id", None)
        record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get(),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
