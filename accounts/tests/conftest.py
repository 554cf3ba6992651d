import io
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlencode

import pytest
import requests

from accounts.services import api_token_create
from kosha.sso import sso_config_from_env


@pytest.fixture
def owner_token(owner):
    """(token, key) belonging to the owner."""
    return api_token_create(user=owner, name="laptop sync")


@pytest.fixture
def stranger_token(stranger):
    return api_token_create(user=stranger, name="stranger's script")


@pytest.fixture
def mail_delivery(settings):
    """The settings of an installation with a mail server (EMAIL_URL set): verification is
    mandatory and two-factor waits for a verified address. Tests read mail in `mailoutbox`."""
    settings.KOSHA_EMAIL_DELIVERY = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.MFA_ALLOW_UNVERIFIED_EMAIL = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


# --- a real OpenID provider in the test process ---------------------------------------------


@dataclass
class ProviderRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]


class RecordingProvider:
    """WSGI middleware in front of oidc-provider-mock: records every request it receives
    (so tests can check PKCE and the token exchange) and, when `client_id_override` is set,
    makes the provider issue codes and tokens to that client instead, which is how a test
    gets an ID token for the wrong audience."""

    def __init__(self, app):
        self.app = app
        self.requests: list[ProviderRequest] = []
        self.client_id_override: str | None = None

    def _rewrite(self, raw: str) -> str:
        pairs = parse_qsl(raw, keep_blank_values=True)
        return urlencode([(key, self.client_id_override if key == "client_id" else value) for key, value in pairs])

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        is_form = environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
        if self.client_id_override:
            query = self._rewrite(query)
            if is_form:
                body = self._rewrite(body.decode()).encode()
        self.requests.append(
            ProviderRequest(
                method=environ["REQUEST_METHOD"],
                path=environ["PATH_INFO"],
                query=parse_qs(query),
                form=parse_qs(body.decode()) if is_form else {},
            )
        )
        environ["QUERY_STRING"] = query
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def requests_to(self, path: str) -> list[ProviderRequest]:
        return [request for request in self.requests if request.path == path]


@dataclass
class OidcProvider:
    issuer: str
    recorder: RecordingProvider

    def user_set(self, sub: str, **claims) -> None:
        """Define the claims the provider returns for `sub` (email, email_verified, name...)."""
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def authorize(self, authorize_url: str, *, sub: str) -> str:
        """Play the browser at the provider: consent as `sub`; returns where the provider
        sends the browser back (Kosha's callback URL with code and state)."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@pytest.fixture(scope="session")
def oidc_server():
    """oidc-provider-mock served on a free loopback port in a thread, for the session."""
    from oidc_provider_mock import app as provider_app
    from werkzeug.serving import make_server

    recorder = RecordingProvider(provider_app())
    server = make_server("127.0.0.1", 0, recorder, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield OidcProvider(issuer=f"http://127.0.0.1:{server.server_port}", recorder=recorder)
    server.shutdown()
    thread.join(5)


OIDC_PROVIDER_ID = "company-idp"
OIDC_CLIENT_ID = "kosha-test-client"


@pytest.fixture
def oidc_provider(oidc_server, settings):
    """Kosha configured, through the real environment parser, with the mock as its
    OpenID provider `company-idp`."""
    config = sso_config_from_env(
        {
            "KOSHA_OIDC_PROVIDERS": OIDC_PROVIDER_ID,
            "KOSHA_OIDC_COMPANY_IDP_ISSUER": oidc_server.issuer,
            "KOSHA_OIDC_COMPANY_IDP_CLIENT_ID": OIDC_CLIENT_ID,
            "KOSHA_OIDC_COMPANY_IDP_CLIENT_SECRET": "test-secret",
            "KOSHA_OIDC_COMPANY_IDP_NAME": "Company account",
        }
    )
    settings.KOSHA_SSO = config
    settings.SOCIALACCOUNT_PROVIDERS = config.providers
    oidc_server.recorder.requests.clear()
    oidc_server.recorder.client_id_override = None
    yield oidc_server
    oidc_server.recorder.client_id_override = None
