"""In Chromium, on the local backend: the owner opens "Shared by me" from the header,
copies a link's address from it, turns the link off and removes a person; the address
then answers 410 to a visitor."""

import pytest
from playwright.sync_api import expect

from kosha.testing.browser import page_with_error_log, signed_in_context
from kosha.testing.factories import folder, link, share, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_copies_an_address_turns_the_link_off_and_removes_a_person(
    chromium, live_server, local_settings, owner
):
    team = folder(owner, "Team")
    made, token = link(owner, team)
    friend = user("friend")
    grant = share(owner, team, friend, "editor")
    context = signed_in_context(chromium, live_server.url, owner)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    try:
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="Shared by me").click()
        expect(page.get_by_role("heading", name="Shared by me", level=1)).to_be_visible()

        row = page.locator(f'[data-link="{made.pk}"]')
        expect(row.locator("[data-link-state]")).to_have_text("Live")
        address = row.get_by_label("Address of the link to Team").input_value()
        assert address == f"{live_server.url}/s/{token}"

        row.get_by_role("button", name="Turn off the link to Team").click()
        expect(page.locator(".messages")).to_contain_text("The link is turned off.")
        expect(page.locator(f'[data-link="{made.pk}"] [data-link-state]')).to_have_text("Turned off")
        visitor = chromium.new_context()
        assert visitor.new_page().goto(address).status == 410
        visitor.close()

        page.get_by_role("button", name=f"Stop sharing Team with {friend.email}").click()
        expect(page.locator(".messages")).to_contain_text(f"{friend.email} no longer has access.")
        expect(page.locator(f'[data-share="{grant.pk}"]')).to_have_count(0)
    finally:
        context.close()
    assert errors == []
