import pytest

from storage.disposition import INLINE_TYPES, ascii_fallback, content_disposition, is_inline_safe


def test_plain_ascii_names_appear_in_both_forms():
    assert content_disposition("report.pdf", inline=False, content_type="application/pdf") == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )


def test_unicode_names_get_an_ascii_fallback_and_a_percent_encoded_utf8_form():
    header = content_disposition("東京 café.txt", inline=True, content_type="text/plain")

    assert header.startswith('inline; filename="__ cafe.txt"; ')
    assert header.endswith("filename*=UTF-8''%E6%9D%B1%E4%BA%AC%20caf%C3%A9.txt")


def test_quotes_backslashes_and_percent_never_reach_the_fallback():
    assert ascii_fallback('a"b\\c%41.txt') == "a_b_c_41.txt"


def test_line_breaks_cannot_inject_headers():
    header = content_disposition("evil\r\nSet-Cookie: x=1.txt", inline=False, content_type="text/plain")

    assert "\r" not in header and "\n" not in header


def test_an_empty_name_becomes_download():
    assert (
        content_disposition("  ", inline=False, content_type="text/plain")
        == "attachment; filename=\"download\"; filename*=UTF-8''download"
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "image/svg+xml",
        "image/SVG+XML",
        "image/x-anything+xml",
        "image/vnd.microsoft.icon",
        "image/x-unknown",
        "audio/x-scriptable",
        "video/x-anything+xml",
        "text/html",
        "text/xml",
        "application/xhtml+xml",
        "application/xml",
        "application/javascript",
        "application/octet-stream",
        "",
    ],
)
def test_only_the_allow_list_is_ever_inline(content_type):
    assert not is_inline_safe(content_type)
    assert content_disposition("a", inline=True, content_type=content_type).startswith("attachment;")


@pytest.mark.parametrize("content_type", sorted(INLINE_TYPES))
def test_allow_listed_types_are_inline_when_asked(content_type):
    assert content_disposition("a", inline=True, content_type=content_type).startswith("inline;")
    assert content_disposition("a", inline=True, content_type=content_type.upper() + "; x=1").startswith("inline;")
    assert content_disposition("a", inline=False, content_type=content_type).startswith("attachment;")
