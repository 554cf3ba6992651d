"""Copy a whole folder from the file browser, in a real Chromium: the selection bar's Copy
offers folders, the picker chooses where, and the server copies the tree in the store."""

import re

import pytest
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import row_option
from kosha.testing.factories import stored_file
from storage.models import File, Folder

pytestmark = pytest.mark.browser


def test_copy_a_folder_into_another_folder_from_the_selection_bar(owner_page, live_server, owner):
    docs = factories.folder(owner, "Docs")
    stored_file(owner, "notes.txt", b"notes", folder=docs)
    stored_file(owner, "deep.txt", b"deep", folder=factories.folder(owner, "Inner", docs))
    backup = factories.folder(owner, "Backup")
    page = owner_page
    page.goto(live_server.url + "/")

    row_option(page, "Docs").click()
    copy = page.locator('[data-selection-bar] [data-action="copy"]')
    expect(copy).to_be_visible()
    copy.click()
    picker = page.locator("[data-picker]")
    expect(picker.locator(".picker__folder", has_text="Docs")).to_have_count(0)  # not into itself
    picker.get_by_role("button", name="Open Backup").click()
    picker.get_by_role("button", name=re.compile("^Copy here: Backup")).click()

    expect(page.get_by_text("Copied 1 item.")).to_be_visible()
    copied = Folder.objects.get(parent=backup, name="Docs")
    assert sorted(File.objects.filter(folder__in=[copied, *copied.children.all()]).values_list("name", flat=True)) == [
        "deep.txt",
        "notes.txt",
    ]
    page.goto(f"{live_server.url}/f/{copied.pk}")
    expect(row_option(page, "Inner")).to_be_visible()
    expect(row_option(page, "notes.txt")).to_be_visible()
