"""Presigned S3 URLs (AWS Signature Version 4, query-string form) without botocore's
request machinery: the browser's PUT URLs, and the server's own HEADs and GETs
(storage/backends/s3_direct.py).

botocore's `generate_presigned_url` spends about 2 ms of CPU on a URL (its event hooks,
endpoint rules and parameter serialisation), and a `head_object` call about 1.3 ms, more
than the rest of a batch costs a file. The URL itself is a few hashes: this signer makes
the same URL, byte for byte, in a few tens of microseconds (storage/tests/test_sigv4.py
compares it with botocore's for the same instant). The bucket's base URL (endpoint,
addressing style) is botocore's: `Presigner.for_client` takes it from one URL botocore
signs, and declines (None) a configuration whose URL carries anything this signer does
not make.

Spec: AWS, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
_PROBE_KEY = "kosha-presign-probe"
_QUERY_KEYS = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders"}


def _now() -> datetime:
    """The signing time (a function, so that a test can sign in the past)."""
    return datetime.now(UTC)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _quote(value: str, safe: str = "-_.~") -> str:
    return quote(value, safe=safe)


class Presigner:
    """Signs URLs for the objects of one bucket. `base_url`: the bucket's URL as botocore builds it
    ("http://host:9000/bucket" path style, "https://bucket.s3.amazonaws.com" virtual);
    `credentials`: botocore Credentials (refreshable ones are read afresh per URL)."""

    def __init__(self, *, base_url: str, region: str, credentials: Any) -> None:
        parts = urlsplit(base_url)
        default_port = {"http": ":80", "https": ":443"}[parts.scheme]
        self.base_url = base_url.rstrip("/")
        self.base_path = parts.path.rstrip("/")
        self.host = parts.netloc.removesuffix(default_port)
        self.region = region
        self.credentials = credentials
        self._keys: dict[tuple[str, str], bytes] = {}

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

    def _signing_key(self, secret: str, day: str) -> bytes:
        cached = self._keys.get((secret, day))
        if cached is None:
            key = _hmac(f"AWS4{secret}".encode(), day)
            for part in (self.region, "s3", "aws4_request"):
                key = _hmac(key, part)
            self._keys = {(secret, day): key}  # one day's key is all that is ever needed
            cached = key
        return cached

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
        now: datetime | None = None,
        query: dict[str, str] | None = None,
    ) -> str:
        """The URL that lets a `method` request (PUT, GET, HEAD) of `key` with exactly
        `headers` (and Host) through for expires_seconds from now; every header is signed
        (S3 refuses unsigned x-amz-* headers on a presigned URL). `query`: the request's
        own parameters (a listing's `list-type`, `prefix`, ...), signed with the rest; key
        "" names the bucket itself."""
        frozen = self.credentials.get_frozen_credentials()
        moment = (now or _now()).astimezone(UTC)
        stamp, day = moment.strftime("%Y%m%dT%H%M%SZ"), moment.strftime("%Y%m%d")
        signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
        signed["host"] = self.host
        names = sorted(signed)
        scope = f"{day}/{self.region}/s3/aws4_request"
        signing = {
            "X-Amz-Algorithm": ALGORITHM,
            "X-Amz-Credential": f"{frozen.access_key}/{scope}",
            "X-Amz-Date": stamp,
            "X-Amz-Expires": str(expires_seconds),
            "X-Amz-SignedHeaders": ";".join(names),
        }
        if frozen.token:
            signing["X-Amz-Security-Token"] = frozen.token
        parameters = {**(query or {}), **signing}
        encoded = sorted((_quote(name), _quote(value)) for name, value in parameters.items())
        canonical_query = "&".join(f"{name}={value}" for name, value in encoded)
        path = f"{self.base_path}/{_quote(key, safe='/~')}"
        canonical_request = "\n".join(
            [
                method,
                path,
                canonical_query,
                "".join(f"{name}:{signed[name]}\n" for name in names),
                ";".join(names),
                "UNSIGNED-PAYLOAD",
            ]
        )
        to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
        signature = hmac.new(self._signing_key(frozen.secret_key, day), to_sign.encode(), hashlib.sha256).hexdigest()
        # botocore's order in the URL (the signature covers the sorted form).
        in_url = "&".join(f"{_quote(name)}={_quote(value)}" for name, value in parameters.items())
        return f"{self.base_url}/{_quote(key, safe='/~')}?{in_url}&X-Amz-Signature={signature}"
