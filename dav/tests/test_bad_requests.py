"""Bad input at the WebDAV door is a 4xx, never a 500, and changes nothing: a path or a
Destination that is not UTF-8 or holds NUL, a COPY or MOVE onto the root, a conditional
date no datetime holds (RFC 9110 section 13.1.3: ignored, as an invalid HTTP-date)."""

import pytest

from storage.models import File

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("method", ["PUT", "GET", "PROPFIND", "MKCOL", "DELETE"])
@pytest.mark.parametrize("path", ["%ED%A0%80.txt", "%FF.txt", "a%00b.txt"])
def test_a_path_not_utf_8_or_holding_nul_is_400(owner_dav, owner, method, path):
    response = owner_dav.request(method, path, data=b"x" if method == "PUT" else None)

    assert response.status_code == 400
    assert not File.objects.filter(owner=owner).exists()


@pytest.mark.parametrize("method", ["MOVE", "COPY"])
@pytest.mark.parametrize("destination", ["/dav/%00b.txt", "/dav/a%00/b.txt"])
def test_a_destination_holding_nul_is_400_and_changes_nothing(owner_dav, owner, method, destination):
    owner_dav.request("PUT", "a.txt", data=b"hello")

    response = owner_dav.request(method, "a.txt", headers={"Destination": destination})

    assert response.status_code == 400
    assert list(File.objects.filter(owner=owner).values_list("name", flat=True)) == ["a.txt"]


@pytest.mark.parametrize("method", ["MOVE", "COPY"])
def test_a_copy_or_move_onto_the_root_is_refused(owner_dav, owner, method):
    owner_dav.request("PUT", "a.txt", data=b"hello")

    response = owner_dav.request(method, "a.txt", headers={"Destination": "/dav/", "Overwrite": "T"})

    assert 400 <= response.status_code < 500
    assert list(File.objects.filter(owner=owner).values_list("name", flat=True)) == ["a.txt"]


@pytest.mark.parametrize("header", ["If-Modified-Since", "If-Unmodified-Since"])
def test_a_conditional_date_past_9999_is_ignored(owner_dav, header):
    owner_dav.request("PUT", "a.txt", data=b"hello")

    response = owner_dav.request("GET", "a.txt", headers={header: "Mon, 01 Jan 10000 00:00:00 GMT"})

    assert response.status_code == 200
    assert response.content == b"hello"
