"""Typed input fields of the storage API, parsed at the edge with the domain's own rules.

Each field has a real JSON type and its bounds (so the schema shows them: type, required,
maxLength, minimum/maximum, enum, pattern) and cleans with the same function the
service uses (storage.names.name_clean, the upload start's cleaners), so a bad value is
refused with the same error code (`invalid_name`, `invalid` with `field`) whichever door
it came through, and the service receives a typed, clean value. A cleaner's domain error
propagates out of `is_valid` to kosha.api.exception_handler unchanged.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any

from django.conf import settings
from rest_framework import serializers

from kosha.api import validation_flatten
from kosha.errors import InvalidInput
from kosha.integers import JsonIntegerField
from kosha.json_fields import JsonChoiceField, JsonInput, JsonTextField
from kosha.schema.bodies import NOT_TEXT, character_class, whitespace
from plans.services import STORE_MAX_OBJECT_BYTES
from storage.models import UploadSession
from storage.names import MAX_NAME_BYTES, name_clean
from storage.services.uploads.start import (
    CONTENT_TYPE,
    MAX_CONTENT_TYPE_CHARS,
    MAX_PARTS,
    SHA256_HEX,
    content_type_clean,
    sha256_clean,
    upload_size_clean,
)


class _CleanedMixin:
    """A field whose value is cleaned by a domain function (which raises the domain
    error); null on a non-nullable field goes to the cleaner too, so its message and
    code are the domain's own ("A name must be a string." as `invalid_name`)."""

    cleaner: Callable[[Any], Any]

    def validate_empty_values(self, data):
        if data is None and not self.allow_null:  # type: ignore[attr-defined]
            type(self).cleaner(None)
        return super().validate_empty_values(data)  # type: ignore[misc]

    def to_internal_value(self, data):
        return type(self).cleaner(data)


@functools.cache
def name_pattern() -> str:
    """name_clean's rule as a regular expression, for the schema: no "/" or "\\", no
    control, format (Cf) or non-text character, no space first or last, not "." or "..".
    (name_clean also lets a joiner stand in an emoji sequence, which this refuses, and
    counts the 255 in UTF-8 bytes, which maxLength counts in characters.)"""
    space = whitespace()
    formats = character_class(lambda character: unicodedata.category(character) == "Cf")
    refused = rf"/\\\x00-\x1f\x7f-\x9f\u2028\u2029{NOT_TEXT}{formats}"
    return rf"^(?![{space}])(?!\.\.?$)[^{refused}]*(?<![{space}])$"


class NameField(_CleanedMixin, serializers.CharField):
    """A file or folder name: text of 1 to 255 UTF-8 bytes, NFC-normalised, no "/" or
    "\\", no control or invisible format characters, no leading or trailing space."""

    cleaner = staticmethod(name_clean)
    schema_pattern = staticmethod(name_pattern)

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            f"1 to {MAX_NAME_BYTES} bytes of UTF-8; no “/”, “\\”, control or invisible format characters,"
            " no leading or trailing space; stored NFC-normalised.",
        )
        super().__init__(min_length=1, max_length=MAX_NAME_BYTES, trim_whitespace=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "":  # name_clean says "A name cannot be empty." as `invalid_name`
            name_clean(data)
        return super().run_validation(data)


class FolderRefField(serializers.UUIDField):
    """A folder's id (a JSON string); null, where allowed, is the root of the caller's own
    space. A string that is no UUID is passed on as it is: sharing.access answers it like
    any id that names no folder the caller may see, 404 with `field`."""

    def to_internal_value(self, data):
        # "" is no id (null is the root): refused, where sharing.access would read it as the root.
        if not isinstance(data, str) or not data:
            self.fail("invalid", value=data)
        return data


class SizeField(_CleanedMixin, JsonIntegerField):
    """A size in bytes: a whole JSON number from 0 to 5 TiB (the store's object limit)."""

    cleaner = staticmethod(upload_size_clean)

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Bytes.")
        super().__init__(min_value=0, max_value=STORE_MAX_OBJECT_BYTES, **kwargs)


def _content_type_pattern() -> str:
    # content_type_clean's: empty, or type/subtype, then any parameters after ";".
    return rf"^(?:|{CONTENT_TYPE.pattern[1:-1]}(?:;[^{NOT_TEXT}]*)?)$"


class ContentTypeField(_CleanedMixin, JsonTextField):
    cleaner = staticmethod(content_type_clean)
    schema_pattern = staticmethod(_content_type_pattern)

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            f"A MIME type such as text/plain, at most {MAX_CONTENT_TYPE_CHARS} characters with any parameters"
            " (which are dropped). Absent, null or empty: application/octet-stream.",
        )
        # content_type_clean checks the raw value's length; max_length puts it in the schema.
        super().__init__(max_length=MAX_CONTENT_TYPE_CHARS, allow_blank=True, allow_null=True, required=False, **kwargs)


