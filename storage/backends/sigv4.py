"""Presigned S3 URLs (AWS Signature Version 4, query-string form) without botocore's
request machinery: the browser's PUT, part and download URLs, and the server's own HEADs
and GETs (storage/backends/s3_direct.py).

botocore's `generate_presigned_url` spends 0.6-2 ms of CPU on a URL (its event hooks,
endpoint rules and parameter serialisation), and a `head_object` call about 1.3 ms, more
than the rest of a batch costs a file. The URL itself is two hashes: this signer makes
the same URL, byte for byte, in about 20 microseconds (storage/tests/test_sigv4.py
compares it with botocore's for the same instant, for any key, header values, query
parameters, expiry and day). The signing key is derived once a day, not per URL. The
bucket's base URL (endpoint, addressing style) is botocore's: `Presigner.for_client`
takes it from one URL botocore signs, and declines (None) a configuration whose URL
carries anything this signer does not make; the backend then asks botocore.

Spec: AWS, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
_PROBE_KEY = "kosha-presign-probe"
_QUERY_KEYS = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders"}
# RFC 3986's unreserved characters: what AWS's URI encoding leaves as it is.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")
_UNRESERVED_OR_SLASH = re.compile(r"[A-Za-z0-9_.~/-]*")


def _now() -> datetime:
    """The signing time (a function, so that a test can sign in the past)."""
    return datetime.now(UTC)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.digest(key, text.encode(), "sha256")


def _quote(value: str) -> str:
    """AWS's URI encoding of a query name or value (every byte but the unreserved ones)."""
    return value if _UNRESERVED.fullmatch(value) else quote(value, safe="-_.~")


@functools.lru_cache(maxsize=64)
def _quote_names(signed_names: str) -> str:
    """The X-Amz-SignedHeaders value ("content-length%3Bhost"): a handful of sets, each
    encoded once."""
    return quote(signed_names, safe="-_.~")


def _quote_path(key: str) -> str:
    """AWS's URI encoding of an object key in the path ("/" kept), as botocore's S3 signer."""
    return key if _UNRESERVED_OR_SLASH.fullmatch(key) else quote(key, safe="/~")


@dataclass(frozen=True)
class _Day:
    """What one day's signatures by one access key share: the scope, the credential as the
    URL carries it, and the derived signing key."""

    scope: str
    credential: str
    signing_key: bytes


class Presigner:
    """Signs URLs for the objects of one bucket. `base_url`: the bucket's URL as botocore builds it
    ("http://host:9000/bucket" path style, "https://bucket.s3.amazonaws.com" virtual);
    `credentials`: botocore Credentials (refreshable ones are read afresh per URL).
    Thread-safe: the only state is the cache of the day's signing key, replaced whole."""

    def __init__(self, *, base_url: str, region: str, credentials: Any) -> None:
        parts = urlsplit(base_url)
        default_port = {"http": ":80", "https": ":443"}[parts.scheme]
        self.base_url = base_url.rstrip("/")
        self.base_path = parts.path.rstrip("/")
        self.host = parts.netloc.removesuffix(default_port)
        self.region = region
        self.credentials = credentials
        self._day: tuple[tuple[str, str, str], _Day] | None = None

    @classmethod
    def for_client(cls, client: Any, *, bucket: str) -> Presigner | None:
        """The signer for `client`'s bucket, or None when botocore's URL for it is not one
        this signer reproduces (another signature version, extra parameters)."""
        credentials = client._request_signer._credentials
        if credentials is None:
            return None
        url = client.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": _PROBE_KEY}, ExpiresIn=60)
        parts = urlsplit(url)
        keys = set(parse_qs(parts.query))
        if parts.scheme not in ("http", "https") or not parts.path.endswith(f"/{_PROBE_KEY}"):
            return None
        if keys - {"X-Amz-Security-Token", "X-Amz-Signature"} != _QUERY_KEYS:
            return None
        base = f"{parts.scheme}://{parts.netloc}{parts.path.removesuffix(f'/{_PROBE_KEY}')}"
        return cls(base_url=base, region=client.meta.region_name, credentials=credentials)

    def _day_of(self, access_key: str, secret: str, day: str) -> _Day:
        """The scope, URL credential and signing key of `day` (YYYYMMDD) for these
        credentials: derived once a day (four HMACs), not once per URL."""
        cached = self._day
        if cached is not None and cached[0] == (access_key, secret, day):
            return cached[1]
        key = _hmac(f"AWS4{secret}".encode(), day)
        for part in (self.region, "s3", "aws4_request"):
            key = _hmac(key, part)
        scope = f"{day}/{self.region}/s3/aws4_request"
        found = _Day(scope=scope, credential=_quote(f"{access_key}/{scope}"), signing_key=key)
        self._day = ((access_key, secret, day), found)  # one day's key is all that is ever needed
        return found

    def presign_put(
        self, *, key: str, headers: dict[str, str], expires_seconds: int, now: datetime | None = None
    ) -> str:
        """The URL that lets a PUT of `key` with exactly `headers` (and Host) through for
        expires_seconds from now. Header names are lowercased and all signed."""
        return self.presign(method="PUT", key=key, headers=headers, expires_seconds=expires_seconds, now=now)

    def presign(
        self,
        *,
        method: str,
        key: str,
        headers: dict[str, str],
        expires_seconds: int,
        query: dict[str, str] | None = None,
        now: datetime | None = None,
    ) -> str:
        """The URL that lets a `method` request (PUT, GET, HEAD) of `key` with exactly
        `headers` (and Host) through for expires_seconds (seconds) from now; every header is
        signed (S3 refuses unsigned x-amz-* headers on a presigned URL). `query`: the
        request's own parameters (an UploadPart's uploadId and partNumber, a GET's
        response-content-disposition, a listing's list-type, prefix, ...), signed too, first
        in the URL in the order given, as botocore writes them; key "" names the bucket
        itself. No I/O; the credentials are read once per URL."""
        frozen = self.credentials.get_frozen_credentials()
        stamp = (now or _now()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        day = self._day_of(frozen.access_key, frozen.secret_key, stamp[:8])
        signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
        signed["host"] = self.host
        names = sorted(signed)
        signed_names = ";".join(names)
        operation = [(_quote(name), _quote(str(value))) for name, value in (query or {}).items()]
        auth = [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", day.credential),
            ("X-Amz-Date", stamp),
            ("X-Amz-Expires", str(expires_seconds)),
            ("X-Amz-SignedHeaders", _quote_names(signed_names)),
        ]
        if frozen.token:
            auth.append(("X-Amz-Security-Token", _quote(frozen.token)))
        # In the URL: the operation's parameters, then the auth ones, in botocore's order;
        # in the canonical query string: all of them sorted by encoded name (then value).
        in_url = "&".join(f"{name}={value}" for name, value in operation + auth)
        canonical_query = "&".join(f"{name}={value}" for name, value in sorted(operation + auth))
        path = _quote_path(key)
        canonical_headers = "".join(f"{name}:{signed[name]}\n" for name in names)
        canonical_request = f"{method}\n{self.base_path}/{path}\n{canonical_query}\n{canonical_headers}\n{signed_names}\nUNSIGNED-PAYLOAD"
        to_sign = f"{ALGORITHM}\n{stamp}\n{day.scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
        signature = _hmac(day.signing_key, to_sign).hex()
        # botocore's order in the URL (the signature covers the sorted form).
        return f"{self.base_url}/{path}?{in_url}&X-Amz-Signature={signature}"
