"""Clients signed in as a given user: the API (DRF's test client, authenticated without a
token or session) and the pages (Django's test client, with a real session)."""

from django.test import Client
from rest_framework.test import APIClient


def api_as(user) -> APIClient:
    """An API client acting as `user`; None gives an anonymous one."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def web_as(user, client: Client | None = None) -> Client:
    """A page client signed in as `user` (a fresh one, or `client` signed in)."""
    client = client or Client()
    client.force_login(user)
    return client
