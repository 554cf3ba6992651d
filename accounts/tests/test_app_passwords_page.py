"""Settings > App passwords in the browser: make one for a device (shown once, with the
/dav/ address and the username), see when it was last used, revoke it."""

import pytest
import requests

from accounts.models import AppPassword
from kosha.testing.browser import page_with_error_log, signed_in_context

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_app_password_is_made_shown_once_used_and_revoked(chromium, live_server, local_settings, owner, stranger):
    context = signed_in_context(chromium, live_server.url, owner)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="App passwords (WebDAV)").click()

    page.get_by_label("Device name").fill("laptop rclone")
    page.get_by_role("button", name="Create app password").click()

    alert = page.get_by_role("alert").filter(has_text="Copy your new app password now")
    key = alert.get_by_label("Password").input_value()
    assert f"{live_server.url}/dav/" in alert.inner_text()
    assert owner.email in alert.inner_text()
    row = page.get_by_role("row").filter(has_text="laptop rclone")
    assert "Never" in row.inner_text()
    assert AppPassword.objects.get(user=owner).name == "laptop rclone"

    # The device signs in with it; the list then says when.
    used = requests.request("PROPFIND", f"{live_server.url}/dav/", auth=(owner.email, key), headers={"Depth": "0"})
    assert used.status_code == 207
    page.goto(f"{live_server.url}/settings/app-passwords/")
    assert "Copy your new app password now" not in page.content()  # shown once
    assert "ago" in page.get_by_role("row").filter(has_text="laptop rclone").inner_text()

    page.get_by_role("button", name="Revoke app password laptop rclone").click()

    assert page.get_by_text("You have no app passwords.").is_visible()
    assert not AppPassword.objects.filter(user=owner).exists()
    refused = requests.request("PROPFIND", f"{live_server.url}/dav/", auth=(owner.email, key), headers={"Depth": "0"})
    assert refused.status_code == 401
    assert errors == []
    context.close()


def test_a_blank_name_is_a_form_error_and_makes_nothing(owner_web, owner):
    response = owner_web.post("/settings/app-passwords/", {"name": "  "})

    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not AppPassword.objects.filter(user=owner).exists()


def test_revoking_another_users_app_password_changes_nothing(owner_web, stranger):
    from accounts.services import app_password_create

    theirs, _ = app_password_create(user=stranger, name="their phone")

    response = owner_web.post("/settings/app-passwords/revoke/", {"app_password_id": str(theirs.pk)}, follow=True)

    assert response.status_code == 200
    assert AppPassword.objects.filter(pk=theirs.pk).exists()
