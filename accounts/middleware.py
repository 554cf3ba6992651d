"""An identity provider that cannot be reached answers a page, not a 500."""

from __future__ import annotations

import logging

import requests
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

# allauth's login and callback views of every provider are named `<provider>_login` and
# `<provider>_callback` (`openid_connect_login` for the generic one).
PROVIDER_VIEW_SUFFIXES = ("_login", "_callback")


class ProviderErrorMiddleware:
    """allauth catches a provider's refusals (bad state, invalid token) but not a provider
    that is down or answers garbage while it fetches the discovery document at the start of
    a sign-in: those raise requests' exceptions. Render allauth's failure page with 502."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        if not isinstance(exception, requests.RequestException) or match is None:
            return None
        if not (match.url_name or "").endswith(PROVIDER_VIEW_SUFFIXES):
            return None
        logger.warning("Identity provider unreachable during %s: %s", match.url_name, exception)
        return render(request, "socialaccount/authentication_error.html", {"provider_unreachable": True}, status=502)
