"""Clients signed in as a given user: the API (DRF's test client, authenticated without a
token or session, or with an API token) and the pages (Django's test client, with a real
session)."""

from django.test import Client
from rest_framework.test import APIClient


def api_as(user) -> APIClient:
    """An API client acting as `user`; None gives an anonymous one."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# DRF answers 403, not 401, to a failed token while SessionAuthentication is listed first
# in DEFAULT_AUTHENTICATION_CLASSES (it takes WWW-Authenticate from the first class).
REFUSED = (401, 403)


def token_client(key: str) -> APIClient:
    """An API client sending `Authorization: Token <key>` (an API token's full key) on
    every request."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def web_as(user, client: Client | None = None) -> Client:
    """A page client signed in as `user` (a fresh one, or `client` signed in)."""
    client = client or Client()
    client.force_login(user)
    return client
