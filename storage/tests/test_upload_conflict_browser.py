"""A same-name upload in Chromium (issue 13): the browser asks "Replace (new version)",
"Keep both" or "Skip", once per file or once for the rest of the upload, on both paths a
file can start by (small files in a batch, POST /api/v1/uploads/batch/; larger ones alone,
POST /api/v1/uploads/, multipart here), from the Upload button, a drop, Upload folder and
a folder shared with an editor; and a resumed upload keeps the choice made before the reload.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from kosha.testing import factories
from kosha.testing.browser import docs_screenshot_refresh, drop_files, row_option, store_put_gate
from plans.models import Usage
from storage.models import File, Folder, UploadSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024
UPLOAD_TIMEOUT_MS = 30_000
# How a file starts: small ones within a batch, one over the batch limit (8 MiB) alone, and
# as a multipart upload once over the lowered threshold.
PATHS = {"batch": b"new bytes", "single": b"x" * (9 * MiB)}


@pytest.fixture
def starts(owner_page, local_settings):
    """The upload starts the page sends, as (path, [on_conflict of each file]); multipart
    from 5 MiB so that the single path is a multipart upload."""
    local_settings.KOSHA_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    sent = []

    def record(request):
        path = request.url.split("//", 1)[1].split("/", 1)[1]
        if request.method == "POST" and path in ("api/v1/uploads/", "api/v1/uploads/batch/"):
            body = json.loads(request.post_data)
            sent.append((path, [item.get("on_conflict") for item in body.get("files", [body])]))

    owner_page.on("request", record)
    return sent


def _choose(page, files: dict[str, bytes]) -> None:
    page.locator("[data-upload-input]").set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": data} for name, data in files.items()]
    )


def _count_dialogs(page) -> None:
    """Count the conflict dialogs the page opens, in window.conflictDialogs."""
    page.evaluate(
        """() => {
            window.conflictDialogs = 0;
            new MutationObserver((changes) => {
                for (const change of changes)
                    for (const node of change.addedNodes)
                        if (node.matches?.("[data-choice-dialog]")) window.conflictDialogs += 1;
            }).observe(document.body, { childList: true });
        }"""
    )


def _dialog(page, name: str):
    return page.get_by_role("dialog", name=f"“{name}” already exists")


def _item(page, name: str):
    return page.locator(f"[data-upload-item][data-name='{name}']")


def _nothing_reserved(owner) -> None:
    usage = Usage.objects.get(user=owner)
    assert (usage.reserved_bytes, usage.reserved_files) == (0, 0)
    assert not UploadSession.objects.filter(owner=owner, status=UploadSession.Status.PENDING).exists()


def _report_chosen_again(page, live_server, owner, data: bytes):
    """report.txt stored, My files open, and report.txt chosen in the Upload button again:
    (the stored file, the conflict dialog, visible)."""
    kept = factories.stored_file(owner, "report.txt", b"first draft")
    page.goto(live_server.url + "/")
    row_option(page, "report.txt").wait_for()
    _choose(page, {"report.txt": data})
    dialog = _dialog(page, "report.txt")
    expect(dialog).to_be_visible()
    return kept, dialog


def _hold_store_puts(page, live_server, *, let_through: int) -> dict:
    """Hold every PUT to the local store after the first `let_through` (never answered:
    the reload cancels them) while the returned gate's "holding" is true. The route stays:
    unrouting would let the held PUTs go on."""
    gate = {"holding": True, "held": [], "failed": 0, "through": 0}

    def handle(route):
        if route.request.method != "PUT":
            return route.continue_()
        return store_put_gate(route, gate, counted="through", hold_after=let_through)

    page.route(f"{live_server.url}/storage/local/**", handle)
    return gate


def _reload_and_resume(page, gate: dict, chosen) -> None:
    """Stop holding the store's PUTs, reload, resume the interrupted upload of the file at
    `chosen` (a Path) through its offer in the panel, and wait until it is done;
    window.conflictDialogs counts the dialogs opened since the reload."""
    gate["holding"] = False
    page.reload()
    _count_dialogs(page)
    offer = page.locator(f"[data-upload-resumable][data-name='{chosen.name}']")
    with page.expect_file_chooser() as chooser:
        offer.get_by_role("button", name=f"Resume {chosen.name} — choose the file again").click()
    chooser.value.set_files(str(chosen))
    expect(_item(page, chosen.name)).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)


def _expected_path(kind: str) -> str:
    return "api/v1/uploads/batch/" if kind == "batch" else "api/v1/uploads/"


@pytest.mark.parametrize("kind", PATHS)
def test_replace_makes_a_new_version_of_the_file(owner_page, live_server, owner, starts, kind):
    page = owner_page

    kept, dialog = _report_chosen_again(page, live_server, owner, PATHS[kind])
    expect(dialog.get_by_role("button", name="Replace (new version)")).to_be_focused()
    dialog.get_by_role("button", name="Replace (new version)").click()

    expect(_item(page, "report.txt")).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)
    kept.refresh_from_db()
    assert kept.versions.count() == 2
    assert kept.current_version.size_bytes == len(PATHS[kind])
    assert list(File.objects.filter(owner=owner).values_list("name", flat=True)) == ["report.txt"]
    assert starts == [(_expected_path(kind), ["fail"]), (_expected_path(kind), ["version"])]
    _nothing_reserved(owner)


@pytest.mark.parametrize("kind", PATHS)
def test_keep_both_stores_the_new_file_as_name_2(owner_page, live_server, owner, starts, kind):
    page = owner_page

    kept, dialog = _report_chosen_again(page, live_server, owner, PATHS[kind])
    dialog.get_by_role("button", name="Keep both").click()

    expect(_item(page, "report.txt")).to_have_attribute("data-state", "done", timeout=UPLOAD_TIMEOUT_MS)
    row_option(page, "report (2).txt").wait_for()
    assert File.objects.get(owner=owner, name="report (2).txt").current_version.size_bytes == len(PATHS[kind])
    kept.refresh_from_db()
    assert kept.versions.count() == 1
    assert starts[-1] == (_expected_path(kind), ["rename"])
    _nothing_reserved(owner)


@pytest.mark.parametrize(("kind", "how"), [("batch", "button"), ("single", "Escape")])
def test_skip_uploads_nothing_and_leaves_no_reservation(owner_page, live_server, owner, starts, kind, how):
    page = owner_page

    kept, dialog = _report_chosen_again(page, live_server, owner, PATHS[kind])
    if how == "button":
        dialog.get_by_role("button", name="Skip").click()
    else:
        page.keyboard.press("Escape")  # closing the dialog skips this file

    item = _item(page, "report.txt")
    expect(item).to_have_attribute("data-state", "skipped")
    expect(item.locator("[data-upload-status]")).to_have_text("Skipped")
    expect(item.locator("[role=alert]")).to_have_count(0)  # not shown as an error
    expect(page.locator("[data-upload-summary]")).to_have_text("1 skipped")
    expect(dialog).to_have_count(0)
    kept.refresh_from_db()
    assert kept.versions.count() == 1
    assert File.objects.filter(owner=owner).count() == 1
    assert starts == [(_expected_path(kind), ["fail"])]
    _nothing_reserved(owner)


def test_apply_to_all_asks_once_for_several_conflicts_and_leaves_free_names_alone(
    owner_page, live_server, owner, starts
):
    for name in ("a.txt", "b.txt", "c.txt"):
        factories.stored_file(owner, name, b"old")
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "c.txt").wait_for()
    _count_dialogs(page)

    _choose(page, {"a.txt": b"new a", "b.txt": b"new b", "c.txt": b"new c", "d.txt": b"new d"})
    dialog = page.get_by_role("dialog", name=re.compile("already exists"))
    expect(dialog.get_by_role("button", name="Replace (new version)")).to_be_focused()
    shot = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots" / "upload-conflict.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))
    docs_screenshot_refresh(shot, "upload-conflict.png")  # the README's, under `make screenshots`
    dialog.get_by_label("Apply to all remaining conflicts in this upload").check()
    dialog.get_by_role("button", name="Keep both").click()

    expect(page.locator("[data-upload-summary]")).to_have_text("4 of 4 uploaded", timeout=UPLOAD_TIMEOUT_MS)
    assert page.evaluate("() => window.conflictDialogs") == 1
    names = set(File.objects.filter(owner=owner).values_list("name", flat=True))
    assert names == {"a.txt", "b.txt", "c.txt", "a (2).txt", "b (2).txt", "c (2).txt", "d.txt"}
    assert File.objects.get(owner=owner, name="d.txt").current_version.size_bytes == 5
    _nothing_reserved(owner)


def test_upload_folder_merges_folders_and_asks_for_files_once_with_skip_for_all(
    owner_page, live_server, owner, starts, tmp_path
):
    trip = factories.folder(owner, "Trip")
    day1 = factories.folder(owner, "day1", trip)
    notes = factories.stored_file(owner, "notes.txt", b"old notes", folder=trip)
    beach = factories.stored_file(owner, "beach.txt", b"old sand", folder=day1)
    chosen = tmp_path / "Trip"
    (chosen / "day1").mkdir(parents=True)
    (chosen / "notes.txt").write_bytes(b"new notes")
    (chosen / "new.txt").write_bytes(b"brand new")
    (chosen / "day1" / "beach.txt").write_bytes(b"new sand")
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "Trip").wait_for()
    _count_dialogs(page)

    page.locator("[data-upload-folder-input]").set_input_files(chosen)
    dialog = page.get_by_role("dialog", name=re.compile("already exists"))
    dialog.get_by_label("Apply to all remaining conflicts in this upload").check()
    dialog.get_by_role("button", name="Skip").click()

    expect(page.locator("[data-upload-summary]")).to_have_text("1 of 1 uploaded · 2 skipped", timeout=UPLOAD_TIMEOUT_MS)
    assert page.evaluate("() => window.conflictDialogs") == 1
    # The folders merged: no "Trip (2)", no second day1.
    assert Folder.objects.filter(owner=owner).count() == 2
    assert File.objects.get(owner=owner, folder=trip, name="new.txt").current_version.size_bytes == 9
    for skipped in (notes, beach):
        skipped.refresh_from_db()
        assert skipped.versions.count() == 1
    _nothing_reserved(owner)


def test_an_editor_of_a_shared_folder_is_asked_the_same(chromium, live_server, local_settings, owner):
    from kosha.testing.browser import signed_in_page

    team = factories.folder(owner, "Team")
    plan = factories.stored_file(owner, "plan.txt", b"v1", folder=team)
    editor = factories.user("editor")
    factories.share(owner, team, editor, "editor")

    with signed_in_page(chromium, live_server.url, editor) as page:
        page.goto(f"{live_server.url}/f/{team.pk}")
        row_option(page, "plan.txt").wait_for()
        _choose(page, {"plan.txt": b"v2 by the editor", "agenda.txt": b"new"})
        dialog = _dialog(page, "plan.txt")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Replace (new version)").click()
        expect(page.locator("[data-upload-summary]")).to_have_text("2 of 2 uploaded", timeout=UPLOAD_TIMEOUT_MS)

    plan.refresh_from_db()
    assert plan.versions.count() == 2
    assert plan.current_version.size_bytes == len(b"v2 by the editor")
    assert File.objects.get(owner=owner, folder=team, name="agenda.txt")
    _nothing_reserved(owner)


def _replace_while_held(page, live_server, owner, tmp_path, name, data, let_through):
    """Upload `data` over the owner's file `name`, choose Replace, and hold the store's PUTs
    after `let_through` of them, with the upload recorded for resuming. Returns the kept
    file, the chosen path and the gate."""
    kept = factories.stored_file(owner, name, b"first " + name.encode())
    chosen = tmp_path / name
    chosen.write_bytes(data)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while uploading
    gate = _hold_store_puts(page, live_server, let_through=let_through)
    page.goto(live_server.url + "/")
    row_option(page, name).wait_for()
    page.locator("[data-upload-input]").set_input_files(chosen)
    _dialog(page, name).get_by_role("button", name="Replace (new version)").click()
    page.wait_for_function("() => JSON.parse(localStorage.getItem('kosha.uploads.v1') || '[]').length === 1")
    return kept, chosen, gate


def test_an_upload_resumed_after_a_reload_keeps_the_choice_and_does_not_ask_again(
    owner_page, live_server, owner, starts, tmp_path
):
    page = owner_page
    # The PUT never lands.
    kept, chosen, gate = _replace_while_held(page, live_server, owner, tmp_path, "report.txt", b"second draft", 0)
    assert page.evaluate("() => JSON.parse(localStorage.getItem('kosha.uploads.v1'))[0].onConflict") == "version"
    assert UploadSession.objects.get(owner=owner, status=UploadSession.Status.PENDING).on_conflict == "version"
    _reload_and_resume(page, gate, chosen)

    # A single PUT starts over after a reload: with the choice made before it, unasked.
    assert page.evaluate("() => window.conflictDialogs") == 0
    assert starts == [("api/v1/uploads/batch/", [policy]) for policy in ("fail", "version", "version")]
    kept.refresh_from_db()
    assert kept.versions.count() == 2
    assert File.objects.filter(owner=owner).count() == 1
    _nothing_reserved(owner)


def test_the_conflict_dialog_keeps_focus_and_has_no_serious_axe_violation(owner_page, live_server, owner, starts):
    from axe_playwright_python.sync_playwright import Axe

    page = owner_page

    _kept, dialog = _report_chosen_again(page, live_server, owner, b"again")
    violations = Axe().run(page).response["violations"]

    assert [found["id"] for found in violations if found["impact"] in {"critical", "serious"}] == []
    expect(dialog).to_contain_text("This folder already has a file named “report.txt”")
    # An upload of one file has nothing to apply to all: three buttons, and Tab and
    # Shift+Tab go round them and never leave the dialog.
    expect(dialog.get_by_role("checkbox")).to_have_count(0)
    for name in ("Keep both", "Skip", "Replace (new version)"):
        page.keyboard.press("Tab")
        expect(dialog.get_by_role("button", name=name)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Skip")).to_be_focused()
    page.keyboard.press("Escape")
    expect(_item(page, "report.txt")).to_have_attribute("data-state", "skipped")


def test_a_drop_of_several_taken_names_asks_once_with_replace_for_all(owner_page, live_server, owner, starts):
    old = [factories.stored_file(owner, name, b"old") for name in ("a.txt", "b.txt")]
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "b.txt").wait_for()
    _count_dialogs(page)

    drop_files(page, {"a.txt": "new a", "b.txt": "new b"})
    dialog = page.get_by_role("dialog", name=re.compile("already exists"))
    dialog.get_by_label("Apply to all remaining conflicts in this upload").check()
    dialog.get_by_role("button", name="Replace (new version)").click()

    expect(page.locator("[data-upload-summary]")).to_have_text("2 of 2 uploaded", timeout=UPLOAD_TIMEOUT_MS)
    assert page.evaluate("() => window.conflictDialogs") == 1
    for file in old:
        file.refresh_from_db()
        assert file.versions.count() == 2
    assert starts[-1] == ("api/v1/uploads/batch/", ["version", "version"])
    _nothing_reserved(owner)


def test_a_multipart_upload_resumed_after_a_reload_completes_as_chosen_without_asking(
    owner_page, live_server, owner, starts, tmp_path
):
    page = owner_page
    # Two parts (8 MiB and 4 MiB); the first one only lands.
    kept, chosen, gate = _replace_while_held(page, live_server, owner, tmp_path, "video.bin", b"y" * (12 * MiB), 1)
    upload = UploadSession.objects.get(owner=owner, name="video.bin", status=UploadSession.Status.PENDING)
    for _ in range(200):
        if page.context.request.get(f"{live_server.url}/api/v1/uploads/{upload.pk}/").json()["parts"]:
            break
        page.wait_for_timeout(100)
    _reload_and_resume(page, gate, chosen)

    # The session goes on (no new start) and records what was chosen before the reload.
    assert page.evaluate("() => window.conflictDialogs") == 0
    assert starts == [("api/v1/uploads/", ["fail"]), ("api/v1/uploads/", ["version"])]
    assert upload.on_conflict == UploadSession.OnConflict.VERSION
    kept.refresh_from_db()
    assert kept.versions.count() == 2
    assert kept.current_version.size_bytes == 12 * MiB
    _nothing_reserved(owner)


def test_two_uploads_with_taken_names_ask_one_dialog_at_a_time(owner_page, live_server, owner, starts):
    for name in ("a.txt", "b.txt"):
        factories.stored_file(owner, name, b"old")
    page = owner_page
    page.goto(live_server.url + "/")
    row_option(page, "b.txt").wait_for()

    _choose(page, {"a.txt": b"new a"})
    expect(_dialog(page, "a.txt")).to_be_visible()
    _choose(page, {"b.txt": b"new b"})  # a second upload while the first question is open
    expect(_item(page, "b.txt")).to_have_attribute("data-state", "asking")

    expect(page.locator("[data-choice-dialog]")).to_have_count(1)
    _dialog(page, "a.txt").get_by_role("button", name="Keep both").click()
    _dialog(page, "b.txt").get_by_role("button", name="Skip").click()
    expect(page.locator("[data-upload-summary]")).to_have_text("1 of 1 uploaded · 1 skipped", timeout=UPLOAD_TIMEOUT_MS)
    assert set(File.objects.filter(owner=owner).values_list("name", flat=True)) == {"a.txt", "b.txt", "a (2).txt"}
    _nothing_reserved(owner)
