"""Domain errors shared by every app, each with a stable `code` and an HTTP status.

Services raise these; `kosha.api.exception_handler` maps them to
`{"error": {"code", "message", ...details}}` and pages turn them into form errors.
"""

from typing import Any


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


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
    code = "store_unavailable"
    status = 503
    default_message = "The object store is unreachable. Try again shortly."


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
    code = "rate_limited"
    status = 429
    default_message = "Too many attempts. Try again later."


class PasswordRequired(DomainError):
    code = "password_required"
    status = 403
    default_message = "Open this link with its password first."
