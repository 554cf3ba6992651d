"""The file browser's features from issue 13, in a real Chromium: Upload folder, the row
context menu, drag and drop onto a folder or a breadcrumb, a multi-selection downloaded as
one zip, and the details panel."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import docs_screenshot_refresh, page_with_error_log, row_option, rows_select
from storage.models import File, Folder

pytestmark = pytest.mark.browser


def test_upload_folder_recreates_the_chosen_folder_tree(owner_page, live_server, owner, tmp_path):
    chosen = tmp_path / "Trip"
    (chosen / "day1").mkdir(parents=True)
    (chosen / "notes.txt").write_bytes(b"packing list")
    (chosen / "day1" / "beach.txt").write_bytes(b"sand")
    page = owner_page
    page.goto(live_server.url + "/")

    expect(page.get_by_text("Upload folder")).to_be_visible()
    page.locator("[data-upload-folder-input]").set_input_files(chosen)

    row_option(page, "Trip").wait_for()
    trip = Folder.objects.get(owner=owner, name="Trip", parent=None, deleted_at__isnull=True)
    day1 = Folder.objects.get(owner=owner, name="day1", parent=trip)
    expect(page.locator("[data-toasts]").get_by_text("Uploading 2 files…")).to_be_visible()
    expect(page.locator("[data-upload-panel]")).to_contain_text("2 of 2 uploaded", timeout=20_000)
    page.goto(f"{live_server.url}/f/{trip.pk}")
    row_option(page, "day1").wait_for()
    row_option(page, "notes.txt").wait_for()
    page.goto(f"{live_server.url}/f/{day1.pk}")
    row_option(page, "beach.txt").wait_for()
    assert File.objects.get(owner=owner, folder=day1, name="beach.txt").current_version.size_bytes == 4


def _menu_labels(page) -> list[str]:
    return page.get_by_role("menu").get_by_role("menuitem").all_inner_texts()


def test_the_row_context_menu_by_right_click_and_its_dots(owner_page, live_server, owner):
    factories.stored_file(owner, "notes.txt", b"hello")
    factories.folder(owner, "Plans")
    page = owner_page
    page.goto(live_server.url + "/")

    row_option(page, "notes.txt").click(button="right")
    menu = page.get_by_role("menu", name="Actions for notes.txt")
    expect(menu).to_be_visible()
    assert _menu_labels(page) == [
        "Open",
        "Download",
        "Rename",
        "Move to…",
        "Copy to…",
        "Versions…",
        "Star",
        "Share…",
        "Details",
        "Move to trash",
    ]
    expect(menu.get_by_role("menuitem", name="Open")).to_be_focused()
    expect(row_option(page, "notes.txt")).to_have_attribute("aria-selected", "true")
    _readme_shot(page, "context-menu.png")
    menu.get_by_role("menuitem", name="Rename").click()
    expect(page.get_by_label("New name for notes.txt")).to_be_focused()
    page.keyboard.press("Escape")

    # The ⋯ of the folder row: a folder has no versions; a click outside closes the menu.
    row_option(page, "Plans").locator(".item__more").click()
    expect(page.get_by_role("menu", name="Actions for Plans")).to_be_visible()
    assert "Versions…" not in _menu_labels(page)
    expect(row_option(page, "Plans")).to_have_attribute("aria-selected", "true")
    page.locator("h1").click()
    expect(page.get_by_role("menu")).to_have_count(0)


def test_the_row_menu_from_the_keyboard_follows_the_menu_button_pattern(owner_page, live_server, owner):
    factories.stored_file(owner, "a.txt", b"a")
    factories.stored_file(owner, "b.txt", b"b")
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "a.txt").click()

    # Shift+F10 on the row opens the menu on its first item; Escape gives the focus back.
    page.keyboard.press("Shift+F10")
    expect(page.get_by_role("menuitem", name="Open")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Download")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("menuitem", name="Move to trash")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(row_option(page, "a.txt")).to_be_focused()

    # Tab reaches the menu button named after the row: Enter, Space and ↓ open it, ↑ on its last item.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    actions = page.get_by_role("button", name="Actions for b.txt")
    expect(actions).to_be_focused()
    expect(actions).to_have_attribute("aria-haspopup", "menu")
    for key, first in (("Enter", "Open"), (" ", "Open"), ("ArrowDown", "Open"), ("ArrowUp", "Move to trash")):
        page.keyboard.press(key)
        expect(actions).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_role("menuitem", name=first)).to_be_focused()
        page.keyboard.press("Escape")
        expect(actions).to_be_focused()
        expect(actions).to_have_attribute("aria-expanded", "false")

    # Picking an item runs it on the row: "Move to trash" by the keyboard.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(row_option(page, "b.txt")).to_have_count(0)
    assert File.objects.get(owner=owner, name="b.txt").deleted_at is not None


def test_the_row_menu_acts_on_the_whole_selection(owner_page, live_server, owner):
    for name in ("one.txt", "two.txt", "three.txt"):
        factories.stored_file(owner, name, b"x")
    page = owner_page
    page.goto(live_server.url + "/")
    rows_select(page, "one.txt", "two.txt")

    row_option(page, "two.txt").click(button="right")
    expect(page.get_by_role("menu", name="Actions for 2 selected items")).to_be_visible()
    assert _menu_labels(page) == ["Download", "Move to…", "Copy to…", "Star", "Move to trash"]
    page.get_by_role("menuitem", name="Move to trash").click()
    expect(page.get_by_text("Moved 2 items to the trash.")).to_be_visible()
    assert set(File.objects.filter(owner=owner, deleted_at__isnull=True).values_list("name", flat=True)) == {
        "three.txt"
    }

    # A right-click outside the selection selects that row alone.
    factories.stored_file(owner, "four.txt", b"x")
    page.reload()
    row_option(page, "three.txt").click()
    row_option(page, "four.txt").click(button="right")
    expect(page.get_by_role("menu", name="Actions for four.txt")).to_be_visible()
    expect(row_option(page, "three.txt")).to_have_attribute("aria-selected", "false")


def test_the_details_panel_in_the_viewer_s_time_zone(chromium, live_server, local_settings, owner, collaborator):
    from datetime import UTC, datetime

    from kosha.testing.browser import CONTEXT_ARGS
    from kosha.testing.clients import web_as

    report = factories.stored_file(owner, "report.txt", b"first")
    factories.stored_version(report, b"second draft")
    factories.share(owner, report, collaborator, "editor")
    factories.share(owner, report, factories.user("accounts-payable.department.viewer"))  # an address on two lines
    File.objects.filter(pk=report.pk).update(
        created_at=datetime(2025, 3, 4, 8, 35, tzinfo=UTC), updated_at=datetime(2025, 3, 5, 18, 40, tzinfo=UTC)
    )
    context = chromium.new_context(**{**CONTEXT_ARGS, "timezone_id": "Asia/Kolkata", "locale": "en-US"})
    cookie = web_as(owner).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page, errors = page_with_error_log(context, timeout_ms=10_000)
    page.goto(live_server.url + "/")

    row_option(page, "report.txt").click(button="right")
    page.get_by_role("menuitem", name="Details").click()
    panel = page.get_by_role("dialog", name="Details of report.txt")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("button", name="Close")).to_be_focused()
    facts = panel.locator(".details__facts")
    expect(facts).to_contain_text("12 bytes")
    expect(facts).to_contain_text("Text (text/plain)")
    # 08:35 and 18:40 UTC are 2:05 PM on the 4th and 0:10 AM on the 6th in India (UTC+5:30).
    created = facts.locator("div", has_text="Created").locator("time").inner_text().replace("\u202f", " ")
    modified = facts.locator("div", has_text="Modified").locator("time").inner_text().replace("\u202f", " ")
    assert (created, modified) == ("Mar 4, 2025, 2:05 PM", "Mar 6, 2025, 12:10 AM")
    expect(facts).to_contain_text("Versions2")
    people = panel.get_by_role("list", name="People and links with access")
    expect(people).to_contain_text(collaborator.email)
    expect(people.locator(".badge")).to_have_count(2)
    heights = [badge.bounding_box()["height"] for badge in people.locator(".badge").all()]
    assert max(heights) < 30  # one line each, beside an address of one line or two
    expect(panel.locator(".details__activity")).to_contain_text("Shared")
    expect(panel.locator(".details__activity")).to_contain_text("You")
    _readme_shot(page, "details-panel.png")

    # Show versions goes on to the versions panel; Escape closes it.
    panel.get_by_role("button", name="Show versions").click()
    expect(page.get_by_role("dialog", name="Versions of report.txt")).to_be_visible()
    page.keyboard.press("Escape")

    # A folder's details: its size is its live files'; the selection bar offers Details too.
    photos = factories.folder(owner, "Photos")
    factories.stored_file(owner, "a.txt", b"12345", folder=photos)
    page.reload()
    row_option(page, "Photos").click()
    page.locator('[data-selection-bar] [data-action="details"]').click()
    expect(page.get_by_role("dialog", name="Details of Photos").locator(".details__facts")).to_contain_text(
        "5 bytes in 1 file"
    )
    context.close()
    assert errors == []


def _readme_shot(page, name: str) -> None:
    """A screenshot under test-artifacts/, copied to docs/screenshots/ by `make screenshots`."""
    shot = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots" / name
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))
    docs_screenshot_refresh(shot, name)


def _drag(page, source, target, *, drop=True):
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 60, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
    page.mouse.move(end["x"] + end["width"] / 2 + 4, end["y"] + end["height"] / 2, steps=2)
    if drop:
        page.mouse.up()


def test_drag_and_drop_moves_onto_a_folder_row_and_onto_a_breadcrumb(owner_page, live_server, owner):
    plans = factories.folder(owner, "Plans")
    inner = factories.folder(owner, "Inner", plans)
    for name in ("a.txt", "b.txt", "c.txt"):
        factories.stored_file(owner, name, b"x")
    page = owner_page
    page.goto(live_server.url + "/")

    # The selection goes along with the row it is dragged by; the folder row lights up.
    rows_select(page, "a.txt", "b.txt")
    _drag(page, row_option(page, "b.txt"), row_option(page, "Plans"), drop=False)
    expect(row_option(page, "Plans")).to_have_class(re.compile("drop-target"))
    page.mouse.up()
    expect(page.get_by_text("Moved 2 items to “Plans”.")).to_be_visible()
    expect(row_option(page, "a.txt")).to_have_count(0)
    expect(page.locator(".drop-target")).to_have_count(0)
    assert set(File.objects.filter(owner=owner, folder=plans).values_list("name", flat=True)) == {"a.txt", "b.txt"}

    # A row not in the selection is dragged alone; the selection stays.
    factories.stored_file(owner, "d.txt", b"x")
    page.reload()
    row_option(page, "d.txt").click()
    _drag(page, row_option(page, "c.txt"), row_option(page, "Plans"))
    expect(page.get_by_text("Moved “c.txt” to “Plans”.")).to_be_visible()
    expect(row_option(page, "d.txt")).to_have_attribute("aria-selected", "true")

    # Inside a folder: onto the "My files" breadcrumb moves up; onto the current folder's
    # own breadcrumb nothing happens and nothing is said.
    page.goto(f"{live_server.url}/f/{inner.pk}")
    page.goto(f"{live_server.url}/f/{plans.pk}")
    _drag(page, row_option(page, "a.txt"), page.locator("[data-crumbs]").get_by_role("link", name="Plans"))
    expect(page.get_by_text(re.compile("Moved"))).to_have_count(0)
    assert File.objects.get(owner=owner, name="a.txt").folder_id == plans.pk
    _drag(page, row_option(page, "a.txt"), page.locator("[data-crumbs]").get_by_role("link", name="My files"))
    expect(page.get_by_text("Moved “a.txt” to “My files”.")).to_be_visible()
    expect(row_option(page, "a.txt")).to_have_count(0)
    assert File.objects.get(owner=owner, name="a.txt").folder_id is None

    # A clash is an error toast, and nothing moves.
    factories.stored_file(owner, "b.txt", b"y", folder=inner)
    page.reload()
    _drag(page, row_option(page, "b.txt"), row_option(page, "Inner"))
    expect(page.locator("[data-toasts-alert]")).to_contain_text("b.txt:")
    assert File.objects.get(owner=owner, name="b.txt", folder=plans).deleted_at is None

    # Recent gathers rows from many folders: they are not dragged there (the Move dialog is).
    page.goto(live_server.url + "/recent/")
    row_option(page, "c.txt").dispatch_event("pointerdown")
    expect(row_option(page, "c.txt")).to_have_attribute("draggable", "false")


def test_a_multi_selection_downloads_as_one_zip(owner_page, live_server, owner, monkeypatch):
    import io
    import zipfile

    from storage import tasks
    from storage.services import archives

    # The zip is built at the commit, in the server's thread, instead of by a worker.
    monkeypatch.setattr(
        archives,
        "task_enqueue_after_commit",
        lambda name, archive_id: transaction.on_commit(lambda: tasks.folder_archive_task(archive_id)),
    )
    photos = factories.folder(owner, "Photos")
    factories.stored_file(owner, "beach.txt", b"sand", folder=photos)
    factories.stored_file(owner, "notes.txt", b"hello")
    factories.stored_file(owner, "todo.txt", b"milk")
    factories.stored_file(owner, "skip.txt", b"not chosen")
    page = owner_page
    page.goto(live_server.url + "/")
    rows_select(page, "Photos", "notes.txt", "todo.txt")

    with page.expect_download() as download_info:
        page.locator('[data-selection-bar] [data-action="download"]').click()
    download = download_info.value
    assert download.suggested_filename == "My files (3 items).zip"
    zipped = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert sorted(zipped.namelist()) == ["Photos/", "Photos/beach.txt", "notes.txt", "todo.txt"]


def test_the_menu_and_the_details_panel_have_no_serious_axe_violation(owner_page, live_server, owner):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def blocking() -> list[str]:
        violations = axe.run(owner_page).response["violations"]
        return [
            f"{found['id']} ({found['impact']})" for found in violations if found["impact"] in {"critical", "serious"}
        ]

    factories.stored_file(owner, "report.txt", b"hello")
    factories.folder(owner, "Plans")
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "report.txt").click()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Actions for report.txt")).to_be_focused()
    assert blocking() == []
    page.keyboard.press("Enter")
    expect(page.get_by_role("menu")).to_be_visible()
    assert blocking() == []
    page.get_by_role("menuitem", name="Details").click()
    expect(page.get_by_role("dialog", name="Details of report.txt").locator(".details__facts")).to_be_visible()
    assert blocking() == []
