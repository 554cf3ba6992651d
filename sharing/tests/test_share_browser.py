"""In Chromium, on the local backend: share a file through the share dialog, open the link
in a fresh anonymous browser context and download the same bytes; share a folder with a
second user, who finds it under "Shared with me"; the plans page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from kosha.testing.browser import docs_screenshot_refresh, row_option, signed_in_context
from kosha.testing.factories import user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
UPLOAD_TIMEOUT_MS = 30_000


def _shot(target, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    target.screenshot(path=str(path))
    return path


def _select(page, name):
    """Select one row by clicking beside its name (a click on the name opens it)."""
    row_option(page, name).locator(".item__type").click()
    expect(row_option(page, name)).to_have_attribute("aria-selected", "true")


def test_share_a_file_by_link_and_a_folder_with_a_person(signed_up_page, live_server, local_settings, tmp_path):
    page = signed_up_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    data = b"Kosha shares this file.\n" * 40
    path = tmp_path / "shared-notes.txt"
    path.write_bytes(data)

    # Upload through the page's Upload input.
    with page.expect_file_chooser() as chooser:
        page.locator("label.file-chooser").first.click()  # Upload (files); the second chooses a folder
    chooser.value.set_files(str(path))
    expect(page.locator("[data-upload-item][data-name='shared-notes.txt']")).to_have_attribute(
        "data-state", "done", timeout=UPLOAD_TIMEOUT_MS
    )
    expect(row_option(page, "shared-notes.txt")).to_be_visible()

    # The share dialog: make a public link and copy its address.
    _select(page, "shared-notes.txt")
    share_button = page.locator("[data-selection-bar] [data-action='share']")
    share_button.click()
    dialog = page.get_by_role("dialog", name=re.compile("Share “shared-notes.txt”"))
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-share-drop-field]")).to_be_hidden()  # drops are for folders
    expect(dialog.locator("[data-share-expiry-help]")).to_contain_text("days")
    dialog.get_by_role("button", name="Create link").click()
    url_input = dialog.get_by_label("Link address")
    expect(url_input).to_have_value(re.compile(rf"^{re.escape(live_server.url)}/s/"))
    dialog.get_by_role("button", name="Copy", exact=True).click()
    expect(dialog.locator("[data-share-copy-status]")).to_have_text("Copied.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == url_input.input_value()
    expect(dialog.locator("[data-share-link]")).to_have_count(1)
    expect(dialog.locator("[data-share-link] [data-link-state]")).to_have_text("Live")
    shot = _shot(dialog, "share-dialog.png")
    docs_screenshot_refresh(shot, "share-dialog.png")

    # An API error shows in the dialog: sharing with oneself.
    dialog.get_by_label("Email").fill(page.kosha_email)
    dialog.get_by_role("button", name="Add").click()
    expect(dialog.locator("[data-share-error]")).to_be_visible()

    # Esc closes it and focus goes back to the Share button.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(share_button).to_be_focused()

    # A fresh anonymous context (no cookies) opens the link and downloads the same bytes.
    anonymous = page.context.browser.new_context()
    try:
        visitor = anonymous.new_page()
        visitor.goto(copied)
        expect(visitor.get_by_role("heading", name="shared-notes.txt")).to_be_visible()
        download = visitor.get_by_role("link", name="Download")
        answer = anonymous.request.get(live_server.url + download.get_attribute("href"))
        assert answer.ok, answer.status
        assert answer.body() == data
    finally:
        anonymous.close()

    # Share a folder with a second user as editor, opening the dialog with the S key.
    friend = user("friend")
    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    made = page.context.request.post(
        f"{live_server.url}/api/v1/folders/",
        data={"name": "Team", "parent": None},
        headers={"X-CSRFToken": csrf, "Referer": live_server.url + "/"},
    )
    assert made.ok, made.text()
    page.reload()
    expect(row_option(page, "Team")).to_be_visible()
    _select(page, "Team")
    page.keyboard.press("s")
    dialog = page.get_by_role("dialog", name=re.compile("Share “Team”"))
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label(re.compile("File drop"))).to_be_visible()
    dialog.get_by_label("Email").fill(friend.email)
    dialog.get_by_label("Role", exact=True).select_option("editor")
    dialog.get_by_role("button", name="Add").click()
    person = dialog.locator(f"[data-share-person='{friend.email}']")
    expect(person).to_be_visible()
    expect(person.get_by_label(f"Role of {friend.email}")).to_have_value("editor")
    expect(dialog.locator("[data-share-error]")).to_be_hidden()
    _shot(page, "share-dialog-people.png")
    page.keyboard.press("Escape")

    # The friend, in another context, finds it under "Shared with me".
    theirs = signed_in_context(page.context.browser, live_server.url, friend)
    try:
        other = theirs.new_page()
        other.goto(f"{live_server.url}/")
        other.get_by_role("link", name="Shared with me").click()
        expect(other.get_by_role("heading", name="Shared with me")).to_be_visible()
        row = other.locator("[data-shared-list] tr", has_text="Team")
        expect(row).to_contain_text(page.kosha_email)
        expect(row).to_contain_text("Editor")
        _shot(other, "shared-with-me.png")
        row.get_by_role("link", name="Team").click()
        expect(other.get_by_role("heading", name="Team")).to_be_visible()
        expect(other.locator("[data-role-badge]")).to_have_text("editor")
    finally:
        theirs.close()

    # The plans page marks the owner's plan.
    page.goto(f"{live_server.url}/settings/plan/")
    expect(page.locator("tr[aria-current='true']")).to_contain_text("Your plan")
    expect(page.get_by_text("Ask your administrator to change your plan").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "plans.png"), full_page=True)
