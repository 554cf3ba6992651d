"""A public file link's page previews what the owner's viewer previews: a PDF in a frame
Chromium's PDF viewer runs in (not sandboxed), served inline by the store only for the
inline allow-list, under the page's CSP; never when the link counts downloads."""

import re

import pytest
from playwright.sync_api import expect

from kosha.testing.browser import page_with_error_log
from kosha.testing.factories import link, stored_file
from sharing.models import ShareLink

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _frame(html: str) -> str | None:
    found = re.search(r"<iframe[^>]*>", html)
    return found.group(0) if found else None


@pytest.mark.django_db
def test_a_pdf_link_page_has_an_unsandboxed_inline_preview(client, local_settings, owner):
    report = stored_file(owner, "report.pdf", PDF, content_type="application/pdf")
    _, token = link(owner, report)

    frame = _frame(client.get(f"/s/{token}").content.decode())

    assert frame is not None and 'title="PDF: report.pdf"' in frame
    assert "sandbox" not in frame


@pytest.mark.django_db
def test_a_text_preview_stays_sandboxed_and_html_gets_none(client, local_settings, owner):
    notes = stored_file(owner, "notes.txt", b"hello", content_type="text/plain")
    page = stored_file(owner, "page.html", b"<script>alert(1)</script>", content_type="text/html")
    _, notes_token = link(owner, notes)
    _, page_token = link(owner, page)

    assert "sandbox" in _frame(client.get(f"/s/{notes_token}").content.decode())
    assert _frame(client.get(f"/s/{page_token}").content.decode()) is None


@pytest.mark.django_db
def test_a_link_with_a_download_limit_shows_no_preview(client, local_settings, owner):
    report = stored_file(owner, "report.pdf", PDF, content_type="application/pdf")
    limited_link, limited = link(owner, report)
    ShareLink.objects.filter(pk=limited_link.pk).update(max_downloads=5)

    assert _frame(client.get(f"/s/{limited}").content.decode()) is None


@pytest.mark.browser
def test_the_pdf_preview_loads_inline_under_the_csp(chromium, live_server, local_settings, owner):
    report = stored_file(owner, "report.pdf", PDF, content_type="application/pdf")
    _, token = link(owner, report)
    context = chromium.new_context()
    page, errors = page_with_error_log(context, timeout_ms=10_000)

    with page.expect_response(lambda response: "/storage/local/" in response.url) as answered:
        page.goto(f"{live_server.url}/s/{token}")

    response = answered.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["content-disposition"].startswith("inline")
    expect(page.locator('iframe[title="PDF: report.pdf"]')).to_be_visible()
    context.close()
    assert errors == [], f"JavaScript or CSP errors on the page: {errors}"
