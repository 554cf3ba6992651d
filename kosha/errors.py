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
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "error"
    reason: ClassVar[str | None] = None
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be completed."
    abstract: ClassVar[bool] = False

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        # Each concrete error says who it is in its own body: a kind its code, a
        # sub-error its reason. An abstract group (FinalConflict) only gathers others.
        super().__init_subclass__(**kwargs)
        cls.abstract = abstract
        own = vars(cls)
        if not abstract and ("code" in own) == ("reason" in own):
            raise TypeError(f"{cls.__name__} must define exactly one of `code` (a kind) or `reason` (a sub-error).")
        if "code" in own:
            cls.reason = None

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = {"reason": self.reason, **details} if self.reason else details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """The body of the `"error"` member of a response."""
        return {"code": self.code, "message": self.message, **self.details}

    @property
    def extra_headers(self) -> dict[str, str]:
        """HTTP headers a response carrying this error adds (e.g. Retry-After)."""
        return {}


# --- kinds ----------------------------------------------------------------------------------


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message = "The request is not valid."


class InvalidName(DomainError):
    code = "invalid_name"
    status = 400
    default_message = "That name is not allowed."


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class Forbidden(DomainError):
    """The caller can see the item but may not do this to it (a viewer asking to edit).
    For an item the caller cannot see at all the answer is NotFound, never this."""

    code = "forbidden"
    status = 403
    default_message = "You may not do this."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "The request conflicts with the current state."


class QuotaExceeded(DomainError):
    code = "quota_exceeded"
    status = 413
    default_message = "This upload does not fit in your plan."


class VerificationFailed(DomainError):
    code = "verification_failed"
    status = 422
    default_message = "The stored object does not match what was declared."


class Gone(DomainError):
    code = "gone"
    status = 410
    default_message = "This is no longer available."


class StoreUnavailable(DomainError):
    """The object store failed. Raised `from` a storage BackendError, the API answers with
    the sub-error for its kind (`caused_by`): busy, misconfigured, or this kind itself
    (unreachable)."""

    code = "store_unavailable"
    status = 503
    default_message = "The object store is unreachable. Try again shortly."

    @classmethod
    def caused_by(cls, error: BaseException, message: str | None = None) -> StoreUnavailable:
        """The sub-error matching a BackendError's `reason` (this kind when none does),
        chained to it."""
        reason = getattr(error, "reason", None)
        kind = next((sub for sub in StoreUnavailable.__subclasses__() if sub.reason == reason), StoreUnavailable)
        mapped = kind(message)
        mapped.__cause__ = error
        return mapped


class BodyTooLarge(DomainError):
    """The request body is over the limit (carries limit_bytes)."""

    code = "too_large"
    status = 413
    default_message = "The request body is too large."


class NoSuchUser(InvalidInput):
    # 400, not 404: the request names an address, the resource is the share being made.
    # There is no invite flow yet, so an address without an account cannot be shared with.
    code = "no_such_user"
    default_message = "No account uses this e-mail address."


class WrongPassword(DomainError):
    code = "wrong_password"
    status = 403
    default_message = "That password is not right."


class RateLimited(DomainError):
    """Carries `retry_after` (seconds) when the caller knows when to try again."""

    code = "rate_limited"
    status = 429
    default_message = "Too many attempts. Try again later."

    @property
    def extra_headers(self) -> dict[str, str]:
        if "retry_after" in self.details:
            return {"Retry-After": str(self.details["retry_after"])}
        return {}


class PasswordRequired(DomainError):
    code = "password_required"
    status = 403
    default_message = "Open this link with its password first."


class WebhookUnauthorized(DomainError):
    code = "invalid_signature"
    status = 401
    default_message = "The webhook signature is missing or does not match."


class WebhookStale(DomainError):
    code = "stale_timestamp"
    status = 400
    default_message = "The webhook timestamp is missing, malformed or outside the tolerance window."


class StorageWebhookUnauthorized(DomainError):
    code = "not_authenticated"
    status = 401
    default_message = "The storage webhook secret is missing or wrong."


# --- sub-errors: quota (each names the plan limit that refused) -------------------------------


class FileTooLarge(QuotaExceeded):
    reason = "max_file_bytes"


class StorageFull(QuotaExceeded):
    reason = "storage_bytes"
    default_message = "Not enough storage left on your plan."


class TooManyFiles(QuotaExceeded):
    reason = "max_files"


# --- sub-errors: names and places -----------------------------------------------------------


class FinalConflict(Conflict, abstract=True):
    """A conflict that retrying the same request cannot resolve. An upload that meets one
    while being recorded ends at once: its bytes and its reservation are given back."""


class NameTaken(FinalConflict):
    """A live item of the same kind has the name (or, for a copy or restore, every
    variant of it)."""

    reason = "name_taken"
    default_message = "A file with this name already exists here."


class NameTakenByFile(FinalConflict):
    """A folder would take the name of a live file beside it."""

    reason = "name_taken_by_file"
    default_message = "A file with this name already exists here."


class NameTakenByFolder(FinalConflict):
    """A file would take the name of a live folder beside it."""

    reason = "name_taken_by_folder"
    default_message = "A folder with this name already exists here."


class FolderTrashed(FinalConflict):
    reason = "folder_trashed"
    default_message = "The destination folder was moved to the trash."


class MalformedJson(InvalidInput):
    """A body that is not UTF-8 JSON, or uses NaN/Infinity."""

    reason = "malformed_json"


class JsonTooDeep(InvalidInput):
    """Carries max_depth."""

    reason = "json_too_deep"


class InvalidCharacter(InvalidInput):
    """A string of a body holds NUL, a lone surrogate or a non-character; carries
    character ("U+XXXX")."""

    reason = "invalid_character"


