"""A visitor unlocks a password-protected link in Chromium. Under /s/ the page's
`Referrer-Policy: no-referrer` makes Chromium send `Origin: null` with the form's POST;
the CSRF token still guards the form (kosha/csrf.py)."""

import pytest
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import CONTEXT_ARGS, page_with_error_log

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_types_the_links_password_and_sees_the_file(chromium, live_server, local_settings, owner):
    file = factories.stored_file(owner, "plan.txt", b"the plan")
    _link, token = factories.link(owner, file, "locked")
    context = chromium.new_context(**CONTEXT_ARGS)
    page, errors = page_with_error_log(context, timeout_ms=10_000)
    page.goto(f"{live_server.url}/s/{token}")

    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("alert")).to_have_text("That password is not right.")
    page.get_by_label("Password").fill(factories.LINK_PASSWORD)
    page.get_by_role("button", name="Open").click()

    expect(page.get_by_text("plan.txt").first).to_be_visible()
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
