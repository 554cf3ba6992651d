"""In Chromium, on the local backend: the owner opens Settings → Unfinished uploads,
aborts their own stalled upload, then every upload a drop link's visitors left; each
row goes, the reservations are released, and the page says nothing is pending."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.clients import api_as
from storage.models import UploadSession
from storage.tests.protocol import usage_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _drop_start(token: str, name: str, address: str) -> None:
    body = {"name": name, "size": 10, "content_type": "text/plain"}
    response = Client(REMOTE_ADDR=address).post(f"/s/{token}/uploads/", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_owner_aborts_one_upload_then_all_of_a_drop_links(owner_page, live_server, owner):
    inbox = factories.folder(owner, "Inbox")
    link, token = factories.link(owner, inbox, is_drop=True)
    link.name = "Client files"
    link.save(update_fields=["name"])
    assert (
        api_as(owner).post("/api/v1/uploads/", {"name": "stalled.bin", "size": 500}, format="json").status_code == 201
    )
    _drop_start(token, "one.txt", "203.0.113.1")
    _drop_start(token, "two.txt", "203.0.113.2")
    assert usage_of(owner).reserved_bytes == 520
    page = owner_page

    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Unfinished uploads").click()
    expect(page.get_by_role("heading", name="Unfinished uploads", level=1)).to_be_visible()
    expect(page.locator("tr[data-pending-upload]")).to_have_count(3)
    page.get_by_role("button", name="Abort upload stalled.bin").click()
    expect(page.locator("tr[data-pending-upload]")).to_have_count(2)
    expect(page.get_by_text("1 upload aborted")).to_be_visible()
    page.get_by_role("button", name="Abort every upload from drop link Client files").click()

    expect(page.get_by_text("No unfinished uploads")).to_be_visible()
    expect(page.locator("tr[data-pending-upload]")).to_have_count(0)
    assert usage_of(owner).reserved_bytes == 0
    assert not UploadSession.objects.filter(owner=owner, status=UploadSession.Status.PENDING).exists()
