"""In Chromium: the activity page shows times in the browser's time zone (here Tokyo, the
server's is UTC), a collaborator by name and a very long item name cut with an ellipsis
inside the table, with no critical or serious axe violation."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from activity.models import ActivityEvent
from kosha.origin import TASK
from kosha.testing.browser import page_with_error_log, signed_in_context
from kosha.testing.factories import folder, share, stored_file, user
from storage.services.files import file_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "Asia/Tokyo"


def test_times_in_the_viewers_zone_names_and_long_items_cut(chromium, live_server, local_settings, owner):
    team = folder(owner, "Team")
    long_name = "quarterly-report-" + "x" * 200 + ".txt"
    made = stored_file(owner, "short.txt", b"data", folder=team)
    editor = user("editor", name="Edith Editor")
    share(owner, team, editor, "editor")
    file_update(actor=editor, file=made, name=long_name, origin=TASK)
    event = ActivityEvent.objects.get(kind="rename", actor=editor)
    context = signed_in_context(
        chromium, live_server.url, owner, timezone_id=ZONE, viewport={"width": 1100, "height": 800}
    )
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    try:
        page.goto(f"{live_server.url}/activity/")
        row = page.locator(f'[data-activity-event="{event.pk}"]')
        expect(row.locator(".activity__actor")).to_have_text("Edith Editor")
        expect(row.locator(".activity__action")).to_have_text(re.compile("^Renamed"))
        expect(page.locator("[data-local-zone]")).to_contain_text(ZONE)

        shown = row.locator("time").inner_text()
        local = event.at.astimezone(ZoneInfo(ZONE))
        assert "UTC" not in shown
        assert f"{local.hour}:{local.minute:02d}" in shown or local.strftime("%I:%M").lstrip("0") in shown, shown
        assert str(local.day) in shown

        item = row.locator(".activity__item .truncate")
        expect(item).to_have_attribute("title", long_name)
        cut = item.evaluate("node => node.scrollWidth > node.clientWidth")
        assert cut, "the long name is cut with an ellipsis"
        table_fits = page.evaluate(
            "() => { const wrap = document.querySelector('.table-wrap');"
            " return wrap.scrollWidth <= wrap.clientWidth + 1; }"
        )
        assert table_fits, "the table is no wider than its box"

        from axe_playwright_python.sync_playwright import Axe

        violations = Axe().run(page).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in {"critical", "serious"}] == []
    finally:
        context.close()
    assert errors == []
    assert datetime.now(ZoneInfo(ZONE)).utcoffset().total_seconds() == 9 * 3600  # the zone differs from UTC
