"""The trash page in a real Chromium: open a trashed folder, go into a subfolder, restore
one file from inside, and go back to the trash list by the trail."""

import pytest
from playwright.sync_api import expect

from kosha.testing import factories
from storage.models import File

pytestmark = pytest.mark.browser


def test_open_a_trashed_folder_and_restore_one_file_from_it(owner_page, live_server, owner):
    work, _, _ = factories.trashed_tree(owner)
    page = owner_page
    page.goto(live_server.url + "/trash/")

    page.get_by_role("button", name="Open docs").click()
    inside = page.locator("[data-trash-inside]")
    expect(inside.get_by_role("heading", name="In the trash: docs")).to_be_focused()
    expect(inside.locator("tbody tr")).to_have_count(2)
    inside.get_by_role("button", name="Open sub").click()
    expect(inside.get_by_role("heading", name="In the trash: sub")).to_be_visible()
    inside.get_by_role("button", name="Restore b.txt").click()

    expect(page.get_by_text("Restored “b.txt”.")).to_be_visible()
    expect(inside.get_by_text("Nothing left in this folder.")).to_be_visible()
    b = File.objects.get(name="b.txt")
    assert (b.deleted_at, b.folder_id) == (None, work.pk)
    assert File.objects.get(name="a.txt").deleted_at is not None

    inside.get_by_role("navigation", name="Folder path in the trash").get_by_role("button", name="Trash").click()
    expect(inside).to_be_hidden()
    expect(page.get_by_role("button", name="Restore docs")).to_be_visible()
