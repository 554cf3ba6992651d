"""Response headers no page sets for itself: a Permissions-Policy on every response, and
`Referrer-Policy: no-referrer` on the public link pages.

Django's SecurityMiddleware sends `Referrer-Policy: same-origin` (SECURE_REFERRER_POLICY)
everywhere else: nothing of a URL leaves the origin. Under /s/<token> even the origin
gets none: the token in the page's URL is the whole secret of a link, and a Referer would
copy it into every request the page makes (scripts, styles, the store's downloads) and
into the logs of whatever receives them.

Permissions-Policy (W3C Permissions Policy; the feature list of the HTML and device APIs)
turns off the powerful features Kosha never uses, for the app and anything it frames.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "bluetooth",
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


class SecurityHeadersMiddleware:
    """Below SecurityMiddleware, which only fills Referrer-Policy where none is set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith(PUBLIC_LINK_PREFIX):
            response["Referrer-Policy"] = "no-referrer"
        return response
