"""Layout faults from issue 13 in a real Chromium: a long name neither widens the upload
panel nor wraps the activity table's dates; on a phone (390×844) the file list comes
before the storage card, and the token table scrolls in its own (focusable) box with
Revoke in view instead of pushing the page sideways."""

import pytest
from playwright.sync_api import expect

from accounts.services import api_token_create
from kosha.testing.browser import docs_screenshot_refresh, page_with_error_log, signed_in_context
from kosha.testing.factories import folder, stored_file

pytestmark = pytest.mark.browser

LONG = "quarterly-report-" + "with-a-very-long-name-" * 8 + "final.txt"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def owner_context(chromium, live_server, local_settings, owner):
    context = signed_in_context(chromium, live_server.url, owner)
    yield context
    context.close()


def _page(context):
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    return page, errors


def test_a_long_name_stays_inside_the_upload_panel(owner_context, live_server):
    page, errors = _page(owner_context)
    page.goto(live_server.url + "/")

    page.locator("[data-upload-input]").set_input_files({"name": LONG, "mimeType": "text/plain", "buffer": b"x" * 10})
    item = page.locator(".upload-item").first
    expect(item).to_be_visible()

    widths = page.evaluate(
        """() => { const panel = document.querySelector('.upload-panel');
                   const item = document.querySelector('.upload-item');
                   return [panel.clientWidth, item.getBoundingClientRect().width, panel.scrollWidth]; }"""
    )
    panel_width, item_width, scroll_width = widths
    assert item_width <= panel_width
    assert scroll_width <= panel_width
    assert errors == []


def test_the_activity_tables_dates_stay_on_one_line_beside_a_long_name(owner_context, live_server, owner):
    stored_file(owner, LONG, b"long")
    page, errors = _page(owner_context)
    page.goto(live_server.url + "/activity/")

    expect(page.locator(".activity__item", has_text="quarterly-report-").first).to_be_visible()
    lines = page.evaluate(
        "() => [...document.querySelectorAll('.activity time')].map((t) => t.getClientRects().length)"
    )
    assert lines and set(lines) == {1}
    assert errors == []


def test_on_a_phone_the_list_comes_first_and_the_token_table_keeps_revoke_in_view(
    chromium, live_server, local_settings, owner
):
    for name in ["Photos", "Projects", "Receipts"]:
        folder(owner, name)
    for index in range(6):
        stored_file(owner, f"note {index + 1}.txt", b"note")
    api_token_create(user=owner, name="a-token-with-a-rather-long-name-for-the-phone")
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.add_cookies(signed_in_context_cookies(chromium, live_server.url, owner))
    page, errors = _page(context)

    page.goto(live_server.url + "/")
    expect(page.locator('[role="option"]').first).to_be_visible()
    list_top = page.locator("[data-view]").bounding_box()["y"]
    card_top = page.locator(".home__side").bounding_box()["y"]
    assert list_top < card_top
    shot = live_server_shot(page, "file-browser-phone.png")
    docs_screenshot_refresh(shot, "file-browser-phone.png")

    page.goto(live_server.url + "/settings/")
    revoke = page.get_by_role("button", name="Revoke token a-token-with-a-rather-long-name-for-the-phone")
    revoke.scroll_into_view_if_needed()
    box = revoke.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
    assert errors == []


def signed_in_context_cookies(browser, base_url, user):
    context = signed_in_context(browser, base_url, user)
    cookies = context.cookies()
    context.close()
    return cookies


def live_server_shot(page, name):
    from pathlib import Path

    from django.conf import settings

    folder_path = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
    folder_path.mkdir(parents=True, exist_ok=True)
    path = folder_path / name
    page.screenshot(path=str(path))
    return path
