"""The domain errors are a contract with clients: one package, importable from its top, one unique code each."""

import gc
import importlib
import pkgutil

import pytest

from kosha import errors
from kosha.api import error_json
from kosha.errors import (
    Conflict,
    CopyAborted,
    CopyExpired,
    CopyFailed,
    CopyGone,
    DomainError,
    FinalConflict,
    FolderTrashed,
    InvalidCursor,
    NameTaken,
    NameTakenByFolder,
    NumberOutOfRange,
    RateLimited,
    SizeMismatch,
    UploadAborted,
    UploadCompleted,
    UploadExpired,
    UploadFailed,
    UploadGone,
    VerificationFailed,
)

PROJECT_PACKAGES = ("kosha", "accounts", "plans", "storage", "sharing", "activity")


def _import_project_modules() -> None:
    """Import every module of the project (tests and migrations aside), so that an error
    class defined anywhere shows up among DomainError's subclasses."""
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if ".tests" in module.name or ".migrations" in module.name or module.name.endswith(("asgi", "wsgi")):
                continue
            importlib.import_module(module.name)


def _every_error_class() -> list[type[DomainError]]:
    gc.collect()  # classes a test refused to define must not linger as subclasses
    found, pending = [], [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _identity(cls: type[DomainError]) -> str:
    """What a client tells the error by: a kind's code, a sub-error's reason."""
    return cls.reason or cls.code


def test_every_domain_error_lives_in_kosha_errors():
    _import_project_modules()

    classes = _every_error_class()
    elsewhere = [
        f"{cls.__module__}.{cls.__name__}" for cls in classes if cls.__module__.rpartition(".")[0] != errors.__name__
    ]
    not_exported = [cls.__name__ for cls in classes if getattr(errors, cls.__name__, None) is not cls]

    assert elsewhere == []
    assert not_exported == []


def test_every_error_code_and_reason_is_unique():
    _import_project_modules()
    concrete = [cls for cls in _every_error_class() if not cls.abstract]

    identities = [_identity(cls) for cls in concrete]

    assert len(concrete) > 40
    assert sorted(identities) == sorted(set(identities)), [i for i in identities if identities.count(i) > 1]


# Errors that say the same thing because the same thing is true: a file's name is taken,
# whether a file or a folder wanted it.
SAME_MESSAGE_ON_PURPOSE = {frozenset({"name_taken", "name_taken_by_file"})}


def test_no_two_errors_share_a_message_of_their_own():
    """A message pasted from a neighbour (three copy statuses that all "took too long", a
    cursor error that spoke of numbers) tells a client the wrong story."""
    _import_project_modules()
    by_message: dict[str, set[str]] = {}
    for cls in _every_error_class():
        if not cls.abstract and "default_message" in vars(cls):
            by_message.setdefault(cls.default_message, set()).add(_identity(cls))

    shared = {frozenset(names) for names in by_message.values() if len(names) > 1}

    assert shared <= SAME_MESSAGE_ON_PURPOSE, shared


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (CopyAborted(), "cancelled before it finished"),
        (CopyExpired(), "took too long"),
        (CopyFailed(), "failed before it was recorded"),
        (UploadFailed(), "failed before it was recorded"),
        (InvalidCursor(), "cursor"),
        (NumberOutOfRange(), "number"),
    ],
)
def test_an_error_says_what_happened(error, says):
    assert says in error.message


def test_a_session_that_ended_unrecorded_is_told_by_its_own_message():
    messages = {status: UploadGone.for_status(status).message for status in ("aborted", "expired", "failed")}
    copies = {status: CopyGone.for_status(status).message for status in ("aborted", "expired", "failed")}

    assert messages == {
        "aborted": "This upload was aborted.",
        "expired": "This upload has expired.",
        "failed": "This upload failed before it was recorded; start it again.",
    }
    assert all("copy" in message and "nothing was copied" in message for message in copies.values())
    assert len(set(copies.values())) == 3


def test_a_class_that_names_neither_a_code_nor_a_reason_is_refused():
    with pytest.raises(TypeError):

        class Nameless(Conflict):
            pass

    with pytest.raises(TypeError):

        class Both(Conflict):
            code = "both"
            reason = "both"


def test_a_sub_error_answers_with_its_kinds_code_and_names_itself_in_reason():
    error = NameTaken(name="a.txt")

    assert isinstance(error, Conflict)
    assert error.code == "conflict"
    assert error.status == 409
    assert error.details["reason"] == "name_taken"
    assert error.as_dict() == {
        "code": "conflict",
        "message": "A file with this name already exists here.",
        "reason": "name_taken",
        "name": "a.txt",
    }


def test_a_kind_has_no_reason_in_its_body():
    assert Conflict("Nope.").as_dict() == {"code": "conflict", "message": "Nope."}


def test_details_follow_the_reason_and_keep_their_values():
    error = SizeMismatch("Wrong size.", declared_size=5, stored_size=4)

    assert isinstance(error, VerificationFailed)
    assert error.as_dict() == {
        "code": "verification_failed",
        "message": "Wrong size.",
        "reason": "size_mismatch",
        "declared_size": 5,
        "stored_size": 4,
    }


def test_final_conflicts_are_the_ones_a_retry_cannot_resolve():
    assert isinstance(NameTaken(), FinalConflict)
    assert isinstance(NameTakenByFolder(), FinalConflict)
    assert isinstance(FolderTrashed(), FinalConflict)
    assert not isinstance(UploadCompleted(), FinalConflict)
    assert not isinstance(Conflict(), FinalConflict)


@pytest.mark.parametrize(
    ("status", "expected"), [("aborted", UploadAborted), ("expired", UploadExpired), ("failed", UploadFailed)]
)
def test_a_session_status_maps_to_its_own_gone_error(status, expected):
    error = UploadGone.for_status(status, f"This upload was {status}.")

    assert type(error) is expected
    assert error.as_dict() == {"code": "gone", "message": f"This upload was {status}.", "reason": f"upload_{status}"}


def test_a_copy_session_status_maps_to_a_copy_error():
    error = CopyGone.for_status("expired")

    assert type(error) is CopyExpired
    assert error.details == {"reason": "copy_expired"}


def test_a_status_without_an_error_is_a_programming_error():
    with pytest.raises(ValueError, match="pending"):
        UploadGone.for_status("pending")


def test_rate_limited_carries_retry_after_as_a_header_only_when_known():
    assert RateLimited(retry_after=30).extra_headers == {"Retry-After": "30"}
    assert RateLimited().extra_headers == {}
    assert NameTaken().extra_headers == {}


def test_error_json_shapes_body_status_and_headers():
    response = error_json(RateLimited(retry_after=12))

    assert response.status_code == 429
    assert response["Retry-After"] == "12"
    assert response["Content-Type"] == "application/json"
    assert response.content == (
        b'{"error": {"code": "rate_limited", "message": "Too many attempts. Try again later.", "retry_after": 12}}'
    )
