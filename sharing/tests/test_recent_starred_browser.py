"""Recent and Starred in a real Chromium: nav entries, the same file browser rendering, the
star toggle in the selection bar, and opening an item where it lives."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import row_option, signed_in_page
from kosha.testing.factories import stored_file
from storage.models import File, Star

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(chromium, live_server, local_settings, collaborator):
    with signed_in_page(chromium, live_server.url, collaborator) as page:
        yield page


def test_star_in_a_folder_then_find_it_under_starred_and_recent(signed_in, live_server, owner, collaborator):
    team = factories.folder(owner, "Team")
    shared = stored_file(owner, "plan.txt", b"plan", folder=team)
    factories.share(owner, team, collaborator, role="viewer")
    mine = stored_file(collaborator, "notes.txt", b"mine")
    File.objects.filter(pk=mine.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    page = signed_in

    # Star a file in a folder shared with me, from the selection bar
    page.goto(f"{live_server.url}/f/{team.pk}")
    row_option(page, "plan.txt").click()
    star = page.locator('[data-selection-bar] [data-action="star"]')
    expect(star).to_have_text("Star")
    star.click()
    expect(page.get_by_text("Starred 1 item.")).to_be_visible()
    expect(star).to_have_text("Unstar")
    expect(row_option(page, "plan.txt")).to_have_attribute("aria-description", re.compile("starred"))
    assert Star.objects.filter(user=collaborator, file=shared).exists()

    # Starred: a nav entry, the same listing, the item with its owner
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Starred").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Starred")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Starred")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("listbox", name="Starred")).to_be_visible()
    expect(row_option(page, "plan.txt")).to_have_attribute("aria-description", re.compile(f"shared by {owner.email}"))

    # Recent: newest change first, mine and shared
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Recent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recent")
    expect(page.locator('[role="option"] .item__name')).to_have_text(["plan.txt", "notes.txt"])

    # Unstar from Starred: it leaves the list
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Starred").click()
    row_option(page, "plan.txt").click()
    page.locator('[data-selection-bar] [data-action="star"]').click()
    expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    assert not Star.objects.filter(user=collaborator).exists()


def test_a_starred_folder_opens_on_its_own_page(signed_in, live_server, collaborator):
    docs = factories.folder(collaborator, "Docs")
    stored_file(collaborator, "inside.txt", b"x", folder=docs)
    Star.objects.create(user=collaborator, folder=docs)
    page = signed_in
    page.goto(f"{live_server.url}/starred/")

    row_option(page, "Docs").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/f/{docs.pk}")
    expect(row_option(page, "inside.txt")).to_be_visible()
