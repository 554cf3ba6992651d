"""The upload/download endpoint behind the local backend's presigned URLs.

It plays the part S3 plays for the S3 backend, answering the way S3 does (XML errors,
quoted ETag, conditional requests), so clients cannot tell the two apart. Nothing here
trusts the client: every limit comes from the signed token, and a PUT becomes an object
only after its length, type and checksum have been checked against it, and only while its
upload session is pending (`gate.py`).
"""

import re
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt

from storage.backends import UploadNotFound, get_backend
from storage.backends.local import gate
from storage.backends.local.backend import LocalBackend
from storage.backends.local.files import CHUNK_BYTES
from storage.backends.local.signing import UploadRejected, load_url_claims

# ASCII digits only, at most 19 (a 64-bit size): int() of a 5,000-digit header would raise.
_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


def _s3_error(status: int, code: str, message: str) -> HttpResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    )
    response = HttpResponse(body, status=status, content_type="application/xml")
    response["Access-Control-Expose-Headers"] = "ETag"
    return response


def _request_chunks(request: HttpRequest, length: int) -> Iterator[bytes]:
    """The body in chunks, never all of it in memory (request.body would be)."""
    remaining = length
    while remaining > 0:
        chunk = request.read(min(CHUNK_BYTES, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


def _content_length(request: HttpRequest) -> int:
    raw = request.META.get("CONTENT_LENGTH") or ""
    # isdigit() alone passes "²", which int() refuses; 19 digits hold any object size.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
        raise UploadRejected("MissingContentLength", "You must provide the Content-Length HTTP header.", 411)
    return int(raw)


@csrf_exempt
@xframe_options_sameorigin
def local_object(request: HttpRequest, token: str) -> HttpResponse:
    backend = next((store for store in get_backend().stores if isinstance(store, LocalBackend)), None)
    if backend is None:
        raise Http404
    try:
        claims = load_url_claims(token)
        operation = claims.get("op")
        if operation == "put" and request.method == "PUT":
            response = _put_object(request, backend, claims)
        elif operation == "part" and request.method == "PUT":
            response = _put_part(request, backend, claims)
        elif operation == "get" and request.method in ("GET", "HEAD"):
            response = _get_object(request, _holding(claims["key"], default=backend), claims)
        else:
            raise UploadRejected("SignatureDoesNotMatch", "The URL was not signed for this method.", 403)
    except UploadRejected as exc:
        return _s3_error(exc.status, exc.code, str(exc))
    response["Access-Control-Expose-Headers"] = "ETag"
    return response


def _holding(key: str, *, default: LocalBackend) -> LocalBackend:
    """The local store that holds key: the primary, or a local replica serving a read while
    the primary is down (both sign with the same secret)."""
    for store in get_backend().stores:
        if isinstance(store, LocalBackend) and store.head(key=key) is not None:
            return store
    return default


def _signed_length(request: HttpRequest, claims: dict) -> int:
    # What S3 checks through the signed Content-Length header: exactly the signed length.
    length = _content_length(request)
    if claims.get("len") is None or length != claims["len"]:
        raise UploadRejected("SignatureDoesNotMatch", "Content-Length differs from the signed one.", 403)
    return length


def _put_object(request: HttpRequest, backend: LocalBackend, claims: dict) -> HttpResponse:
    # What S3 checks through the signed headers: type, length, checksum and the condition.
    if request.META.get("CONTENT_TYPE", "") != claims["type"]:
        raise UploadRejected("SignatureDoesNotMatch", "Content-Type differs from the signed one.", 403)
    length = _signed_length(request, claims)
    if claims["sha"] and request.headers.get("x-amz-checksum-sha256") != claims["sha"]:
        raise UploadRejected("SignatureDoesNotMatch", "x-amz-checksum-sha256 differs from the signed one.", 403)
    if_none_match = bool(claims.get("inm"))
    if if_none_match and request.headers.get("If-None-Match") != "*":
        raise UploadRejected("SignatureDoesNotMatch", "If-None-Match differs from the signed one.", 403)

    key = claims["key"]
    gate.upload_check(key=key)
    staged = backend.stage_object(
        chunks=_request_chunks(request, length),
        content_type=claims["type"],
        expected_size=length,
        expected_sha256_b64=claims["sha"],
    )
    try:
        with gate.upload_held(key=key):
            info = backend.install_object(staged, key=key, if_none_match=if_none_match)
    finally:
        backend.discard(staged)
    response = HttpResponse(status=200)
    response["ETag"] = f'"{info.etag}"'
    if claims["sha"]:
        response["x-amz-checksum-sha256"] = info.sha256_b64
    return response


def _put_part(request: HttpRequest, backend: LocalBackend, claims: dict) -> HttpResponse:
    length = _signed_length(request, claims)
    key, upload_id = claims["key"], claims["upload"]
    try:
        gate.upload_check(key=key, multipart_upload_id=upload_id)
        staged = backend.stage_part(
            upload_id=upload_id,
            part_number=claims["part"],
            chunks=_request_chunks(request, length),
            expected_size=length,
        )
        try:
            with gate.upload_held(key=key, multipart_upload_id=upload_id):
                part = backend.install_part(staged)
        finally:
            backend.discard(staged)
    except UploadNotFound:
        return _s3_error(404, "NoSuchUpload", "The specified multipart upload does not exist.")
    response = HttpResponse(status=200)
    response["ETag"] = f'"{part.etag}"'
    return response


def _file_chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as stream:
        stream.seek(start)
        remaining = length
        while remaining > 0 and (chunk := stream.read(min(CHUNK_BYTES, remaining))):
            remaining -= len(chunk)
            yield chunk


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) for a single `bytes=` range; None to serve the whole object.
    Raises UploadRejected (416) when the range lies outside the object."""
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        raise UploadRejected("InvalidRange", "The requested range is not satisfiable.", 416)
    return start, end


def _if_range_holds(value: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.5: a Range applies only if If-Range names the current strong ETag.
    A weak ETag never matches, and neither does a date here (Last-Modified is a weak
    validator for an object replaced within the same second): the answer is then the
    whole current object, never bytes of two versions spliced together."""
    if value is None:
        return True
    value = value.strip()
    return value.startswith('"') and value == etag


def _get_object(request: HttpRequest, backend: LocalBackend, claims: dict) -> HttpResponse:
    info = backend.head(key=claims["key"])
    path = backend.object_path(claims["key"])
    try:
        last_modified = int(path.stat().st_mtime)
    except (FileNotFoundError, NotADirectoryError):
        info = None
    if info is None:
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    etag = f'"{info.etag}"'

    # If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since in RFC 9110 §13.2.2's
    # order (If-Match and If-None-Match take precedence over the dates), as S3 does.
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if conditional is not None and conditional.status_code == 412:
        return _s3_error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
    if conditional is not None:
        conditional["ETag"] = etag
        conditional["Last-Modified"] = http_date(last_modified)
        return conditional

    range_header = request.headers.get("Range", "")
    if not _if_range_holds(request.headers.get("If-Range"), etag):
        range_header = ""
    try:
        byte_range = _byte_range(range_header, info.size_bytes)
    except UploadRejected:
        response = _s3_error(416, "InvalidRange", "The requested range is not satisfiable.")
        response["Content-Range"] = f"bytes */{info.size_bytes}"
        return response

    if request.method == "HEAD":
        response = HttpResponse(content_type=claims["type"])
        response["Content-Length"] = str(info.size_bytes)
    elif byte_range is None:
        response = FileResponse(open(path, "rb"), content_type=claims["type"])  # FileResponse closes it
    else:
        start, end = byte_range
        response = StreamingHttpResponse(
            _file_chunks(path, start, end - start + 1), status=206, content_type=claims["type"]
        )
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{info.size_bytes}"
    # Set after FileResponse, which would otherwise name the file after its blob id.
    response["Content-Disposition"] = claims["disposition"]
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0"
    return response
