"""Batch uploads: many files started and completed in one request each, per-file answers,
on the local store and on S3 (moto), bytes sent by plain HTTP as a browser would."""

import hashlib
import os

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activity.models import ActivityEvent
from kosha.testing import factories
from kosha.testing.clients import api_as
from notifications.models import Kind, Notification
from plans.models import Plan
from plans.services import usage_set_plan
from storage.api.batch import UploadBatchThrottle
from storage.models import File, FileVersion, UploadSession
from storage.tests.protocol import ProtocolClient, assert_usage_consistent, usage_of

pytestmark = pytest.mark.django_db

LOCAL_AND_S3 = pytest.mark.parametrize("store_name", ["local", "moto"])


def _files(count: int, *, prefix: str = "photo", size: int = 1024) -> dict[str, bytes]:
    return {f"{prefix} {number:04d}.jpg": os.urandom(size) for number in range(count)}


def _described(contents: dict[str, bytes], *, sha256: bool = True) -> list[dict]:
    return [
        {
            "name": name,
            "size": len(data),
            "content_type": "application/octet-stream",
            **({"sha256": hashlib.sha256(data).hexdigest()} if sha256 else {}),
        }
        for name, data in contents.items()
    ]


def _upload_all(protocol: ProtocolClient, contents: dict[str, bytes], folder=None) -> list[dict]:
    started = protocol.batch_start(_described(contents), folder=folder)
    assert started.status_code == 200, started.json()
    ids = protocol.batch_put(started.json()["files"], contents)
    completed = protocol.batch_complete(ids)
    assert completed.status_code == 200, completed.json()
    return completed.json()["uploads"]


@LOCAL_AND_S3
def test_a_batch_records_every_file_with_its_bytes_usage_and_activity(protocol, owner):
    contents = _files(12)

    answers = _upload_all(protocol, contents)

    assert [answer["status"] for answer in answers] == [200] * 12
    assert [answer["file"]["name"] for answer in answers] == list(contents)
    assert all(answer["file"]["version"] == 1 for answer in answers)
    assert File.objects.filter(owner=owner).count() == 12
    usage = usage_of(owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count) == (12 * 1024, 0, 12)
    assert_usage_consistent(owner)
    assert ActivityEvent.objects.filter(owner_id=owner.pk, kind=ActivityEvent.Kind.UPLOAD_COMPLETED).count() == 12
    version = FileVersion.objects.get(file_id=answers[3]["file"]["id"])
    assert version.sha256 == hashlib.sha256(contents["photo 0003.jpg"]).hexdigest()
    assert version.created_by_id == owner.pk
    redirect = protocol.api.get(f"/api/v1/files/{answers[3]['file']['id']}/download/")
    assert redirect.status_code == 302
    assert requests.get(protocol.absolute(redirect["Location"]), timeout=30).content == contents["photo 0003.jpg"]


def _queries(protocol: ProtocolClient, count: int) -> tuple[int, int]:
    """The queries of a batch start and of its complete, for count new files.

    Each count is taken as its block ends: CaptureQueriesContext slices the connection's
    query log when asked, and on SQLite's in-memory test database the live server
    shares this connection, so the PUTs in between clear that log (request_started)
    and a count taken after them reads a slice of other queries, or none."""
    contents = _files(count, prefix=f"n{count}", size=64)
    with CaptureQueriesContext(connection) as start_queries:
        started = protocol.batch_start(_described(contents))
    start_count = len(start_queries)
    assert started.status_code == 200, started.json()
    ids = protocol.batch_put(started.json()["files"], contents)
    with CaptureQueriesContext(connection) as complete_queries:
        completed = protocol.batch_complete(ids)
    complete_count = len(complete_queries)
    assert [answer["status"] for answer in completed.json()["uploads"]] == [200] * count
    return start_count, complete_count


def _with_space_lock(count: int) -> int:
    """count on PostgreSQL; one less on SQLite, where a recording takes no space lock
    (storage/locks.py)."""
    return count if connection.vendor == "postgresql" else count - 1


