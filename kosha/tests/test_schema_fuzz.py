"""An outside judge of the API contract (issue 10): schemathesis generates requests from
the live OpenAPI schema (/api/schema/) and checks each answer against it: no 5xx, a
status and body the schema documents. Two users exist (the caller and a stranger with
items of their own), on the test database (PostgreSQL in CI). The budget is a few
examples per operation (about 240 requests over the ~60 operations, a minute on this
machine), so the run stays a short part of the suite.

Every check runs, positive and negative data, but two that are switched off, and why:
- positive_data_acceptance (a schema-valid request must not be a 4xx): several request
  bodies are still typed loosely (JSON fields where a service holds the rule), and some
  rules no JSON Schema states (a name's character rule, a cursor that only a previous
  page can sign, an id that must name an existing item of the caller);
- negative_data_rejection (a schema-violating request must be a 4xx): DRF ignores
  unknown query parameters and body keys, which schemathesis sends as negative data.
Switch them on when the remaining endpoints have exact input serializers (issue 10)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from accounts.services import api_token_create
from kosha.testing import factories

EXAMPLES_PER_OPERATION = 4


schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


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
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"}, excluded_checks=[positive_data_acceptance, negative_data_rejection]
    )
