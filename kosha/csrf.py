"""Django's CSRF middleware, with one allowance for the public link pages.

Under /s/<token> every response sends `Referrer-Policy: no-referrer` (kosha/headers.py),
so Chromium sends `Origin: null` with a form's POST from such a page (Fetch standard,
"append a request `Origin` header": a non-CORS POST under `no-referrer` serializes its
origin as null). Django refuses that Origin before it looks at the token, which made a
password-protected link's form (templates/sharing/password.html) impossible to submit.

There a null Origin is taken as no Origin at all; the CSRF token (cookie and form field
or header) is still required. What a public link's POST does (unlock the link in this
browser, start a zip or a drop upload) is what anyone holding the token may do without an
account, so the strict Origin check adds nothing there; every other path keeps it whole.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware

from kosha.headers import PUBLIC_LINK_PREFIX


class LinkPageCsrfViewMiddleware(CsrfViewMiddleware):
    """CsrfViewMiddleware that accepts `Origin: null` on PUBLIC_LINK_PREFIX paths only."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null" and request.path.startswith(PUBLIC_LINK_PREFIX):
            return True
        return super()._origin_verified(request)
