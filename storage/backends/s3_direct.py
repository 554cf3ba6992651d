"""The S3 backend's own reads of one object (HEAD, GET), signed by storage/backends/sigv4.py
and sent through botocore's HTTP session (its connection pool, TLS and proxy settings)
without the rest of botocore's request machinery.

A `head_object` through botocore costs about 1.3 ms of CPU (event hooks, endpoint rules,
parameter validation, response parsing); the same HEAD signed here costs about 0.3 ms.
A batch complete HEADs every object it records, so this is most of what it costs a file
(BENCHMARKS.md, "Batch uploads of small files").

Only the plain answers are decided here: 200 (the object) and, for a HEAD, 404 (nothing
at the key, as botocore's 404 maps). Anything else (another status, a connection
failure) is undecided (UNDECIDED from head, None from open): the caller makes botocore's call, which retries and maps the error
as every other store call does, so no error path differs from the botocore one.

The same goes for one page of a listing (ListObjectsV2), parsed with defusedxml.

Spec: AWS S3 API reference, HeadObject and GetObject (request header
x-amz-checksum-mode; response headers Content-Length, Content-Type, ETag,
x-amz-checksum-sha256, x-amz-checksum-type); ListObjectsV2 (request parameters
list-type=2, prefix, start-after, max-keys; response elements Contents with Key,
LastModified, ETag and Size, and IsTruncated).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, BinaryIO, Final
from xml.etree.ElementTree import ParseError

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import BotoCoreError
from botocore.response import StreamingBody
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree

from storage.backends.base import ListedObject, ObjectInfo
from storage.backends.sigv4 import Presigner

UNDECIDED: Final = object()
# The URLs live only for the one request made with them.
_EXPIRES_SECONDS = 60
_CHECKSUM_HEADERS = {"x-amz-checksum-mode": "ENABLED"}


def object_info(
    *, size_bytes: int, content_type: str | None, etag: str, checksum: str | None, checksum_type: str | None
):
    """ObjectInfo from a HEAD's answer, whoever made the call. A multipart upload made with
    checksums reports a checksum of the part checksums ("...-N", type COMPOSITE): that is
    not the SHA-256 of the object, so it is dropped (the caller hashes the bytes)."""
    if checksum and ((checksum_type or "FULL_OBJECT") != "FULL_OBJECT" or "-" in checksum):
        checksum = None
    return ObjectInfo(
        size_bytes=size_bytes,
        content_type=content_type or "application/octet-stream",
        etag=etag.strip('"'),
        sha256_b64=checksum or None,
    )


def parsed_info(response: dict[str, Any]) -> ObjectInfo:
    """ObjectInfo from botocore's head_object or get_object answer."""
    return object_info(
        size_bytes=response["ContentLength"],
        content_type=response.get("ContentType"),
        etag=response.get("ETag", ""),
        checksum=response.get("ChecksumSHA256"),
        checksum_type=response.get("ChecksumType"),
    )


def _info(headers: Any) -> ObjectInfo:
    return object_info(
        size_bytes=int(headers["content-length"]),
        content_type=headers.get("content-type"),
        etag=headers.get("etag", ""),
        checksum=headers.get("x-amz-checksum-sha256"),
        checksum_type=headers.get("x-amz-checksum-type"),
    )


def http_session_of(client: Any) -> Any | None:
    """botocore's URLLib3Session of `client` (its pool, TLS and proxy settings), or None."""
    http = getattr(getattr(client, "_endpoint", None), "http_session", None)
    return http if http is not None and hasattr(http, "send") else None


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def listing_page(body: bytes) -> tuple[list[ListedObject], bool]:
    """The objects of one ListObjectsV2 answer, in the order listed, and IsTruncated.
    Raises ValueError for an answer that is not a listing."""
    root = DefusedElementTree.fromstring(body)
    if _local_name(root.tag) != "ListBucketResult":
        raise ValueError(f"not a listing: {_local_name(root.tag)}")
    listed: list[ListedObject] = []
    truncated = False
    for element in root:
        name = _local_name(element.tag)
        if name == "Contents":
            fields = {_local_name(child.tag): child.text or "" for child in element}
            listed.append(
                ListedObject(
                    key=fields["Key"],
                    size_bytes=int(fields["Size"]),
                    last_modified=datetime.fromisoformat(fields["LastModified"]),
                    etag=fields.get("ETag", "").strip('"'),
                )
            )
        elif name == "IsTruncated":
            truncated = (element.text or "").strip().lower() == "true"
    return listed, truncated