@LOCAL_AND_S3
def test_start_and_complete_cost_the_same_queries_for_10_and_50_files(protocol, owner, tasks_queued):
    # New files at the root of the space, every one recorded in bulk; the token is cached.
    # start: the two name checks, BEGIN, the Usage lock and its UPDATE, the sessions'
    # INSERT (one statement on SQLite too: kosha/sqlite_params.py), COMMIT.
    # complete: the sessions, BEGIN, the owner's space lock (exclusive; PostgreSQL only,
    # storage/locks.py), the session locks, the name checks (2), the Usage lock (last in
    # the order), the Usage UPDATE, the files' INSERT, the versions' INSERT, the
    # sessions' UPDATE, the activity INSERT, COMMIT.
    assert _queries(protocol, 10) == _queries(protocol, 50) == (7, _with_space_lock(13))
    assert_usage_consistent(owner)
    # The SHA-1s of the files (WebDAV's oc:checksums) are one task per complete, not one a file.
    assert tasks_queued == ["storage.tasks.versions_sha1_task"] * 2


def _version_queries(protocol: ProtocolClient, count: int) -> int:
    """The queries of a batch complete that adds a version to each of count live files."""
    names = list(_files(count, prefix=f"v{count}", size=64))
    for _round in range(2):
        contents = {name: os.urandom(64) for name in names}
        started = protocol.batch_start(_described(contents))
        ids = protocol.batch_put(started.json()["files"], contents)
        with CaptureQueriesContext(connection) as complete_queries:
            completed = protocol.batch_complete(ids)
        answers = completed.json()["uploads"]
        assert [answer["status"] for answer in answers] == [200] * count
    assert {answer["file"]["version"] for answer in answers} == {2}
    return len(complete_queries)


@pytest.mark.parametrize("store_name", ["local"])
def test_a_batch_of_new_versions_costs_the_same_queries_for_10_and_50_files(protocol, owner, tasks_queued):
    # complete: the sessions, BEGIN, the owner's space lock (PostgreSQL), the session
    # locks, the name checks (2), the Usage lock, the Usage UPDATE, the last version
    # numbers, the versions' INSERT, the files' UPDATE, the sessions' UPDATE, the activity
    # INSERT, COMMIT (no files' INSERT: no file is new; the token is cached).
    assert _version_queries(protocol, 10) == _version_queries(protocol, 50) == _with_space_lock(14)
    assert FileVersion.objects.filter(file__owner=owner).count() == 2 * 60
    assert_usage_consistent(owner)


@LOCAL_AND_S3
def test_one_bad_file_gets_its_own_error_and_the_others_start(protocol, owner):
    factories.folder(owner, "Albums")
    factories.stored_file(owner, "kept.txt", b"old")
    plan = usage_of(owner).plan
    files = [
        {"name": "good one.txt", "size": 5},
        {"name": "a/b", "size": 5},
        {"name": "Albums", "size": 5},
        {"name": "kept.txt", "size": 5, "on_conflict": "fail"},
        {"name": "good one.txt", "size": 5},
        {"name": "huge.bin", "size": plan.max_file_bytes + 1},
        {"name": "bad type.txt", "size": 5, "content_type": "not a type"},
        {"name": "kept.txt", "size": 3},
    ]

    answer = protocol.batch_start(files)

    assert answer.status_code == 200, answer.json()
    results = answer.json()["files"]
    assert [r["status"] for r in results] == [201, 400, 409, 409, 409, 413, 400, 201]
    assert [r.get("error", {}).get("code") for r in results] == [
        None,
        "invalid_name",
        "conflict",
        "conflict",
        "conflict",
        "quota_exceeded",
        "invalid",
        None,
    ]
    assert results[2]["error"]["reason"] == "name_taken_by_folder"
    assert results[3]["error"]["reason"] == results[4]["error"]["reason"] == "name_taken"
    assert results[5]["error"]["reason"] == "max_file_bytes"
    sessions = UploadSession.objects.filter(owner=owner, status="pending").order_by("name")
    assert [(s.name, s.reserved_files) for s in sessions] == [("good one.txt", 1), ("kept.txt", 0)]
    assert_usage_consistent(owner)


