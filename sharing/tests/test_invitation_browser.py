"""In Chromium, on the local backend: the owner shares a folder with an address that has no
account; the invitation e-mail's link signs the new person up and opens the folder."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from kosha.testing.browser import CONTEXT_ARGS, page_with_error_log, row_option, signed_in_context
from kosha.testing.factories import PASSWORD, folder, stored_file, user
from sharing.models import Share

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEWCOMER = "new-teammate@example.org"


def test_an_invitation_signs_a_new_person_up_and_opens_the_shared_folder(chromium, live_server, local_settings):
    local_settings.KOSHA_SITE_URL = live_server.url
    owner = user("owner")
    team = folder(owner, "Team plans")
    stored_file(owner, "roadmap.txt", b"ship it", folder=team)

    # The owner shares the folder with an address nobody uses yet.
    theirs = signed_in_context(chromium, live_server.url, owner)
    page, errors = page_with_error_log(theirs, timeout_ms=15_000)
    page.goto(f"{live_server.url}/")
    row_option(page, "Team plans").locator(".item__type").click()
    page.locator("[data-selection-bar] [data-action='share']").click()
    dialog = page.get_by_role("dialog", name=re.compile("Share “Team plans”"))
    dialog.get_by_label("Email").fill(NEWCOMER)
    dialog.get_by_label("Role", exact=True).select_option("editor")
    dialog.get_by_role("button", name="Add").click()
    expect(dialog.locator(f"[data-share-person='{NEWCOMER}']")).to_be_visible()
    expect(dialog.locator("[data-share-error]")).to_be_hidden()
    assert errors == []
    theirs.close()

    # The worker sent the invitation after the commit.
    (message,) = [m for m in mail.outbox if m.to == [NEWCOMER]]
    url = re.search(r"https?://\S+/invitations/\S+", message.body).group(0)
    assert url.startswith(live_server.url)

    # The newcomer opens it in a fresh browser, signs up, and lands in the folder.
    fresh = chromium.new_context(**CONTEXT_ARGS)
    try:
        visitor, visitor_errors = page_with_error_log(fresh, timeout_ms=15_000)
        visitor.goto(url)
        expect(visitor.get_by_role("heading", name=re.compile("shared “Team plans” with you"))).to_be_visible()
        visitor.get_by_role("link", name="Create your account").click()
        expect(visitor.locator("input[name=email]")).to_have_value(NEWCOMER)
        visitor.fill("input[name=password1]", PASSWORD)
        visitor.fill("input[name=password2]", PASSWORD)
        visitor.locator("form:has(input[name=password2]) [type=submit]").click()
        visitor.wait_for_url(f"{live_server.url}/f/{team.pk}")
        expect(visitor.get_by_role("heading", name="Team plans")).to_be_visible()
        expect(row_option(visitor, "roadmap.txt")).to_be_visible()
        expect(visitor.locator("[data-role-badge]")).to_have_text("editor")
        assert visitor_errors == []
    finally:
        fresh.close()
    assert Share.objects.get(folder=team).grantee.email == NEWCOMER
