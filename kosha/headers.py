"""Response headers no page sets for itself: a Content-Security-Policy and a
Permissions-Policy on every response, and `Referrer-Policy: no-referrer` on the public
link pages.

Content-Security-Policy (CSP Level 3): scripts only from this origin's files, never
inline (the pages' scripts live in static/js/pages/, so no nonce is needed), no plugins,
no <base> rewriting. Styles from this origin's files; `style` attributes stay allowed
(the usage meters set their width in one), <style> elements do not, except on the API
docs page, whose Swagger UI template carries one. Images, media, frames and connections
may also reach the object store's origin: presigned uploads, downloads, thumbnails and
previews go there directly. That origin is read off a URL the active store presigns
(no network: signing is local), so this module needs no `if s3` of its own: the local
store's URLs are site-relative and add nothing.

A small middleware rather than django-csp: the policy is one fixed string plus the store
origin, with no nonces or per-view changes to manage, which the few lines here cover.

Django's SecurityMiddleware sends `Referrer-Policy: same-origin` (SECURE_REFERRER_POLICY)
everywhere else: nothing of a URL leaves the origin. Under /s/<token> even the origin
gets none: the token in the page's URL is the whole secret of a link, and a Referer would
copy it into every request the page makes (scripts, styles, the store's downloads) and
into the logs of whatever receives them.
Chromium then sends `Origin: null` with a form's POST there: kosha/csrf.py accepts that
under /s/ only, from the same origin (Sec-Fetch-Site), the CSRF token still required.

Permissions-Policy (W3C Permissions Policy; the feature list of the HTML and device APIs)
turns off the powerful features Kosha never uses, for the app and anything it frames.
Only features Chromium knows are named (it logs an error for any other on every page,
as it does for `bluetooth`; kosha/tests/test_permissions_policy_browser.py).
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

from storage.backends import StorageBackend, get_backend

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
PUBLIC_LINK_PREFIX = "/s/"
API_DOCS_PATH = "/api/docs/"
_PROBE_KEY = "users/00000000-0000-0000-0000-000000000000/blobs/csp-origin-probe"


@functools.lru_cache(maxsize=8)
def store_origin(backend: StorageBackend) -> str | None:
    """The scheme://host[:port] the store's presigned URLs point at; None when they are
    site-relative (the local store)."""
    url = backend.presign_get(
        key=_PROBE_KEY, filename="probe", content_type="application/octet-stream", inline=False, expires_seconds=60
    )
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(*, path: str = "/") -> str:
    """The policy for a response at `path`, with the origins of the active stores (the
    primary, and a replica that serves reads while the primary is down)."""
    origins = dict.fromkeys(origin for backend in get_backend().stores if (origin := store_origin(backend)))
    store = "".join(f" {origin}" for origin in origins)
    inline_styles = " 'unsafe-inline'" if path == API_DOCS_PATH else ""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": f"'self'{inline_styles}",
        "style-src-attr": "'unsafe-inline'",
        "img-src": f"'self' data: blob:{store}",
        "media-src": f"'self' blob:{store}",
        "frame-src": f"'self'{store}",
        "connect-src": f"'self'{store}",
        "object-src": "'none'",
        "base-uri": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Below SecurityMiddleware, which only fills Referrer-Policy where none is set. A
    response that sets its own policy (none does today) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(path=request.path))
        if request.path.startswith(PUBLIC_LINK_PREFIX):
            response["Referrer-Policy"] = "no-referrer"
        return response
