"""The shared input limits: days the app can compute with, ids the database can hold, NUL in JSON."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from rikscha.forms import DAY_OUT_OF_RANGE, DayField
from rikscha.input_guard import json_has_nul
from rikscha.limits import MAX_ID, is_id


class _DayForm(Form):
    day = DayField()


@pytest.mark.parametrize(
    ("typed", "valid"),
    [
        ("1900-01-01", True),
        ("2026-11-22", True),
        ("9000-12-31", True),
        ("1899-12-31", False),
        ("9001-01-01", False),
        ("0001-01-01", False),
        ("9999-12-31", False),
    ],
)
def test_day_field_takes_the_years_1900_to_9000(typed, valid):
    form = _DayForm(MultiDict({"day": typed}))
    assert form.validate() is valid
    assert form.day.data == date.fromisoformat(typed)
    assert form.day.errors == ([] if valid else [DAY_OUT_OF_RANGE])


def test_day_field_still_says_when_it_is_no_date_at_all():
    form = _DayForm(MultiDict({"day": "2026-02-30"}))
    assert not form.validate()
    assert form.day.data is None and form.day.errors and DAY_OUT_OF_RANGE not in form.day.errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, True),
        (MAX_ID, True),
        (0, False),
        (-1, False),
        (MAX_ID + 1, False),
        (True, False),
        ("5", False),
        (None, False),
    ],
)
def test_is_id(value, expected):
    assert is_id(value) is expected


def test_json_has_nul_looks_at_keys_values_and_any_depth():
    assert not json_has_nul({"title": "Bank", "tags": ["a", 1, None, True, 2.5], "n": {}})
    assert json_has_nul({"ti\x00tle": "Bank"})
    assert json_has_nul(["ok", {"deep": [["x\x00"]]}])
    deep = "x\x00"
    for _ in range(10_000):  # deeper than Python's recursion limit
        deep = [deep]
    assert json_has_nul(deep)
    assert not json_has_nul(None)
