"""The root of every domain error: `DomainError`, with its code, status and body."""

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
