"""axe-core (through axe-playwright-python) over every page of the web app, in light and
dark mode and at a phone's size: no critical and no serious violation anywhere."""

import pytest
from django.test import Client

from accounts.services import app_password_create
from kosha.origin import TASK
from kosha.testing.browser import signed_in_context, system_chromium
from kosha.testing.factories import folder, link, stored_file, user
from sharing.link_tokens import token_open
from sharing.services.shares import share_create
from storage.models import Star

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODES = {
    "light": {"viewport": {"width": 1366, "height": 768}, "color_scheme": "light"},
    "dark": {"viewport": {"width": 1366, "height": 768}, "color_scheme": "dark"},
    "phone": {"viewport": {"width": 390, "height": 844}, "color_scheme": "light", "is_mobile": True, "has_touch": True},
}
BLOCKING = {"critical", "serious"}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _violations(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def _pages(owner) -> tuple[list[str], list[str]]:
    """The signed-in pages and the public ones, as paths."""
    photos = folder(owner, "Photos")
    stored_file(owner, "holiday.txt", b"sun", folder=photos)
    report = stored_file(owner, "report.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    _, file_token = link(owner, report)
    app_password_create(user=owner, name="laptop")  # the app passwords page lists one
    _, folder_token = link(owner, photos)
    _, locked_token = link(owner, report, "locked")
    _, drop_token = link(owner, photos, is_drop=True)
    # A visitor's unfinished drop: a row on Settings → Unfinished uploads.
    dropped = {"name": "dropped.txt", "size": 3, "content_type": "text/plain"}
    Client().post(f"/s/{drop_token}/uploads/", dropped, content_type="application/json")
    Star.objects.create(user=owner, file=report)  # Starred shows a row with its star
    # An unread notice (the header's count, the list) and an invitation's landing page.
    friend = user("friend")
    share_create(actor=friend, item=folder(friend, "Team"), email=owner.email, origin=TASK)
    invitation = share_create(actor=owner, item=photos, email="invited@example.org", origin=TASK)
    invitation_token = token_open(invitation.token_sealed)
    signed_in = [
        "/",
        f"/f/{photos.pk}",
        "/?q=holiday",
        "/trash/",
        "/recent/",
        "/starred/",
        "/shared/",
        "/shared/by-me/",
        "/settings/",
        "/settings/plan/",
        "/settings/app-passwords/",
        "/settings/uploads/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/activity/",
        "/notifications/",
        "/settings/notifications/",
    ]
    public = [
        f"/s/{file_token}",
        f"/s/{folder_token}",
        f"/s/{locked_token}",
        f"/s/{drop_token}",
        "/accounts/login/",
        "/accounts/signup/",
        f"/invitations/{invitation_token}",
        "/no/such/page",
    ]
    return signed_in, public


@pytest.mark.parametrize("mode", list(MODES))
def test_every_page_has_no_critical_or_serious_axe_violation(mode, live_server, local_settings, owner, axe):
    signed_in, public = _pages(owner)
    found: dict[str, list[str]] = {}
    with system_chromium() as browser:
        owner_context = signed_in_context(browser, live_server.url, owner)
        cookies = owner_context.cookies()
        owner_context.close()
        for paths, signed in ((signed_in, True), (public, False)):
            context = browser.new_context(**MODES[mode])
            if signed:
                context.add_cookies(cookies)
            page = context.new_page()
            for path in paths:
                page.goto(live_server.url + path)
                page.wait_for_load_state("networkidle")
                problems = _violations(axe, page)
                if problems:
                    found[path] = problems
            context.close()

    assert found == {}, f"axe-core ({mode}): {found}"