@pytest.mark.parametrize("store_name", ["local"])
def test_an_over_long_field_is_that_files_error_as_the_single_start_answers_it(protocol, owner):
    over_long = [
        {"name": "n" * 1025, "size": 5},
        {"name": "n" * 500_000, "size": 5},  # the body's size is the only bound of the text
        {"name": "type.txt", "size": 5, "content_type": "text/" + "p" * 300},
        {"name": "sum.txt", "size": 5, "sha256": "a" * 65},
        # Parameters are dropped from a MIME type, but the raw value is bounded (255, the
        # single start's schema maxLength), parameters and all.
        {"name": "long params.txt", "size": 3, "content_type": "text/plain; " + "x" * 400},
    ]
    at_bound = {"name": "params.txt", "size": 3, "content_type": "text/plain; " + "x" * (255 - len("text/plain; "))}
    files = [{"name": "good.txt", "size": 5}, *over_long, at_bound, {"name": "also good.txt", "size": 7}]

    answer = protocol.batch_start(files)

    assert answer.status_code == 200, str(answer.json())[:500]
    results = answer.json()["files"]
    assert [r["status"] for r in results] == [201, 400, 400, 400, 400, 400, 201, 201]
    assert all(r["upload"]["url"] for r in results if r["status"] == 201)
    for sent, result in zip(over_long, results[1:6], strict=True):
        assert result["name"] == sent["name"]
        single = protocol.start(**sent)
        assert single.status_code == 400
        assert result["error"] == single.json()["error"]
    assert [r["error"]["code"] for r in results[1:6]] == [
        "invalid_name",
        "invalid_name",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert results[5]["error"]["field"] == "content_type"
    assert UploadSession.objects.get(owner=owner, name="params.txt").content_type == "text/plain"
    sessions = UploadSession.objects.filter(owner=owner)
    assert sorted(sessions.values_list("name", flat=True)) == ["also good.txt", "good.txt", "params.txt"]
    usage = usage_of(owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (5 + 3 + 7, 3)
    assert_usage_consistent(owner)


@pytest.mark.parametrize("store_name", ["local"])
def test_a_batch_that_fills_the_storage_tells_its_owner_once(protocol, owner, django_capture_on_commit_callbacks):
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="tiny", name="Tiny", storage_bytes=1000, max_files=10, max_file_bytes=1000, versions_kept=2
        ),
    )

    with django_capture_on_commit_callbacks(execute=True):
        _upload_all(protocol, _files(4, size=200))  # 80 % full

    assert list(Notification.objects.filter(user=owner, kind=Kind.QUOTA).values_list("about", flat=True)) == ["80"]


