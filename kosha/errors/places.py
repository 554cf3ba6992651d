"""Sub-errors about names and places: taken names, trashed folders, malformed bodies, cycles."""

from __future__ import annotations

from kosha.errors.kinds import Conflict, Gone, InvalidInput


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


class InvalidCursor(InvalidInput):
    """A list's cursor that is tampered, malformed, stale or of another list; carries
    field ("cursor"). Pages start the list again from its first page (kosha.pages)."""

    reason = "invalid_cursor"
    default_message = "This cursor is not valid here; start again from the first page."


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


class AccountDeleting(Gone):
    reason = "account_deleting"
    default_message = "This account is being deleted."
