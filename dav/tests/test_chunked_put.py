"""A PUT without any length (a chunked body, which the WSGI server hands on as a
wsgi.input with no CONTENT_LENGTH): the quota is reserved part by part as the bytes
arrive, and a body that outgrows it ends in 507 with nothing stored and nothing reserved.

The requests go to the WSGI application itself: the test server (wsgiref) does not
decode chunked bodies, gunicorn does (bench/dav_bench.py sends them through gunicorn)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from wsgiref.util import setup_testing_defaults

import pytest

from accounts.services import app_password_create
from dav.app import dav_door
from plans.models import Plan, Usage
from plans.services import usage_set_plan
from storage.models import File, UploadSession

pytestmark = pytest.mark.django_db(transaction=True)

MiB = 1024 * 1024


class UnsizedBody(io.RawIOBase):
    """data, read back in whatever amounts the server asks for, with no length known."""

    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size is None or size < 0 else self.position + size
        piece = self.data[self.position : end]
        self.position += len(piece)
        return piece


def put_without_length(user, path: str, data: bytes) -> int:
    """PUT data to /dav/path as user (a fresh app password), chunked: the status code."""
    _, key = app_password_create(user=user, name="chunked")
    credentials = base64.b64encode(f"{user.email}:{key}".encode()).decode()
    environ = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": f"/dav/{path}",
        "HTTP_AUTHORIZATION": f"Basic {credentials}",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": UnsizedBody(data),
    }
    setup_testing_defaults(environ)
    environ.pop("CONTENT_LENGTH", None)
    statuses: list[str] = []
    b"".join(dav_door(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return int(statuses[0].split()[0])


@pytest.fixture
def twenty_mib_plan(owner, seeded_tiers):
    plan = Plan.objects.create(
        code="twenty", name="Twenty", storage_bytes=20 * MiB, max_files=100, max_file_bytes=1024 * MiB, position=9
    )
    usage_set_plan(user=owner, plan=plan)
    return plan


def _store_keys(store) -> list[str]:
    return [item.key for item in store.list_prefix(prefix="")]


@pytest.mark.parametrize("store_name", ["local", "moto"])
@pytest.mark.parametrize("size", [1000, 19 * MiB + 5])
def test_a_body_without_length_is_reserved_as_it_goes_and_recorded_exactly(store, owner, twenty_mib_plan, size):
    data = os.urandom(size)

    status = put_without_length(owner, "unsized.bin", data)

    assert status == 201
    version = File.objects.get(owner=owner, name="unsized.bin").current_version
    assert (version.size_bytes, version.sha1) == (size, hashlib.sha1(data).hexdigest())
    session = UploadSession.objects.get(owner=owner)
    expected = ("multipart", 3) if size > 8 * MiB else ("single", 1)
    assert (session.strategy, session.part_count, session.status) == (*expected, "completed")
    usage = Usage.objects.get(user=owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.reserved_files) == (size, 0, 0)
    assert store.open(key=version.key).read() == data


@pytest.mark.parametrize("store_name", ["local", "moto"])
def test_a_body_without_length_that_outgrows_the_quota_is_507_and_leaves_nothing(
    store, store_name, owner, twenty_mib_plan
):
    status = put_without_length(owner, "too-big.bin", os.urandom(30 * MiB))

    assert status == 507
    assert not File.objects.filter(owner=owner).exists()
    session = UploadSession.objects.get(owner=owner)
    assert session.strategy == "multipart"
    assert session.status == "aborted"
    usage = Usage.objects.get(user=owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.reserved_files) == (0, 0, 0)
    assert _store_keys(store) == []
    if store_name == "moto":
        uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
        assert uploads == []
