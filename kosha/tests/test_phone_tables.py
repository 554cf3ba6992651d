"""Every table page on a phone (390×844): a name stays readable. A short name ("Team") sits
on one line in a cell wide enough for a word, never one letter a line; a long one is cut
with an ellipsis, whole in its title, and never widens the page."""

import pytest

from accounts.services import api_token_create, app_password_create
from kosha.origin import TASK
from kosha.testing.browser import page_with_error_log, signed_in_context
from kosha.testing.factories import folder, link, pending_upload, share, stored_file, user
from sharing.services.shares import share_create
from storage.services.trash import file_trash, folder_trash

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SHORT = "Team"
LONG = "Quarterly planning notes for the whole team, final draft (2026).txt"
# A word of ten letters is about 90 px wide in the body font: the least a name's box may be.
WORD_PX = 96
PAGES = [
    "/shared/",
    "/shared/by-me/",
    "/trash/",
    "/activity/",
    "/settings/",
    "/settings/app-passwords/",
    "/settings/uploads/",
]

# Each visible table cell's text node that is exactly one of `names`: the box holding it,
# the lines its text takes, and whether that box cuts it (and how).
MEASURE = """(names) => {
  const found = [];
  for (const cell of document.querySelectorAll("table td")) {
    if (!cell.offsetParent) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const name = node.textContent.trim();
      if (!names.includes(name)) continue;
      const holder = node.parentElement;
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      found.push({
        name, lines, width: holder.getBoundingClientRect().width, title: holder.title,
        cut: holder.scrollWidth > holder.clientWidth, ellipsis: getComputedStyle(holder).textOverflow === "ellipsis",
      });
    }
  }
  return found;
}"""


def _seed(owner, collaborator) -> None:
    """SHORT and LONG on every table page: shared with the owner, shared and linked by the
    owner, in the trash, in the activity, as a token, an app password and an unfinished upload."""
    friend = user("friend")
    for item in (folder(friend, SHORT), stored_file(friend, LONG)):
        share_create(actor=friend, item=item, email=owner.email, origin=TASK)
    team, notes = folder(owner, SHORT), stored_file(owner, LONG)
    for item in (team, notes):
        share(owner, item, collaborator)
        link(owner, item)
    archive = folder(owner, "Archive")
    folder_trash(actor=owner, folder=folder(owner, SHORT, parent=archive), origin=TASK)
    file_trash(actor=owner, file=stored_file(owner, LONG, folder=archive), origin=TASK)
    for name in (SHORT, LONG):
        api_token_create(user=owner, name=name)
        app_password_create(user=owner, name=name)
        pending_upload(owner, name, folder=team)


def test_on_a_phone_every_tables_names_stay_readable(chromium, live_server, local_settings, owner, collaborator):
    _seed(owner, collaborator)
    context = signed_in_context(chromium, live_server.url, owner, **PHONE)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    faults: dict[str, list] = {}

    for path in PAGES:
        page.goto(live_server.url + path)
        page.locator("table td", has_text=LONG).first.wait_for()
        cells = page.evaluate(MEASURE, [SHORT, LONG])
        wrong = [cell for cell in cells if not _readable(cell)]
        if {cell["name"] for cell in cells} != {SHORT, LONG} or wrong:
            faults[path] = wrong or cells
        if page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"):
            faults.setdefault(path, []).append("the page scrolls sideways")
    context.close()

    assert faults == {}
    assert errors == []


def _readable(cell: dict) -> bool:
    """One line in a box a word fits; SHORT whole, LONG cut with an ellipsis within 60% of
    the phone's width and whole in the box's title."""
    if cell["lines"] != 1 or cell["width"] < WORD_PX:
        return False
    if cell["name"] == SHORT:
        return not cell["cut"]
    return cell["cut"] and cell["ellipsis"] and cell["title"] == LONG and cell["width"] <= 0.6 * 390
