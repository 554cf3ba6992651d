"""The kinds of domain error: each names itself in `code` and has its own HTTP status."""

from __future__ import annotations

from typing import ClassVar

from kosha.errors.base import DomainError


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


class DatabaseBusy(DomainError):
    """The database gave up this request's transaction to let another one finish: a
    deadlock victim or a serialization failure on PostgreSQL (SQLSTATE 40P01, 40001), or
    SQLite's write lock not free within its timeout. Nothing was changed (the transaction
    rolled back) and the same request can succeed at once, so the answer is 503 with
    Retry-After (RFC 9110, 15.6.4 and 10.2.3), which clients retry."""

    code = "database_busy"
    status = 503
    default_message = "Another change to the same items was being saved; nothing was changed. Try again."
    retry_after_seconds: ClassVar[int] = 1

    @property
    def extra_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class BodyTooLarge(DomainError):
    """The request body is over the limit (carries limit_bytes)."""

    code = "too_large"
    status = 413
    default_message = "The request body is too large."


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