@LOCAL_AND_S3
def test_quota_is_decided_file_by_file_in_request_order(protocol, owner):
    usage_set_plan(
        user=owner,
        plan=Plan.objects.create(
            code="tiny", name="Tiny", storage_bytes=100, max_files=10, max_file_bytes=100, versions_kept=2
        ),
    )

    answer = protocol.batch_start([{"name": n, "size": s} for n, s in [("a", 60), ("b", 50), ("c", 40), ("d", 1)]])

    results = answer.json()["files"]
    assert [r["status"] for r in results] == [201, 413, 201, 413]
    assert results[1]["error"]["reason"] == "storage_bytes"
    assert results[3]["error"]["reason"] == "storage_bytes"
    usage = usage_of(owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (100, 2)
    assert_usage_consistent(owner)


@LOCAL_AND_S3
def test_completing_again_answers_the_same_files_and_records_nothing_more(protocol, owner):
    contents = _files(3)
    started = protocol.batch_start(_described(contents)).json()["files"]
    ids = protocol.batch_put(started[:2], contents)
    late = started[2]["upload"]

    first = protocol.batch_complete([*ids, late["id"]]).json()["uploads"]
    protocol.put(late["url"], contents["photo 0002.jpg"], late["headers"])
    second = protocol.batch_complete([*ids, late["id"]]).json()["uploads"]
    third = protocol.batch_complete([*ids, late["id"]]).json()["uploads"]

    assert [r["status"] for r in first] == [200, 200, 409]
    assert first[2]["error"]["reason"] == "upload_incomplete"
    assert [r["status"] for r in second] == [r["status"] for r in third] == [200, 200, 200]
    assert [r["file"] for r in second] == [r["file"] for r in third]
    assert [r["file"] for r in first[:2]] == [r["file"] for r in third[:2]]
    assert FileVersion.objects.filter(file__owner=owner).count() == 3
    assert usage_of(owner).used_bytes == 3 * 1024
    assert_usage_consistent(owner)


@LOCAL_AND_S3
def test_a_file_of_an_existing_name_becomes_its_next_version(protocol, owner):
    factories.stored_file(owner, "photo 0000.jpg", b"v1")
    contents = _files(2)

    answers = _upload_all(protocol, contents)

    assert [a["file"]["version"] for a in answers] == [2, 1]
    assert File.objects.filter(owner=owner).count() == 2
    assert_usage_consistent(owner)


@LOCAL_AND_S3
def test_each_file_of_a_batch_has_its_own_on_conflict(protocol, owner):
    # The web app's batch: files asked about ("fail") beside files the user chose for.
    for name in ("asked.txt", "replaced.txt", "kept.txt"):
        factories.stored_file(owner, name, b"old")
    contents = {"asked.txt": b"new 1", "replaced.txt": b"new 22", "kept.txt": b"new 333", "free.txt": b"new 4444"}
    policies = {"asked.txt": "fail", "replaced.txt": "version", "kept.txt": "rename", "free.txt": "fail"}
    described = [{**item, "on_conflict": policies[item["name"]]} for item in _described(contents)]
    reserved_before = usage_of(owner).reserved_bytes

    started = protocol.batch_start(described)

    results = started.json()["files"]
    assert [r["status"] for r in results] == [409, 201, 201, 201]
    assert results[0]["error"] == {
        "code": "conflict",
        "message": "A file with this name already exists here.",
        "reason": "name_taken",
        "name": "asked.txt",
    }
    # The refused file reserves nothing: only the three started ones hold quota.
    assert usage_of(owner).reserved_bytes - reserved_before == 6 + 7 + 8
    answers = protocol.batch_complete(protocol.batch_put(results[1:], contents)).json()["uploads"]
    assert [(a["file"]["name"], a["file"]["version"]) for a in answers] == [
        ("replaced.txt", 2),
        ("kept (2).txt", 1),
        ("free.txt", 1),
    ]
    assert File.objects.get(owner=owner, name="asked.txt").versions.count() == 1
    assert_usage_consistent(owner)


@LOCAL_AND_S3
def test_a_wrong_size_fails_that_file_only_and_gives_its_reservation_back(protocol, owner):
    contents = _files(2)
    started = protocol.batch_start(_described(contents, sha256=False)).json()["files"]
    protocol.batch_put(started[:1], contents)
    # The local store does not sign the length: send a short body to the second URL.
    short = started[1]["upload"]
    protocol.put(short["url"], b"short", {**short["headers"], "Content-Length": "5"})

    answers = protocol.batch_complete([s["upload"]["id"] for s in started]).json()["uploads"]

    statuses = [a["status"] for a in answers]
    assert statuses[0] == 200
    # S3 refuses a body of another length than the one signed: nothing arrived (409);
    # the local store takes it and the complete finds the wrong size (422).
    assert statuses[1] in (409, 422)
    if statuses[1] == 422:
        assert answers[1]["error"]["reason"] == "size_mismatch"
        assert UploadSession.objects.get(pk=short["id"]).status == UploadSession.Status.FAILED
    assert File.objects.filter(owner=owner).count() == 1
    assert_usage_consistent(owner)


@pytest.mark.parametrize("store_name", ["local"])
def test_an_editor_uploads_into_a_shared_folder_on_the_owners_quota_and_strangers_get_404(
    store, live_server, owner, collaborator, stranger
):
    shared = factories.folder(owner, "Team")
    factories.share(owner, shared, collaborator, role="editor")
    editor = ProtocolClient(api=api_as(collaborator), base_url=live_server.url)
    outsider = ProtocolClient(api=api_as(stranger), base_url=live_server.url)
    contents = _files(3)

    refused = outsider.batch_start(_described(contents), folder=shared.pk)
    started = editor.batch_start(_described(contents), folder=shared.pk).json()["files"]
    ids = editor.batch_put(started, contents)
    stolen = outsider.batch_complete([*ids, "not-an-id", "00000000-0000-0000-0000-000000000000"]).json()["uploads"]
    done = editor.batch_complete(ids).json()["uploads"]

    assert refused.status_code == 404
    assert [s["status"] for s in stolen] == [404] * 5
    assert {s["error"]["code"] for s in stolen} == {"not_found"}
    assert [d["status"] for d in done] == [200] * 3
    assert File.objects.filter(owner=owner, folder=shared).count() == 3
    assert usage_of(owner).used_bytes == 3 * 1024
    assert usage_of(collaborator).used_bytes == 0
    assert set(FileVersion.objects.filter(file__folder=shared).values_list("created_by", flat=True)) == {
        collaborator.pk
    }
    assert_usage_consistent(owner)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({}, "no files"),
        ({"files": []}, "empty"),
        ({"files": "a.txt"}, "not a list"),
        ({"files": [{"name": "a.txt"}]}, "no size"),
        ({"files": [{"name": "a.txt", "size": -1}]}, "negative size"),
        ({"files": [{"name": "a.txt", "size": "ten"}]}, "size not a number"),
        ({"files": [{"name": ["a"], "size": 1}]}, "name not a string"),
        ({"files": [{"name": "a.txt", "size": 1, "on_conflict": "merge"}]}, "unknown on_conflict"),
        ({"files": [{"name": "a.txt", "size": 1}], "folder": "nope"}, "folder not an id"),
        ({"files": [{"name": f"{n}.txt", "size": 1} for n in range(501)]}, "over the limit"),
        ([{"name": "a.txt", "size": 1}], "not an object"),
    ],
)
def test_a_malformed_batch_is_a_400_and_starts_nothing(local_settings, owner_client, owner, body, why):
    response = owner_client.post("/api/v1/uploads/batch/", body, format="json")

    assert response.status_code == 400, why
    assert response.json()["error"]["code"] == "invalid", why
    assert not UploadSession.objects.filter(owner=owner).exists()
    usage = usage_of(owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (0, 0)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({}, "no uploads"),
        ({"uploads": []}, "empty"),
        ({"uploads": "abc"}, "not a list"),
        ({"uploads": [{"id": "abc"}]}, "not strings"),
        ({"uploads": ["00000000-0000-0000-0000-000000000000"] * 501}, "over the limit"),
    ],
)
def test_a_malformed_batch_complete_is_a_400_and_records_nothing(local_settings, owner_client, owner, body, why):
    pending = factories.pending_upload(owner)

    response = owner_client.post("/api/v1/uploads/batch/complete/", body, format="json")

    assert response.status_code == 400, why
    assert response.json()["error"]["code"] == "invalid", why
    assert UploadSession.objects.get(pk=pending.pk).status == UploadSession.Status.PENDING
    assert not File.objects.filter(owner=owner).exists()


