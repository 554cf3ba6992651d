"""The file browser's features from issue 13, in a real Chromium: Upload folder, the row
context menu, drag and drop onto a folder or a breadcrumb, a multi-selection downloaded as
one zip, and the details panel."""

import re

import pytest
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import page_with_error_log, signed_in_context
from storage.models import File, Folder

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(chromium, live_server, local_settings, owner):
    context = signed_in_context(chromium, live_server.url, owner)
    page, errors = page_with_error_log(context, timeout_ms=10_000)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def _option(page, name):
    return page.locator('[role="option"]', has=page.locator(".item__name", has_text=re.compile(f"^{re.escape(name)}$")))


def test_upload_folder_recreates_the_chosen_folder_tree(signed_in, live_server, owner, tmp_path):
    chosen = tmp_path / "Trip"
    (chosen / "day1").mkdir(parents=True)
    (chosen / "notes.txt").write_bytes(b"packing list")
    (chosen / "day1" / "beach.txt").write_bytes(b"sand")
    page = signed_in
    page.goto(live_server.url + "/")

    expect(page.get_by_text("Upload folder")).to_be_visible()
    page.locator("[data-upload-folder-input]").set_input_files(chosen)

    _option(page, "Trip").wait_for()
    trip = Folder.objects.get(owner=owner, name="Trip", parent=None, deleted_at__isnull=True)
    day1 = Folder.objects.get(owner=owner, name="day1", parent=trip)
    expect(page.get_by_text(re.compile(r"Uploading 2 files"))).to_be_visible()
    expect(page.locator("[data-upload-panel]")).to_contain_text("2 of 2 uploaded", timeout=20_000)
    page.goto(f"{live_server.url}/f/{trip.pk}")
    _option(page, "day1").wait_for()
    _option(page, "notes.txt").wait_for()
    page.goto(f"{live_server.url}/f/{day1.pk}")
    _option(page, "beach.txt").wait_for()
    assert File.objects.get(owner=owner, folder=day1, name="beach.txt").current_version.size_bytes == 4
