"""Report periods in the office's zone, and the median (pure functions, no app)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rikscha.reports import periods

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        (periods.month(2026, 2), date(2026, 2, 1), date(2026, 2, 28)),
        (periods.month(2028, 2), date(2028, 2, 1), date(2028, 2, 29)),
        (periods.month(2026, 12), date(2026, 12, 1), date(2026, 12, 31)),
        (periods.quarter(2026, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (periods.quarter(2026, 4), date(2026, 10, 1), date(2026, 12, 31)),
        (periods.year(2026), date(2026, 1, 1), date(2026, 12, 31)),
        (periods.custom(date(2026, 3, 5), date(2026, 3, 5)), date(2026, 3, 5), date(2026, 3, 5)),
    ],
)
def test_period_days(period, first, last):
    assert (period.first, period.last) == (first, last)


def test_utc_bounds_follow_the_office_zone_and_summer_time():
    assert periods.month(2026, 11).utc_bounds(BERLIN) == (
        datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
    )
    # March 2026: starts in winter time (UTC+1), ends in summer time (UTC+2).
    assert periods.month(2026, 3).utc_bounds(BERLIN) == (
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
    )
    assert periods.year(2026).utc_bounds(ZoneInfo("UTC"))[1] == datetime(2027, 1, 1, tzinfo=UTC)


def test_last_complete_month():
    assert periods.last_complete_month(date(2026, 11, 21)) == periods.month(2026, 10)
    assert periods.last_complete_month(date(2027, 1, 1)) == periods.month(2026, 12)


def test_months_are_cut_to_the_period():
    months = periods.custom(date(2026, 11, 15), date(2027, 1, 10)).months()
    assert [(m.kind, m.first, m.last) for m in months] == [
        ("custom", date(2026, 11, 15), date(2026, 11, 30)),
        ("month", date(2026, 12, 1), date(2026, 12, 31)),
        ("custom", date(2027, 1, 1), date(2027, 1, 10)),
    ]
    assert len(periods.year(2026).months()) == 12
    assert periods.quarter(2026, 2).quarter == 2


def test_invalid_periods():
    with pytest.raises(ValueError):
        periods.quarter(2026, 5)
    with pytest.raises(ValueError):
        periods.custom(date(2026, 3, 5), date(2026, 3, 4))
    with pytest.raises(ValueError):
        periods.custom(date(2020, 1, 1), date(2026, 1, 1))
    with pytest.raises(ValueError):
        periods.Period("week", date(2026, 1, 1), date(2026, 1, 7))


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([5], 5), ([3, 1], 2), ([1, 2.5, 4], 2.5), ([7, 1, 4, 2.5], 3.25)],
)
def test_median(values, expected):
    assert periods.median(values) == expected


@pytest.mark.parametrize(
    ("count", "window"), [(0, (0, 0)), (1, (0, 1)), (2, (0, 2)), (3, (1, 1)), (4, (1, 2))]
)
def test_middle_window(count, window):
    assert periods.middle_window(count) == window


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1))
def test_median_splits_the_values(values):
    middle = periods.median(values)
    assert sum(v < middle for v in values) <= len(values) // 2
    assert sum(v > middle for v in values) <= len(values) // 2
