"""Input every door must refuse, one list per kind, so each endpoint that takes it is
tested against the same cases."""

import pytest

# Names the name rule (storage/names.py) refuses, as JSON can carry them: each is answered
# 400 "invalid_name" with nothing changed. NUL never reaches the rule through JSON (the body
# guard refuses it in any string, kosha/tests/test_json_guard.py); storage/tests/test_names.py
# checks the rule itself, NUL and format characters included.
_BAD_NAMES_BY_CASE = {
    "empty": "",
    "dot": ".",
    "dotdot": "..",
    "slash": "a/b",
    "backslash": "a\\b",
    "tab": "tab\there",
    "newline": "a\nb",
    "control": "x\x01",
    "unit-separator": "a\x1fb",
    "delete": "a\x7fb",
    "leading-space": " leading",
    "trailing-space": "trailing ",
    "over-255-bytes": "é" * 128,
    "null": None,
    "number": 42,
    "list": ["a"],
}
BAD_NAMES = [pytest.param(name, id=case) for case, name in _BAD_NAMES_BY_CASE.items()]
