"""The file browser's faults from issue 13, in a real Chromium: keyboard focus follows
Enter into a folder, Backspace and Alt+↑ go to the folder above, New folder asks for the
name before anything is made, a move into the folder items are in moves nothing, and a
listing sorts names naturally."""

import re

import pytest
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import row_option
from storage.models import File, Folder

pytestmark = pytest.mark.browser


def _focused_name(page) -> str:
    return page.evaluate(
        "() => document.activeElement?.closest('[role=option]')?.querySelector('.item__name')?.textContent ?? ''"
    )


def test_enter_focuses_the_opened_folder_and_backspace_or_alt_up_go_back(owner_page, live_server, owner):
    projects = factories.folder(owner, "Projects")
    factories.folder(owner, "Archive")
    inner = factories.folder(owner, "Kosha", projects)
    factories.folder(owner, "Notes", inner)
    page = owner_page
    page.goto(live_server.url + "/")

    # Enter on Projects opens it with the keyboard focus on its first row, not the body
    row_option(page, "Projects").click()
    page.keyboard.press("Enter")
    expect(page.locator("[data-crumbs] [aria-current=page]")).to_have_text("Projects")
    expect(row_option(page, "Kosha")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row_option(page, "Notes")).to_be_focused()

    # Backspace goes up, with the folder we came from focused and selected
    page.keyboard.press("Backspace")
    expect(page.locator("[data-crumbs] [aria-current=page]")).to_have_text("Projects")
    expect(row_option(page, "Kosha")).to_be_focused()
    expect(row_option(page, "Kosha")).to_have_attribute("aria-selected", "true")

    # Alt+↑ too, up to My files
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("[data-crumbs] [aria-current=page]")).to_have_text("My files")
    expect(page).to_have_url(live_server.url + "/")
    expect(row_option(page, "Projects")).to_be_focused()
    assert _focused_name(page) == "Projects"

    # At the top, Backspace does nothing; in the search field it edits the text
    page.keyboard.press("Backspace")
    expect(page).to_have_url(live_server.url + "/")
    page.goto(f"{live_server.url}/f/{inner.pk}")
    search = page.get_by_role("combobox", name="Search your files")
    search.fill("ab")
    search.press("Backspace")
    expect(search).to_have_value("a")
    expect(page.locator("[data-crumbs] [aria-current=page]")).to_have_text("Kosha")

    # An empty folder opened from the keyboard puts the focus on its heading
    page.goto(f"{live_server.url}/f/{inner.pk}")
    row_option(page, "Notes").click()
    page.keyboard.press("Enter")
    expect(page.locator("[data-title]")).to_be_focused()
    page.keyboard.press("Backspace")
    expect(row_option(page, "Notes")).to_be_focused()


def test_new_folder_asks_for_the_name_first_and_leaves_nothing_on_a_clash(owner_page, live_server, owner):
    factories.folder(owner, "Taken")
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "Taken").wait_for()

    page.get_by_role("button", name="New folder").click()
    dialog = page.get_by_role("dialog", name="New folder")
    field = dialog.get_by_label("Folder name")
    expect(field).to_be_focused()
    expect(field).to_have_value("New folder")
    assert Folder.objects.filter(owner=owner).count() == 1  # nothing made before the name

    # A clashing name is said in the dialog; nothing is made and the dialog stays
    field.fill("Taken")
    field.press("Enter")
    expect(dialog.get_by_role("alert")).to_contain_text(re.compile("already|exists|taken", re.I))
    assert sorted(Folder.objects.filter(owner=owner).values_list("name", flat=True)) == ["Taken"]

    # Cancel leaves nothing either
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert Folder.objects.filter(owner=owner).count() == 1

    # A good name makes exactly that folder, selected
    page.get_by_role("button", name="New folder").click()
    field = page.get_by_role("dialog", name="New folder").get_by_label("Folder name")
    field.fill("Reports 2026")
    field.press("Enter")
    expect(row_option(page, "Reports 2026")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Created the folder “Reports 2026”.")).to_be_visible()
    assert sorted(Folder.objects.filter(owner=owner).values_list("name", flat=True)) == ["Reports 2026", "Taken"]


def test_a_move_into_the_same_folder_says_nothing_moved(owner_page, live_server, owner):
    File.objects.create(owner=owner, name="stays.txt")
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "stays.txt").click()

    # The picker's folder list is held back, as on a slow server: its buttons must not
    # jump when the list and the path arrive (a click aimed at "Move here" lands on it).
    held = []
    page.route(re.compile(r"/api/v1/folders/root/items/\?.*limit=200"), lambda route: held.append(route))
    page.locator('[data-selection-bar] [data-action="move"]').click()
    picker = page.locator("[data-picker]")
    move_here = picker.get_by_role("button", name=re.compile("^Move here"))
    expect(picker).to_be_visible()
    for _ in range(250):  # the route handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the picker never asked for the folder list"
    before = move_here.bounding_box()
    held[0].continue_()
    expect(move_here).to_have_accessible_name("Move here: My files")
    assert move_here.bounding_box() == before

    move_here.click()

    expect(page.get_by_text("It is already in that folder; nothing moved.")).to_be_visible()
    expect(page.get_by_text("Moved 1 item.")).to_have_count(0)


def test_the_listing_sorts_names_naturally(owner_page, live_server, owner):
    names = ["file10", "Zebra.txt", "file2", "Äpfel.txt", "apple.txt", "file1"]
    File.objects.bulk_create([File(owner=owner, name=name) for name in names])
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "file1").wait_for()

    shown = page.locator('[role="option"] .item__name').all_text_contents()

    assert shown == ["Äpfel.txt", "apple.txt", "file1", "file2", "file10", "Zebra.txt"]
