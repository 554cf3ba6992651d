"""What an answer says: the status and the error body of a refused API request
(`{"error": {"code", "message", ...}}`, kosha/errors), a page's HTML, a redirect to sign in."""

from django.urls import reverse


def assert_error(response, status: int, *, code: str | None = None, reason: str | None = None) -> dict:
    """Assert `response` answered `status` with an error body whose `code` (and `reason`,
    the sub-code some conflicts carry) are the ones given; returns the body's "error"."""
    assert response.status_code == status, response.content[:500]
    error = response.json()["error"]
    if code is not None:
        assert error["code"] == code, error
    if reason is not None:
        assert error["reason"] == reason, error
    return error


def html_of(response, status: int = 200) -> str:
    """Assert the page `response` answered `status`; returns its HTML."""
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def assert_sent_to_sign_in(response) -> None:
    """`response` redirects a signed-out visitor to the sign-in page."""
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
