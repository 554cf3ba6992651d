"""Fixtures of the WebDAV door: the live server (kosha/wsgi.py's application: /dav/ beside
Django), an app password per persona, and a requests session speaking WebDAV."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from accounts.services import app_password_create


@dataclass
class DavClient:
    """HTTP against /dav/ as one user: `url(path)`, `request(method, path, ...)`."""

    base: str
    email: str
    key: str

    def url(self, path: str = "") -> str:
        return f"{self.base}/dav/{path.lstrip('/')}"

    def request(self, method: str, path: str = "", **kwargs) -> requests.Response:
        kwargs.setdefault("auth", (self.email, self.key))
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url(path), timeout=60, **kwargs)


def dav_client_for(user, *, live_server, redirect_downloads: bool = False) -> DavClient:
    _, key = app_password_create(user=user, name="test device", redirect_downloads=redirect_downloads)
    return DavClient(base=live_server.url, email=user.email, key=key)


@pytest.fixture
def owner_dav(transactional_db, local_settings, seeded_tiers, owner, live_server) -> DavClient:
    return dav_client_for(owner, live_server=live_server)


@pytest.fixture
def store_dav(transactional_db, store, seeded_tiers, owner, live_server) -> DavClient:
    """The owner's WebDAV client on the parametrized store (local, moto, SeaweedFS)."""
    return dav_client_for(owner, live_server=live_server)
