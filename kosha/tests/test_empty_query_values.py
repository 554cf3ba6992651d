"""An empty optional query parameter is an absent one (`?limit=` is the default page size,
`?type=` no filter), and the schema says so (`allowEmptyValue`, kosha/schema/parameters.py):
the schema fuzz test found `?limit=` answered 200 where the schema, calling it a non-integer,
promised a 400."""

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from kosha.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_and_schema(owner, local_settings):
    factories.stored_file(owner, "report.txt", folder=factories.folder(owner, "Docs"))
    _token, secret = api_token_create(user=owner, name="empty values")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client, client.get("/api/schema/?format=json").json()


def _optional_query(operation: dict) -> list[dict]:
    return [p for p in operation.get("parameters", []) if p["in"] == "query" and not p.get("required")]


def test_every_optional_query_parameter_allows_an_empty_value(client_and_schema):
    _client, schema = client_and_schema
    optional = [
        (path, method, parameter)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        for parameter in _optional_query(operation)
    ]

    assert len(optional) > 20
    assert [(path, method, p["name"]) for path, method, p in optional if p.get("allowEmptyValue") is not True] == []


def test_an_empty_value_is_answered_as_an_absent_one(client_and_schema):
    client, schema = client_and_schema
    checked = []
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if not path.startswith("/api/v1/") or operation is None or "{" in path:
            continue
        required = {p["name"]: "report" for p in operation.get("parameters", []) if p.get("required")}
        absent = client.get(path, required)
        for parameter in _optional_query(operation):
            empty = client.get(path, {**required, parameter["name"]: ""})
            checked.append(parameter["name"])
            # The same answer (a changes feed's cursor holds the time it was made: the items only)
            assert (empty.status_code, empty.json().get("items")) == (absent.status_code, absent.json().get("items")), (
                path,
                parameter["name"],
            )
    for name in ("sort", "limit", "cursor"):
        empty = client.get("/api/v1/folders/root/items/", {name: ""})
        assert (empty.status_code, empty.json()) == (200, client.get("/api/v1/folders/root/items/").json())

    assert {"limit", "cursor", "type", "min_size", "modified_after", "folder"} <= set(checked)


def _one_of_with_blank(node, where="") -> list[str]:
    if isinstance(node, dict):
        found = [where] if {"type": "string", "maxLength": 0} in node.get("oneOf", []) else []
        return found + [hit for key, value in node.items() for hit in _one_of_with_blank(value, f"{where}/{key}")]
    if isinstance(node, list):
        return [hit for index, value in enumerate(node) for hit in _one_of_with_blank(value, f"{where}/{index}")]
    return []


def test_a_blank_text_is_schema_valid_where_the_api_takes_it(client_and_schema):
    # drf-spectacular writes a blank-allowing text field as oneOf [its rule, ""]; its rule
    # often allows "" too, so "" matched both and was schema-invalid (the fuzz test sent
    # sha256 "" to a single start, which the API rightly takes).
    client, schema = client_and_schema
    upload = schema["components"]["schemas"]["UploadStartInputRequest"]["properties"]["sha256"]

    assert _one_of_with_blank(schema["components"]) == []
    assert {"type": "string", "maxLength": 0} in upload["anyOf"]
    started = client.post("/api/v1/uploads/", {"name": "a.txt", "size": 1, "sha256": ""}, format="json")
    assert started.status_code == 201, started.json()


def test_a_text_longer_than_its_maxlength_as_sent_is_refused_even_if_trimming_shortens_it(client_and_schema):
    # The schema's maxLength counts the text as sent; DRF counted it after trimming, so a
    # token name of 100 characters plus a leading form feed was taken (the fuzz test).
    client, schema = client_and_schema
    limit = schema["components"]["schemas"]["ApiTokenInputRequest"]["properties"]["name"]["maxLength"]

    padded = client.post("/api/v1/tokens/", {"name": "\f" + "n" * limit}, format="json")
    exact = client.post("/api/v1/tokens/", {"name": " " + "n" * (limit - 1)}, format="json")

    assert padded.status_code == 400, padded.json()
    assert padded.json()["error"]["field"] == "name"
    assert exact.status_code == 201, exact.json()
    assert exact.json()["name"] == "n" * (limit - 1)
