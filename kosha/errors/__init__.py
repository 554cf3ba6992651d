"""Every domain error of the project, each with a stable code and an HTTP status.

Services raise these; `kosha.api.exception_handler` (the API) and `kosha.api.error_json`
(the public link views) turn them into `{"error": {"code", "message", ...details}}` with
the error's status and `extra_headers`; pages turn them into form errors.

Two levels, so that callers can branch on a type and clients on a string:
- a *kind* (`Conflict`, `Gone`, `QuotaExceeded`, ...) names itself in `code`;
- a *sub-error* (`NameTaken` is a `Conflict`) answers with its kind's `code` and names
  itself in `reason`, the body clients already read: `{"code": "conflict", "reason":
  "name_taken", ...}`.
A kind's code and a sub-error's reason are unique across the module
(kosha/tests/test_errors.py), so each is a contract with clients.

The package is cut by concern: `base` (DomainError), `kinds`, then the sub-errors of
`quota`, `places` (names, folders, bodies), `uploads` (the protocol and its sessions),
`store` and `sharing`. Import every error from `kosha.errors` itself, never from a
module of the package: where an error lives inside it is not part of the contract.
"""

from kosha.errors.base import (
    DomainError,
)
from kosha.errors.kinds import (
    BodyTooLarge,
    Conflict,
    DatabaseBusy,
    Forbidden,
    Gone,
    InvalidInput,
    InvalidName,
    NotFound,
    PasswordRequired,
    QuotaExceeded,
    RateLimited,
    StorageWebhookUnauthorized,
    StoreUnavailable,
    VerificationFailed,
    WebhookStale,
    WebhookUnauthorized,
    WrongPassword,
)
from kosha.errors.places import (
    AccountDeleting,
    FileTrashed,
    FinalConflict,
    FolderCycle,
    FolderTooDeep,
    FolderTrashed,
    InvalidCharacter,
    InvalidCursor,
    JsonTooDeep,
    LastVersion,
    MalformedJson,
    NameTaken,
    NameTakenByFile,
    NameTakenByFolder,
    NoContent,
    NumberOutOfRange,
)
from kosha.errors.quota import (
    FileTooLarge,
    StorageFull,
    TooManyFiles,
)
from kosha.errors.sharing import (
    AlreadyShared,
    DropNeedsFolder,
    ExpiryBeyondPlan,
    ExpiryInPast,
    LinkRevoked,
    LinksNotInPlan,
    OtherSpace,
    OwnerOnly,
    ReadOnly,
    SharedItemFixed,
    ShareWithSelf,
)
from kosha.errors.store import (
    StoreBusy,
    StoreMisconfigured,
    StorePrimaryDown,
)
from kosha.errors.uploads import (
    ChecksumMismatch,
    CopyAborted,
    CopyExpired,
    CopyFailed,
    CopyGone,
    CursorExpired,
    InvalidParts,
    NotMultipart,
    SessionGone,
    SizeMismatch,
    UploadAborted,
    UploadCompleted,
    UploadExpired,
    UploadFailed,
    UploadGone,
    UploadIncomplete,
    UploadVanished,
)

__all__ = [
    "AccountDeleting",
    "AlreadyShared",
    "BodyTooLarge",
    "ChecksumMismatch",
    "Conflict",
    "CopyAborted",
    "CopyExpired",
    "CopyFailed",
    "CopyGone",
    "CursorExpired",
    "DatabaseBusy",
    "DomainError",
    "DropNeedsFolder",
    "ExpiryBeyondPlan",
    "ExpiryInPast",
    "FileTooLarge",
    "FileTrashed",
    "FinalConflict",
    "FolderCycle",
    "FolderTooDeep",
    "FolderTrashed",
    "Forbidden",
    "Gone",
    "InvalidCharacter",
    "InvalidCursor",
    "InvalidInput",
    "InvalidName",
    "InvalidParts",
    "JsonTooDeep",
    "LastVersion",
    "LinkRevoked",
    "LinksNotInPlan",
    "MalformedJson",
    "NameTaken",
    "NameTakenByFile",
    "NameTakenByFolder",
    "NoContent",
    "NotFound",
    "NotMultipart",
    "NumberOutOfRange",
    "OtherSpace",
    "OwnerOnly",
    "PasswordRequired",
    "QuotaExceeded",
    "RateLimited",
    "ReadOnly",
    "SessionGone",
    "ShareWithSelf",
    "SharedItemFixed",
    "SizeMismatch",
    "StorageFull",
    "StorageWebhookUnauthorized",
    "StoreBusy",
    "StorePrimaryDown",
    "StoreMisconfigured",
    "StoreUnavailable",
    "TooManyFiles",
    "UploadAborted",
    "UploadCompleted",
    "UploadExpired",
    "UploadFailed",
    "UploadGone",
    "UploadIncomplete",
    "UploadVanished",
    "VerificationFailed",
    "WebhookStale",
    "WebhookUnauthorized",
    "WrongPassword",
]
