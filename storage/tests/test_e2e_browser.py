"""End to end in Chromium: sign up, upload through the panel, download, rename; reload in
the middle of a multipart upload and resume it; retry a part the store dropped; quota.

Each test runs once per object store: the local backend (our signed-URL view on the live
server) and S3 on moto's HTTP server (a cross-origin store with bucket CORS). The bytes go
from the browser to the store exactly as in production.
"""

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kosha.testing.browser import docs_screenshot_refresh, drop_file, drop_files, store_put_gate
from plans.models import Plan
from storage.models import UploadSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024
BIG_BYTES = 12 * MiB  # over the lowered 5 MiB threshold: two parts of 8 MiB and 4 MiB
PART_COUNT = 2
UPLOAD_TIMEOUT_MS = 60_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(params=["local", "s3"])
def store(request, live_server):
    """Which store the bytes go to, and the URL pattern its requests match. Tests ask for
    it before the signed-in page: the page's Content-Security-Policy names the store's
    origin as it is when the page loads."""
    settings = request.getfixturevalue(f"{request.param}_settings")
    settings.KOSHA_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    if request.param == "local":
        return {"name": "local", "pattern": f"{live_server.url}/storage/local/**"}
    return {"name": "s3", "pattern": f"{settings.KOSHA_S3_ENDPOINT_URL}/**"}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _panel_item(page, name):
    return page.locator(f"[data-upload-item][data-name='{name}']")


def _choose_files(page, paths):
    with page.expect_file_chooser() as chooser:
        page.locator("label.file-chooser").first.click()
    chooser.value.set_files([str(path) for path in paths])


def _api(page, live_server, method: str, path: str, data=None):
    """The API with the page's session cookie and CSRF token, as the page's own scripts call it."""
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    return page.context.request.fetch(
        f"{live_server.url}/api/v1/{path}",
        method=method,
        data=data,
        headers={"X-CSRFToken": cookies.get("csrftoken", ""), "Referer": live_server.url + "/"},
    )


def _root_files(page, live_server) -> dict[str, str]:
    answer = _api(page, live_server, "GET", "folders/root/items/")
    assert answer.ok, answer.text()
    return {item["name"]: item["id"] for item in answer.json()["items"] if item["kind"] == "file"}


def _download(page, live_server, file_id: str) -> bytes:
    answer = _api(page, live_server, "GET", f"files/{file_id}/download/")  # follows the redirect to the store
    assert answer.ok, answer.status
    return answer.body()


def _screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path))
    return path


def _count_store_puts(page, store, *, hold_after=None, fail_first=False):
    """Route the store's PUTs: count those let through; hold every one after `hold_after`
    (never answered: the reload cancels them); abort the very first one when fail_first."""
    seen = {"through": 0, "held": [], "failed": 0, "holding": hold_after is not None}

    def handle(route):
        if route.request.method != "PUT":
            return route.continue_()
        return store_put_gate(route, seen, counted="through", fail_first=fail_first, hold_after=hold_after)

    page.route(store["pattern"], handle)
    return seen


def test_journey_sign_up_upload_four_files_download_and_rename(store, signed_up_page, live_server, tmp_path):
    page = signed_up_page
    small = _write(tmp_path, "notes.txt", b"Kosha keeps my notes.\n" * 100)
    photo = _write(tmp_path, "photo.bin", os.urandom(300_000))
    big = _write(tmp_path, "big.bin", os.urandom(BIG_BYTES))

    _choose_files(page, [small, photo, big])
    drop_file(page, "dropped.txt", "dropped onto the page\n")

    for name in ("notes.txt", "photo.bin", "big.bin", "dropped.txt"):
        expect(_panel_item(page, name)).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)
        expect(_panel_item(page, name).get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-upload-overall]")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-upload-summary]")).to_have_text("4 of 4 uploaded")
    expect(page.locator('[role="option"]')).to_have_count(4)  # the listing caught up: the shot shows both
    # The drop's "Uploading 1 file…" toast lives its few seconds past the uploads: the shot waits it out.
    expect(page.locator("[data-toasts] .toast")).to_have_count(0, timeout=10_000)
    done = _screenshot(page, f"upload-panel-done-{store['name']}.png")
    if store["name"] == "s3":
        docs_screenshot_refresh(done, "upload-panel.png")

    files = _root_files(page, live_server)
    assert set(files) == {"notes.txt", "photo.bin", "big.bin", "dropped.txt"}
    assert UploadSession.objects.get(name="big.bin").strategy == UploadSession.Strategy.MULTIPART
    assert _download(page, live_server, files["photo.bin"]) == photo.read_bytes()
    assert _download(page, live_server, files["big.bin"]) == big.read_bytes()
    assert _download(page, live_server, files["dropped.txt"]) == b"dropped onto the page\n"

    renamed = _api(page, live_server, "PATCH", f"files/{files['notes.txt']}/", data={"name": "renamed.txt"})
    assert renamed.ok, renamed.text()
    page.reload()
    expect(page.get_by_text("renamed.txt").first).to_be_visible()


