"""An outside judge of the API contract (issue 10): schemathesis generates requests from
the live OpenAPI schema (/api/schema/) and checks each answer against it with every
check, on positive and negative data: no 5xx, a status, body and headers the schema
documents, a schema-valid request accepted (positive_data_acceptance), a schema-violating
one refused (negative_data_rejection). Two users exist (the caller and a stranger with
items of their own), on the test database (PostgreSQL in CI). The budget is
EXAMPLES_PER_OPERATION examples per operation (about 650 requests over the ~80
operations, about 1.5 minutes on 2 busy cores); KOSHA_FUZZ_EXAMPLES raises it for a
deeper run by hand (15 each passed on 2026-12-01, after it found the blank ids fixed then).

No check is switched off. Two narrowings, both because no schema can say them:
- positive cases carry no `cursor`: a cursor is a signed token only a previous page
  hands out, so a made-up one is rightly a 400 (negative cases still send them);
- a schema-valid request may meet the state it acts on: besides schemathesis' default
  answers (401, 403, 404, 409, 429), a plan's limit (413 `quota_exceeded`, a per-user
  cap), a gone session (410) or bytes that do not match (422) are accepted answers to a
  positive case.
The schema's patterns leave out the non-characters beyond the BMP (kosha/schema/bodies.py):
the API refuses them, but schemathesis cannot read a pattern that names them."""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import PositiveDataAcceptanceConfig

from accounts.services import api_token_create
from kosha.testing import factories

EXAMPLES_PER_OPERATION = int(os.environ.get("KOSHA_FUZZ_EXAMPLES", "8"))


schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
# A schema-valid request may still meet the state it acts on: besides the default answers
# (401, 403, 404, 409, 429), a plan's limit (413 `quota_exceeded`: a plan's per-file cap
# differs per user, so no schema can state it), a gone session (410) or stored bytes that
# do not match (422) are right answers to a well-formed request.
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2xx", "3xx", 401, 403, 404, 409, 410, 413, 422, 429, "5xx"]
)


@pytest.fixture
def token(db, local_settings, owner, stranger):
    # As Django's test client does: the handler would close the test's connection (and
    # with it the test transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    factories.stored_file(owner, "report.txt", folder=factories.folder(owner, "Docs"))
    factories.stored_file(stranger, "theirs.txt")
    _token, secret = api_token_create(user=owner, name="fuzz")
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_answers_as_its_schema_says(case, token):
    if case.query and not case.meta.generation.mode.is_negative:
        # A cursor is a signed token that only a previous page hands out: a made-up one,
        # however well formed, is refused (400 `cursor`). Positive cases start at page one.
        case.query.pop("cursor", None)
    case.call_and_validate(headers={"Authorization": f"Token {token}"})
