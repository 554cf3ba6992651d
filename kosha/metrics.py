"""Prometheus metrics (prometheus-client), served at /metrics by kosha.health.

Counters and the latency histogram live in each process. Under gunicorn with several
workers, set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped at each start) so every
worker writes its numbers there and a scrape adds them up; without it a scrape sees only
the worker that answered it. The stored-bytes and queue-depth gauges are read from the
database and the broker at scrape time, so they are right in either mode.
"""

from __future__ import annotations

import logging
import os
import time

from django.db.models import Sum
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "kosha_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it.",
    ["method", "route", "status"],
)
UPLOADS_STARTED = Counter("kosha_uploads_started", "Upload sessions started (quota reserved).")
UPLOADS_COMPLETED = Counter("kosha_uploads_completed", "Uploads verified and recorded as a file version.")


class StoredStateCollector(Collector):
    """Gauges read at scrape time: two aggregate queries (one without a replica) and one
    broker call per scrape."""

    def describe(self):
        # Registration would otherwise call collect(), querying the database at import.
        yield GaugeMetricFamily("kosha_bytes_stored", "")
        yield GaugeMetricFamily("kosha_queue_depth", "")
        yield GaugeMetricFamily("kosha_replication_backlog", "")
        yield GaugeMetricFamily("kosha_replication_backlog_age_seconds", "")

    def collect(self):
        from django_q.brokers import get_broker

        from plans.models import Usage
        from storage.services.replication import replication_backlog

        stored = GaugeMetricFamily("kosha_bytes_stored", "Bytes stored by all users (Usage.used_bytes summed).")
        stored.add_metric([], Usage.objects.aggregate(total=Sum("used_bytes"))["total"] or 0)
        yield stored
        backlog = replication_backlog()
        waiting = GaugeMetricFamily("kosha_replication_backlog", "File versions not copied to the replica yet.")
        waiting.add_metric([], backlog.versions)
        yield waiting
        age = GaugeMetricFamily(
            "kosha_replication_backlog_age_seconds", "How long the oldest version not replicated yet has waited."
        )
        age.add_metric([], backlog.age_seconds)
        yield age
        try:
            depth = get_broker().queue_size()
        except Exception:  # noqa: BLE001 - a broken broker must not break the scrape; readyz reports it
            logger.warning("Could not read the task queue size for /metrics", exc_info=True)
            return
        queue = GaugeMetricFamily("kosha_queue_depth", "Tasks waiting in the django-q broker.")
        queue.add_metric([], depth or 0)
        yield queue


_STATE = StoredStateCollector()
REGISTRY.register(_STATE)


def metrics_render() -> bytes:
    """The Prometheus text exposition of this process (or of all, in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(_STATE)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


class RequestLatencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The URL pattern, not the path: ids in paths would make a series per object.
        route = (match.route or match.view_name) if match else "unmatched"
        REQUEST_LATENCY.labels(request.method, route, str(response.status_code)).observe(time.perf_counter() - started)
        return response
