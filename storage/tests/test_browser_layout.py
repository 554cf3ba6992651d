"""Layout faults from issue 13 in a real Chromium: a long name neither widens the upload
panel nor wraps the activity table's dates; on a phone (390×844) the file list comes
before the storage card, Revoke stays in view, and no table scrolls sideways, neither the
page nor inside its own box: a table of many columns becomes one card per row there, each
value after its column's name, while the desktop keeps the plain table."""

import pytest
from playwright.sync_api import expect

from accounts.services import api_token_create, app_password_create
from kosha.origin import TASK
from kosha.testing.browser import docs_screenshot_refresh, page_with_error_log, signed_in_context
from kosha.testing.factories import folder, link, pending_upload, share, stored_file, user
from storage.services.trash import file_trash

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


# Every page with a table (the file browser's is a listing once its script runs), and
# each one's sign of being drawn (the trash's rows come from its script).
TABLE_PAGES = {
    "/shared/": "[data-shared-list] tbody tr",
    "/shared/by-me/": "[data-my-shares] tbody tr",
    "/trash/": "[data-trash-view] tbody tr",
    "/activity/": ".activity tbody tr",
    "/settings/": ".table tbody tr",
    "/settings/plan/": "[data-plans] tbody tr",
    "/settings/app-passwords/": ".table tbody tr",
    "/settings/uploads/": "[data-pending-table] tbody tr",
}
TABLES_AS_DRAWN = """() => {
  const tables = [...document.querySelectorAll('table')].map((table) => {
    const wrap = table.closest('.table-wrap');
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    const cells = [...table.querySelectorAll('tbody tr')].flatMap((row) => [...row.children].map((cell, index) => ({
      head: heads[index], label: cell.dataset.label ?? null, shown: getComputedStyle(cell, '::before').content,
    })));
    return { stacked: table.classList.contains('table--stack'), display: getComputedStyle(table).display,
             headHeight: table.querySelector('thead').getBoundingClientRect().height,
             wrap: wrap ? [wrap.scrollWidth, wrap.clientWidth] : null, cells };
  });
  return { tables, page: [document.documentElement.scrollWidth, window.innerWidth] };
}"""


@pytest.fixture
def tables_filled(local_settings, owner):
    """Long names and addresses in every table: links, people, tokens, app passwords,
    unfinished uploads, activity, trash, shared with me."""
    report = stored_file(owner, LONG, b"long")
    link(owner, report)
    share(owner, report, user("a-collaborator-with-a-rather-long-address"), "editor")
    friend = user("a-friend-with-a-rather-long-address")
    share(friend, folder(friend, ("Team folder " + "with a long name " * 4).strip()), owner)
    pending_upload(owner, "unfinished-" + LONG, b"half")
    file_trash(actor=owner, file=stored_file(owner, "trashed-" + LONG, b"gone"), origin=TASK)
    api_token_create(user=owner, name="a-token-with-a-rather-long-name-for-the-phone")
    app_password_create(user=owner, name="a-laptop-with-a-rather-long-name-for-the-phone")
    return owner


def _tables_on_every_page(context, base_url) -> dict:
    page, errors = _page(context)
    drawn = {}
    for path, sign in TABLE_PAGES.items():
        page.goto(base_url + path)
        expect(page.locator(sign).first).to_be_attached()
        drawn[path] = page.evaluate(TABLES_AS_DRAWN)
    assert errors == []
    return drawn


def test_on_a_phone_no_table_scrolls_sideways_and_a_card_names_each_value(chromium, live_server, tables_filled):
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.add_cookies(signed_in_context_cookies(chromium, live_server.url, tables_filled))

    drawn = _tables_on_every_page(context, live_server.url)
    context.close()

    for path, found in drawn.items():
        page_width, viewport_width = found["page"]
        assert page_width <= viewport_width, path
        assert found["tables"], path
        for table in found["tables"]:
            scroll_width, box_width = table["wrap"]
            assert scroll_width <= box_width, (path, "scrolls sideways in its box", scroll_width, box_width)
            if not table["stacked"]:
                continue
            assert table["display"] == "block" and table["headHeight"] <= 1, path  # cards; the header unseen
            for cell in table["cells"]:
                if cell["head"] == "Actions":
                    assert cell["label"] is None and cell["shown"] == "none", (path, cell)
                else:  # named as its column is, on screen
                    assert cell["label"] == cell["head"] and cell["shown"] == f'"{cell["head"]}"', (path, cell)
    stacked = {path for path, found in drawn.items() if any(table["stacked"] for table in found["tables"])}
    assert {"/shared/by-me/", "/settings/uploads/", "/settings/", "/activity/"} <= stacked


def test_on_a_desktop_the_stacked_tables_stay_plain_tables(chromium, live_server, tables_filled):
    context = signed_in_context(chromium, live_server.url, tables_filled)

    drawn = _tables_on_every_page(context, live_server.url)
    context.close()

    for path, found in drawn.items():
        for table in found["tables"]:
            assert table["display"] == "table" and table["headHeight"] > 10, path
            assert {cell["shown"] for cell in table["cells"]} <= {"none", "normal"}, path


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
