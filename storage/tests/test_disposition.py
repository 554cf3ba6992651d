from storage.disposition import ascii_fallback, content_disposition


def test_plain_ascii_names_appear_in_both_forms():
    assert content_disposition("report.pdf", inline=False) == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )


def test_unicode_names_get_an_ascii_fallback_and_a_percent_encoded_utf8_form():
    header = content_disposition("東京 café.txt", inline=True)

    assert header.startswith('inline; filename="__ cafe.txt"; ')
    assert header.endswith("filename*=UTF-8''%E6%9D%B1%E4%BA%AC%20caf%C3%A9.txt")


def test_quotes_backslashes_and_percent_never_reach_the_fallback():
    assert ascii_fallback('a"b\\c%41.txt') == "a_b_c_41.txt"


def test_line_breaks_cannot_inject_headers():
    header = content_disposition("evil\r\nSet-Cookie: x=1.txt", inline=False)

    assert "\r" not in header and "\n" not in header


def test_an_empty_name_becomes_download():
    assert content_disposition("  ", inline=False) == "attachment; filename=\"download\"; filename*=UTF-8''download"
