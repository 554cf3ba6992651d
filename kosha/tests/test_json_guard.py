"""The one JSON body guard (kosha/json_body.py) and the JSON error envelope under the
JSON doors (kosha/json_errors.py): the API and the anonymous drop-upload protocol."""

import json

import pytest
from django.test import Client

from kosha.json_body import MAX_DEPTH
from kosha.testing import factories
from storage.models import Folder, UploadSession

pytestmark = pytest.mark.django_db

DEEP_BODY = "[" * 100_000 + "]" * 100_000  # 200 KB: RecursionError in json.loads before the guard


@pytest.fixture
def drop_url(owner):
    inbox = factories.folder(owner, "Inbox")
    _link, token = factories.link(owner, inbox, is_drop=True)
    return f"/s/{token}/uploads/"


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


# --- depth ---------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_refused_on_the_api_with_400(owner_client, owner):
    response = owner_client.post("/api/v1/folders/", DEEP_BODY, content_type="application/json")

    error = _error(response, 400)
    assert error["code"] == "invalid"
    assert error["reason"] == "json_too_deep"
    assert not Folder.objects.filter(owner=owner).exists()


def test_json_nested_100000_deep_is_refused_on_the_drop_endpoint_with_400(client, drop_url, owner):
    response = client.post(drop_url, DEEP_BODY, content_type="application/json")

    assert _error(response, 400)["reason"] == "json_too_deep"
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_json_nested_exactly_to_the_limit_passes_the_guard(owner_client):
    body = '{"name": "x", "parent": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}"

    response = owner_client.post("/api/v1/folders/", body, content_type="application/json")

    # Past the guard: the typed input refuses a list as a parent (a folder id is a string).
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "parent"


def test_brackets_inside_strings_do_not_count_as_depth(owner_client, owner):
    name = "[" * 100 + "{" * 100

    response = owner_client.post("/api/v1/folders/", {"name": name}, format="json")

    assert response.status_code == 201
    assert Folder.objects.get(owner=owner).name == name


# --- size ----------------------------------------------------------------------------------


