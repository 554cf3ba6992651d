"""Sharing's domain errors. They follow kosha.errors (a stable code, a fixed status) and
belong there; they live here only while that module is being edited by other work."""

from kosha.errors import DomainError, InvalidInput


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