class NumberOutOfRange(InvalidInput):
    reason = "number_out_of_range"
    default_message = "The body holds a number no field can take."


class FolderCycle(InvalidInput):
    reason = "folder_cycle"
    default_message = "A folder cannot be moved into itself or one of its subfolders."


class FolderTooDeep(InvalidInput):
    """Carries max_depth (KOSHA_MAX_FOLDER_DEPTH)."""

    reason = "folder_too_deep"


class FileTrashed(Conflict):
    reason = "file_trashed"
    default_message = "The file was moved to the trash."


class LastVersion(Conflict):
    reason = "last_version"
    default_message = "A file's only version cannot be deleted; move the file to the trash instead."


class NoContent(Conflict):
    reason = "no_content"
    default_message = "This file has no stored content to copy."


# --- sub-errors: the upload protocol ---------------------------------------------------------


class UploadCompleted(Conflict):
    reason = "upload_completed"
    default_message = "This upload is already complete."


class UploadIncomplete(Conflict):
    reason = "upload_incomplete"
    default_message = "Nothing has been uploaded for this session yet."


class NotMultipart(Conflict):
    reason = "not_multipart"
    default_message = "This upload is a single PUT; it has no parts."


class InvalidParts(InvalidInput):
    reason = "invalid_parts"
    default_message = "The store refused these parts; list the parts and send every one."


class SizeMismatch(VerificationFailed):
    """Carries declared_size and stored_size (bytes)."""

    reason = "size_mismatch"


class ChecksumMismatch(VerificationFailed):
    reason = "checksum_mismatch"
    default_message = "The stored bytes do not match the declared sha256."


class UploadVanished(Gone):
    reason = "upload_vanished"
    default_message = (
        "The store no longer holds this upload's parts (it was aborted in the store); start the upload again."
    )


class CursorExpired(Gone):
    reason = "cursor_expired"
    default_message = (
        "This change cursor is older than the activity log keeps; list the folders again, "
        "then follow the changes from a new cursor."
    )


# --- sub-errors: the object store ------------------------------------------------------------


class StoreBusy(StoreUnavailable):
    """The store asked to slow down or failed inside (SlowDown, 500, 503)."""

    reason = "store_busy"
    default_message = "The object store is busy. Try again in a few seconds."
    retry_after_seconds: ClassVar[int] = 5

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class StoreMisconfigured(StoreUnavailable):
    """The store refuses Kosha itself (missing bucket, refused credentials)."""

    reason = "store_misconfigured"
    default_message = (
        "The object store refuses this server's bucket or credentials. "
        "The operator must fix the storage settings; nothing was changed."
    )


class AccountDeleting(Gone):
    reason = "account_deleting"
    default_message = "This account is being deleted."


class SessionGone(Gone, abstract=True):
    """An upload session (or the session of a server-side copy) that ended without being
    recorded: one sub-error per final status, so a client can tell them apart."""

    session_status: ClassVar[str]

    @classmethod
    def for_status(cls, status: str, message: str | None = None) -> SessionGone:
        """The sub-error of this group (UploadGone or CopyGone) for a session status."""
        for sub in cls.__subclasses__():
            if sub.session_status == status:
                return sub(message)
        raise ValueError(f"No {cls.__name__} for status {status!r}.")


class UploadGone(SessionGone, abstract=True):
    pass


class UploadAborted(UploadGone):
    reason = "upload_aborted"
    session_status = "aborted"
    default_message = "This upload was aborted."


class UploadExpired(UploadGone):
    reason = "upload_expired"
    session_status = "expired"
    default_message = "This upload has expired."


class UploadFailed(UploadGone):
    reason = "upload_failed"
    session_status = "failed"
    default_message = "This upload was failed."


class CopyGone(SessionGone, abstract=True):
    pass


class CopyAborted(CopyGone):
    reason = "copy_aborted"
    session_status = "aborted"
    default_message = "This copy took too long and was cancelled."


class CopyExpired(CopyGone):
    reason = "copy_expired"
    session_status = "expired"
    default_message = "This copy took too long and was cancelled."


class CopyFailed(CopyGone):
    reason = "copy_failed"
    session_status = "failed"
    default_message = "This copy took too long and was cancelled."


# --- sub-errors: sharing -----------------------------------------------------------------------


class ReadOnly(Forbidden):
    reason = "read_only"
    default_message = "You can view this but not change it."


class OwnerOnly(Forbidden):
    reason = "owner_only"
    default_message = "Only the owner can do this."


class SharedItemFixed(Forbidden):
    reason = "shared_item_fixed"
    default_message = (
        "Only the owner can rename, move or trash the shared item itself; you can change what is inside it."
    )


class OtherSpace(InvalidInput):
    """A move between two people's spaces: an item stays in its owner's space (and quota);
    copy it instead."""

    reason = "other_space"
    default_message = "An item can only move within its owner's files; make a copy instead."


class ShareWithSelf(InvalidInput):
    reason = "share_with_self"
    default_message = "You already own this."


class AlreadyShared(Conflict):
    reason = "already_shared"
    default_message = "This is already shared with that person."


class LinksNotInPlan(InvalidInput):
    reason = "links_not_in_plan"
    default_message = "Your plan does not include share links."


class ExpiryInPast(InvalidInput):
    reason = "expiry_in_past"
    default_message = "expires_at must be in the future."


class ExpiryBeyondPlan(InvalidInput):
    """Carries max_share_days."""

    reason = "expiry_beyond_plan"


class DropNeedsFolder(InvalidInput):
    reason = "drop_needs_folder"
    default_message = "Only a folder can take dropped files."


class LinkRevoked(Conflict):
    reason = "link_revoked"
    default_message = "This link was revoked; make a new one."
