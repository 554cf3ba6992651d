"""In Chromium, on the local backend: collaborators in the owner's file browser.

An editor opens a folder shared with them at /f/<id>, drops a file onto the page, and the
owner sees the file in the folder and an activity entry naming the editor. A viewer opens
the same folder without the edit actions and previews a video and a PDF from it.
"""

import re

import pytest
from playwright.sync_api import expect

from kosha.testing.browser import drop_file, page_with_error_log, row_option, signed_in_context
from kosha.testing.factories import folder, link, share, stored_file, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPLOAD_TIMEOUT_MS = 30_000
# Bytes only: the viewer is tested for fetching them inline, not for decoding them.
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2048
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def team(local_settings, owner):
    """The owner's folder Team, with a video and a PDF, shared with an editor and a viewer."""
    made = folder(owner, "Team")
    stored_file(owner, "clip.mp4", VIDEO, folder=made, content_type="video/mp4")
    stored_file(owner, "plan.pdf", PDF, folder=made, content_type="application/pdf")
    editor, viewer = user("editor"), user("viewer")
    share(owner, made, editor, "editor")
    share(owner, made, viewer, "viewer")
    return {"folder": made, "editor": editor, "viewer": viewer}


@pytest.fixture
def open_as(chromium, live_server):
    """open_as(user, path) -> a page signed in as user at path; every page's JavaScript
    errors fail the test."""
    opened = []

    def open_page(account, path):
        context = signed_in_context(chromium, live_server.url, account)
        page, errors = page_with_error_log(context, timeout_ms=15_000)
        opened.append((context, errors))
        page.goto(f"{live_server.url}{path}")
        return page

    yield open_page
    for context, _errors in opened:
        context.close()
    assert [error for _context, errors in opened for error in errors] == []


def test_an_editor_drops_a_file_into_a_shared_folder_and_the_owner_sees_it_and_who_did_it(team, owner, open_as):
    editor = team["editor"]
    page = open_as(editor, f"/f/{team['folder'].pk}")
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    expect(page.locator("[data-shared-by]")).to_contain_text(f"Shared by {owner.email}")
    expect(page.locator("[data-role-badge]")).to_have_text("editor")
    expect(page.locator("[data-crumbs]")).to_contain_text("Shared with me")
    expect(page.locator("[data-crumbs]")).not_to_contain_text("My files")
    expect(page.get_by_role("button", name="New folder")).to_be_visible()

    drop_file(page, "minutes.txt", "What the team decided.\n")

    expect(page.locator("[data-upload-item][data-name='minutes.txt']")).to_have_attribute(
        "data-state", "done", timeout=UPLOAD_TIMEOUT_MS
    )
    expect(row_option(page, "minutes.txt")).to_be_visible()

    theirs = open_as(owner, f"/f/{team['folder'].pk}")
    expect(row_option(theirs, "minutes.txt")).to_be_visible()
    theirs.goto(theirs.url.split("/f/")[0] + "/activity/")
    entry = theirs.locator("tr.activity__row", has_text="minutes.txt").filter(
        has=theirs.locator(".activity__action", has_text="Uploaded")
    )
    expect(entry).to_be_visible()
    expect(entry.locator(".activity__actor")).to_have_text(editor.email)


def test_a_viewer_previews_a_video_and_a_pdf_without_the_edit_actions(team, open_as):
    page = open_as(team["viewer"], f"/f/{team['folder'].pk}")
    expect(page.locator("[data-role-badge]")).to_have_text("viewer")
    expect(page.get_by_role("button", name="New folder")).to_be_hidden()
    expect(page.locator("[data-upload-chooser]")).to_have_count(2)  # Upload, Upload folder
    for chooser in page.locator("[data-upload-chooser]").all():
        expect(chooser).to_be_hidden()
    assert page.locator("[data-browser]").get_attribute("data-upload-drop") is None

    # The video: the viewer shows it inline, and its bytes come from the store inline.
    with page.expect_response(lambda response: "/storage/local/" in response.url) as video_response:
        row_option(page, "clip.mp4").locator(".item__name").click()
    viewer = page.locator("[data-viewer]")
    expect(viewer.locator("[data-viewer-title]")).to_have_text("clip.mp4")
    expect(viewer.locator("video.viewer__media")).to_have_attribute("src", re.compile(r"/api/v1/files/.+/preview/$"))
    answer = video_response.value
    assert answer.status in (200, 206), answer.status
    assert answer.headers["content-type"] == "video/mp4"
    assert answer.headers["content-disposition"].startswith("inline")

    # The PDF, next in the folder: in a frame, inline too.
    with page.expect_response(lambda response: "/storage/local/" in response.url) as pdf_response:
        viewer.locator("[data-viewer-next]").click()
    expect(viewer.locator("[data-viewer-title]")).to_have_text("plan.pdf")
    expect(viewer.locator("iframe.viewer__frame")).to_have_attribute("title", "PDF: plan.pdf")
    answer = pdf_response.value
    assert answer.status == 200, answer.status
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")

    # The selection offers what a viewer may do: download, copy and versions, not edits.
    page.keyboard.press("Escape")
    row_option(page, "plan.pdf").locator(".item__type").click()
    bar = page.locator("[data-selection-bar]")
    expect(bar.locator("[data-action='download']")).to_be_visible()
    for action in ("rename", "move", "trash", "share"):
        expect(bar.locator(f"[data-action='{action}']")).to_be_hidden()


def test_in_a_folder_shared_with_me_the_navigation_says_shared_with_me_and_the_storage_card_whose_storage(
    team, owner, open_as
):
    folder(owner, "Minutes", team["folder"])
    page = open_as(team["viewer"], f"/f/{team['folder'].pk}")
    nav = page.get_by_role("navigation", name="Main")
    note = page.locator("[data-usage-elsewhere]")

    expect(nav.get_by_role("link", name="Shared with me")).to_have_attribute("aria-current", "location")
    expect(nav.get_by_role("link", name="Files")).not_to_have_attribute("aria-current", re.compile(".*"))
    expect(note).to_be_visible()
    expect(note).to_contain_text(f"counts in {owner.email}’s")

    # Into a subfolder without a reload: the same section.
    row_option(page, "Minutes").locator(".item__name").click()
    expect(page.get_by_role("heading", name="Minutes")).to_be_visible()
    expect(nav.get_by_role("link", name="Shared with me")).to_have_attribute("aria-current", "location")
    expect(nav.get_by_role("link", name="Files")).not_to_have_attribute("aria-current", re.compile(".*"))

    mine = open_as(owner, f"/f/{team['folder'].pk}")
    expect(mine.get_by_role("navigation", name="Main").get_by_role("link", name="Files")).to_have_attribute(
        "aria-current", "location"
    )
    expect(mine.locator("[data-usage-elsewhere]")).to_be_hidden()


def test_the_share_dialog_turns_a_link_off_in_the_words_of_shared_by_me(team, owner, open_as):
    link(owner, team["folder"])
    page = open_as(owner, "/")
    row_option(page, "Team").locator(".item__type").click()
    page.locator("[data-selection-bar] [data-action='share']").click()
    dialog = page.get_by_role("dialog", name=re.compile("Share “Team”"))

    dialog.get_by_role("button", name=re.compile("^Turn off ")).click()

    expect(page.locator("[data-toasts]")).to_contain_text("The link is turned off")
    expect(dialog.get_by_role("button", name=re.compile("^Revoke"))).to_have_count(0)
