"""Playwright on the system Chromium (`playwright install` cannot download here): the
launch options, and a browser context signed in as a given user."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

from kosha.testing.clients import web_as

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CONTEXT_ARGS = {"viewport": {"width": 1280, "height": 860}, "color_scheme": "light", "accept_downloads": True}


def chromium_launch(playwright):
    """The system Chromium, headless, started by a `sync_playwright()` instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@contextmanager
def system_chromium() -> Iterator:
    """The system Chromium under a `sync_playwright()` of its own, for one test; closed at
    the end, with the database connections the test's code opened while it ran.

    Django keeps its connections per context (asgiref.local), and code run while
    Playwright's sync API is started runs in another context than the one that made the
    test database: the connections it opens are not the ones pytest-django closes, and
    one left open made DROP DATABASE fail at the end of the run ("being accessed by other
    users"). A connection inside a transaction (a test's atomic block) is left to it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            yield browser
        finally:
            browser.close()
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:
                    connection.close()


def signed_in_context(browser, base_url: str, user, **context_args):
    """A new browser context holding the session cookie of `user` for `base_url` (the
    live server), as if they had signed in. context_args go to new_context (e.g.
    timezone_id="Asia/Tokyo")."""
    client = web_as(user)
    context = browser.new_context(**{**CONTEXT_ARGS, **context_args})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    return context


@contextmanager
def signed_in_page(browser, base_url: str, user, *, timeout_ms: int = 10_000, **context_args) -> Iterator:
    """A page signed in as `user` (signed_in_context) for the duration of the block; fails
    the test on any uncaught JavaScript error the page logged meanwhile."""
    context = signed_in_context(browser, base_url, user, **context_args)
    page, errors = page_with_error_log(context, timeout_ms=timeout_ms)
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def row_option(page, name: str):
    """The file browser's row (a listbox option) whose name is exactly `name`."""
    return page.locator('[role="option"]', has=page.locator(".item__name", has_text=re.compile(f"^{re.escape(name)}$")))


def rows_select(page, *names: str) -> None:
    """Select the file browser's rows `names`: a click on the first, Ctrl+click on the rest."""
    row_option(page, names[0]).click()
    for name in names[1:]:
        row_option(page, name).click(modifiers=["Control"])


def store_put_gate(route, seen: dict, *, counted: str, fail_first: bool = False, hold_after: int | None = None):
    """Answer one routed PUT to the object store as a test of retries and resumes needs:
    the very first is cut off (a connection reset) when `fail_first`, counted in
    seen["failed"]; while seen["holding"] is true, every one after the first `hold_after`
    let through is held unanswered in seen["held"] (a reload cancels them); the rest go
    through, counted in seen[counted]."""
    if fail_first and not seen["failed"]:
        seen["failed"] += 1
        return route.abort("connectionreset")
    if seen["holding"] and seen[counted] >= hold_after:
        seen["held"].append(route)
        return None
    seen[counted] += 1
    return route.continue_()


def drop_file(page, name: str, text: str) -> None:
    """A synthetic drop of a text file `name` holding `text` onto the page's drop zone
    ([data-upload-drop]), as the browser fires it when a file is dragged onto the page."""
    drop_files(page, {name: text})


def drop_files(page, files: dict[str, str]) -> None:
    """A synthetic drop of several text files at once (name -> text), as drop_file."""
    page.evaluate(
        """(files) => {
            const zone = document.querySelector("[data-upload-drop]");
            const transfer = new DataTransfer();
            for (const [name, text] of files) transfer.items.add(new File([text], name, { type: "text/plain" }));
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
            }
        }""",
        list(files.items()),
    )


def page_with_error_log(context, *, timeout_ms: int) -> tuple:
    """A new page of `context` and the list its uncaught JavaScript errors go to."""
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


# The README's screenshots (docs/screenshots/) change only when asked: `make screenshots`
# sets this; a normal test run leaves the committed images alone.
REFRESH_SCREENSHOTS_ENV = "KOSHA_REFRESH_SCREENSHOTS"


def docs_screenshot_refresh(shot, name: str) -> bool:
    """Copy the screenshot file `shot` (a Path) to docs/screenshots/`name` when the
    KOSHA_REFRESH_SCREENSHOTS environment variable is "1"; returns whether it did."""
    import os
    import shutil
    from pathlib import Path

    if os.environ.get(REFRESH_SCREENSHOTS_ENV) != "1":
        return False
    target = Path(settings.BASE_DIR) / "docs" / "screenshots" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, target)
    return True