def test_body_over_the_limit_is_413_json_on_the_api(owner_client, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = owner_client.post("/api/v1/folders/", {"name": "a" * 2000}, format="json")

    error = _error(response, 413)
    assert error["code"] == "too_large"
    assert error["limit_bytes"] == 1000
    assert not Folder.objects.filter(owner=owner).exists()


def test_body_over_djangos_default_limit_is_413_json_not_an_html_400(owner_client):
    body = json.dumps({"name": "a" * 3_000_000})

    response = owner_client.post("/api/v1/folders/", body, content_type="application/json")

    assert _error(response, 413)["code"] == "too_large"


def test_body_over_the_limit_is_413_json_on_the_drop_endpoint(client, drop_url, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post(drop_url, {"name": "a" * 2000}, content_type="application/json")

    assert _error(response, 413)["code"] == "too_large"


def test_webhook_body_over_the_limit_is_413_json(api_client, settings):
    settings.KOSHA_STORAGE_WEBHOOK_SECRET = "s3cret"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api_client.post(
        "/api/v1/webhooks/storage/", "x" * 2000, content_type="application/json", HTTP_AUTHORIZATION="Bearer s3cret"
    )

    assert _error(response, 413)["code"] == "too_large"


# --- characters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escaped", "character"),
    [
        ("\\ud800", "U+D800"),  # a lone high surrogate
        ("\\udfff", "U+DFFF"),  # a lone low surrogate
        ("\\u0000", "U+0000"),  # NUL: PostgreSQL cannot store it
        ("\\ufffe", "U+FFFE"),  # a non-character
        ("\\ufdd0", "U+FDD0"),
        ("\\udbff\\udfff", "U+10FFFF"),  # the last non-character, as a valid surrogate pair
    ],
)
def test_a_string_holding_a_forbidden_character_is_400_invalid(owner_client, owner, escaped, character):
    body = '{"name": "' + escaped + 'x.txt"}'

    response = owner_client.post("/api/v1/folders/", body, content_type="application/json")

    error = _error(response, 400)
    assert error["code"] == "invalid"
    assert error["reason"] == "invalid_character"
    assert error["character"] == character
    assert character in error["message"]
    assert not Folder.objects.filter(owner=owner).exists()


def test_a_forbidden_character_in_a_key_or_a_nested_value_is_refused(owner_client):
    for body in ('{"\\ud800": 1, "name": "a"}', '{"name": "a", "parent": {"x": ["ok", "\\ud800"]}}'):
        response = owner_client.post("/api/v1/folders/", body, content_type="application/json")

        assert _error(response, 400)["reason"] == "invalid_character"


def test_a_lone_surrogate_on_the_drop_endpoint_is_400_invalid(client, drop_url, owner):
    body = '{"name": "\\ud800x.txt", "size": 1}'

    response = client.post(drop_url, body, content_type="application/json")

    assert _error(response, 400)["reason"] == "invalid_character"
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_a_lone_surrogate_in_a_share_email_is_400(owner_client, owner, collaborator):
    file = factories.stored_file(owner, "a.txt")
    body = '{"file": "' + str(file.pk) + '", "email": "\\ud800@example.com"}'

    response = owner_client.post("/api/v1/shares/", body, content_type="application/json")

    assert _error(response, 400)["reason"] == "invalid_character"


def test_a_body_that_is_not_utf8_is_400_malformed(owner_client):
    response = owner_client.post("/api/v1/folders/", b'{"name": "\xed\xa0\x80"}', content_type="application/json")

    assert _error(response, 400)["reason"] == "malformed_json"


@pytest.mark.parametrize(
    "body", ['{"name": "a.txt", "name": "b.txt"}', '{"name": "a.txt", "parent": {"x": 1, "x": 2}}']
)
def test_a_name_given_twice_in_one_object_is_400_malformed_and_changes_nothing(owner_client, owner, body):
    """RFC 8259 section 4: a parser may keep either value of a repeated name, so which one
    the client meant is unknown; the body is refused rather than the last one kept."""
    folder = factories.folder(owner, "a.txt")

    response = owner_client.patch(f"/api/v1/folders/{folder.pk}/", body, content_type="application/json")

    error = _error(response, 400)
    assert error["reason"] == "malformed_json"
    assert "twice" in error["message"]
    folder.refresh_from_db()
    assert folder.name == "a.txt"


def test_a_name_given_twice_on_the_drop_endpoint_is_400_malformed(client, drop_url, owner):
    body = '{"name": "a.txt", "size": 1, "size": 2}'

    response = client.post(drop_url, body, content_type="application/json")

    assert _error(response, 400)["reason"] == "malformed_json"
    assert not UploadSession.objects.filter(owner=owner).exists()


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["9223372036854775808", "-9223372036854775809", "1e400", "NaN", "Infinity"])
def test_a_number_no_column_can_hold_is_refused(owner_client, number):
    body = '{"name": "a.txt", "size": ' + number + "}"

    response = owner_client.post("/api/v1/uploads/", body, content_type="application/json")

    error = _error(response, 400)
    assert error["code"] == "invalid"
    assert error["reason"] in ("number_out_of_range", "malformed_json")


# --- the envelope for what Django answers itself -------------------------------------------


def test_unknown_api_url_is_a_json_404(owner_client):
    assert _error(owner_client.get("/api/v1/no-such-thing/"), 404)["code"] == "not_found"


def test_unknown_url_under_the_drop_protocol_is_a_json_404(client, drop_url):
    assert _error(client.get(f"{drop_url}a/b/c/d/"), 404)["code"] == "not_found"


def test_a_method_the_drop_view_does_not_take_is_a_json_405_with_allow(client, drop_url):
    response = client.put(drop_url, "{}", content_type="application/json")

    assert _error(response, 405)["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"


def test_csrf_refusal_on_the_drop_endpoint_is_a_json_403(drop_url):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(drop_url, {"name": "a.txt", "size": 1}, content_type="application/json")

    error = _error(response, 403)
    assert error["code"] == "csrf_failed"


def test_csrf_refusal_on_the_api_with_a_session_is_a_json_403(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)

    response = browser.post("/api/v1/folders/", {"name": "a"}, content_type="application/json")

    assert _error(response, 403)["code"] == "permission_denied"
    assert not Folder.objects.filter(owner=owner).exists()


def test_a_form_body_on_the_api_is_a_json_415(owner_client):
    response = owner_client.post("/api/v1/folders/", "name=a", content_type="application/x-www-form-urlencoded")

    assert _error(response, 415)["code"] == "unsupported_media_type"


def test_pages_keep_their_html_errors(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
