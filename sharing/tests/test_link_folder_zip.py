"""A public folder link's "Download all": POST /s/<token>/archives/ asks for a zip of the
link's folder (or one below it) through the owner's archive machinery, GET
/s/<token>/archives/<id>/ polls it; the zip counts as one download of the link."""

import io
import re
import zipfile

import pytest
from django.test import Client
from playwright.sync_api import expect

from kosha.testing.browser import page_with_error_log
from kosha.testing.factories import folder, link, stored_file
from sharing.models import ShareLink
from storage.models import FolderArchive


def _tree(owner):
    photos = folder(owner, "Photos")
    summer = folder(owner, "Summer", photos)
    stored_file(owner, "a.txt", b"alpha", folder=photos)
    stored_file(owner, "b.txt", b"beta", folder=summer)
    return photos, summer


def _start(client, token, body, capture):
    with capture(execute=True):
        return client.post(f"/s/{token}/archives/", body, content_type="application/json")


def _zip_names(client, body) -> dict:
    polled = client.get(body["poll"]).json()
    assert polled["status"] == "ready", polled
    redirect = client.get(polled["url"])
    zipped = zipfile.ZipFile(io.BytesIO(b"".join(redirect.streaming_content)))
    return {info.filename: zipped.read(info) for info in zipped.infolist() if not info.is_dir()}


@pytest.mark.django_db
def test_download_all_zips_the_links_folder_and_a_folder_below_it(
    client, local_settings, owner, django_capture_on_commit_callbacks
):
    photos, summer = _tree(owner)
    _, token = link(owner, photos)

    top = _start(client, token, {}, django_capture_on_commit_callbacks)
    below = _start(client, token, {"folder": str(summer.pk)}, django_capture_on_commit_callbacks)

    assert top.status_code == below.status_code == 202, top.json()
    assert _zip_names(client, top.json()) == {"a.txt": b"alpha", "Summer/b.txt": b"beta"}
    assert _zip_names(client, below.json()) == {"b.txt": b"beta"}


@pytest.mark.django_db
def test_a_folder_outside_the_link_and_another_links_archive_are_404(
    client, local_settings, owner, django_capture_on_commit_callbacks
):
    photos, summer = _tree(owner)
    other = folder(owner, "Private")
    _, summer_token = link(owner, summer)
    _, photos_token = link(owner, photos)
    top = _start(client, photos_token, {}, django_capture_on_commit_callbacks).json()

    outside = client.post(f"/s/{summer_token}/archives/", {"folder": str(other.pk)}, content_type="application/json")
    above = client.post(f"/s/{summer_token}/archives/", {"folder": str(photos.pk)}, content_type="application/json")
    foreign_poll = client.get(f"/s/{summer_token}/archives/{top['id']}/")
    bad = client.post(f"/s/{summer_token}/archives/", {"folder": ["x"]}, content_type="application/json")

    assert [outside.status_code, above.status_code, foreign_poll.status_code, bad.status_code] == [404, 404, 404, 404]
    assert FolderArchive.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("state, status", [("expired", 410), ("revoked", 410), ("exhausted", 404), ("locked", 403)])
def test_a_dead_or_locked_link_gives_no_zip(client, local_settings, owner, state, status):
    photos, _ = _tree(owner)
    _, token = link(owner, photos, state)

    response = client.post(f"/s/{token}/archives/", {}, content_type="application/json")

    assert response.status_code == status
    assert not FolderArchive.objects.exists()


@pytest.mark.django_db
def test_a_zip_counts_as_one_download_of_the_link(client, local_settings, owner, django_capture_on_commit_callbacks):
    photos, _ = _tree(owner)
    made, token = link(owner, photos)
    ShareLink.objects.filter(pk=made.pk).update(max_downloads=1)

    first = _start(client, token, {}, django_capture_on_commit_callbacks)
    second = client.post(f"/s/{token}/archives/", {}, content_type="application/json")

    assert first.status_code == 202
    assert second.status_code == 404  # the limit is reached: the link is used up
    assert ShareLink.objects.get(pk=made.pk).download_count == 1


@pytest.mark.django_db
def test_a_file_or_drop_link_has_no_zip(client, local_settings, owner):
    photos, _ = _tree(owner)
    _, file_token = link(owner, stored_file(owner, "c.txt", b"c"))
    _, drop_token = link(owner, photos, is_drop=True)

    assert Client().post(f"/s/{file_token}/archives/", {}, content_type="application/json").status_code == 404
    assert client.post(f"/s/{drop_token}/archives/", {}, content_type="application/json").status_code == 404


@pytest.mark.browser
def test_the_download_all_button_fetches_the_zip(chromium, live_server, local_settings, owner):
    photos, _ = _tree(owner)
    _, token = link(owner, photos)
    context = chromium.new_context(accept_downloads=True)
    page, errors = page_with_error_log(context, timeout_ms=20_000)
    page.goto(f"{live_server.url}/s/{token}")

    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Download all as zip").click()

    assert re.fullmatch(r"Photos\.zip", downloaded.value.suggested_filename)
    zipped = zipfile.ZipFile(downloaded.value.path())
    assert sorted(zipped.namelist()) == ["Summer/", "Summer/b.txt", "a.txt"]
    expect(page.get_by_role("status")).to_have_text("Your download is starting.")
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
