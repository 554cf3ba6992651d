"""/dav/: WsgiDAV beside Django in one WSGI application.

`mount(django_app)` answers every path under DAV_PREFIX with the WebDAV door and
everything else with Django. The door authenticates HTTP Basic with an app password
(accounts/app_passwords.py: never the account password, throttled as the web's login),
answering 401 with `WWW-Authenticate: Basic` or 429, then hands the request to WsgiDAV
with the actor and the origin (`dav`) in the environ.
"""

from __future__ import annotations

import base64
import binascii
import logging
from functools import cache
from urllib.parse import unquote

from django.db import close_old_connections
from wsgidav import util as wsgidav_util
from wsgidav.error_printer import ErrorPrinter
from wsgidav.request_resolver import RequestResolver
from wsgidav.wsgidav_app import WsgiDAVApp

from accounts.app_passwords import app_password_authenticate
from dav.dav_provider import KoshaProvider
from dav.locks import LOCK_CONTEXT, DatabaseLockStorage, LockContext
from dav.properties import DatabasePropertyManager
from dav.redirects import download_redirect
from kosha.addresses import client_ip
from kosha.errors import RateLimited
from kosha.origin import Origin

DAV_PREFIX = "/dav"
REALM = "Kosha WebDAV"
# The last second a datetime holds, 9999-12-31T23:59:59Z, in seconds since the epoch.
MTIME_MAX_SECONDS = 253_402_300_799
logger = logging.getLogger(__name__)


@cache
def dav_app() -> WsgiDAVApp:
    """The WsgiDAV application, built once per process."""
    config = {
        "mount_path": DAV_PREFIX,
        "provider_mapping": {"/": KoshaProvider()},
        "lock_storage": DatabaseLockStorage(),
        "property_manager": DatabasePropertyManager(),
        # The door authenticates before WsgiDAV runs (see _authenticated).
        "middleware_stack": [ErrorPrinter, RequestResolver],
        "http_authenticator": {"domain_controller": None, "accept_basic": True, "accept_digest": False},
        "simple_dc": {"user_mapping": {"*": True}},
        "honor_mtime_header": True,  # X-OC-Mtime on PUT (rclone, ownCloud clients)
        "mutable_live_props": ["{DAV:}getlastmodified"],  # PROPPATCH of the mtime
        "dir_browser": {"enable": False},
        "block_size": 1024 * 1024,  # bytes per read of a PUT body or a GET stream
        "suppress_version_info": True,
        "verbose": 1,
        "logging": {"enable": False},
    }
    return WsgiDAVApp(config)


class _Request:
    """Just enough of a request for kosha.addresses.client_ip."""

    def __init__(self, environ: dict) -> None:
        self.META = environ


def _simple(start_response, status: str, headers: list[tuple[str, str]], body: bytes = b"") -> list[bytes]:
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *headers]
    )
    return [body]


def _basic_credentials(environ: dict) -> tuple[str, str] | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, sep, key = decoded.partition(":")
    return (email, key) if sep else None


