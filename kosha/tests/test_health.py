"""Probes, metrics and structured logs."""

import io
import json
import logging
import sys

import pytest
from django.test import Client

from kosha.logging import JsonFormatter, RequestIdFilter
from storage.backends import BackendError, get_backend
from storage.places import Place
from storage.services.uploads import upload_start

METRIC_NAMES = (
    "kosha_http_request_duration_seconds_bucket",
    "kosha_uploads_started_total",
    "kosha_uploads_completed_total",
    "kosha_bytes_stored",
    "kosha_queue_depth",
)


def test_healthz_answers_without_the_database():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_store_and_queue(store):
    response = Client().get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["store"] == {"ok": True}
    assert body["checks"]["queue"]["ok"] is True
    assert body["checks"]["queue"]["queued"] >= 0


@pytest.mark.django_db
def test_readyz_is_503_when_the_store_fails(local_settings, monkeypatch):
    def broken_head(*, key):
        raise BackendError("store down")

    monkeypatch.setattr(get_backend(), "head", broken_head)

    response = Client().get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["store"] == {"ok": False, "error": "BackendError"}
    assert body["checks"]["database"] == {"ok": True}
    assert "store down" not in response.content.decode()  # details go to the log only


@pytest.mark.django_db
def test_metrics_are_hidden_from_a_remote_client_without_the_token(settings):
    settings.KOSHA_METRICS_TOKEN = "s3cret-token"

    assert Client(REMOTE_ADDR="203.0.113.5").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404  # a token is set: it is needed
    wrong = Client(REMOTE_ADDR="203.0.113.5").get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    assert wrong.status_code == 404


@pytest.mark.django_db
def test_metrics_with_the_token_list_every_kosha_metric(settings, local_settings, owner):
    settings.KOSHA_METRICS_TOKEN = "s3cret-token"
    upload_start(actor=owner, place=Place(owner=owner), name="a.txt", size_bytes=3, content_type="text/plain")
    Client().get("/healthz")

    response = Client(REMOTE_ADDR="203.0.113.5").get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for name in METRIC_NAMES:
        assert name in text, name
    assert 'route="healthz"' in text


@pytest.mark.django_db
def test_without_a_token_metrics_answer_only_loopback_clients_not_proxied_ones(settings):
    settings.KOSHA_METRICS_TOKEN = ""

    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 404
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert proxied.get("/metrics").status_code == 404


@pytest.fixture
def json_log():
    """django.request's records, formatted as the production handler formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_log_line_is_json_with_the_request_id_from_the_header(json_log):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-abc-123")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-abc-123"
    line = json.loads(json_log.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "req-abc-123"
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert "/no-such-page/" in line["message"]
    assert line["time"].endswith("+00:00")


def test_a_missing_or_unsafe_request_id_is_replaced():
    made = Client().get("/healthz")["X-Request-ID"]
    unsafe = Client().get("/healthz", HTTP_X_REQUEST_ID="bad id\nforged: line")["X-Request-ID"]

    assert len(made) == 32
    assert len(unsafe) == 32 and unsafe != made


def test_exceptions_are_formatted_into_the_json_line():
    logger = logging.getLogger("kosha.tests.json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
    RequestIdFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "failed here"
    assert "RuntimeError: boom" in line["exc_info"]
    assert line["request_id"] is None
