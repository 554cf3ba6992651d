"""Batch uploads: start and complete many files of one folder in one request each.

The answer holds one entry per file, in request order, with the status and the body
the single-file request would have answered: one bad file never fails the batch. A
body that is not a batch (malformed, over KOSHA_UPLOAD_BATCH_MAX files) is a 400 and
changes nothing.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kosha.errors import DomainError, NotFound
from kosha.integers import JsonIntegerField
from kosha.json_fields import JsonChoiceField, JsonInput, JsonList, JsonTextField, JsonUuidField, text_plain
from kosha.origin import Origin
from kosha.throttles import UserRateThrottle
from plans.services import STORE_MAX_OBJECT_BYTES
from sharing.access import Need, place_for_actor, uploads_for_actor
from storage.api.serializers import FileOutput, file_json, upload_start_body
from storage.api.times import times_json
from storage.models import UploadSession
from storage.services.uploads.batch import uploads_complete_batch, uploads_start_batch


def _batch_list(child: serializers.Field, plain: Callable[[Any], Any | None]) -> JsonList:
    """One to KOSHA_UPLOAD_BATCH_MAX entries (the schema gives both bounds), each taken by
    `plain` when it vouches for it (kosha.json_fields.JsonList)."""
    return JsonList(
        plain=plain,
        child=child,
        min_length=1,
        max_length=settings.KOSHA_UPLOAD_BATCH_MAX,
        error_messages={
            "min_length": "A batch holds at least one file.",
            "max_length": "A batch holds at most {max_length} files; send the rest in another batch.",
        },
    )


class BatchFileInput(JsonInput):
    # Typed here; the rules of a name, a MIME type and a checksum, their lengths among
    # them, are the service's (the single start's cleaners), and what breaks them is that
    # file's error, not the batch's. No length bound here, then: the body's size bounds
    # every string (DATA_UPLOAD_MAX_MEMORY_SIZE, 413 before parsing: kosha/json_body.py),
    # and no cleaner spends more on an over-long value than one pass of C code over it
    # (name_clean refuses a name longer than any name can be before its per-character work).
    name = JsonTextField(trim_whitespace=False, allow_blank=True)
    size = JsonIntegerField(min_value=0, max_value=STORE_MAX_OBJECT_BYTES, help_text="Bytes.")
    content_type = JsonTextField(required=False, allow_blank=True, allow_null=True)
    sha256 = JsonTextField(
        required=False, allow_blank=True, allow_null=True, help_text="Hex digest; the store checks it."
    )
    on_conflict = JsonChoiceField(choices=UploadSession.OnConflict.choices, required=False)


_FILE_FIELDS = frozenset(BatchFileInput._declared_fields)
_ON_CONFLICT = BatchFileInput._declared_fields["on_conflict"].choice_strings_to_values


def _file_plain(item: object) -> dict | None:
    """BatchFileInput's validated value of a file entry in the common shape, built
    without DRF's per-field calls, or None for any entry it does not vouch for (then
    DRF's validation decides, errors and all). It vouches for an object of declared keys
    only, with `name` a string (as sent: no trimming; blank allowed), `size` a JSON whole
    number from 0 to STORE_MAX_OBJECT_BYTES, `content_type` and `sha256` absent, null or
    a string (trimmed, as their fields trim: blank allowed), `on_conflict` absent or one
    of its choices, and no text holding a NUL or a surrogate (the fields' validators). The
    value holds the keys sent, in the fields' order, as DRF's does. No I/O."""
    if type(item) is not dict or not item.keys() <= _FILE_FIELDS:
        return None
    name, size = item.get("name"), item.get("size")
    if type(name) is not str or type(size) is not int or not 0 <= size <= STORE_MAX_OBJECT_BYTES:
        return None
    if name and not text_plain(name):
        return None
    value: dict[str, Any] = {"name": name, "size": size}
    for key in ("content_type", "sha256"):
        if key in item:
            text = item[key]
            if text is not None:
                if type(text) is not str:
                    return None
                text = text.strip()
                if text and not text_plain(text):
                    return None
            value[key] = text
    if "on_conflict" in item:
        choice = item["on_conflict"]
        if type(choice) is not str or choice not in _ON_CONFLICT:
            return None
        value["on_conflict"] = _ON_CONFLICT[choice]
    return value


class BatchStartInput(JsonInput):
    folder = JsonUuidField(required=False, allow_null=True, help_text="Absent or null: the root of your space.")
    files = _batch_list(BatchFileInput(), _file_plain)


class BatchErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    reason = serializers.CharField(required=False)


class BatchStartedUploadOutput(serializers.Serializer):
    id = serializers.UUIDField()
    strategy = serializers.ChoiceField(choices=UploadSession.Strategy.choices)
    expires_at = serializers.DateTimeField()
    url = serializers.CharField(required=False, help_text="single: PUT the bytes here.")
    method = serializers.CharField(required=False)
    headers = serializers.DictField(child=serializers.CharField(), required=False)
    part_size = serializers.IntegerField(required=False, help_text="multipart: bytes per part.")
    part_count = serializers.IntegerField(required=False)


class BatchStartResultOutput(serializers.Serializer):
    name = serializers.CharField(help_text="The name as sent.")
    status = serializers.IntegerField(help_text="What the single start would answer: 201, or its error status.")
    upload = BatchStartedUploadOutput(required=False)
    error = BatchErrorOutput(required=False)


class BatchStartOutput(serializers.Serializer):
    files = BatchStartResultOutput(many=True)


_UPLOAD_ID_MAX_CHARS = 64


def _upload_id_plain(item: object) -> str | None:
    """The upload id field's value of an entry it vouches for (a string of 1 to 64
    characters, no NUL, no surrogate: the id as sent), else None (DRF decides). No I/O."""
    if type(item) is str and 0 < len(item) <= _UPLOAD_ID_MAX_CHARS and text_plain(item):
        return item
    return None


class BatchCompleteInput(JsonInput):
    # Ids as sent: one that names no upload of yours is that entry's 404, never trimmed or empty.
    uploads = _batch_list(
        JsonTextField(min_length=1, max_length=_UPLOAD_ID_MAX_CHARS, trim_whitespace=False), _upload_id_plain
    )


class BatchCompleteResultOutput(serializers.Serializer):
    id = serializers.CharField(help_text="The upload id as sent.")
    status = serializers.IntegerField(help_text="What the single complete would answer: 200, or its error status.")
    file = FileOutput(required=False)
    error = BatchErrorOutput(required=False)


class BatchCompleteOutput(serializers.Serializer):
    uploads = BatchCompleteResultOutput(many=True)


class UploadBatchThrottle(UserRateThrottle):
    """Batch requests per user, on top of the general per-user rate (kosha/settings/api.py)."""

    scope = "upload_batch"


def _failed(error: DomainError) -> dict:
    return {"status": error.status, "error": error.as_dict()}


class UploadBatchView(APIView):
    throttle_classes = [UserRateThrottle, UploadBatchThrottle]

    @extend_schema(
        operation_id="uploads_batch_create",
        request=BatchStartInput,
        responses={200: BatchStartOutput},
        description="Start up to KOSHA_UPLOAD_BATCH_MAX (500) uploads into one folder (one of yours or one "
        "shared with you as editor; its owner's quota applies). One entry per file, in order: `upload` as "
        "POST /api/v1/uploads/ answers (a PUT URL, or multipart part size and count), or `error` with the "
        "status and body the single start would give (invalid name, name taken, too large, storage full, "
        "too many files). Quota is decided file by file in order: a file that does not fit is refused and "
        "a later smaller one may still fit. A malformed body or too many files: 400, nothing started.",
    )
    def post(self, request):
        data = BatchStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        place = place_for_actor(actor=request.user, folder_id=payload.get("folder"), need=Need.EDIT, field="folder")
        files = payload["files"]
        started = uploads_start_batch(
            actor=request.user,
            place=place,
            files=[
                {
                    "name": item["name"],
                    "size_bytes": item["size"],
                    "content_type": item.get("content_type"),
                    "sha256": item.get("sha256"),
                    "on_conflict": item.get("on_conflict"),
                }
                for item in files
            ],
        )
        answers = [
            {
                "name": item["name"],
                **(
                    _failed(result)
                    if isinstance(result, DomainError)
                    else {
                        "status": status.HTTP_201_CREATED,
                        "upload": upload_start_body(request, result),
                    }
                ),
            }
            for item, result in zip(files, started, strict=True)
        ]
        return Response({"files": answers})


class UploadBatchCompleteView(APIView):
    throttle_classes = [UserRateThrottle, UploadBatchThrottle]

    @extend_schema(
        operation_id="uploads_batch_complete",
        request=BatchCompleteInput,
        responses={200: BatchCompleteOutput},
        description="Complete up to KOSHA_UPLOAD_BATCH_MAX (500) single-PUT uploads: each object is "
        "verified in the store (one listing for the objects a listing can vouch for, a HEAD of each other one, "
        "in parallel), then every verified one is recorded in one transaction. One entry per id, in order: `file` as the single complete answers, or `error` with its status (404 for an id that "
        "is unknown or not yours, 409 incomplete, 422 size or checksum mismatch, 410 gone...). Idempotent: "
        "completing again answers the same file. Multipart uploads complete alone, with their parts.",
    )
    def post(self, request):
        data = BatchCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["uploads"]
        reached = uploads_for_actor(actor=request.user, upload_ids=ids, need=Need.EDIT)
        unique = list({upload.pk: upload for upload in reached.values()}.values())
        done = uploads_complete_batch(actor=request.user, uploads=unique, origin=Origin.of_api(request))
        results = [
            done[reached[raw].pk] if raw in reached else NotFound("Upload not found.", resource="upload") for raw in ids
        ]
        # FileOutput's JSON from plain values (file_json), the time format read once.
        time_json = times_json()
        answers = [
            {"id": raw, **_failed(result)}
            if isinstance(result, DomainError)
            else {"id": raw, "status": status.HTTP_200_OK, "file": file_json(result.file, time_json)}
            for raw, result in zip(ids, results, strict=True)
        ]
        return Response({"uploads": answers})