def _challenge(start_response) -> list[bytes]:
    return _simple(
        start_response,
        "401 Unauthorized",
        [("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"')],
        b"Sign in with your e-mail address and an app password (Settings > App passwords).\n",
    )


def _path_refused(environ: dict) -> bool:
    """Whether the request path or its Destination (COPY, MOVE) names nothing Kosha can
    hold: a path that is not UTF-8 (WsgiDAV re-decodes PATH_INFO as UTF-8 and raised
    UnicodeDecodeError outside its own error handling, a 500) or one holding NUL (which
    reached PostgreSQL in the path's lookup: DataError, a 500). The Destination is read as
    WsgiDAV reads it (unquoted, UTF-8 with replacement)."""
    try:
        path = environ.get("PATH_INFO", "").encode("iso-8859-1").decode("utf-8")
    except UnicodeError:
        return True
    return "\x00" in path or "\x00" in unquote(environ.get("HTTP_DESTINATION", ""))


def _invalid_dates_dropped(environ: dict) -> None:
    """Drop an If-Modified-Since or If-Unmodified-Since that is no HTTP-date a datetime
    holds (WsgiDAV's parse raised ValueError for the year 10000, a 500): RFC 9110 sections
    13.1.3 and 13.1.4, a recipient MUST ignore one that is not a valid HTTP-date."""
    for header in ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE"):
        raw = environ.get(header)
        if raw is None:
            continue
        try:
            wsgidav_util.parse_time_string(raw)
        except (ValueError, OverflowError):
            del environ[header]


def _mtime_header_refused(environ: dict) -> bool:
    """X-OC-Mtime (ownCloud's client modification time, seconds since the epoch) as the
    door takes it: WsgiDAV takes any digits and sets the time only after a PUT's body is
    stored, and on a MKCOL's new folder. So a PUT's time past MTIME_MAX_SECONDS is refused
    here (True: 400, nothing stored; it failed after the store, a 500 with the file
    recorded), and a MKCOL's header is dropped: folders keep no client time (WsgiDAV's
    set_last_modified on the new folder raised NotImplementedError, a 500 with the folder
    made). Anything else not digits WsgiDAV refuses itself (400)."""
    raw = environ.get("HTTP_X_OC_MTIME")
    if raw is None:
        return False
    method = environ.get("REQUEST_METHOD")
    if method == "MKCOL":
        del environ["HTTP_X_OC_MTIME"]
        return False
    return method == "PUT" and raw.isascii() and raw.isdigit() and int(raw) > MTIME_MAX_SECONDS


def dav_door(environ: dict, start_response):
    """The WebDAV door (a WSGI application for paths under DAV_PREFIX)."""
    close_old_connections()
    try:
        return _dav_door(environ, start_response)
    finally:
        # WsgiDAV runs outside Django's handler: end the request's connections as
        # Django's request_finished does.
        close_old_connections()


def _dav_door(environ: dict, start_response):
    address = client_ip(_Request(environ))
    credentials = _basic_credentials(environ)
    if credentials is None:
        return _challenge(start_response)
    try:
        found = app_password_authenticate(email=credentials[0], key=credentials[1], address=address)
    except RateLimited as error:
        return _simple(
            start_response, "429 Too Many Requests", list(error.extra_headers.items()), b"Too many attempts.\n"
        )
    if found is None:
        return _challenge(start_response)
    environ["kosha.user"] = found.user
    environ["kosha.app_password"] = found
    environ["kosha.origin"] = Origin(ip=address, via="dav")
    environ["wsgidav.auth.user_name"] = found.user.email
    environ["wsgidav.auth.realm"] = REALM
    # WsgiDAV serves its mount_path from SCRIPT_NAME; PATH_INFO is the path below /dav.
    path = environ.get("PATH_INFO", "")
    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/")
    environ["PATH_INFO"] = path[len(DAV_PREFIX) :] or "/"
    if _path_refused(environ):
        return _simple(start_response, "400 Bad Request", [], b"The path must be UTF-8 without NUL.\n")
    _invalid_dates_dropped(environ)
    if _mtime_header_refused(environ):
        return _simple(start_response, "400 Bad Request", [], b"X-OC-Mtime is past the year 9999.\n")
    context = LOCK_CONTEXT.set(LockContext(actor=found.user))
    try:
        if found.redirect_downloads and environ.get("REQUEST_METHOD") == "GET":
            location = download_redirect(environ, path=environ["PATH_INFO"])
            if location is not None:
                return _simple(start_response, "302 Found", [("Location", location)])
        result = dav_app()(environ, start_response)
        # Answer in full while the lock context is set; a GET body streams from the store
        # through the iterable WsgiDAV returns, needing neither the context nor the database.
        return result if environ.get("REQUEST_METHOD") == "GET" else list(result)
    finally:
        LOCK_CONTEXT.reset(context)


def mount(django_app):
    """One WSGI application: /dav/... to the WebDAV door, the rest to Django."""

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == DAV_PREFIX or path.startswith(DAV_PREFIX + "/"):
            return dav_door(environ, start_response)
        return django_app(environ, start_response)

    return application
