"""PUT bodies stream into the store in parts, the quota reserved up front (507 when it
does not fit), and the version recorded like the protocol's; GET can redirect."""

import base64
import hashlib
import http.client
import os
import threading
from urllib.parse import urlsplit

import pytest

from dav.tests.conftest import dav_client_for
from plans.models import Usage
from storage.models import File, UploadSession

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_put_goes_in_parts_and_is_recorded_once(owner_dav, owner, small_multipart):
    data = os.urandom(17 * 1024 * 1024)  # 8 + 8 + 1 MiB parts above the 5 MiB threshold

    response = owner_dav.request("PUT", "big.bin", data=data)

    assert response.status_code == 201
    session = UploadSession.objects.get(owner=owner)
    assert (session.strategy, session.part_count, session.status) == ("multipart", 3, "completed")
    version = File.objects.get(owner=owner, name="big.bin").current_version
    assert (version.size_bytes, version.sha1) == (len(data), hashlib.sha1(data).hexdigest())
    usage = Usage.objects.get(user=owner)
    assert (usage.used_bytes, usage.reserved_bytes) == (len(data), 0)
    ranged = owner_dav.request("GET", "big.bin", headers={"Range": "bytes=9000000-9000009"})
    assert (ranged.status_code, ranged.content) == (206, data[9_000_000:9_000_010])


def test_a_declared_length_over_quota_is_507_before_any_byte_moves(owner_dav, owner):
    usage = Usage.objects.select_related("plan").get(user=owner)
    address = urlsplit(owner_dav.base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    credentials = base64.b64encode(f"{owner_dav.email}:{owner_dav.key}".encode()).decode()

    # The headers promise more than the plan holds; not one byte of the body is sent.
    connection.putrequest("PUT", "/dav/huge.bin")
    connection.putheader("Authorization", f"Basic {credentials}")
    connection.putheader("Content-Length", str(usage.plan.storage_bytes + 1))
    connection.endheaders()
    response = connection.getresponse()
    connection.close()

    assert response.status == 507
    usage.refresh_from_db()
    assert (usage.used_bytes, usage.reserved_bytes) == (0, 0)
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_an_app_password_may_ask_for_redirected_downloads(owner, owner_dav, live_server):
    owner_dav.request("PUT", "a.txt", data=b"hello")
    redirecting = dav_client_for(owner, live_server=live_server, redirect_downloads=True)

    response = redirecting.request("GET", "a.txt")

    assert response.status_code == 302
    assert response.headers["Location"]
    assert owner_dav.request("GET", "a.txt").status_code == 200


def test_parts_upload_while_the_body_is_read_at_most_three_at_once(owner_dav, owner, small_multipart, monkeypatch):
    from dav.writes import PARTS_IN_FLIGHT
    from storage.backends.local.backend import LocalBackend

    original = LocalBackend.multipart_part_put
    guard = threading.Lock()
    state = {"active": 0, "peak": 0}
    second_started = threading.Event()
    overlapped: list[bool] = []

    def part_put(self, **kwargs):
        with guard:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        try:
            if kwargs["part_number"] == 2:
                second_started.set()
            if kwargs["part_number"] == 1:
                # Part 1 is held until part 2 is on its way: only a door that reads on
                # while a part uploads gets there (a serial one gives up after 30 s).
                overlapped.append(second_started.wait(timeout=30))
            return original(self, **kwargs)
        finally:
            with guard:
                state["active"] -= 1

    monkeypatch.setattr(LocalBackend, "multipart_part_put", part_put)
    data = os.urandom(6 * 8 * 1024 * 1024 + 3)  # 7 parts of 8 MiB, the last of 3 bytes

    response = owner_dav.request("PUT", "parallel.bin", data=data)

    assert response.status_code == 201
    assert overlapped == [True]
    assert 2 <= state["peak"] <= PARTS_IN_FLIGHT
    version = File.objects.get(owner=owner, name="parallel.bin").current_version
    assert (version.size_bytes, version.sha1) == (len(data), hashlib.sha1(data).hexdigest())
    assert owner_dav.request("GET", "parallel.bin").content == data
