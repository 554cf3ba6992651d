"""How the S3 backend names a store's refusals: the error codes AWS documents and the
S3-compatible stores answer, and the named BackendError each becomes (busy, misconfigured,
another failure), so no raw ClientError reaches a user.

Spec: AWS S3 API reference, "Error responses".
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from storage.backends.base import BackendBusy, BackendError, BackendMisconfigured

# Error codes, as AWS documents them (S3 API reference, "Error responses") and as the
# S3-compatible stores we test or know answer them. Stores differ: for a multipart upload
# that is gone, AWS, MinIO and SeaweedFS answer NoSuchUpload, Ceph RGW NoSuchKey.
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
UPLOAD_MISSING_CODES = frozenset({"NoSuchUpload", "NoSuchKey", "404", "NotFound"})
BAD_PART_CODES = frozenset({"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML", "InvalidRequest"})
BUSY_CODES = frozenset(
    {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling", "TooManyRequests", "503", "500"}
)
MISCONFIGURED_CODES = frozenset(
    {
        "NoSuchBucket",
        "AccessDenied",
        "AllAccessDisabled",
        "AccountProblem",
        "InvalidAccessKeyId",
        "InvalidBucketName",
        "InvalidToken",
        "ExpiredToken",
        "SignatureDoesNotMatch",
        "AuthorizationHeaderMalformed",
        "PermanentRedirect",
        "RequestTimeTooSkewed",
        "301",
        "403",
    }
)


def error_code(error: ClientError) -> str:
    """The S3 error code of a refusal ("NoSuchKey", ...), or "" when it has none."""
    return str(error.response.get("Error", {}).get("Code", ""))


def http_status(error: ClientError) -> int:
    """The HTTP status of a refusal, or 0 when botocore recorded none."""
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def store_error(error: ClientError, *, operation: str) -> BackendError:
    """The named BackendError for a store's refusal that the caller did not expect: busy
    (retry later), misconfigured (an operator must act) or another failure. Never lets a
    raw ClientError, and so an unexplained 500, reach a user."""
    code = error_code(error)
    message = f"S3 {operation} failed: {code or http_status(error)}"
    if code in BUSY_CODES or http_status(error) >= 500:
        return BackendBusy(message)
    if code in MISCONFIGURED_CODES:
        return BackendMisconfigured(message)
    return BackendError(message)
