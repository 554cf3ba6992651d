"""Single sign-on providers read from the environment, for kosha/settings/accounts.py.

Generic OpenID Connect providers, any number, listed by id in button order:

    KOSHA_OIDC_PROVIDERS=keycloak,authentik
    KOSHA_OIDC_KEYCLOAK_ISSUER=https://sso.example.com/realms/main      (required)
    KOSHA_OIDC_KEYCLOAK_CLIENT_ID=kosha                                 (required)
    KOSHA_OIDC_KEYCLOAK_CLIENT_SECRET=...                               (required)
    KOSHA_OIDC_KEYCLOAK_NAME=Company account          (button label; default: the id)
    KOSHA_OIDC_KEYCLOAK_SCOPES=openid profile email   (default shown)

An id is lowercase letters, digits and hyphens (`my-idp` reads `KOSHA_OIDC_MY_IDP_*`) and
appears in the callback URL `/accounts/oidc/<id>/login/callback/`. Google and GitHub take
`KOSHA_GOOGLE_CLIENT_ID`/`KOSHA_GOOGLE_CLIENT_SECRET` and `KOSHA_GITHUB_CLIENT_ID`/
`KOSHA_GITHUB_CLIENT_SECRET`. Every mistake (a missing secret, a malformed issuer, one
client id used twice, a provider's variable set without the provider being listed)
raises ImproperlyConfigured naming the variable, so it stops start-up instead of
failing on a sign-in page.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

OIDC_LIST_VARIABLE = "KOSHA_OIDC_PROVIDERS"
OIDC_PREFIX = "KOSHA_OIDC_"
# Longest first: `_CLIENT_ID` must not be read as an id ending in `_CLIENT`.
OIDC_SUFFIXES = ("_CLIENT_SECRET", "_CLIENT_ID", "_ISSUER", "_SCOPES", "_NAME")
PROVIDER_ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,29}")
# Ids taken by allauth's own providers (a generic provider under one of them would clash).
RESERVED_IDS = frozenset({"google", "github", "openid_connect", "oidc"})
DEFAULT_OIDC_SCOPES = ("openid", "profile", "email")
# Name, scopes and allauth's provider id of the two built-in providers.
BUILTIN_PROVIDERS = {
    "google": {
        "label": "Google",
        "SCOPE": ["openid", "profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
    },
    # `user:email` lets allauth read the verified primary address even when it is private.
    "github": {"label": "GitHub", "SCOPE": ["read:user", "user:email"], "OAUTH_PKCE_ENABLED": False},
}
WELL_KNOWN_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class SsoConfig:
    """What the settings need: allauth's SOCIALACCOUNT_PROVIDERS and the configured ids."""

    providers: dict = field(default_factory=dict)
    provider_ids: tuple[str, ...] = ()

    @property
    def is_configured(self) -> bool:
        return bool(self.provider_ids)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def issuer_validate(name: str, raw: str) -> str:
    """The issuer URL in `raw`, checked: absolute https (http only for a loopback host, for
    tests and a provider on the same machine), no credentials, query or fragment, and the
    issuer itself rather than its discovery document. Raises ImproperlyConfigured."""
    example = "e.g. https://sso.example.com/realms/main"
    try:
        parts = urlsplit(raw)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a URL ({example}), got {raw!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ImproperlyConfigured(f"{name} must be an absolute https URL ({example}), got {raw!r}")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ImproperlyConfigured(f"{name} must use https (plain http only on a loopback host), got {raw!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name} must not carry credentials, a query or a fragment, got {raw!r}")
    if "/.well-known/" in parts.path:
        raise ImproperlyConfigured(
            f"{name} is the issuer, not its discovery document: drop {WELL_KNOWN_PATH!r} from {raw!r}"
        )
    return raw


def _env_var(provider_id: str, suffix: str) -> str:
    return f"{OIDC_PREFIX}{provider_id.upper().replace('-', '_')}{suffix}"


def _required(environ: Mapping[str, str], name: str, why: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set ({why})")
    return value


def _oidc_ids(environ: Mapping[str, str]) -> list[str]:
    ids = [item.strip() for item in environ.get(OIDC_LIST_VARIABLE, "").split(",") if item.strip()]
    for provider_id in ids:
        if not PROVIDER_ID_PATTERN.fullmatch(provider_id):
            raise ImproperlyConfigured(
                f"{OIDC_LIST_VARIABLE}: {provider_id!r} is not a provider id "
                "(lowercase letters, digits and hyphens, starting with a letter, at most 30)"
            )
        if provider_id in RESERVED_IDS:
            raise ImproperlyConfigured(
                f"{OIDC_LIST_VARIABLE}: {provider_id!r} is reserved; "
                f"use KOSHA_{provider_id.upper()}_CLIENT_ID for the built-in provider or pick another id"
            )
    duplicates = sorted({provider_id for provider_id in ids if ids.count(provider_id) > 1})
    if duplicates:
        raise ImproperlyConfigured(f"{OIDC_LIST_VARIABLE} lists {', '.join(duplicates)} more than once")
    # A provider's variables without the provider in the list are a typo or a half-removed
    # provider: refuse rather than silently ignore them.
    listed = {_env_var(provider_id, "") for provider_id in ids}
    for name in sorted(environ):
        if not name.startswith(OIDC_PREFIX) or name == OIDC_LIST_VARIABLE:
            continue
        stem = next((name[: -len(suffix)] for suffix in OIDC_SUFFIXES if name.endswith(suffix)), None)
        if stem is None:
            raise ImproperlyConfigured(
                f"{name} is not a Kosha variable; a provider takes {', '.join(s.lstrip('_') for s in OIDC_SUFFIXES)}"
            )
        if stem not in listed and environ[name].strip():
            raise ImproperlyConfigured(f"{name} is set but its provider is not listed in {OIDC_LIST_VARIABLE}")
    return ids


def _oidc_app(environ: Mapping[str, str], provider_id: str) -> dict:
    issuer = issuer_validate(
        _env_var(provider_id, "_ISSUER"),
        _required(environ, _env_var(provider_id, "_ISSUER"), f"the issuer URL of OpenID provider {provider_id!r}"),
    )
    client_id = _required(environ, _env_var(provider_id, "_CLIENT_ID"), f"Kosha's client id at {provider_id!r}")
    secret = _required(environ, _env_var(provider_id, "_CLIENT_SECRET"), f"Kosha's client secret at {provider_id!r}")
    scopes_name = _env_var(provider_id, "_SCOPES")
    scopes = environ.get(scopes_name, "").split() or list(DEFAULT_OIDC_SCOPES)
    if "openid" not in scopes:
        raise ImproperlyConfigured(f"{scopes_name} must include 'openid', got {' '.join(scopes)!r}")
    return {
        "provider_id": provider_id,
        "name": environ.get(_env_var(provider_id, "_NAME"), "").strip() or provider_id,
        "client_id": client_id,
        "secret": secret,
        "settings": {
            # The discovery document beside the issuer (a trailing slash, as Authentik's
            # issuers have, must not double the separator).
            "server_url": issuer.rstrip("/") + WELL_KNOWN_PATH,
            "oauth_pkce_enabled": True,
            "scope": scopes,
        },
    }


def sso_config_from_env(environ: Mapping[str, str]) -> SsoConfig:
    """Parse the single sign-on variables of `environ` into allauth's
    SOCIALACCOUNT_PROVIDERS. Raises ImproperlyConfigured for any mistake."""
    providers: dict = {}
    ids: list[str] = []
    client_ids: dict[str, str] = {}

    def claim_client_id(client_id: str, variable: str) -> None:
        # One OAuth client registered twice would make two buttons for one login, and a
        # copy-paste slip here is the usual way a second provider is misconfigured.
        if client_id in client_ids:
            raise ImproperlyConfigured(f"{variable} and {client_ids[client_id]} have the same client id {client_id!r}")
        client_ids[client_id] = variable

    oidc_apps = []
    for provider_id in _oidc_ids(environ):
        app = _oidc_app(environ, provider_id)
        claim_client_id(app["client_id"], _env_var(provider_id, "_CLIENT_ID"))
        oidc_apps.append(app)
        ids.append(provider_id)
    if oidc_apps:
        providers["openid_connect"] = {"APPS": oidc_apps, "OAUTH_PKCE_ENABLED": True}

    for builtin, extra in BUILTIN_PROVIDERS.items():
        id_name, secret_name = f"KOSHA_{builtin.upper()}_CLIENT_ID", f"KOSHA_{builtin.upper()}_CLIENT_SECRET"
        client_id, secret = environ.get(id_name, "").strip(), environ.get(secret_name, "").strip()
        if not client_id and not secret:
            continue
        if not client_id or not secret:
            missing = id_name if not client_id else secret_name
            raise ImproperlyConfigured(f"{missing} must be set too ({extra['label']} sign-in needs both)")
        claim_client_id(client_id, id_name)
        providers[builtin] = {
            "APPS": [{"client_id": client_id, "secret": secret, "name": extra["label"]}],
            "SCOPE": extra["SCOPE"],
            "AUTH_PARAMS": extra.get("AUTH_PARAMS", {}),
            "OAUTH_PKCE_ENABLED": extra["OAUTH_PKCE_ENABLED"],
        }
        ids.append(builtin)
    return SsoConfig(providers=providers, provider_ids=tuple(ids))
