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


# --- what the domain answers, the schema says --------------------------------------------------


def _assert_documented(paths, method: str, template: str, response) -> None:
    """The answer's status, code and reason are among those the operation documents."""
    operation = paths[template][method]
    status = str(response.status_code)
    assert status in operation["responses"], (method, template, status, response.content)
    if status < "400":
        return
    error = response.json()["error"]
    narrowed = operation["responses"][status]["content"]["application/json"]["schema"]["allOf"][1]
    documented = narrowed["properties"]["error"]["properties"]
    assert error["code"] in documented["code"]["enum"], (method, template, error)
    if "reason" in error:
        assert error["reason"] in documented["reason"]["enum"], (method, template, error)


def test_the_errors_the_domain_answers_are_the_ones_documented(
    paths, local_settings, owner, owner_client, stranger_client
):
    docs = owner_client.post("/api/v1/folders/", {"name": "Docs"}, format="json").json()
    sub = owner_client.post("/api/v1/folders/", {"name": "Sub", "parent": docs["id"]}, format="json").json()
    started = owner_client.post("/api/v1/uploads/", {"name": "a.txt", "size": 5}, format="json").json()
    answers = [
        ("post", "/api/v1/folders/", owner_client.post("/api/v1/folders/", {"name": "Docs"}, format="json")),
        (
            "patch",
            "/api/v1/folders/{id}/",
            owner_client.patch(f"/api/v1/folders/{docs['id']}/", {"parent": sub["id"]}, format="json"),
        ),
        (
            "post",
            "/api/v1/uploads/",
            owner_client.post("/api/v1/uploads/", {"name": "big.bin", "size": 5 * 1024**4}, format="json"),
        ),
        (
            "post",
            "/api/v1/uploads/{id}/complete/",
            owner_client.post(f"/api/v1/uploads/{started['id']}/complete/", {}, format="json"),
        ),
        ("delete", "/api/v1/uploads/{id}/", owner_client.delete(f"/api/v1/uploads/{started['id']}/")),
        (
            "post",
            "/api/v1/uploads/{id}/complete/",
            owner_client.post(f"/api/v1/uploads/{started['id']}/complete/", {}, format="json"),
        ),
        ("get", "/api/v1/folders/{id}/items/", stranger_client.get(f"/api/v1/folders/{docs['id']}/items/")),
    ]

    statuses = [response.status_code for _method, _template, response in answers]
    for method, template, response in answers:
        _assert_documented(paths, method, template, response)
    assert statuses[:3] == [409, 400, 413] and statuses[-1] == 404
    assert all(status >= 400 for status in statuses[3:4] + statuses[5:6])
