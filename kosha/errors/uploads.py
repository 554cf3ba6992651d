"""Sub-errors of the upload protocol, and of upload and copy sessions that ended unrecorded."""

from __future__ import annotations

from typing import ClassVar

from kosha.errors.kinds import Conflict, Gone, InvalidInput, VerificationFailed


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
    default_message = "This upload failed before it was recorded; start it again."


class CopyGone(SessionGone, abstract=True):
    pass


class CopyAborted(CopyGone):
    """Its session was cancelled meanwhile (Settings, Unfinished uploads; or the account's deletion)."""

    reason = "copy_aborted"
    session_status = "aborted"
    default_message = "This copy was cancelled before it finished; nothing was copied."


class CopyExpired(CopyGone):
    """Its session outlived KOSHA_UPLOAD_SESSION_HOURS and the sweeper ended it."""

    reason = "copy_expired"
    session_status = "expired"
    default_message = "This copy took too long and was cancelled; nothing was copied."


class CopyFailed(CopyGone):
    """Its session was failed meanwhile (its destination folder was deleted from the trash)."""

    reason = "copy_failed"
    session_status = "failed"
    default_message = (
        "This copy failed before it was recorded (its destination folder may have been deleted); nothing was copied."
    )