class Sha256Field(_CleanedMixin, JsonTextField):
    cleaner = staticmethod(sha256_clean)
    schema_pattern = staticmethod(lambda: rf"^(?:{SHA256_HEX.pattern[1:-1]})?$")

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The file's SHA-256 as 64 hexadecimal characters; the store checks it.")
        super().__init__(max_length=64, allow_blank=True, allow_null=True, required=False, **kwargs)


class UploadStartInput(JsonInput):
    name = NameField()
    size = SizeField()
    folder = FolderRefField(
        required=False, allow_null=True, help_text="Where the file lands; absent or null: the root of your space."
    )
    content_type = ContentTypeField()
    sha256 = Sha256Field()
    on_conflict = JsonChoiceField(
        choices=UploadSession.OnConflict.choices,
        required=False,
        allow_null=True,
        help_text="When a live file has the name: add a version (default), rename the new one, or fail (409).",
    )


class DropUploadStartInput(JsonInput):
    """An anonymous start through a drop link: where is the link's folder, and a dropper
    never chooses what happens on a name clash (a taken name gets "(2)")."""

    name = NameField()
    size = SizeField()
    content_type = ContentTypeField()
    sha256 = Sha256Field()


def _part_number(**kwargs) -> JsonIntegerField:
    return JsonIntegerField(min_value=1, max_value=MAX_PARTS, **kwargs)


class PartsInput(JsonInput):
    numbers = serializers.ListField(
        child=_part_number(),
        min_length=1,
        max_length=settings.KOSHA_PART_URL_BATCH_MAX,
        help_text="Part numbers to sign, from 1 to the upload's part_count.",
    )


class CompletedPartInput(JsonInput):
    number = _part_number()
    etag = JsonTextField(max_length=1024, help_text="The ETag the store answered to the part's PUT.")


class CompleteInput(JsonInput):
    parts = serializers.ListField(
        child=CompletedPartInput(),
        required=False,
        allow_null=True,
        max_length=MAX_PARTS,
        # The web app sends [] for a single PUT: absent, null and [] all mean "no parts".
        help_text="A multipart upload's parts, numbers 1 to part_count in order; absent, null or [] for a single PUT.",
    )


class FileUpdateInput(JsonInput):
    name = NameField(required=False)
    folder = FolderRefField(required=False, allow_null=True, help_text="Move here; null: the root of your space.")


class FileCopyInput(JsonInput):
    folder = FolderRefField(
        required=False,
        allow_null=True,
        help_text="Absent: the source's folder; null: the root of your space.",
    )
    name = NameField(required=False, allow_null=True, help_text="Absent or null: the source's name.")


class FolderCreateInput(JsonInput):
    name = NameField()
    parent = FolderRefField(required=False, allow_null=True, help_text="Absent or null: the root of your space.")


class FolderCopyInput(JsonInput):
    parent = FolderRefField(
        required=False, allow_null=True, help_text="Absent: beside the source; null: the root of your space."
    )
    name = NameField(required=False, allow_null=True, help_text="Absent or null: the source's name.")


class FolderUpdateInput(JsonInput):
    name = NameField(required=False)
    parent = FolderRefField(required=False, allow_null=True, help_text="Move here; null: the root of your space.")
    # The name the deprecated /api/v1/shared/folders/<id>/ route gave `parent`; one release.
    folder = FolderRefField(required=False, allow_null=True, help_text="Deprecated: use parent.")

    def validate(self, attrs):
        # The deprecated name counts as `parent` (which wins when a body has both).
        if "folder" in attrs:
            attrs.setdefault("parent", attrs.pop("folder"))
        return attrs


def input_clean(serializer_class: type[serializers.Serializer], data: dict) -> dict:
    """`data` (a parsed JSON object) validated by serializer_class, for the views outside
    DRF (the drop link's): the typed values. Raises InvalidInput (`field` and `fields`,
    as kosha.api shapes a DRF validation error) or a field cleaner's domain error."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        message, details = validation_flatten(serializer.errors)
        raise InvalidInput(message, **details)
    return dict(serializer.validated_data)
