"""The file-drop page in Chromium, on the real upload client (static/js/pages/drop.js on
upload.js and the upload panel) against the drop link's copy of the protocol
(/s/<token>/uploads/): a visitor with no account drops several files at once and watches
them go, a part the store drops is sent again, a reload resumes a multipart upload without
resending what is stored, and the owner then finds exactly those files in the folder.

The multi-file journey runs once per object store: the local backend (our signed-URL view
on the live server) and S3 on moto's HTTP server (cross-origin, with bucket CORS).
"""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import signed_in_context, store_put_gate
from plans.models import Plan
from plans.services import usage_set_plan
from sharing.models import LinkEvent
from storage.models import File, UploadSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024
BIG_BYTES = 12 * MiB  # over the lowered 5 MiB threshold: parts of 8 MiB and 4 MiB
PHOTO_BYTES = 300_000
UPLOAD_TIMEOUT_MS = 60_000
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def _pattern(size: int) -> bytes:
    """Byte i is (31 i + 7) mod 251, as the page script below builds it."""
    period = bytes((31 * i + 7) % 251 for i in range(251))
    return (period * (size // 251 + 1))[:size]


# Drops files built in the page onto the drop zone, as Chromium fires a drag from the desktop.
DROP_SCRIPT = """(files) => {
    const zone = document.querySelector("[data-drop-zone]");
    const transfer = new DataTransfer();
    for (const { name, size, text } of files) {
        let body = text;
        if (body === null) {
            body = new Uint8Array(size);
            for (let i = 0; i < size; i += 1) body[i] = (31 * i + 7) % 251;
        }
        transfer.items.add(new File([body], name, { type: text === null ? "application/octet-stream" : "text/plain" }));
    }
    // Record every state each row goes through.
    window.states = {};
    new MutationObserver((changes) => {
        for (const { target } of changes) {
            (window.states[target.dataset.name] ??= []).push(target.dataset.state);
        }
    }).observe(document.querySelector("[data-upload-panel]"), {
        subtree: true, attributes: true, attributeFilter: ["data-state"],
    });
    for (const type of ["dragenter", "dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
}"""


@pytest.fixture
def drop(owner):
    inbox = factories.folder(owner, "Inbox")
    link, token = factories.link(owner, inbox, is_drop=True)
    return inbox, link, token


@pytest.fixture
def multipart_at_5_mib(settings):
    settings.KOSHA_MULTIPART_THRESHOLD_BYTES = 5 * MiB


def _route_store(page, *, fail_first_part=False, hold_parts_after=None):
    """Watch the store's PUTs. Part URLs are learnt from the drop's parts/ answers (the
    page gets them only through those); the first part PUT is cut off when fail_first_part;
    part PUTs after the first `hold_parts_after` are held unanswered (a reload cancels them)
    until the test sets seen["holding"] to False."""
    seen = {
        "part_urls": set(),
        "parts": 0,
        "singles": 0,
        "failed": 0,
        "held": [],
        "holding": hold_parts_after is not None,
    }

    def learn_part_urls(route):
        answer = route.fetch()
        seen["part_urls"].update(part["url"] for part in answer.json()["parts"])
        route.fulfill(response=answer)

    def store_put(route):
        request = route.request
        if request.method != "PUT":
            return route.fallback()
        if request.url not in seen["part_urls"]:
            seen["singles"] += 1
            return route.continue_()
        return store_put_gate(route, seen, counted="parts", fail_first=fail_first_part, hold_after=hold_parts_after)

    page.route(re.compile(r".*/s/[^/]+/uploads/[^/]+/parts/$"), learn_part_urls)
    page.route(re.compile(r"^http://(localhost|127\.0\.0\.1):\d+/.*"), store_put)
    return seen


def _item(page, name):
    return page.locator(f"[data-upload-item][data-name='{name}']")


def test_a_visitor_drops_several_files_with_progress_a_failed_part_is_retried_and_the_owner_gets_them(
    browser_page, live_server, store, multipart_at_5_mib, drop, owner
):
    page = browser_page
    inbox, link, token = drop
    puts = _route_store(page, fail_first_part=True, hold_parts_after=1)
    page.goto(f"{live_server.url}/s/{token}")
    expect(page.get_by_role("group", name="Drop files here to send them")).to_be_visible()
    expect(page.get_by_label("Choose files")).to_have_attribute("type", "file")

    page.evaluate(
        DROP_SCRIPT,
        [
            {"name": "big.bin", "size": BIG_BYTES, "text": None},
            {"name": "photo.bin", "size": PHOTO_BYTES, "text": None},
            {"name": "notes.txt", "size": 0, "text": "Dropped for you.\n"},
        ],
    )
    # One part of big.bin is stored and the other not let through yet: the bar shows the part done.
    expect(_item(page, "big.bin").get_by_role("progressbar")).to_have_attribute(
        "aria-valuenow", re.compile(r"^[1-9]\d?$")
    )
    puts["holding"] = False
    for route in puts["held"]:
        route.continue_()

    for name in ("big.bin", "photo.bin", "notes.txt"):
        expect(_item(page, name)).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)
        expect(_item(page, name).get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-upload-overall]")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-upload-summary]")).to_have_text("3 of 3 uploaded")
    expect(page.get_by_role("heading", name="Sent files")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"drop-page-done-{store.__class__.__name__}.png"), full_page=True)

    # The big file went in two parts, the first of them twice: cut off, retried, stored.
    states = page.evaluate("() => window.states")
    assert puts["failed"] == 1
    assert puts["parts"] + len(puts["held"]) == 2
    assert puts["singles"] == 2
    assert "retrying" in states["big.bin"], states
    assert UploadSession.objects.get(name="big.bin").strategy == UploadSession.Strategy.MULTIPART

    # The owner finds exactly the dropped files, with the dropped bytes, in the drop's folder.
    assert set(File.objects.filter(owner=owner).values_list("name", flat=True)) == {"big.bin", "photo.bin", "notes.txt"}
    assert LinkEvent.objects.filter(link=link, kind=LinkEvent.Kind.UPLOADED).count() == 3
    context = signed_in_context(page.context.browser, live_server.url, owner)
    try:
        mine = context.new_page()
        mine.goto(f"{live_server.url}/f/{inbox.pk}")
        listing = mine.locator("[data-listing-items]")
        for name in ("big.bin", "photo.bin", "notes.txt"):
            expect(listing.get_by_role("option", name=re.compile(re.escape(name)))).to_be_visible()
        files = {file.name: file for file in File.objects.filter(owner=owner, folder=inbox)}
        expected = {
            "big.bin": _pattern(BIG_BYTES),
            "photo.bin": _pattern(PHOTO_BYTES),
            "notes.txt": b"Dropped for you.\n",
        }
        for name, data in expected.items():
            answer = context.request.get(f"{live_server.url}/api/v1/files/{files[name].pk}/download/")
            assert answer.ok, answer.status
            assert answer.body() == data, name
    finally:
        context.close()


