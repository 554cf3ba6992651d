"""The open folder refreshes itself when something changes elsewhere (another device, a
collaborator): in a real Chromium against the live server, the page polls
/api/v1/changes/latest/ and redraws the listing only when what it shows changed."""

import pytest
from playwright.sync_api import expect

from kosha.testing.browser import page_with_error_log, row_option, signed_in_context
from kosha.testing.clients import api_as
from kosha.testing.factories import folder, share, stored_file

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_polls(settings):
    settings.KOSHA_CHANGES_POLL_SECONDS = 1


def _open(chromium, live_server, user, path):
    context = signed_in_context(chromium, live_server.url, user)
    page, errors = page_with_error_log(context, timeout_ms=10_000)
    page.goto(live_server.url + path)
    return context, page, errors


def test_a_file_added_and_renamed_elsewhere_shows_up_without_a_reload_and_the_selection_stays(
    quick_polls, chromium, live_server, local_settings, owner
):
    reports = folder(owner, "Reports")
    stored_file(owner, "kept.txt", folder=reports)
    context, page, errors = _open(chromium, live_server, owner, f"/f/{reports.pk}")
    row_option(page, "kept.txt").locator(".item__name").click(modifiers=["Control"])
    expect(row_option(page, "kept.txt")).to_have_attribute("aria-selected", "true")
    page.evaluate("window.__loaded = performance.getEntriesByType('navigation').length")

    # Another device adds a file, then renames it, through the API.
    added = stored_file(owner, "from-phone.txt", folder=reports)
    expect(row_option(page, "from-phone.txt")).to_be_visible()
    response = api_as(owner).patch(f"/api/v1/files/{added.pk}/", {"name": "renamed.txt"}, format="json")
    assert response.status_code == 200

    expect(row_option(page, "renamed.txt")).to_be_visible()
    expect(row_option(page, "from-phone.txt")).to_have_count(0)
    expect(row_option(page, "kept.txt")).to_have_attribute("aria-selected", "true")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    context.close()
    assert errors == []


def test_a_change_that_does_not_touch_the_open_folder_redraws_nothing(
    quick_polls, chromium, live_server, local_settings, owner
):
    reports = folder(owner, "Reports")
    elsewhere = folder(owner, "Elsewhere")
    stored_file(owner, "kept.txt", folder=reports)
    context, page, errors = _open(chromium, live_server, owner, f"/f/{reports.pk}")
    row_option(page, "kept.txt").wait_for()
    # A mark on the row's node: a redraw would replace the node and lose it; aria-busy
    # (the dimmed loading look) must never come on for a live refresh.
    page.evaluate(
        """() => {
          document.querySelector('[role="option"]').dataset.sameNode = "yes";
          window.__busy = 0;
          new MutationObserver(() => {
            if (document.querySelector('[aria-busy="true"]')) window.__busy += 1;
          }).observe(document.body, { attributes: true, subtree: true });
        }"""
    )

    with page.expect_response(lambda answer: "/items/" in answer.url):
        stored_file(owner, "other.txt", folder=elsewhere)

    page.wait_for_timeout(300)
    assert page.evaluate("""document.querySelector('[role="option"]').dataset.sameNode""") == "yes"
    assert page.evaluate("window.__busy") == 0
    context.close()
    assert errors == []


def test_a_collaborators_upload_shows_in_the_shared_folder_the_viewer_has_open(
    quick_polls, chromium, live_server, local_settings, owner, collaborator
):
    shared = folder(owner, "Team")
    share(owner, shared, collaborator)
    context, page, errors = _open(chromium, live_server, collaborator, f"/f/{shared.pk}")
    expect(page.get_by_text("This folder is empty.")).to_be_visible()

    stored_file(owner, "minutes.txt", folder=shared)

    expect(row_option(page, "minutes.txt")).to_be_visible()
    context.close()
    assert errors == []
