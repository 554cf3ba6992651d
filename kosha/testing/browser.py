"""Playwright on the system Chromium (`playwright install` cannot download here): the
launch options, and a browser context signed in as a given user."""

from django.conf import settings

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


def signed_in_context(browser, base_url: str, user):
    """A new browser context holding the session cookie of `user` for `base_url` (the
    live server), as if they had signed in."""
    client = web_as(user)
    context = browser.new_context(**CONTEXT_ARGS)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    return context


def page_with_error_log(context, *, timeout_ms: int) -> tuple:
    """A new page of `context` and the list its uncaught JavaScript errors go to."""
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors
