"""Inline only for the allow-list of storage/disposition.py, whichever store answers and
whichever door asks: the API's download and preview, and the stores' presigned GETs."""

import pytest
import requests

from activity.models import ActivityEvent
from kosha.testing import factories
from storage.backends import get_backend

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _fetch(client, url: str):
    """GET a presigned URL as a browser would: the local store is this app, S3 is moto."""
    url = url.removeprefix("http://testserver")
    if url.startswith("http"):
        response = requests.get(url, timeout=30)
        return response.status_code, response.headers, response.content
    response = client.get(url)
    return response.status_code, response.headers, b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "disposition"),
    [
        ("drawing.svg", SVG, "image/svg+xml", "attachment"),
        ("drawing.xml", SVG, "image/x-custom+xml", "attachment"),
        ("page.html", b"<script>alert(1)</script>", "text/html", "attachment"),
        ("clip.ogg", b"OggS", "video/x-unknown", "attachment"),
        ("photo.png", PNG, "image/png", "inline"),
        ("notes.txt", b"hello", "text/plain", "inline"),
    ],
)
def test_the_preview_of_each_type_answers_from_the_store_as_the_allow_list_says(
    store, client, owner, owner_client, name, data, content_type, disposition
):
    file = factories.stored_file(owner, name, data, content_type=content_type)

    redirect = owner_client.get(f"/api/v1/files/{file.pk}/preview/")
    status, headers, body = _fetch(client, redirect["Location"])

    assert status == 200
    assert headers["Content-Disposition"].startswith(f"{disposition};")
    assert body == data


@pytest.mark.parametrize("content_type", ["image/svg+xml", "text/html", "application/xhtml+xml"])
def test_a_store_asked_directly_for_an_unsafe_inline_answer_sends_an_attachment(store, client, content_type):
    key = "users/test/blobs/unsafe"
    store.put_bytes(key=key, data=SVG, content_type=content_type)

    url = get_backend().presign_get(
        key=key, filename="x.svg", content_type=content_type, inline=True, expires_seconds=60
    )
    status, headers, _body = _fetch(client, url)

    assert status == 200
    assert headers["Content-Disposition"].startswith("attachment;")


def test_a_download_asked_inline_for_an_svg_is_an_attachment(store, client, owner, owner_client):
    file = factories.stored_file(owner, "logo.svg", SVG, content_type="image/svg+xml")

    redirect = owner_client.get(f"/api/v1/files/{file.pk}/download/?inline=1")
    _status, headers, _body = _fetch(client, redirect["Location"])

    assert headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("value", "disposition"), [("true", "inline"), ("1", "inline"), ("false", "attachment"), ("", "attachment")]
)
def test_inline_takes_true_or_false_on_every_download(local_settings, client, owner, owner_client, value, disposition):
    file = factories.stored_file(owner, "notes.txt", b"hello")
    _, token = factories.link(owner, file)
    version = file.current_version

    for url in (
        f"/api/v1/files/{file.pk}/download/",
        f"/api/v1/files/{file.pk}/versions/{version.pk}/download/",
        f"/s/{token}/download/{file.pk}",
    ):
        redirect = (client if url.startswith("/s/") else owner_client).get(url, {"inline": value})
        assert redirect.status_code == 302, (url, redirect.content)
        _status, headers, _body = _fetch(client, redirect["Location"])
        assert headers["Content-Disposition"].startswith(f"{disposition};"), url


@pytest.mark.parametrize("value", ["ture", "2", "on", "inline", "true,false"])
def test_any_other_inline_is_a_400_naming_it_that_counts_no_download(
    local_settings, client, owner, owner_client, value
):
    file = factories.stored_file(owner, "notes.txt", b"hello")
    made, token = factories.link(owner, file)
    version = file.current_version
    downloads_before = ActivityEvent.objects.filter(kind=ActivityEvent.Kind.DOWNLOAD).count()

    answers = [
        owner_client.get(f"/api/v1/files/{file.pk}/download/", {"inline": value}),
        owner_client.get(f"/api/v1/files/{file.pk}/versions/{version.pk}/download/", {"inline": value}),
        client.get(f"/s/{token}/download/{file.pk}", {"inline": value}),
    ]

    for response in answers:
        assert response.status_code == 400
        assert (response.json()["error"]["code"], response.json()["error"]["field"]) == ("invalid", "inline")
    made.refresh_from_db()
    assert made.download_count == 0
    assert ActivityEvent.objects.filter(kind=ActivityEvent.Kind.DOWNLOAD).count() == downloads_before
