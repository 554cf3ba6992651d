"""Bad input gets a clear 4xx JSON error and changes nothing; another user's objects are 404."""

import uuid

import pytest

from kosha.testing.bad_input import BAD_NAMES
from plans.models import Plan
from plans.services import usage_set_plan
from storage.models import Folder, UploadSession
from storage.tests.protocol import usage_of

pytestmark = pytest.mark.django_db

GOOD = {"name": "ok.txt", "size": 10, "content_type": "text/plain"}


def _assert_nothing_changed(owner):
    assert not UploadSession.objects.filter(owner=owner).exists()
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.reserved_files, usage.file_count) == (0, 0, 0, 0)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused(local_settings, owner_client, owner, name):
    response = owner_client.post("/api/v1/uploads/", {**GOOD, "name": name}, format="json")

    assert response.status_code == 400, response.content
    # NUL cannot pass the JSON body guard (kosha/json_body.py) in any string at all.
    expected = "invalid" if isinstance(name, str) and "\x00" in name else "invalid_name"
    assert response.json()["error"]["code"] == expected
    _assert_nothing_changed(owner)


def test_names_are_nfc_normalised_and_255_bytes_allowed(local_settings, owner_client):
    decomposed = "cafe\u0301.txt"
    longest = "é" * 127 + "x"  # 255 bytes

    first = owner_client.post("/api/v1/uploads/", {**GOOD, "name": decomposed}, format="json")
    second = owner_client.post("/api/v1/uploads/", {**GOOD, "name": longest}, format="json")

    assert first.status_code == second.status_code == 201
    assert UploadSession.objects.get(pk=first.json()["id"]).name == "caf\u00e9.txt"


@pytest.mark.parametrize(
    ("size", "status", "code"),
    [
        (-1, 400, "invalid"),
        (1.5, 400, "invalid"),
        ("10", 400, "invalid"),
        (True, 400, "invalid"),
        (None, 400, "invalid"),
        (5 * 1024**4 + 1, 400, "invalid"),
        (2 * 1024**3 + 1, 413, "quota_exceeded"),  # over the Free plan's max file size
        (5 * 1024**3 + 1, 413, "quota_exceeded"),
    ],
)
def test_bad_sizes_are_refused(local_settings, owner_client, owner, size, status, code):
    response = owner_client.post("/api/v1/uploads/", {**GOOD, "size": size}, format="json")

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    _assert_nothing_changed(owner)


def test_missing_fields_are_refused(local_settings, owner_client, owner):
    response = owner_client.post("/api/v1/uploads/", {"name": "a.txt"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "size" in response.json()["error"]["fields"]
    _assert_nothing_changed(owner)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("content_type", "not a type"),
        ("content_type", "text/html\r\nX-Evil: 1"),
        ("content_type", 7),
        ("sha256", "abc"),
        ("sha256", "g" * 64),
        ("on_conflict", "overwrite"),
    ],
)
def test_bad_fields_are_refused(local_settings, owner_client, owner, field, value):
    response = owner_client.post("/api/v1/uploads/", {**GOOD, field: value}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    _assert_nothing_changed(owner)


def _content_type_max_length(client) -> int:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    declared = schema["components"]["schemas"]["UploadStartInputRequest"]["properties"]["content_type"]
    return declared["anyOf"][0]["maxLength"]


def test_a_content_type_longer_than_the_schemas_max_length_is_refused_parameters_and_all(
    local_settings, owner_client, owner
):
    max_length = _content_type_max_length(owner_client)
    over = "text/plain; " + "x" * 400  # parameters are dropped, but the raw value is what the schema bounds

    response = owner_client.post("/api/v1/uploads/", {**GOOD, "content_type": over}, format="json")

    assert max_length == 255
    assert response.status_code == 400, response.content
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == ("invalid", "content_type")
    _assert_nothing_changed(owner)


def test_a_content_type_of_the_schemas_max_length_is_taken_without_its_parameters(local_settings, owner_client, owner):
    at_bound = "text/plain; charset=" + "x" * (_content_type_max_length(owner_client) - len("text/plain; charset="))

    response = owner_client.post("/api/v1/uploads/", {**GOOD, "content_type": at_bound}, format="json")

    assert response.status_code == 201, response.content
    assert UploadSession.objects.get(owner=owner).content_type == "text/plain"


def test_zero_byte_files_are_allowed(local_settings, owner_client):
    response = owner_client.post("/api/v1/uploads/", {**GOOD, "size": 0}, format="json")

    assert response.status_code == 201


def test_over_quota_is_refused_with_the_numbers_and_reserves_nothing(local_settings, owner_client, owner):
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="tiny", name="Tiny", storage_bytes=100, max_files=10, max_file_bytes=1000, versions_kept=1
        ),
    )

    response = owner_client.post("/api/v1/uploads/", {**GOOD, "size": 101}, format="json")

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["reason"] == "storage_bytes"
    assert (error["storage_bytes"], error["used_bytes"], error["reserved_bytes"], error["size_bytes"]) == (
        100,
        0,
        0,
        101,
    )
    _assert_nothing_changed(owner)


