"""The replica store and read failover (issue 16), against two real S3 servers on
loopback: moto as the primary (its own server, which a test stops and starts again; moto
keeps its buckets in the process, so they survive) and SeaweedFS as the replica."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from accounts.models import User
from kosha.metrics import metrics_render
from kosha.testing import factories
from kosha.testing.fixtures.stores import use_s3_bucket
from storage.backends import get_backend
from storage.backends.replica import PrimaryDown, ReplicatingBackend
from storage.models import FileVersion, FolderArchive
from storage.services.account_purge import account_purge
from storage.services.replication import (
    replicas_verify,
    replication_backlog,
    replication_backlog_drain,
    version_replicate,
)
from storage.tests.stores import ACCESS_KEY, SECRET_KEY, SeaweedFS, bucket_empty, s3_client

PROBE_SECONDS = 1
PRIMARY_BUCKET = "kosha-primary"


@pytest.fixture(scope="module")
def primary_server(tmp_path_factory):
    """A SeaweedFS of its own as the primary: a process a test kills and starts again on the
    same ports and data directory (moto would keep serving open connections)."""
    server = SeaweedFS(tmp_path_factory.mktemp("primary"))
    server.start()
    s3_client(server.endpoint).create_bucket(Bucket=PRIMARY_BUCKET)
    yield server
    server.stop()


@pytest.fixture
def replica_settings(settings, primary_server, s3_settings):
    """The SeaweedFS above is the primary, a fresh bucket on moto the replica; the breaker
    opens after two failures and probes every second."""
    if primary_server.process is None or primary_server.process.poll() is not None:
        primary_server.start()
    replica_endpoint, replica_bucket = settings.KOSHA_S3_ENDPOINT_URL, settings.KOSHA_S3_BUCKET
    use_s3_bucket(
        settings, endpoint=primary_server.endpoint, bucket=PRIMARY_BUCKET, access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    settings.KOSHA_REPLICA_STORAGE = "s3"
    settings.KOSHA_REPLICA_S3_ENDPOINT_URL = replica_endpoint
    settings.KOSHA_REPLICA_S3_BUCKET = replica_bucket
    settings.KOSHA_REPLICA_S3_ACCESS_KEY_ID = "testing"
    settings.KOSHA_REPLICA_S3_SECRET_ACCESS_KEY = "testing"  # noqa: S105
    settings.KOSHA_REPLICA_FAILURE_THRESHOLD = 2
    settings.KOSHA_REPLICA_PROBE_SECONDS = PROBE_SECONDS
    get_backend.cache_clear()
    yield settings
    get_backend.cache_clear()
    if primary_server.process.poll() is not None:
        primary_server.start()
    bucket_empty(s3_client(primary_server.endpoint), PRIMARY_BUCKET)


def _download(client, file_id) -> bytes:
    """Ask for the file and fetch the URL, as a browser does; a URL signed for the primary
    just before it died fails to connect, and asking again (within one probe interval, by
    then the breaker knows) is answered from the replica."""
    for _attempt in range(20):
        redirect = client.get(f"/api/v1/files/{file_id}/download/")
        assert redirect.status_code == 302, redirect.content
        try:
            answer = requests.get(redirect["Location"], timeout=30)
        except requests.ConnectionError:
            time.sleep(PROBE_SECONDS / 4)
            continue
        assert answer.status_code == 200, answer.text
        return answer.content
    raise AssertionError("no download within 20 attempts")


def _wait_until(predicate, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_downloads_keep_working_from_the_replica_while_the_primary_is_down(
    replica_settings, primary_server, owner, owner_client
):
    backend = get_backend()
    assert isinstance(backend, ReplicatingBackend)
    files = {factories.stored_file(owner, f"f{n}.txt", f"bytes of file {n}".encode()).pk: n for n in range(6)}
    for key in FileVersion.objects.filter(file_id__in=files).values_list("key", flat=True):
        assert backend.replicate(key=key) is True

    served = []
    for index, (file_id, n) in enumerate(files.items()):
        if index == 2:
            primary_server.stop()  # SIGKILL in the middle of the run of downloads
        served.append(_download(owner_client, file_id) == f"bytes of file {n}".encode())
    assert all(served)
    assert backend.breaker.is_open

    # Uploads wait for the primary: a 503 that says so, with Retry-After.
    started = owner_client.post(
        "/api/v1/uploads/", {"name": "new.txt", "size": 3, "content_type": "text/plain"}, format="json"
    )
    assert started.status_code == 503, started.content
    assert started.json()["error"]["reason"] == "primary_down"
    assert started["Retry-After"] == "30"

    primary_server.start()
    _wait_until(backend.breaker.allows)
    assert _download(owner_client, next(iter(files))) == b"bytes of file 0"
    started = owner_client.post(
        "/api/v1/uploads/", {"name": "new.txt", "size": 3, "content_type": "text/plain"}, format="json"
    )
    assert started.status_code == 201, started.content


@pytest.mark.django_db(transaction=True)
def test_a_file_not_replicated_yet_is_a_503_not_a_404_while_the_primary_is_down(
    replica_settings, primary_server, owner, owner_client
):
    stored = factories.stored_file(owner, "late.txt", b"not copied yet")
    backend = get_backend()
    _not_replicated_yet(backend)
    backend.breaker.trip()
    primary_server.stop()
    answer = owner_client.get(f"/api/v1/files/{stored.pk}/download/")
    assert answer.status_code == 503, answer.content
    with pytest.raises(PrimaryDown):
        backend.head(key=stored.current_version.key)


@pytest.mark.django_db(transaction=True)
def test_deletes_reach_both_stores_and_a_listing_covers_both(replica_settings, owner):
    backend = get_backend()
    stored = factories.stored_file(owner, "gone.txt", b"to be deleted")
    key = stored.current_version.key
    assert backend.replicate(key=key)
    assert backend.replica.head(key=key).size_bytes == len(b"to be deleted")

    backend.replica.put_bytes(key=f"{key}-extra", data=b"only in the replica", content_type="text/plain")
    prefix = key.rsplit("/", 1)[0]
    listed = {item.key for item in backend.list_prefix(prefix=prefix)}
    assert {key, f"{key}-extra"} <= listed

    backend.delete(keys=[key, f"{key}-extra"])
    assert backend.primary.head(key=key) is None
    assert backend.replica.head(key=key) is None
    assert backend.replica.head(key=f"{key}-extra") is None


def _not_replicated_yet(backend) -> None:
    """As if the worker had not copied anything yet: the replica empty, every version in
    the backlog (the tasks run inline in tests, right after commit)."""
    backend.replica.delete_prefix(prefix="users/")
    FileVersion.objects.update(replicated_at=None)


def _objects(store) -> dict[str, int]:
    return {listed.key: listed.size_bytes for listed in store.list_prefix(prefix="users/")}


@pytest.mark.django_db(transaction=True)
def test_the_backlog_drains_when_the_primary_returns_and_rows_equal_objects_in_each_store(
    replica_settings, primary_server, owner
):
    backend = get_backend()
    files = [factories.stored_file(owner, f"b{n}.txt", b"x" * (n + 1)) for n in range(5)]
    # The worker copied each after its commit.
    assert replication_backlog().versions == 0
    assert _objects(backend.replica) == _objects(backend.primary)
    _not_replicated_yet(backend)
    assert replication_backlog().versions == 5
    assert b"kosha_replication_backlog 5.0" in metrics_render()

    primary_server.stop()
    assert version_replicate(files[0].current_version_id) is False
    retry = Schedule.objects.get(func="storage.tasks.version_replicate_task")
    assert retry.args == repr((str(files[0].current_version_id), 1))
    assert replication_backlog_drain() == 0
    assert replication_backlog().versions == 5

    primary_server.start()
    _wait_until(backend.breaker.allows)
    assert replication_backlog_drain() == 5
    assert replication_backlog().versions == 0
    assert b"kosha_replication_backlog 0.0" in metrics_render()

    rows = dict(FileVersion.objects.values_list("key", "size_bytes"))
    assert _objects(backend.primary) == rows
    assert _objects(backend.replica) == rows
    assert replicas_verify().problems == 0


@pytest.mark.django_db(transaction=True)
def test_replicas_verify_reports_and_repairs_missing_mismatched_and_extra(replica_settings, owner):
    backend = get_backend()
    kept, lost, changed = (factories.stored_file(owner, f"{name}.txt", b"the bytes") for name in "abc")
    assert replication_backlog().versions == 0
    backend.replica.delete(keys=[lost.current_version.key])
    backend.replica.put_bytes(key=changed.current_version.key, data=b"other bytes!", content_type="text/plain")
    stray = f"users/{owner.pk}/blobs/stray"
    backend.replica.put_bytes(key=stray, data=b"no row", content_type="text/plain")

    call_command("replicas_verify", stdout=(out := io.StringIO()))
    assert "1 missing, 1 mismatched, 1 extra; 0 repaired." in out.getvalue()
    assert f"extra\t{stray}" in out.getvalue()

    call_command("replicas_verify", "--repair", stdout=io.StringIO())
    rows = dict(FileVersion.objects.values_list("key", "size_bytes"))
    assert _objects(backend.replica) == rows == _objects(backend.primary)
    assert replicas_verify().problems == 0
    assert kept.current_version.key in rows


@pytest.mark.django_db(transaction=True)
def test_account_purge_empties_both_prefixes(replica_settings, owner):
    backend = get_backend()
    factories.stored_file(owner, "mine.txt", b"purge me")
    prefix = f"users/{owner.pk}/"
    assert list(backend.replica.list_prefix(prefix=prefix))
    User.objects.filter(pk=owner.pk).update(deleting_at=timezone.now())

    assert account_purge(user_id=owner.pk) is True
    assert not list(backend.primary.list_prefix(prefix=prefix))
    assert not list(backend.replica.list_prefix(prefix=prefix))
    assert not User.objects.filter(pk=owner.pk).exists()


def _zip_members(client, folder) -> dict[str, bytes]:
    """Ask for the folder as a zip (the build runs after commit, inline in tests), fetch
    the ready archive's URL and read it."""
    started = client.post(f"/api/v1/folders/{folder.pk}/archive/")
    assert started.status_code == 202, started.content
    body = client.get(f"/api/v1/archives/{started.json()['id']}/").json()
    assert body["status"] == "ready", body
    answer = requests.get(body["url"], timeout=30)
    assert answer.status_code == 200, answer.text
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.django_db(transaction=True)
def test_a_folder_zip_is_built_into_the_replica_while_the_primary_is_down_and_served_after(
    replica_settings, primary_server, owner, owner_client
):
    backend = get_backend()
    trip = factories.folder(owner, "Trip")
    factories.stored_file(owner, "a.txt", b"first file", folder=trip)
    factories.stored_file(owner, "b.txt", b"second file", folder=trip)
    assert replication_backlog().versions == 0

    primary_server.stop()
    backend.breaker.trip()
    expected = {"a.txt": b"first file", "b.txt": b"second file"}
    assert _zip_members(owner_client, trip) == expected
    archive = FolderArchive.objects.get()
    assert backend.replica.head(key=archive.key) is not None

    # The primary returns: the archive built meanwhile stays downloadable, from the
    # replica that holds it, and its row accounts for it (not an extra object).
    primary_server.start()
    _wait_until(backend.breaker.allows)
    assert backend.primary.head(key=archive.key) is None
    url = owner_client.get(f"/api/v1/archives/{archive.pk}/").json()["url"]
    assert zipfile.ZipFile(io.BytesIO(requests.get(url, timeout=30).content)).read("b.txt") == b"second file"
    assert replicas_verify().problems == 0


