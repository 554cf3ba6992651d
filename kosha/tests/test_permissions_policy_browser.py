"""The Permissions-Policy header (kosha/headers.py) names only features Chromium knows:
an unknown one is a console error on every page, which hides real ones from whoever
opens the console."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chromium_reads_the_permissions_policy_without_a_complaint(browser_page, live_server):
    complaints: list[str] = []
    browser_page.on(
        "console", lambda message: complaints.append(message.text) if "Permissions-Policy" in message.text else None
    )

    response = browser_page.goto(f"{live_server.url}/accounts/login/")

    assert response is not None and response.ok
    assert response.headers["permissions-policy"]
    assert complaints == []
