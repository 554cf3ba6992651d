"""The upload panel on a phone (390×844) in a real Chromium: it starts as a small bar with
one line of progress, so the file list stays in view, and opens on a tap; on a desktop it
starts open."""

import re

import pytest
from playwright.sync_api import expect

from kosha.testing.browser import page_with_error_log, signed_in_context

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _upload(page, name="notes.txt"):
    page.locator("[data-upload-input]").set_input_files({"name": name, "mimeType": "text/plain", "buffer": b"x" * 10})


def test_on_a_phone_the_panel_is_a_small_bar_until_tapped(chromium, live_server, local_settings, owner):
    context = signed_in_context(chromium, live_server.url, owner, **PHONE)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    page.goto(live_server.url + "/")

    _upload(page)

    panel = page.locator("[data-upload-panel]")
    expect(panel).to_be_visible()
    # The bar's one line repeats the panel's summary ("Uploading 1 file · …", "1 of 1 uploaded").
    expect(panel.locator("[data-upload-brief]")).to_have_text(re.compile(r"1 file|of 1 uploaded"))
    summary = panel.locator("[data-upload-summary]").text_content()
    assert panel.locator("[data-upload-brief]").text_content() == summary
    expect(panel.get_by_role("button", name="Show")).to_have_attribute("aria-expanded", "false")
    expect(panel.locator(".upload-item")).to_be_hidden()
    assert panel.bounding_box()["height"] < 60  # a bar, not a quarter of the screen

    panel.locator(".upload-panel__title").tap()

    expect(panel.get_by_role("button", name="Hide")).to_have_attribute("aria-expanded", "true")
    expect(panel.locator(".upload-item")).to_be_visible()
    assert panel.bounding_box()["height"] > 80
    panel.get_by_role("button", name="Hide").tap()
    expect(panel.locator(".upload-item")).to_be_hidden()
    context.close()
    assert errors == []


def test_on_a_desktop_the_panel_starts_open(chromium, live_server, local_settings, owner):
    context = signed_in_context(chromium, live_server.url, owner)
    page, errors = page_with_error_log(context, timeout_ms=15_000)
    page.goto(live_server.url + "/")

    _upload(page)

    panel = page.locator("[data-upload-panel]")
    expect(panel.locator(".upload-item")).to_be_visible()
    expect(panel.get_by_role("button", name="Hide")).to_have_attribute("aria-expanded", "true")
    expect(panel.locator("[data-upload-brief]")).to_be_hidden()
    context.close()
    assert errors == []