def test_a_multipart_file_gets_part_instructions_and_completes_alone(local_settings, owner_client, owner, settings):
    settings.KOSHA_MULTIPART_THRESHOLD_BYTES = 5 * 1024 * 1024

    started = owner_client.post(
        "/api/v1/uploads/batch/",
        {"files": [{"name": "small.txt", "size": 3}, {"name": "big.bin", "size": 12 * 1024 * 1024}]},
        format="json",
    ).json()["files"]
    big = started[1]["upload"]
    completed = owner_client.post("/api/v1/uploads/batch/complete/", {"uploads": [big["id"]]}, format="json")

    assert started[0]["upload"]["strategy"] == "single"
    assert (big["strategy"], big["part_size"], big["part_count"]) == ("multipart", 8 * 1024 * 1024, 2)
    assert completed.json()["uploads"][0]["status"] == 400
    assert UploadSession.objects.get(pk=big["id"]).status == UploadSession.Status.PENDING


def test_a_thousand_file_folder_through_batches_is_not_throttled_but_a_loop_on_them_is(
    local_settings, owner_client, owner
):
    rate = UploadBatchThrottle().num_requests
    # What the browser sends for 1,000 small files: batches of 100 (upload-batch.js), so
    # 10 starts and 10 completes (here before any byte arrived: each file answers 409).
    started = []
    for batch in range(10):
        files = [{"name": f"IMG_{batch}{number:03d}.jpg", "size": 1} for number in range(100)]
        answer = owner_client.post("/api/v1/uploads/batch/", {"files": files}, format="json")
        assert answer.status_code == 200
        started.append([entry["upload"]["id"] for entry in answer.json()["files"]])
    for ids in started:
        answer = owner_client.post("/api/v1/uploads/batch/complete/", {"uploads": ids}, format="json")
        assert answer.status_code == 200
        assert {entry["status"] for entry in answer.json()["uploads"]} == {409}

    # A client looping on batches is stopped at the rate, with a Retry-After.
    statuses = [
        owner_client.post("/api/v1/uploads/batch/", {}, format="json").status_code for _ in range(rate - 20 + 1)
    ]

    assert set(statuses[:-1]) == {400}
    assert statuses[-1] == 429
    refused = owner_client.post("/api/v1/uploads/batch/complete/", {"uploads": started[0]}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert UploadSession.objects.filter(owner=owner).count() == 1000


def test_a_session_ended_meanwhile_gets_its_own_statuss_message(local_settings, owner):
    from kosha.errors import UploadAborted, UploadFailed
    from kosha.origin import TASK
    from storage.services.uploads.batch import uploads_complete_batch

    uploads = [factories.pending_upload(owner, f"{name}.txt", b"bytes") for name in ("failed", "aborted", "kept")]
    # Ended after the door read them, before the batch locked them.
    UploadSession.objects.filter(pk=uploads[0].pk).update(status=UploadSession.Status.FAILED)
    UploadSession.objects.filter(pk=uploads[1].pk).update(status=UploadSession.Status.ABORTED)

    results = uploads_complete_batch(actor=owner, uploads=uploads, origin=TASK)

    assert isinstance(results[uploads[0].pk], UploadFailed)
    assert results[uploads[0].pk].as_dict()["message"] == UploadFailed.default_message
    assert results[uploads[1].pk].as_dict()["message"] == UploadAborted.default_message
    assert results[uploads[2].pk].file.name == "kept.txt"


def test_a_completed_upload_whose_version_was_deleted_meanwhile_answers_as_the_single_complete(local_settings, owner):
    from kosha.errors import UploadCompleted
    from kosha.origin import TASK
    from storage.services.uploads import upload_complete
    from storage.services.uploads.batch import uploads_complete_batch

    first = factories.pending_upload(owner, "kept.txt", b"one")
    upload_complete(actor=owner, upload=first, origin=TASK)
    factories.stored_file(owner, "kept.txt", b"two")  # its second version
    # As the door read it (completed, its version id set); then the old version is pruned.
    read = UploadSession.objects.get(pk=first.pk)
    FileVersion.objects.filter(pk=read.version_id).delete()

    results = uploads_complete_batch(actor=owner, uploads=[read], origin=TASK)

    # What the single complete answers for a completed session that lost its version.
    assert isinstance(results[read.pk], UploadCompleted)


def test_a_single_complete_of_an_upload_whose_version_was_deleted_meanwhile_is_a_409_not_a_500(local_settings, owner):
    # The same race on the single complete's two paths: the session read as completed
    # (its version id set), and read as still pending by a complete that then waits for
    # the session's lock while another complete records it and the version is deleted.
    from kosha.errors import UploadCompleted
    from kosha.origin import TASK
    from storage.services.uploads import upload_complete

    completed = factories.pending_upload(owner, "kept.txt", b"one")
    stale_pending = UploadSession.objects.get(pk=completed.pk)
    upload_complete(actor=owner, upload=completed, origin=TASK)
    factories.stored_file(owner, "kept.txt", b"two")  # its second version
    read_completed = UploadSession.objects.get(pk=completed.pk)
    FileVersion.objects.filter(pk=read_completed.version_id).delete()
    usage_before = usage_of(owner)

    with pytest.raises(UploadCompleted):
        upload_complete(actor=owner, upload=read_completed, origin=TASK)
    with pytest.raises(UploadCompleted):
        upload_complete(actor=owner, upload=stale_pending, origin=TASK)

    assert usage_of(owner) == usage_before
    assert UploadSession.objects.get(pk=completed.pk).status == UploadSession.Status.COMPLETED
