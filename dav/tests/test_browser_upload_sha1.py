"""Files that arrive through the presigned protocol (the browser, the API) never pass
through Kosha: a background task reads them from the store to compute the SHA-1 that
WebDAV serves in oc:checksums."""

import hashlib
import os

import pytest

from dav.tests.conftest import dav_client_for
from storage.models import File
from storage.services import recording
from storage.tasks import version_sha1_task, versions_sha1_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(recording, "task_enqueue_logged", lambda name, *args, **kwargs: calls.append((name, *args)))
    return calls


@pytest.mark.parametrize("store_name", ["local", "moto"])
def test_a_protocol_upload_gets_its_sha1_from_a_task_and_dav_serves_it(protocol, owner, queued, live_server):
    data = os.urandom(3 * 1024 * 1024 + 7)

    protocol.upload("report.bin", data)

    version = File.objects.get(owner=owner, name="report.bin").current_version
    assert version.sha1 == ""
    tasks = [call for call in queued if call[0] == "storage.tasks.version_sha1_task"]
    assert tasks == [("storage.tasks.version_sha1_task", str(version.pk))]

    assert version_sha1_task(str(version.pk)) is True

    version.refresh_from_db()
    assert version.sha1 == hashlib.sha1(data).hexdigest()
    dav = dav_client_for(owner, live_server=live_server)
    listing = dav.request("PROPFIND", "report.bin", headers={"Depth": "0"})
    assert f"SHA1:{version.sha1}" in listing.text


@pytest.mark.parametrize("store_name", ["local", "moto"])
def test_a_batch_upload_gets_its_sha1s_from_one_task_and_dav_serves_them(protocol, owner, queued, live_server):
    contents = {f"photo {number}.jpg": os.urandom(1000 + number) for number in range(3)}
    described = [
        {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in contents.items()
    ]
    started = protocol.batch_start(described)
    completed = protocol.batch_complete(protocol.batch_put(started.json()["files"], contents))
    assert [answer["status"] for answer in completed.json()["uploads"]] == [200] * 3

    versions = {file.name: file.current_version for file in File.objects.filter(owner=owner)}
    assert all(version.sha1 == "" for version in versions.values())
    tasks = [call for call in queued if call[0].endswith("sha1_task")]
    assert len(tasks) == 1
    assert tasks[0][0] == "storage.tasks.versions_sha1_task"
    assert sorted(tasks[0][1]) == sorted(str(version.pk) for version in versions.values())

    assert versions_sha1_task(tasks[0][1]) == 3

    dav = dav_client_for(owner, live_server=live_server)
    for name, data in contents.items():
        listing = dav.request("PROPFIND", name, headers={"Depth": "0"})
        assert f"SHA1:{hashlib.sha1(data).hexdigest()}" in listing.text


def test_a_dav_upload_needs_no_task(owner_dav, owner, queued):
    owner_dav.request("PUT", "a.txt", data=b"hello")

    assert [call for call in queued if call[0] == "storage.tasks.version_sha1_task"] == []
    assert File.objects.get(owner=owner, name="a.txt").current_version.sha1 == hashlib.sha1(b"hello").hexdigest()


def test_a_copy_carries_the_sha1_of_its_source_without_a_task(owner_dav, owner, queued):
    owner_dav.request("PUT", "a.txt", data=b"hello")

    response = owner_dav.request("COPY", "a.txt", headers={"Destination": owner_dav.url("b.txt")})

    assert response.status_code == 201
    copy = File.objects.get(owner=owner, name="b.txt").current_version
    assert copy.sha1 == hashlib.sha1(b"hello").hexdigest()
    assert [call for call in queued if call[0] == "storage.tasks.version_sha1_task"] == []
