"""Each operation of the schema documents the error statuses it can answer, and only
those (kosha/schema/errors.py): the shared layers' from the operation's shape, the
domain errors from what its handler's code raises (kosha/schema/raises.py). That every
answer is documented is judged by kosha/tests/test_schema_fuzz.py."""

import pytest

from kosha.errors import Forbidden, NotFound, ReadOnly, StoreBusy, StoreUnavailable
from kosha.schema.raises import raised_by


@pytest.fixture(scope="module")
def paths(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()["paths"]


def _errors(operation):
    return {status for status in operation["responses"] if status >= "400"}


def test_a_read_without_input_documents_only_credentials_and_rate(paths):
    assert _errors(paths["/api/v1/usage/"]["get"]) == {"401", "429"}


def test_a_write_documents_what_its_body_and_its_domain_can_answer(paths):
    create = paths["/api/v1/folders/"]["post"]

    assert _errors(create) == {"400", "401", "403", "404", "409", "413", "415", "429"}
    conflict = create["responses"]["409"]["content"]["application/json"]["schema"]["allOf"][1]
    assert "name_taken" in conflict["properties"]["error"]["properties"]["reason"]["enum"]
    bad = create["responses"]["400"]["content"]["application/json"]["schema"]["allOf"][1]
    assert {"invalid", "invalid_name"} <= set(bad["properties"]["error"]["properties"]["code"]["enum"])
    assert {"folder_cycle", "json_too_deep"} <= set(bad["properties"]["error"]["properties"]["reason"]["enum"])


def test_only_operations_that_reach_the_store_document_503(paths):
    assert "503" in paths["/api/v1/uploads/"]["post"]["responses"]
    assert "503" not in paths["/api/v1/folders/"]["post"]["responses"]
    assert "422" in paths["/api/v1/uploads/{id}/complete/"]["post"]["responses"]
    assert "422" not in paths["/api/v1/uploads/"]["post"]["responses"]


def test_every_operation_answers_bad_credentials_with_401_and_the_scheme(paths):
    for path, operations in paths.items():
        for method, operation in operations.items():
            if not path.startswith("/api/v1/") or path.startswith("/api/v1/webhooks/"):
                continue
            unauthorized = operation["responses"].get("401")
            assert unauthorized is not None, (method, path)
            assert "WWW-Authenticate" in unauthorized["headers"], (method, path)
            assert "405" not in operation["responses"], (method, path)


def test_every_list_declares_its_page_envelope(paths):
    for path in ("/api/v1/share-links/", "/api/v1/shares/", "/api/v1/shared-with-me/", "/api/v1/trash/"):
        page = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert set(page.get("required", [])) >= {"items", "next"} or "$ref" in page, path


# --- the walk over the code ----------------------------------------------------------------------


def _refusal(allowed: bool) -> Forbidden | None:
    return None if allowed else ReadOnly("Read only.")


def _missing() -> NotFound:
    return NotFound("Gone missing.")


def _service(*, allowed: bool, not_found: NotFound) -> None:
    refusal = _refusal(allowed)
    if refusal is not None:
        raise refusal
    raise not_found


def _store_failed(error: Exception) -> None:
    raise StoreUnavailable.caused_by(error)


def test_the_walk_finds_errors_raised_through_helpers_names_and_annotations():
    def handler():
        _service(allowed=False, not_found=_missing())
        raise _missing()

    assert raised_by(handler) == {ReadOnly, NotFound}


def test_the_walk_counts_every_sub_error_a_kind_can_be_answered_as():
    assert StoreBusy in raised_by(_store_failed)
