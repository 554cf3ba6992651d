"""Probes and metrics for operators and orchestrators (docs/operations.md).

/healthz: the process answers (no database), for liveness.
/readyz: the database, the object store and the task broker answer, for readiness.
/metrics: Prometheus text, only for the holder of KOSHA_METRICS_TOKEN (or, when no token
is set, a client on this machine); anyone else gets the same 404 as an unknown URL.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from kosha.addresses import is_loopback_client
from kosha.metrics import metrics_render

logger = logging.getLogger(__name__)

# A key no one writes: a HEAD of it answers None when the store is up.
STORE_SENTINEL_KEY = "health/ready"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _check_store() -> dict:
    from storage.backends import get_backend

    get_backend().head(key=STORE_SENTINEL_KEY)
    return {"ok": True}


def _check_queue() -> dict:
    from django_q.brokers import get_broker

    return {"ok": True, "queued": get_broker().queue_size() or 0}


CHECKS = {"database": _check_database, "store": _check_store, "queue": _check_queue}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        # A probe must answer 503 for any failure, never 500; the details go to the log,
        # only the exception's type to the (public) response.
        except Exception as exc:  # noqa: BLE001
            logger.warning("Readiness check %s failed", name, exc_info=True)
            checks[name] = {"ok": False, "error": type(exc).__name__}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.KOSHA_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return is_loopback_client(request)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        raise Http404()
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
