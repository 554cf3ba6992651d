"""The main navigation in Chromium (issue 13): on a phone (390×844) it is one line (the
current section's name and a Menu button, the links behind it), a disclosure that opens
and closes by pointer and keyboard and keeps the current marker, with no critical or
serious axe violation; on a desktop the links are in view on one line, no button."""

import pytest
from playwright.sync_api import expect

from kosha.origin import TASK
from kosha.testing.browser import signed_in_page
from kosha.testing.factories import folder, user
from sharing.services.shares import share_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ONE_LINE_PX = 48  # a line of the header: the Menu button is the tallest thing on it
# Each page and the section the navigation marks current on it.
PAGES = {
    "/": "Files",
    "/trash/": "Trash",
    "/shared/": "Shared with me",
    "/activity/": "Activity",
    "/settings/": "Settings",
}


def _blocking_axe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{found['id']} ({found['impact']})" for found in violations if found["impact"] in {"critical", "serious"}]


@pytest.fixture
def busy_owner(owner):
    """The owner as staff (the Admin link too) with an unread notification (a badge)."""
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    friend = user("friend")
    share_create(actor=friend, item=folder(friend, "Team"), email=owner.email, origin=TASK)
    return owner


def test_on_a_phone_the_navigation_is_one_line_marking_the_current_section(
    chromium, live_server, local_settings, busy_owner
):
    with signed_in_page(chromium, live_server.url, busy_owner, **PHONE) as page:
        for path, section in PAGES.items():
            page.goto(live_server.url + path)
            nav = page.get_by_role("navigation", name="Main")
            toggle = nav.get_by_role("button", name="Menu")
            expect(toggle).to_be_visible()

            box = nav.bounding_box()
            brand = page.locator(".brand").bounding_box()
            assert box["height"] <= ONE_LINE_PX, (path, box)
            assert box["x"] + box["width"] <= 390, (path, box)  # nothing sideways off the screen
            # Brand and navigation share the header's first line.
            assert abs((brand["y"] + brand["height"] / 2) - (box["y"] + box["height"] / 2)) < 8, (path, brand, box)
            expect(nav.locator("[data-site-nav-here]")).to_have_text(section)
            expect(nav.get_by_role("link", name="Trash")).to_be_hidden()
            expect(toggle).to_have_attribute("aria-expanded", "false")
        # The unread count rides on the button while the links are folded.
        expect(toggle).to_contain_text("1 unread")


def test_the_phone_menu_opens_and_closes_by_pointer_and_keyboard_without_axe_violations(
    chromium, live_server, local_settings, busy_owner
):
    with signed_in_page(chromium, live_server.url, busy_owner, **PHONE) as page:
        page.goto(live_server.url + "/trash/")
        nav = page.get_by_role("navigation", name="Main")
        toggle = nav.get_by_role("button", name="Menu")
        assert _blocking_axe(page) == []

        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        for name in ("Files", "Recent", "Starred", "Shared with me", "Activity", "Settings", "Admin"):
            expect(nav.get_by_role("link", name=name)).to_be_visible()
        expect(nav.get_by_role("link", name="Trash")).to_have_attribute("aria-current", "page")
        expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
        links = nav.locator("[data-site-nav-links]").bounding_box()
        assert links["x"] >= 0 and links["x"] + links["width"] <= 390, links
        assert _blocking_axe(page) == []

        # Keyboard: Tab goes into the links, Escape closes them and returns to the button.
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name="Files")).to_be_focused()
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()
        expect(nav.get_by_role("link", name="Files")).to_be_hidden()

        # Enter opens; a tap elsewhere closes; a link in the menu goes to its page.
        page.keyboard.press("Enter")
        expect(nav.get_by_role("link", name="Files")).to_be_visible()
        page.locator("main").click(position={"x": 5, "y": 5})
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        nav.get_by_role("link", name="Recent").click()
        page.wait_for_url(f"{live_server.url}/recent/")
        expect(page.get_by_role("navigation", name="Main").locator("[data-site-nav-here]")).to_have_text("Recent")


def test_on_a_desktop_the_links_are_in_view_on_one_line_without_a_menu_button(
    chromium, live_server, local_settings, busy_owner
):
    with signed_in_page(chromium, live_server.url, busy_owner, viewport={"width": 1366, "height": 768}) as page:
        page.goto(live_server.url + "/")
        nav = page.get_by_role("navigation", name="Main")

        expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
        expect(nav.get_by_role("link", name="Files")).to_have_attribute("aria-current", "page")
        tops = {round(box["y"]) for box in (link.bounding_box() for link in nav.get_by_role("link").all())}
        assert len(tops) == 1, tops
