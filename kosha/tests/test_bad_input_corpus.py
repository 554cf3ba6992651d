"""A corpus of hand-made bad requests across the write endpoints and the lists (issue 10,
"Done when"): wrong types, huge numbers, bad Unicode, missing fields, bad cursors, bad
ids, bad bodies. Each answers a 4xx in the JSON error envelope and changes nothing: no
row, no stored object, no reservation, no activity."""

import json

import pytest

from accounts.models import ApiToken
from activity.models import ActivityEvent
from kosha.testing import factories
from kosha.testing.clients import api_as
from sharing.models import Share, ShareLink
from storage.models import File, FileVersion, Folder, FolderArchive, UploadSession
from storage.tests.protocol import usage_of

pytestmark = pytest.mark.django_db

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
BAD_NAMES = [
    None, 7, True, [], {}, "", ".", "..", "a/b", "a\\b", " lead.txt", "trail.txt ", "a\x00b", "a\x1fb",
    "\ud800x.txt", "a\ufffeb", "invoice\u202etxt.exe", "\ufeffbom.txt", "zero\u200bwidth", "a\u200db",
    "x" * 256, "é" * 128,
]  # fmt: skip
BAD_SIZES = [None, -1, "10", 1.5, True, [], 2**63, 2**64, 10**30]
BAD_IDS = ["nope", 7, True, [], UNKNOWN_ID, "stranger"]
BAD_CURSORS = ["garbage", "x" * 5000, "eyJ9", "%00", "\u202e"]
LISTS = [
    "/api/v1/folders/root/items/", "/api/v1/search/?q=report", "/api/v1/trash/", "/api/v1/share-links/",
    "/api/v1/shares/", "/api/v1/tokens/", "/api/v1/changes/", "/api/v1/shared-with-me/",
]  # fmt: skip


def _upload(**override):
    return {"name": "a.txt", "size": 3, "content_type": "text/plain", **override}


def _cases():
    cases = []
    for name in BAD_NAMES:
        cases += [
            ("post", "/api/v1/folders/", {"name": name}),
            ("patch", "/api/v1/folders/{folder}/", {"name": name}),
            ("patch", "/api/v1/files/{file}/", {"name": name}),
            *([("post", "/api/v1/files/{file}/copy/", {"name": name})] if name is not None else []),  # null: keep
            ("post", "/api/v1/uploads/", _upload(name=name)),
            ("drop", "/s/{drop}/uploads/", _upload(name=name)),
        ]
    for size in BAD_SIZES:
        cases += [("post", "/api/v1/uploads/", _upload(size=size)), ("drop", "/s/{drop}/uploads/", _upload(size=size))]
    for bad_id in BAD_IDS:
        cases += [
            ("post", "/api/v1/folders/", {"name": "x", "parent": bad_id}),
            ("patch", "/api/v1/folders/{folder}/", {"parent": bad_id}),
            ("patch", "/api/v1/files/{file}/", {"folder": bad_id}),
            ("post", "/api/v1/uploads/", _upload(folder=bad_id)),
            ("post", "/api/v1/share-links/", {"file": bad_id}),
            ("post", "/api/v1/shares/", {"folder": bad_id, "email": "someone@example.com"}),
        ]
    for bad_url in ("/api/v1/files/nope/", f"/api/v1/files/{UNKNOWN_ID}/", "/api/v1/files/{stranger_file}/"):
        cases += [("patch", bad_url, {"name": "x.txt"}), ("delete", bad_url, None)]
    cases += [
        ("patch", "/api/v1/folders/{folder}/", {"parent": "{folder}"}),  # into itself
        ("post", "/api/v1/uploads/", _upload(content_type=7)),
        ("post", "/api/v1/uploads/", _upload(sha256="zz")),
        ("post", "/api/v1/uploads/", _upload(sha256=7)),
        ("post", "/api/v1/uploads/", _upload(on_conflict="explode")),
        ("post", "/api/v1/uploads/", {"size": 3, "content_type": "text/plain"}),  # no name
        ("post", "/api/v1/uploads/", {"name": "a.txt", "content_type": "text/plain"}),  # no size
        ("post", "/api/v1/uploads/batch/", {"files": "all of them"}),
        ("post", "/api/v1/uploads/batch/", {"files": [_upload(size=-1)]}),
        ("post", "/api/v1/share-links/", {}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "folder": "{folder}"}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "expires_at": "2026-12-01"}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "expires_at": "2030-01-01T00:00:00"}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "expires_at": "1999-01-01T00:00:00Z"}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "expires_at": "2999-01-01T00:00:00Z"}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "max_downloads": 2**31}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "max_downloads": "5"}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "max_downloads": 0}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "password": "p" * 300}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "password": 1234}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "is_drop": "yes"}),
        ("post", "/api/v1/share-links/", {"file": "{file}", "is_drop": True}),  # a drop must be a folder
        ("post", "/api/v1/shares/", {"folder": "{folder}", "email": 7}),
        ("post", "/api/v1/shares/", {"folder": "{folder}", "email": "not an address"}),
        ("post", "/api/v1/shares/", {"folder": "{folder}", "email": "a@example.com", "role": "god"}),
        ("post", "/api/v1/shares/", {"folder": "{folder}"}),
        ("post", "/api/v1/tokens/", {}),
        ("post", "/api/v1/tokens/", {"name": "x" * 1000}),
        ("post", "/api/v1/tokens/", {"name": ["x"]}),
    ]
    for url in LISTS:
        joiner = "&" if "?" in url else "?"
        cases += [("get", f"{url}{joiner}cursor={cursor}", None) for cursor in BAD_CURSORS]
        cases += [("get", f"{url}{joiner}limit={limit}", None) for limit in ("0", "-1", "1e3", "99999999999", "١")]
    for raw in ("not json", "[1, 2]", '{"name": ', '"text"', "[" * 5000 + "]" * 5000, '{"name": "a", "name": 5}'):
        cases += [
            ("raw", "/api/v1/folders/", raw),
            ("raw", "/api/v1/uploads/", raw),
            ("rawdrop", "/s/{drop}/uploads/", raw),
        ]
    return cases


