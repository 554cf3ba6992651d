"""Every page runs under the Content-Security-Policy (kosha/headers.py) without one
violation: a `securitypolicyviolation` listener is in each page before its first script,
on both stores (the S3 store's origin is a second origin for uploads and previews)."""

import pytest

from kosha.headers import content_security_policy
from kosha.testing import factories
from kosha.testing.browser import CONTEXT_ARGS, page_with_error_log, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4f00000000049454e44ae426082"
)
# Runs before any of the page's own scripts, in every frame.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


@pytest.fixture(params=["local", "s3"])
def store(request):
    request.getfixturevalue(f"{request.param}_settings")
    return request.param


def _visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    assert response.headers["content-security-policy"], url
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_no_page_breaks_the_content_security_policy(store, chromium, live_server, owner):
    photos = factories.folder(owner, "Photos")
    inner = factories.folder(owner, "Inner", photos)
    picture = factories.stored_file(owner, "dot.png", PNG, folder=photos, content_type="image/png")
    factories.stored_file(owner, "notes.txt", b"hello", folder=inner)
    shared = factories.folder(factories.user("friend"), "From a friend")
    factories.share(shared.owner, shared, owner)
    _file_link, file_token = factories.link(owner, picture)
    _folder_link, folder_token = factories.link(owner, photos)
    _drop_link, drop_token = factories.link(owner, inner, is_drop=True)
    _locked, locked_token = factories.link(owner, picture, "locked")
    _expired, expired_token = factories.link(owner, picture, "expired")
    base = live_server.url
    signed_in_pages = [
        "/",
        f"/f/{photos.pk}",
        "/trash/",
        "/settings/",
        "/settings/plan/",
        "/settings/uploads/",
        "/settings/delete/",
        "/activity/",
        "/shared/",
        f"/shared/f/{shared.pk}",
        "/accounts/email/",
        "/accounts/password/change/",
        "/mfa/",
    ]
    public_pages = [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        f"/s/{file_token}",
        f"/s/{folder_token}",
        f"/s/{folder_token}/f/{inner.pk}",
        f"/s/{drop_token}",
        f"/s/{locked_token}",
        f"/s/{expired_token}",
        "/api/docs/",
    ]

    violations: dict[str, list[str]] = {}
    errors: list[str] = []
    for pages, context in (
        (signed_in_pages, signed_in_context(chromium, base, owner)),
        (public_pages, chromium.new_context(**CONTEXT_ARGS)),
    ):
        context.add_init_script(LISTEN)
        page, page_errors = page_with_error_log(context, timeout_ms=15_000)
        for path in pages:
            found = _visit(page, f"{base}{path}")
            if found:
                violations[path] = found
        errors.extend(page_errors)
        context.close()

    assert violations == {}
    assert errors == []


def test_the_policy_allows_no_inline_script_and_names_the_store(store, live_server):
    policy = dict(directive.split(" ", 1) for directive in content_security_policy().split("; "))

    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in policy["style-src"]
    if store == "s3":
        from django.conf import settings

        assert settings.KOSHA_S3_ENDPOINT_URL in policy["connect-src"]
    else:
        assert policy["connect-src"] == "'self'"