def test_file_count_limit_counts_pending_uploads(local_settings, owner_client, owner):
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="few", name="Few", storage_bytes=10**9, max_files=2, max_file_bytes=10**9, versions_kept=1
        ),
    )

    statuses = [
        owner_client.post("/api/v1/uploads/", {**GOOD, "name": f"{i}.txt"}, format="json").status_code for i in range(3)
    ]

    assert statuses == [201, 201, 413]


def test_another_users_folder_is_not_found(local_settings, owner_client, owner, stranger):
    theirs = Folder.objects.create(owner=stranger, name="Private")

    for folder in (str(theirs.pk), str(uuid.uuid4()), "not-a-uuid"):
        response = owner_client.post("/api/v1/uploads/", {**GOOD, "folder": folder}, format="json")
        assert response.status_code == 404, folder
        assert response.json()["error"]["code"] == "not_found"
    # A folder id is a string: a number is refused by the typed input, as the schema says.
    number = owner_client.post("/api/v1/uploads/", {**GOOD, "folder": 12}, format="json")
    assert (number.status_code, number.json()["error"]["field"]) == (400, "folder")
    _assert_nothing_changed(owner)


def test_another_users_upload_and_file_are_not_found(local_settings, owner_client, stranger_client, owner):
    started = owner_client.post("/api/v1/uploads/", GOOD, format="json").json()
    upload_id = started["id"]

    assert stranger_client.get(f"/api/v1/uploads/{upload_id}/").status_code == 404
    assert (
        stranger_client.post(f"/api/v1/uploads/{upload_id}/parts/", {"numbers": [1]}, format="json").status_code == 404
    )
    assert stranger_client.post(f"/api/v1/uploads/{upload_id}/complete/", {}, format="json").status_code == 404
    assert stranger_client.delete(f"/api/v1/uploads/{upload_id}/").status_code == 404
    assert stranger_client.get(f"/api/v1/uploads/{uuid.uuid4()}/").status_code == 404
    assert stranger_client.get("/api/v1/uploads/garbage/").status_code == 404
    assert UploadSession.objects.get(pk=upload_id).status == UploadSession.Status.PENDING
    assert usage_of(owner).reserved_bytes == GOOD["size"]


def test_another_users_file_is_not_found(local_settings, owner, stranger_client):
    from storage.models import File

    file = File.objects.create(owner=owner, name="secret.txt")

    assert stranger_client.get(f"/api/v1/files/{file.pk}/").status_code == 404
    assert stranger_client.get(f"/api/v1/files/{file.pk}/download/").status_code == 404


def test_anonymous_api_calls_are_refused(local_settings, api_client):
    for method, url in [
        ("post", "/api/v1/uploads/"),
        ("get", f"/api/v1/uploads/{uuid.uuid4()}/"),
        ("get", f"/api/v1/files/{uuid.uuid4()}/download/"),
    ]:
        response = getattr(api_client, method)(url, GOOD, format="json") if method == "post" else api_client.get(url)
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] == "not_authenticated"


def test_parts_requests_are_checked(local_settings, small_multipart, owner_client):
    single = owner_client.post("/api/v1/uploads/", GOOD, format="json").json()
    multi = owner_client.post("/api/v1/uploads/", {**GOOD, "size": 20 * 1024 * 1024}, format="json").json()

    assert (
        owner_client.post(f"/api/v1/uploads/{single['id']}/parts/", {"numbers": [1]}, format="json").status_code == 409
    )
    for numbers in ([], [0], [4], ["1"], [True], "1", list(range(1, 102))):
        response = owner_client.post(f"/api/v1/uploads/{multi['id']}/parts/", {"numbers": numbers}, format="json")
        assert response.status_code == 400, numbers
    for parts in ([], [{"number": 1, "etag": "a"}], [{"number": "1", "etag": "a"}], "x"):
        response = owner_client.post(f"/api/v1/uploads/{multi['id']}/complete/", {"parts": parts}, format="json")
        assert response.status_code == 400, parts


def test_malformed_json_is_a_400(local_settings, owner_client):
    response = owner_client.post("/api/v1/uploads/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "error" in response.json()
