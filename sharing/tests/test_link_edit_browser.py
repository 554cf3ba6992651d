"""In Chromium, on the local backend, in Tokyo's time zone: the owner copies a link's
address and edits the link (name, expiry, password, download limit) from "Shared by me"
and from the share dialog. An expiry beyond the plan is refused with the plan's limit in
the form (never shortened); a chosen day ends at 23:59 in the browser's zone."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kosha.testing.browser import page_with_error_log, signed_in_context
from kosha.testing.factories import folder, link, stored_file
from plans.selectors import usage_get_for_user
from sharing.models import ShareLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "Asia/Tokyo"


def _blocking_axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in {"critical", "serious"}]


def _today_in_zone() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def test_the_owner_copies_and_edits_a_link_on_shared_by_me(chromium, live_server, local_settings, owner):
    team = folder(owner, "Team")
    made, token = link(owner, team)
    before = made.expires_at
    max_days = usage_get_for_user(user=owner).plan.max_share_days
    context = signed_in_context(chromium, live_server.url, owner, timezone_id=ZONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    try:
        page.goto(f"{live_server.url}/shared/by-me/")
        row = page.locator(f'[data-link="{made.pk}"]')
        # The expiry in the browser's zone, not the server's UTC.
        expect(row.locator("[data-link-expires]")).not_to_contain_text("UTC")

        row.get_by_role("button", name="Copy link to Team").click()
        expect(page.locator("[data-toasts-polite]")).to_contain_text("Copied")
        assert page.evaluate("() => navigator.clipboard.readText()") == f"{live_server.url}/s/{token}"

        row.get_by_role("button", name="Edit the link to Team").click()
        dialog = page.get_by_role("dialog", name="Edit the link to “Team”")
        expect(dialog).to_be_visible()
        assert _blocking_axe_violations(page) == []
        dialog.get_by_label("Name").fill("For the team")
        dialog.get_by_label("Password").fill("s3cret words")
        dialog.get_by_label("Download limit").fill("3")
        too_far = _today_in_zone() + timedelta(days=max_days + 5)
        dialog.get_by_label("Expires on").fill(too_far.isoformat())
        dialog.get_by_role("button", name="Save").click()
        expect(dialog.get_by_role("alert")).to_contain_text(f"at most {max_days} days")
        assert ShareLink.objects.get(pk=made.pk).expires_at == before  # refused whole, nothing saved

        chosen = _today_in_zone() + timedelta(days=2)
        dialog.get_by_label("Expires on").fill(chosen.isoformat())
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
        expect(page.locator("[data-toasts-polite]")).to_contain_text("Link saved.")
        expect(row.locator("[data-link-name]")).to_have_text("For the team")
        expect(row.locator("[data-link-password]")).to_be_visible()
        expect(row.locator("[data-link-downloads]")).to_have_text("0 / 3")
        expect(row.locator("[data-link-state]")).to_have_text("Live")
        saved = ShareLink.objects.get(pk=made.pk)
        local = saved.expires_at.astimezone(ZoneInfo(ZONE))
        assert (local.date(), local.hour, local.minute) == (chosen, 23, 59)
        assert (saved.name, saved.max_downloads, saved.has_password) == ("For the team", 3, True)

        # The password works for a visitor; then the owner removes it.
        visitor = chromium.new_context()
        visit = visitor.new_page()
        visit.goto(f"{live_server.url}/s/{token}")
        expect(visit.get_by_label("Password")).to_be_visible()
        visitor.close()
        row.get_by_role("button", name="Edit the link to Team").click()
        dialog.get_by_label("Remove the password").check()
        dialog.get_by_role("button", name="Save").click()
        expect(row.locator("[data-link-password]")).to_be_hidden()
        assert ShareLink.objects.get(pk=made.pk).password_hash == ""
    finally:
        context.close()
    assert errors == []


def test_the_share_dialog_lists_a_links_state_copies_and_edits_it(chromium, live_server, local_settings, owner):
    made, token = link(owner, stored_file(owner, "plan.txt", b"the plan"))
    context = signed_in_context(chromium, live_server.url, owner, timezone_id=ZONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    try:
        page.goto(f"{live_server.url}/")
        option = page.locator('[role="option"]', has=page.locator(".item__name", has_text=re.compile("^plan.txt$")))
        option.locator(".item__type").click()
        page.keyboard.press("s")
        dialog = page.get_by_role("dialog", name=re.compile("Share “plan.txt”"))
        entry = dialog.locator(f'[data-share-link="{made.pk}"]')
        expect(entry.locator("[data-link-state]")).to_have_text("Live")

        entry.get_by_role("button", name=re.compile("^Copy link: ")).click()
        expect(page.locator("[data-toasts-polite]")).to_contain_text("Copied")
        assert page.evaluate("() => navigator.clipboard.readText()") == f"{live_server.url}/s/{token}"

        entry.get_by_role("button", name=re.compile("^Edit")).click()
        assert _blocking_axe_violations(page) == []
        entry.get_by_label("Name").fill("Board copy")
        entry.get_by_label("Download limit").fill("1")
        entry.get_by_role("button", name="Save").click()
        entry = dialog.locator(f'[data-share-link="{made.pk}"]')
        expect(entry.locator(".share-entry__name")).to_have_text("Board copy")
        expect(entry).to_contain_text("0 of 1 downloads")
        expect(dialog).to_be_visible()  # saving keeps the dialog open
        assert ShareLink.objects.filter(pk=made.pk, name="Board copy", max_downloads=1).exists()
    finally:
        context.close()
    assert errors == []


def test_without_clipboard_access_copy_link_selects_the_address(chromium, live_server, local_settings, owner):
    made, token = link(owner, folder(owner, "Team"))
    context = signed_in_context(chromium, live_server.url, owner)  # no clipboard permission
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    try:
        page.goto(f"{live_server.url}/shared/by-me/")
        page.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }")
        row = page.locator(f'[data-link="{made.pk}"]')

        row.get_by_role("button", name="Copy link to Team").click()

        address = row.get_by_label("Address of the link to Team")
        expect(address).to_be_focused()
        selected = address.evaluate("node => node.value.slice(node.selectionStart, node.selectionEnd)")
        assert selected == f"{live_server.url}/s/{token}"
        expect(page.locator("[data-toasts-polite]")).to_contain_text(re.compile("Copied|Press Ctrl\\+C"))
    finally:
        context.close()
    assert errors == []
