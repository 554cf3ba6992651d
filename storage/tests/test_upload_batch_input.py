"""The batch bodies' plain validation (kosha.json_fields.JsonList with storage/api/batch.py's
_file_plain and _upload_id_plain) answers as DRF's validation of the same fields, item for
item and body for body: the value of every entry it vouches for, and DRF's own errors for
every body it does not. No database."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from storage.api import batch
from storage.api.batch import BatchCompleteInput, BatchFileInput, BatchStartInput

SHA = "ab" * 32

FILE_ENTRIES = [
    {"name": "a.txt", "size": 0},
    {"name": "", "size": 1},
    {"name": "   ", "size": 1},
    {"name": " padded ", "size": 5, "content_type": " text/plain ", "sha256": f" {SHA} "},
    {"name": "ü é 漢字 😀", "size": 2**40, "content_type": "image/png", "sha256": SHA, "on_conflict": "fail"},
    {"name": "x", "size": 5 * 2**40, "content_type": None, "sha256": None, "on_conflict": "rename"},
    {"name": "x", "size": 5 * 2**40 + 1},
    {"name": "x", "size": -1},
    {"name": "x", "size": 1.0},
    {"name": "x", "size": True},
    {"name": "x", "size": "1"},
    {"name": "x", "size": None},
    {"name": "x"},
    {"size": 1},
    {"name": None, "size": 1},
    {"name": 5, "size": 1},
    {"name": "x", "size": 1, "content_type": ""},
    {"name": "x", "size": 1, "content_type": "  "},
    {"name": "x", "size": 1, "content_type": 7},
    {"name": "x", "size": 1, "content_type": ["a/b"]},
    {"name": "x", "size": 1, "sha256": ""},
    {"name": "x", "size": 1, "sha256": False},
    {"name": "x", "size": 1, "on_conflict": "version"},
    {"name": "x", "size": 1, "on_conflict": ""},
    {"name": "x", "size": 1, "on_conflict": None},
    {"name": "x", "size": 1, "on_conflict": "VERSION"},
    {"name": "x", "size": 1, "on_conflict": 1},
    {"name": "nul\x00", "size": 1},
    {"name": "lone \ud800 surrogate", "size": 1},
    {"name": "\udfff", "size": 1},
    {"name": "x", "size": 1, "content_type": "text/\x00plain"},
    {"name": "x", "size": 1, "sha256": " \udc00 "},
    {"name": "x", "size": 1, "parent": None},
    {"name": "x", "size": 1, "content_type": "a/b", "extra": 1},
    {},
    [],
    None,
    "a.txt",
    3,
]

UPLOAD_IDS = [
    "0b7f6c1e-3f2a-4c55-9d1e-2a9b8c7d6e5f",
    "x",
    "x" * 64,
    "x" * 65,
    "",
    " ",
    " padded ",
    "ü",
    "nul\x00",
    "\ud83d",
    None,
    5,
    True,
    ["id"],
    {"id": "x"},
]


def _drf_value(field: serializers.Field, item):
    """The child's value of one item, or its error detail."""
    try:
        return "value", field.run_validation(item)
    except serializers.ValidationError as exc:
        return "error", exc.detail


def _drf_only(input_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The input class with its list's plain function vouching for nothing: DRF's own
    validation of every item."""
    fields = {}
    for name, field in input_class._declared_fields.items():
        field = copy.deepcopy(field)
        if isinstance(field, batch.JsonList):
            field.plain = lambda item: None
        fields[name] = field
    return type(f"DrfOnly{input_class.__name__}", (input_class,), fields)


DRF_START, DRF_COMPLETE = _drf_only(BatchStartInput), _drf_only(BatchCompleteInput)


def _answer(input_class, body):
    data = input_class(data=body)
    if data.is_valid():
        return "valid", data.validated_data
    return "invalid", data.errors


def test_each_file_entry_vouched_for_is_drfs_value_and_the_rest_are_left_to_drf():
    vouched = 0
    for item in FILE_ENTRIES:
        plain = batch._file_plain(copy.deepcopy(item))
        drf = _drf_value(BatchFileInput(), copy.deepcopy(item))
        if plain is not None:
            vouched += 1
            assert drf == ("value", plain), item
            assert list(plain) == list(drf[1]), item  # the same keys, in the same order
    assert vouched == 10


def test_each_upload_id_vouched_for_is_drfs_value_and_the_rest_are_left_to_drf():
    child = BatchCompleteInput._declared_fields["uploads"].child
    for item in UPLOAD_IDS:
        plain = batch._upload_id_plain(item)
        drf = _drf_value(copy.deepcopy(child), item)
        if plain is not None:
            assert drf == ("value", plain), item
        else:
            assert item in ("x" * 65, "", "nul\x00", "\ud83d", None, 5, True, ["id"], {"id": "x"}), item


def test_whole_bodies_answer_as_drf_answers_them():
    good = [entry for entry in FILE_ENTRIES if batch._file_plain(copy.deepcopy(entry)) is not None]
    bad = [entry for entry in FILE_ENTRIES if batch._file_plain(copy.deepcopy(entry)) is None]
    bodies = [
        {"files": good},
        {"folder": None, "files": good[:1]},
        {"files": good + bad[:1]},
        {"files": bad + good},
        {"files": []},
        {"files": good * 60},  # over the batch's 500 files
        {"files": bad * 60},  # item errors and too many files: DRF's order of the two
        {"files": "a"},
        {"files": None},
        {"folder": "nope", "files": good},
        {"files": good, "parent": 1},
    ]
    for body in bodies:
        assert _answer(BatchStartInput, copy.deepcopy(body)) == _answer(DRF_START, copy.deepcopy(body)), body
    for ids in ([item for item in UPLOAD_IDS if batch._upload_id_plain(item)], UPLOAD_IDS, [], ["x"] * 501):
        body = {"uploads": ids}
        assert _answer(BatchCompleteInput, copy.deepcopy(body)) == _answer(DRF_COMPLETE, copy.deepcopy(body)), ids


_texts = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " ", " a/b ", SHA, "version", "rename", "fail", "\x00", "\ud800", "a\udfffb"]),
)
_values = st.one_of(
    _texts,
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=2**43),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=1),
)
_entries = st.one_of(
    st.dictionaries(st.sampled_from(sorted(batch._FILE_FIELDS) + ["other"]), _values, max_size=6),
    st.fixed_dictionaries(
        {"name": _texts, "size": st.integers(min_value=-1, max_value=2**43)},
        optional={"content_type": st.one_of(st.none(), _texts), "sha256": st.one_of(st.none(), _texts)}
        | {"on_conflict": st.one_of(st.none(), _texts)},
    ),
    _values,
)


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(_entries, min_size=0, max_size=4))
def test_random_batches_answer_as_drf_answers_them(entries):
    body = {"files": entries}
    assert _answer(BatchStartInput, copy.deepcopy(body)) == _answer(DRF_START, copy.deepcopy(body))
    for entry in entries:
        plain = batch._file_plain(copy.deepcopy(entry))
        if plain is not None:
            drf = _drf_value(BatchFileInput(), copy.deepcopy(entry))
            assert drf == ("value", plain) and list(plain) == list(drf[1]), entry
