"""Every write endpoint parses its body with typed fields (issue 10, "parse at the edge,
once"): the schema shows each request body's required fields, types and limits, and a
value of the wrong JSON type is a 400 naming the field before any service runs."""

import concurrent.futures
import re

import pytest

from accounts.models import ApiToken, AppPassword
from kosha.errors import DomainError
from kosha.testing import factories
from sharing.models import Share
from storage.api.fields import CompleteInput, PartsInput, UploadStartInput
from storage.models import Folder

pytestmark = pytest.mark.django_db


@pytest.fixture
def components(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def _body(components, name):
    return components[f"{name}Request"]


def test_upload_start_body_declares_types_limits_and_required_fields(components):
    body = _body(components, "UploadStartInput")

    assert set(body["required"]) == {"name", "size"}
    name, size = body["properties"]["name"], body["properties"]["size"]
    assert (name["type"], name["minLength"], name["maxLength"]) == ("string", 1, 255)
    assert (size["type"], size["minimum"], size["maximum"]) == ("integer", 0, 5 * 1024**4)
    assert body["properties"]["folder"]["format"] == "uuid"
    # A pattern on a field that may be blank: [the rule, or ""], anyOf (kosha.schema.blank_alternatives_hook).
    sha256 = body["properties"]["sha256"]["anyOf"][0]
    assert (sha256["maxLength"], sha256["pattern"]) == (64, "^(?:[0-9a-fA-F]{64})?$")
    assert body["additionalProperties"] is False


def test_a_body_key_the_schema_does_not_declare_is_refused_by_name(api_client, owner):
    api_client.force_authenticate(owner)

    response = api_client.post("/api/v1/folders/", {"name": "Docs", "parnet": None}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "parnet"
    assert not owner.folders.exists()


@pytest.mark.parametrize(
    ("component", "required", "typed"),
    [
        ("FolderCreateInput", {"name"}, {"name": "string", "parent": "string"}),
        ("PatchedFolderUpdateInput", set(), {"name": "string", "parent": "string"}),
        ("PatchedFileUpdateInput", set(), {"name": "string", "folder": "string"}),
        ("FileCopyInput", set(), {"name": "string", "folder": "string"}),
        ("PartsInput", {"numbers"}, {"numbers": "array"}),
        ("CompleteInput", set(), {"parts": "array"}),
        ("ShareCreateInput", {"email"}, {"email": "string", "file": "string", "folder": "string"}),
        ("PatchedShareUpdateInput", {"role"}, {}),
        ("ApiTokenInput", {"name"}, {"name": "string"}),
        ("AppPasswordInput", {"name"}, {"name": "string", "redirect_downloads": "boolean"}),
    ],
)
def test_write_bodies_are_typed_not_any(components, component, required, typed):
    body = _body(components, component)

    assert set(body.get("required", [])) == required
    for field, json_type in typed.items():
        assert body["properties"][field]["type"] == json_type, field


def test_share_role_is_an_enum_and_part_numbers_are_bounded(components):
    share = _body(components, "ShareCreateInput")["properties"]
    parts = _body(components, "PartsInput")["properties"]["numbers"]
    completed = _body(components, "CompletedPartInput")

    assert share["email"]["format"] == "email"
    assert "role" in share and share["email"]["maxLength"] == 254
    assert (parts["minItems"], parts["items"]["minimum"], parts["items"]["maximum"]) == (1, 1, 10_000)
    assert set(completed["required"]) == {"number", "etag"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/folders/", {"name": "a", "parent": 7}, "parent"),
        ("/api/v1/folders/", {"name": "a", "parent": ["x"]}, "parent"),
        ("/api/v1/uploads/", {"name": "a.txt", "size": 1, "on_conflict": 1}, "on_conflict"),
        ("/api/v1/uploads/", {"name": "a.txt", "size": 1, "folder": {"id": "x"}}, "folder"),
        ("/api/v1/shares/", {"email": 42, "folder": None}, "email"),
        ("/api/v1/shares/", {"email": "a@example.com", "role": "owner"}, "role"),
        ("/api/v1/tokens/", {"name": 1234}, "name"),
        ("/api/v1/app-passwords/", {"name": "phone", "redirect_downloads": "yes"}, "redirect_downloads"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_naming_the_field_and_changes_nothing(
    owner_client, owner, path, body, field
):
    response = owner_client.post(path, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert not Folder.objects.filter(owner=owner).exists()
    assert not Share.objects.exists()
    assert not ApiToken.objects.filter(user=owner).exists()
    assert not AppPassword.objects.filter(user=owner).exists()


def test_drop_start_parses_the_same_typed_body(client, owner):
    drop = factories.folder(owner, "Inbox")
    _link, token = factories.link(owner, drop, is_drop=True)

    response = client.post(f"/s/{token}/uploads/", {"name": "a.txt", "size": "10"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "size"


def _verdict(serializer):
    """What validating gives: the data, the field errors, or the domain error raised."""
    try:
        if serializer.is_valid():
            return "valid", dict(serializer.validated_data)
        return "invalid", serializer.errors
    except DomainError as exc:
        return type(exc).__name__, exc.as_dict()


_BODIES = [
    {"name": "a.txt", "size": 3},
    {"name": "a.txt", "size": 3, "folder": None, "content_type": "text/plain; charset=utf-8", "on_conflict": "fail"},
    {"name": "a.txt", "size": 3, "content_type": "  ", "sha256": "", "folder": "nope"},
    {"name": "a.txt", "size": 3, "sha256": "A" * 64, "on_conflict": None, "content_type": None},
    {"name": " a.txt", "size": 3},
    {"name": "x" * 256, "size": 3},
    {"name": "a.txt", "size": -1},
    {"name": "a.txt", "size": True},
    {"name": "a.txt", "size": "3"},
    {"name": 7, "size": 1.5, "folder": "", "on_conflict": 1},
    {"size": 3, "parnet": None},
    {"name": "a.txt", "size": 3, "content_type": "no type", "sha256": "xyz"},
    {},
    [],
    "text",
    {"parts": []},
    {"parts": None},
    {"parts": [{"number": 1, "etag": "e1"}, {"number": 2, "etag": "e2"}]},
    {"parts": [{"number": 0, "etag": ""}, {"number": "1", "etag": 5}, {"etag": "e"}, 3]},
    {"parts": {"number": 1}},
    {"numbers": [1, 2, 3]},
    {"numbers": [0, True, "2"]},
]


@pytest.mark.parametrize("input_class", [UploadStartInput, CompleteInput, PartsInput])
def test_inputs_share_their_bound_fields_and_validate_as_drf_does(input_class):
    # A context makes an instance bind its own fields, as DRF does for every instance.
    own = [_verdict(input_class(data=body, context={"own": True})) for body in _BODIES]

    shared = [_verdict(input_class(data=body)) for body in _BODIES]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(lambda body: _verdict(input_class(data=body)), _BODIES * 8))

    assert input_class().fields is input_class().fields
    assert input_class(context={"own": True}).fields is not input_class().fields
    assert shared == own
    assert threaded == own * 8


def test_a_partial_or_contextual_input_reaches_its_nested_inputs_as_in_drf():
    # A nested input (CompleteInput's parts) reads `partial` and the context through its
    # root, the instance validating, as DRF's own nested serializers do.
    partial = CompleteInput(data={"parts": [{"etag": "e1"}]}, partial=True)
    assert partial.is_valid(), partial.errors  # partial skips the nested required `number`
    assert not CompleteInput(data={"parts": [{"etag": "e1"}]}).is_valid()

    contextual = CompleteInput(data={"parts": [{"number": 1, "etag": "e1"}]}, context={"request": "this one"})
    assert contextual.is_valid(), contextual.errors
    assert contextual.fields["parts"].child.fields["etag"].context == {"request": "this one"}
    assert CompleteInput().fields["parts"].child.fields["etag"].context == {}


@pytest.mark.parametrize("component", ["ApiTokenInput", "AppPasswordInput"])
@pytest.mark.parametrize("name", [" ", "\u0085", "\t\u3000"])
def test_a_name_of_whitespace_alone_is_outside_the_schema_as_the_api_refuses_it(
    api_client, owner, components, component, name
):
    """The API trims a label and refuses it blank: the schema's pattern says so, or a
    client (and the schema fuzzer) takes a whitespace-only name for a valid one."""
    pattern = re.compile(_body(components, component)["properties"]["name"]["pattern"])
    api_client.force_authenticate(owner)
    path = {"ApiTokenInput": "/api/v1/tokens/", "AppPasswordInput": "/api/v1/app-passwords/"}[component]

    assert pattern.search(name) is None
    assert pattern.search(f"{name}laptop{name}") is not None
    assert api_client.post(path, {"name": name}, format="json").status_code == 400
    assert api_client.post(path, {"name": f"{name}laptop"}, format="json").status_code == 201