def test_reload_in_the_middle_of_a_multipart_upload_resumes_without_resending_parts(
    store, signed_up_page, live_server, tmp_path
):
    page = signed_up_page
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while uploading
    big = _write(tmp_path, "big.bin", os.urandom(BIG_BYTES))
    puts = _count_store_puts(page, store, hold_after=1)

    _choose_files(page, [big])
    # One part reaches the store, the other is held in flight.
    page.wait_for_function("() => JSON.parse(localStorage.getItem('kosha.uploads.v1') || '[]').length === 1")
    upload_id = page.evaluate("() => JSON.parse(localStorage.getItem('kosha.uploads.v1'))[0].id")
    for _ in range(200):
        state = _api(page, live_server, "GET", f"uploads/{upload_id}/").json()
        if len(state["parts"]) == 1:
            break
        page.wait_for_timeout(100)
    assert len(state["parts"]) == 1, state
    assert len(puts["held"]) == 1
    _screenshot(page, f"upload-panel-in-progress-{store['name']}.png")

    puts["holding"] = False
    page.reload()
    offer = page.locator("[data-upload-resumable][data-name='big.bin']")
    expect(offer).to_contain_text("1 of 2 parts are stored")
    _screenshot(page, f"upload-panel-interrupted-{store['name']}.png")
    with page.expect_file_chooser() as chooser:
        offer.get_by_role("button", name="Resume big.bin — choose the file again").click()
    chooser.value.set_files(str(big))

    expect(_panel_item(page, "big.bin")).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)
    assert puts["through"] == PART_COUNT  # the part stored before the reload was not sent again
    assert page.evaluate("() => localStorage.getItem('kosha.uploads.v1')") == "[]"
    files = _root_files(page, live_server)
    assert _download(page, live_server, files["big.bin"]) == big.read_bytes()


def test_a_part_the_store_drops_is_retried_and_the_upload_completes(store, signed_up_page, live_server, tmp_path):
    page = signed_up_page
    big = _write(tmp_path, "big.bin", os.urandom(BIG_BYTES))
    puts = _count_store_puts(page, store, fail_first=True)

    _choose_files(page, [big])

    expect(_panel_item(page, "big.bin")).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)
    assert puts["failed"] == 1
    assert puts["through"] == PART_COUNT
    files = _root_files(page, live_server)
    assert _download(page, live_server, files["big.bin"]) == big.read_bytes()


def test_over_quota_is_shown_with_the_api_message_before_any_byte_is_sent(store, signed_up_page, live_server, tmp_path):
    page = signed_up_page
    Plan.objects.filter(is_default=True).update(storage_bytes=1000)
    too_big = _write(tmp_path, "too-big.bin", os.urandom(5000))
    puts = _count_store_puts(page, store)

    _choose_files(page, [too_big])

    item = _panel_item(page, "too-big.bin")
    expect(item).to_have_attribute("data-state", "failed")
    expect(item.get_by_role("alert")).to_contain_text("storage")
    expect(item.get_by_role("button", name="Retry too-big.bin")).to_be_hidden()
    assert puts["through"] == 0


def test_cancel_aborts_the_session_and_releases_the_reservation(store, signed_up_page, live_server, tmp_path):
    page = signed_up_page
    big = _write(tmp_path, "big.bin", os.urandom(BIG_BYTES))
    puts = _count_store_puts(page, store, hold_after=0)
    _choose_files(page, [big])
    item = _panel_item(page, "big.bin")
    expect(item).to_have_attribute("data-state", "uploading")

    with page.expect_response(lambda response: response.request.method == "DELETE") as deleted:
        item.get_by_role("button", name="Cancel big.bin").click()

    assert deleted.value.status == 204
    expect(item).to_have_attribute("data-state", "cancelled")
    assert UploadSession.objects.get(name="big.bin").status == UploadSession.Status.ABORTED
    assert puts["through"] == 0


def test_a_drop_of_small_files_starts_and_completes_them_without_waiting_for_a_timer(
    store, signed_up_page, live_server
):
    page = signed_up_page
    batches = []  # (start or complete, how many files)

    def app_request(request):
        if request.url.endswith("/api/v1/uploads/batch/"):
            batches.append(("start", len(request.post_data_json["files"])))
        elif request.url.endswith("/api/v1/uploads/batch/complete/"):
            batches.append(("complete", len(request.post_data_json["uploads"])))

    page.on("request", app_request)
    contents = {f"scan {number:02d}.txt": f"scan number {number}\n" * (number + 1) for number in range(12)}
    # The page's timers stop: a request that waited for a gathering pause would never go.
    page.clock.install()
    page.clock.pause_at(int(time.time() * 1000) + 60_000)

    drop_files(page, contents)

    for _ in range(UPLOAD_TIMEOUT_MS // 100):
        if set(_root_files(page, live_server)) == set(contents):
            break
        page.wait_for_timeout(100)
    # The queue started the 12 files as one wave: one start as soon as the 12th asked, one
    # complete as soon as the 12th PUT ended.
    assert set(_root_files(page, live_server)) == set(contents), batches
    assert batches == [("start", 12), ("complete", 12)], batches


def test_a_drop_of_sixty_small_files_costs_a_handful_of_app_requests(store, signed_up_page, live_server):
    page = signed_up_page
    app_requests = []
    page.on("request", lambda request: "/api/v1/uploads/" in request.url and app_requests.append(request.url))
    contents = {f"photo {number:02d}.txt": f"photo number {number}\n" * (number + 1) for number in range(60)}

    page.evaluate(
        """(contents) => {
            const zone = document.querySelector("[data-upload-drop]");
            const transfer = new DataTransfer();
            for (const [name, text] of Object.entries(contents)) {
                transfer.items.add(new File([text], name, { type: "text/plain" }));
            }
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
            }
        }""",
        contents,
    )

    expect(page.locator("[data-upload-summary]")).to_have_text("60 of 60 uploaded", timeout=UPLOAD_TIMEOUT_MS)
    for name in ("photo 00.txt", "photo 59.txt"):
        expect(_panel_item(page, name).get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    # Starts and completes go in batches: a handful of requests, not two per file (120).
    assert all("/api/v1/uploads/batch/" in url for url in app_requests), app_requests
    assert 2 <= len(app_requests) <= 8, app_requests
    files = _root_files(page, live_server)
    assert set(files) == set(contents)
    assert _download(page, live_server, files["photo 07.txt"]) == contents["photo 07.txt"].encode()
