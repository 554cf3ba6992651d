"""Django's CSRF middleware, with one allowance for the public link pages.

Under /s/<token> every response sends `Referrer-Policy: no-referrer` (kosha/headers.py),
so Chromium sends `Origin: null` with a form's POST from such a page (Fetch standard,
"append a request `Origin` header": a non-CORS POST under `no-referrer` serializes its
origin as null). Django refuses that Origin before it looks at the token, which made a
password-protected link's form (templates/sharing/password.html) impossible to submit.

There a null Origin is taken as the page's own when the browser says the request came
from this origin (`Sec-Fetch-Site: same-origin`, Fetch Metadata; a header no page can
set, and one the referrer policy does not touch); the CSRF token (cookie and form field
or header) is still required. A sandboxed frame, a `data:` or `about:blank` document and
a page under `no-referrer` elsewhere also send `Origin: null`, with `Sec-Fetch-Site`
cross-site or same-site: those stay refused, as Django refuses them. The token alone
would not be enough there: a sibling host of the same site (or a man in the middle of a
plain-HTTP request to the host) can write the CSRF cookie and then post its own value,
which is what Django's Origin and Referer checks exist to stop. Every other path keeps
Django's check whole.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware

from kosha.headers import PUBLIC_LINK_PREFIX


class LinkPageCsrfViewMiddleware(CsrfViewMiddleware):
    """CsrfViewMiddleware that accepts `Origin: null` on PUBLIC_LINK_PREFIX paths only, from
    the same origin by the browser's Fetch Metadata."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
            and request.path.startswith(PUBLIC_LINK_PREFIX)
        ):
            return True
        return super()._origin_verified(request)