class DirectReads:
    """HEAD and GET of one bucket's objects. `signer`: the bucket's Presigner; `http`:
    botocore's URLLib3Session of the client (thread-safe, pooled)."""

    def __init__(self, *, signer: Presigner, http: Any) -> None:
        self.signer = signer
        self.http = http

    @classmethod
    def for_client(cls, client: Any, *, signer: Presigner | None) -> DirectReads | None:
        """The reads for `client`'s bucket, or None when there is no signer (botocore's
        URL for the bucket is not one sigv4.py reproduces) or no HTTP session to reuse."""
        http = http_session_of(client)
        if signer is None or http is None:
            return None
        return cls(signer=signer, http=http)

    def _send(
        self, method: str, key: str, headers: dict[str, str], *, stream: bool, query: dict[str, str] | None = None
    ) -> Any:
        url = self.signer.presign(
            method=method, key=key, headers=headers, expires_seconds=_EXPIRES_SECONDS, query=query
        )
        try:
            return self.http.send(AWSPreparedRequest(method, url, dict(headers), None, stream))
        except BotoCoreError:
            return None  # connection trouble: botocore's call retries it

    def head(self, *, key: str) -> ObjectInfo | None | object:
        """What the store holds at key (ObjectInfo), None for a 404, else UNDECIDED."""
        response = self._send("HEAD", key, _CHECKSUM_HEADERS, stream=False)
        if response is None:
            return UNDECIDED
        if response.status_code == 404:
            return None
        if response.status_code != 200 or "content-length" not in response.headers:
            return UNDECIDED
        return _info(response.headers)

    def fetch(self, *, key: str, max_bytes: int) -> tuple[ObjectInfo, bytes | None] | object:
        """One GET: what head answers and the bytes when they are at most max_bytes (the
        body of a longer object is not read: the connection is dropped); UNDECIDED for
        anything but a 200 (a 404 too: botocore's call tells a missing key from a
        missing bucket)."""
        response = self._send("GET", key, _CHECKSUM_HEADERS, stream=True)
        if response is None:
            return UNDECIDED
        if response.status_code != 200 or "content-length" not in response.headers:
            response.content  # noqa: B018 - read the (small) error body: the connection goes back to the pool
            return UNDECIDED
        info = _info(response.headers)
        if info.size_bytes > max_bytes:
            response.raw.close()
            return info, None
        return info, response.content

    def open(self, *, key: str) -> BinaryIO | None:
        """A stream of the object's bytes (a 200), else None: undecided."""
        response = self._send("GET", key, {}, stream=True)
        if response is None:
            return None
        if response.status_code != 200 or "content-length" not in response.headers:
            response.content  # noqa: B018 - read the (small) error body: the connection goes back to the pool
            return None
        return StreamingBody(response.raw, int(response.headers["content-length"]))

    def list_page(self, *, prefix: str, start_after: str, max_keys: int) -> tuple[list[ListedObject], bool] | object:
        """One page of ListObjectsV2: the objects under prefix listed after start_after, at
        most max_keys of them, and whether the listing goes on (IsTruncated); UNDECIDED for
        anything but a 200 that parses."""
        query = {"list-type": "2", "max-keys": str(max_keys), "prefix": prefix, "start-after": start_after}
        response = self._send("GET", "", {}, stream=False, query=query)
        if response is None:
            return UNDECIDED
        if response.status_code != 200:
            return UNDECIDED
        try:
            return listing_page(response.content)
        except (ValueError, KeyError, ParseError, DefusedXmlException):
            return UNDECIDED