@pytest.mark.django_db(transaction=True)
def test_a_zip_of_files_not_replicated_yet_fails_with_a_message_while_the_primary_is_down(
    replica_settings, primary_server, owner, owner_client
):
    trip = factories.folder(owner, "Trip")
    factories.stored_file(owner, "late.txt", b"not copied yet", folder=trip)
    backend = get_backend()
    _not_replicated_yet(backend)
    primary_server.stop()
    backend.breaker.trip()

    started = owner_client.post(f"/api/v1/folders/{trip.pk}/archive/")
    body = owner_client.get(f"/api/v1/archives/{started.json()['id']}/").json()
    assert body["status"] == "failed"
    assert body["error"] == "The archive could not be built. Try again later."
    assert not list(backend.replica.list_prefix(prefix=f"users/{owner.pk}/archives/"))


@pytest.fixture
def local_replica_settings(replica_settings, tmp_path):
    """The hybrid the distributed design names: S3 (SeaweedFS) as the primary, a local
    directory as the replica."""
    replica_settings.KOSHA_REPLICA_STORAGE = "local"
    replica_settings.KOSHA_REPLICA_LOCAL_STORAGE_DIR = tmp_path / "replica"
    get_backend.cache_clear()
    return replica_settings


@pytest.mark.django_db(transaction=True)
def test_a_local_directory_replica_serves_downloads_while_the_s3_primary_is_down(
    local_replica_settings, primary_server, owner, owner_client
):
    backend = get_backend()
    assert backend.replica.name == "local"
    stored = factories.stored_file(owner, "photo.txt", b"kept on this machine too")
    key = stored.current_version.key
    assert backend.replica.head(key=key).size_bytes == len(b"kept on this machine too")
    assert replication_backlog().versions == 0

    primary_server.stop()
    backend.breaker.trip()
    redirect = owner_client.get(f"/api/v1/files/{stored.pk}/download/")
    assert redirect.status_code == 302, redirect.content
    # The local store's presigned URL is served by Kosha itself (storage/backends/local/views.py).
    served = owner_client.get(redirect["Location"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"kept on this machine too"

    primary_server.start()
    _wait_until(backend.breaker.allows)
    assert replicas_verify().problems == 0
    backend.delete(keys=[key])
    assert backend.replica.head(key=key) is None


@pytest.mark.django_db(transaction=True)
def test_a_batchs_listing_asks_the_primary_and_fails_over_to_heads_while_it_is_down(
    replica_settings, primary_server, owner
):
    from storage import keys as object_keys

    backend = get_backend()
    # The primary's word (SeaweedFS verifies), not the replica's (moto does not).
    assert backend.verifies_signed_checksums is True
    assert backend.replica.verifies_signed_checksums is False
    only_replica, *in_primary = (object_keys.blob_key(owner.pk) for _ in range(3))
    backend.replica.put_bytes(key=only_replica, data=b"old", content_type="text/plain")
    for key in in_primary:
        backend.primary.put_bytes(key=key, data=b"fresh", content_type="text/plain")

    listed = backend.list_keys(keys=[only_replica, *in_primary])

    assert set(listed) == set(in_primary)
    assert {item.size_bytes for item in listed.values()} == {5}
    backend.breaker.trip()
    primary_server.stop()
    with pytest.raises(PrimaryDown):
        backend.list_keys(keys=in_primary)
