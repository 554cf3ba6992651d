"""A complete's answer (single or batch) is built from the file's plain values
(storage.api.serializers.file_json), not through FileOutput: here both give the same
bytes, for files at the root and in a folder, new and versioned, in several time zones,
and the API's answers are those bytes for the rows the database then holds."""

import hashlib
import os

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from kosha.testing import factories
from storage.api.serializers import FileOutput, file_json
from storage.models import File
from storage.tests.protocol import ProtocolClient

pytestmark = pytest.mark.django_db


def _render(body) -> bytes:
    return JSONRenderer().render(body)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_a_files_json_is_what_its_serializer_gives(local_settings, owner, zone):
    folder = factories.folder(owner, "Fotos ✓")
    at_root = factories.stored_file(owner, "notes.txt", b"a note")
    in_folder = factories.stored_file(owner, 'quote " é.jpg', b"jpg", folder=folder, content_type="image/jpeg")
    versioned = factories.stored_version(factories.stored_file(owner, "v.bin", b"1"), b"22").file
    files = [at_root, in_folder, versioned, File.objects.select_related("current_version").get(pk=versioned.pk)]

    with timezone.override(zone):
        assert [_render(file_json(file)) for file in files] == [_render(FileOutput(file).data) for file in files]

    assert [file_json(file)["version"] for file in files] == [1, 1, 2, 2]
    assert file_json(in_folder)["folder"] == str(folder.pk)


def _stored_answer(file_id) -> bytes:
    return _render(FileOutput(File.objects.select_related("current_version").get(pk=file_id)).data)


@pytest.mark.parametrize("store_name", ["local", "moto"])
def test_completes_answer_the_recorded_files_as_their_serializer_writes_them(protocol: ProtocolClient, owner):
    data = {f"batch {number}.bin": os.urandom(100 + number) for number in range(3)}
    factories.stored_file(owner, "batch 0.bin", b"old")  # the first becomes version 2
    described = [
        {"name": name, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()} for name, body in data.items()
    ]
    started = protocol.batch_start(described).json()["files"]
    batch = protocol.batch_complete(protocol.batch_put(started, data))
    single = protocol.upload("single.bin", b"single")

    assert batch.status_code == 200 and single.status_code == 200
    for answer in batch.json()["uploads"]:
        file_id = answer["file"]["id"]
        assert _render(answer["file"]) == _stored_answer(file_id)
    assert [answer["file"]["version"] for answer in batch.json()["uploads"]] == [2, 1, 1]
    assert single.content == _stored_answer(single.json()["id"])
