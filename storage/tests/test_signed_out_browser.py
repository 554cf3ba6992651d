"""In Chromium: when the session ends under an open page, the browser's errors offer
"Sign in again" (back to the same page) instead of a Retry that cannot work, both in the
upload panel and in the toasts of the file browser's actions."""

import re
from urllib.parse import quote

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_ended_session_offers_sign_in_again_not_retry(signed_up_page, live_server, local_settings, tmp_path):
    page = signed_up_page
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"written while signed out\n")
    expect(page.get_by_role("heading", name="My files")).to_be_visible()

    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    with page.expect_file_chooser() as chooser:
        page.locator("label.file-chooser").first.click()  # Upload (files); the second chooses a folder
    chooser.value.set_files(str(notes))

    item = page.locator("[data-upload-item][data-name='notes.txt']")
    expect(item).to_have_attribute("data-state", "failed")
    expect(item.get_by_role("alert")).to_contain_text("Sign in again")
    expect(item.get_by_role("button", name="Retry notes.txt")).to_be_hidden()
    sign_in = item.get_by_role("link", name="Sign in again")
    expect(sign_in).to_have_attribute("href", f"/accounts/login/?next={quote('/', safe='')}")

    page.locator("[data-action='new-folder']").click()
    dialog = page.get_by_role("dialog", name="New folder")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()
    toast = page.locator("[data-toasts-alert] .toast")
    expect(toast).to_be_visible()
    toast.get_by_role("link", name="Sign in again").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=%2F$"))
    expect(page.get_by_role("heading", name=re.compile("Sign in", re.I))).to_be_visible()