def test_a_reload_on_the_drop_page_resumes_a_multipart_upload_without_resending_stored_parts(
    browser_page, live_server, local_settings, multipart_at_5_mib, drop, owner, tmp_path
):
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while uploading
    inbox, _link, token = drop
    big = tmp_path / "big.bin"
    big.write_bytes(_pattern(BIG_BYTES))
    puts = _route_store(page, hold_parts_after=1)
    page.goto(f"{live_server.url}/s/{token}")

    with page.expect_file_chooser() as chooser:
        page.get_by_text("Choose files").click()
    chooser.value.set_files(str(big))
    # One part reaches the store; the other is held in flight.
    page.wait_for_function("() => JSON.parse(localStorage.getItem('kosha.uploads.v1') || '[]').length === 1")
    record = page.evaluate("() => JSON.parse(localStorage.getItem('kosha.uploads.v1'))[0]")
    assert record["uploads"] == f"/s/{token}/uploads/"
    for _ in range(200):
        state = page.context.request.get(f"{live_server.url}/s/{token}/uploads/{record['id']}/").json()
        if len(state["parts"]) == 1:
            break
        page.wait_for_timeout(100)
    assert len(state["parts"]) == 1, state
    assert len(puts["held"]) == 1

    puts["holding"] = False
    page.reload()
    offer = page.locator("[data-upload-resumable][data-name='big.bin']")
    expect(offer).to_contain_text("1 of 2 parts are stored")
    with page.expect_file_chooser() as chooser:
        offer.get_by_role("button", name="Resume big.bin — choose the file again").click()
    chooser.value.set_files(str(big))

    expect(_item(page, "big.bin")).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)
    assert puts["parts"] == 2  # the part stored before the reload was not sent again
    assert page.evaluate("() => localStorage.getItem('kosha.uploads.v1')") == "[]"
    stored = File.objects.get(owner=owner, folder=inbox, name="big.bin")
    assert stored.size_bytes == BIG_BYTES


def test_a_drop_over_the_owners_quota_says_so_and_offers_no_retry(
    browser_page, live_server, local_settings, drop, owner, tmp_path
):
    page = browser_page
    tiny = Plan.objects.create(
        code=f"tiny-{uuid.uuid4().hex[:6]}", name="Tiny", storage_bytes=1000, max_files=10, max_file_bytes=1000
    )
    usage_set_plan(user=owner, plan=tiny)
    _inbox, _link, token = drop
    page.goto(f"{live_server.url}/s/{token}")

    page.evaluate(DROP_SCRIPT, [{"name": "too-big.bin", "size": 5000, "text": None}])

    item = _item(page, "too-big.bin")
    expect(item).to_have_attribute("data-state", "failed")
    expect(item.get_by_role("alert")).to_have_text("This folder cannot take this file.")
    expect(item.get_by_role("button", name="Retry too-big.bin")).to_be_hidden()
    assert not File.objects.filter(owner=owner).exists()