CASES = _cases()


def test_the_corpus_holds_at_least_a_hundred_cases():
    assert len(CASES) >= 100


def _fill(value, names: dict):
    if isinstance(value, str):
        if value == "stranger":
            return names["stranger_folder"]
        for key, filled in names.items():
            value = value.replace("{" + key + "}", filled)
        return value
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    return value


def _state(owner, objects_dir) -> dict:
    usage = usage_of(owner)
    return {
        "rows": [
            model.objects.count()
            for model in (Folder, File, FileVersion, UploadSession, ShareLink, Share, ApiToken, FolderArchive)
        ],
        "names": sorted(Folder.objects.values_list("name", "parent_id"))
        + sorted(File.objects.values_list("name", "folder_id")),
        "usage": (usage.used_bytes, usage.reserved_bytes, usage.file_count, usage.reserved_files),
        "events": ActivityEvent.objects.count(),
        "objects": sorted(str(path) for path in objects_dir.rglob("*") if path.is_file()),
    }


@pytest.fixture
def world(local_settings, owner, stranger):
    folder = factories.folder(owner, "Docs")
    file = factories.stored_file(owner, "report.txt", folder=folder)
    inbox = factories.folder(owner, "Inbox")
    _link, drop = factories.link(owner, inbox, is_drop=True)
    stranger_folder = factories.folder(stranger, "Theirs")
    stranger_file = factories.stored_file(stranger, "theirs.txt")
    names = {
        "folder": str(folder.pk),
        "file": str(file.pk),
        "drop": drop,
        "stranger_folder": str(stranger_folder.pk),
        "stranger_file": str(stranger_file.pk),
    }
    return names, local_settings.KOSHA_LOCAL_STORAGE_DIR


@pytest.mark.parametrize(("method", "url", "body"), CASES)
def test_bad_input_is_a_4xx_json_error_and_changes_nothing(world, owner, client, method, url, body):
    names, objects_dir = world
    url, body = _fill(url, names), _fill(body, names)
    before = _state(owner, objects_dir)
    api = api_as(owner)

    if method == "raw":
        response = api.post(url, body, content_type="application/json")
    elif method == "rawdrop":
        response = client.post(url, body, content_type="application/json")
    elif method == "drop":
        response = client.post(url, json.dumps(body), content_type="application/json")
    elif method in ("get", "delete"):
        response = getattr(api, method)(url)
    else:  # encoded here: json.dumps escapes a lone surrogate as JSON allows ("\ud800")
        response = getattr(api, method)(url, json.dumps(body), content_type="application/json")

    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert _state(owner, objects_dir) == before
