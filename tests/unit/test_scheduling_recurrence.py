"""Unit tests for rikscha.scheduling.recurrence: weekly windows and recurrence rules."""

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rikscha.scheduling import (
    Interval,
    Recurrence,
    WeeklyWindow,
    expand_weekly,
    next_occurrence,
    occurrences,
)

BERLIN = ZoneInfo("Europe/Berlin")
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- WeeklyWindow / expand_weekly -----------------------------------------------------

SHIFTS = (
    WeeklyWindow(0, time(9), time(13)),
    WeeklyWindow(0, time(12), time(16)),  # overlaps the first: merged
    WeeklyWindow(1, time(10), time(12)),
    WeeklyWindow(1, time(14), time(15)),
    WeeklyWindow(6, time(9), time(18)),
    WeeklyWindow(6, time(1), time(4)),  # spans the DST change on its Sundays
)


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [(7, time(9), time(10)), (-1, time(9), time(10)), (0, time(10), time(9)), (0, time(9), time(9))],
)
def test_invalid_weekly_window(weekday, start, end):
    with pytest.raises(ValueError):
        WeeklyWindow(weekday, start, end)


@pytest.mark.parametrize(
    ("day", "absences", "expected"),
    [
        (date(2026, 5, 4), [], [(utc(2026, 5, 4, 7), utc(2026, 5, 4, 14))]),  # Monday
        (
            date(2026, 5, 5),
            [],
            [(utc(2026, 5, 5, 8), utc(2026, 5, 5, 10)), (utc(2026, 5, 5, 12), utc(2026, 5, 5, 13))],
        ),
        (date(2026, 5, 6), [], []),  # Wednesday: no window
        (date(2026, 1, 5), [], [(utc(2026, 1, 5, 8), utc(2026, 1, 5, 15))]),  # winter time
        # absences are inclusive on both ends
        (date(2026, 5, 4), [(date(2026, 5, 1), date(2026, 5, 4))], []),
        (date(2026, 5, 4), [(date(2026, 5, 4), date(2026, 5, 4))], []),
        (
            date(2026, 5, 4),
            [(date(2026, 5, 5), date(2026, 5, 9))],
            [(utc(2026, 5, 4, 7), utc(2026, 5, 4, 14))],
        ),
        (
            date(2026, 5, 4),
            [(date(2026, 4, 1), date(2026, 5, 3))],
            [(utc(2026, 5, 4, 7), utc(2026, 5, 4, 14))],
        ),
        # DST Sundays: 01:00–04:00 local lasts 2 h in spring and 4 h in autumn
        (
            date(2026, 3, 29),
            [],
            [(utc(2026, 3, 29, 0), utc(2026, 3, 29, 2)), (utc(2026, 3, 29, 7), utc(2026, 3, 29, 16))],
        ),
        (
            date(2026, 10, 25),
            [],
            [(utc(2026, 10, 24, 23), utc(2026, 10, 25, 3)), (utc(2026, 10, 25, 8), utc(2026, 10, 25, 17))],
        ),
    ],
)
def test_expand_weekly(day, absences, expected):
    assert expand_weekly(SHIFTS, absences, day, BERLIN) == [Interval(s, e) for s, e in expected]


@pytest.mark.parametrize(
    ("window", "spring_day", "next_sunday"),
    [
        # 02:00–03:00 is exactly the gap: both ends resolve to 03:00 CEST, nothing left
        (WeeklyWindow(6, time(2), time(3)), [], [(utc(2026, 4, 5, 0), utc(2026, 4, 5, 1))]),
        # both ends inside the gap move forward by the gap: 03:15–03:45 CEST
        (
            WeeklyWindow(6, time(2, 15), time(2, 45)),
            [(utc(2026, 3, 29, 1, 15), utc(2026, 3, 29, 1, 45))],
            [(utc(2026, 4, 5, 0, 15), utc(2026, 4, 5, 0, 45))],
        ),
        # only the start inside the gap: 03:00–05:00 CEST
        (
            WeeklyWindow(6, time(2, 0), time(5)),
            [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 3))],
            [(utc(2026, 4, 5, 0), utc(2026, 4, 5, 3))],
        ),
    ],
)
def test_expand_weekly_resolves_the_spring_gap_forward(window, spring_day, next_sunday):
    as_intervals = [Interval(s, e) for s, e in spring_day]
    assert expand_weekly([window], [], date(2026, 3, 29), BERLIN) == as_intervals
    as_intervals = [Interval(s, e) for s, e in next_sunday]
    assert expand_weekly([window], [], date(2026, 4, 5), BERLIN) == as_intervals


# --- Recurrence validation -----------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"freq": "daily"},
        {"freq": "weekly"},  # no weekdays
        {"freq": "weekly", "weekdays": (7,)},
        {"freq": "weekly", "weekdays": (-1, 2)},
        {"freq": "weekly", "weekdays": (1,), "interval": 0},
        {"freq": "weekly", "weekdays": (1,), "month_day": 3},
        {"freq": "monthly"},  # no month_day
        {"freq": "monthly", "month_day": 0},
        {"freq": "monthly", "month_day": 32},
        {"freq": "monthly", "month_day": 5, "interval": -1},
        {"freq": "monthly", "month_day": 5, "weekdays": (1,)},
        {"freq": "monthly", "month_day": 5, "month": 3},
        {"freq": "yearly", "month_day": 5},  # no month
        {"freq": "yearly", "month": 3},  # no month_day
        {"freq": "yearly", "month": 13, "month_day": 1},
        {"freq": "yearly", "month": 2, "month_day": 30},  # never exists
        {"freq": "yearly", "month": 4, "month_day": 31},
    ],
)
def test_invalid_recurrence(kwargs):
    with pytest.raises(ValueError):
        Recurrence(**kwargs)


def test_recurrence_interval_must_be_an_int():
    with pytest.raises(TypeError):
        Recurrence("monthly", interval=True, month_day=1)  # type: ignore[arg-type]


# --- occurrences / next_occurrence ---------------------------------------------------

WEEKLY_MON_THU = Recurrence("weekly", weekdays=(3, 0))
FORTNIGHTLY_TUE = Recurrence("weekly", interval=2, weekdays=(1,))
FORTNIGHTLY_MON = Recurrence("weekly", interval=2, weekdays=(0,))
MONTHLY_31 = Recurrence("monthly", month_day=31)
QUARTERLY_15 = Recurrence("monthly", interval=3, month_day=15)
YEARLY_LEAP = Recurrence("yearly", month=2, month_day=29)
BIENNIAL_JUNE = Recurrence("yearly", interval=2, month=6, month_day=1)


@pytest.mark.parametrize(
    ("rule", "anchor", "start", "end", "expected"),
    [
        (
            WEEKLY_MON_THU,
            date(2026, 5, 6),  # a Wednesday: Monday 4 May is before the anchor
            date(2026, 5, 1),
            date(2026, 5, 18),
            [date(2026, 5, 7), date(2026, 5, 11), date(2026, 5, 14), date(2026, 5, 18)],
        ),
        (
            FORTNIGHTLY_TUE,
            date(2026, 5, 6),  # week of 4 May is week 0, its Tuesday precedes the anchor
            date(2026, 5, 1),
            date(2026, 6, 10),
            [date(2026, 5, 19), date(2026, 6, 2)],
        ),
        (
            FORTNIGHTLY_MON,  # across a 53-week ISO year: counted by weeks, not numbers
            date(2026, 12, 28),
            date(2026, 12, 1),
            date(2027, 1, 31),
            [date(2026, 12, 28), date(2027, 1, 11), date(2027, 1, 25)],
        ),
        (
            FORTNIGHTLY_MON,  # a range starting in an uncounted week
            date(2026, 1, 5),
            date(2026, 1, 12),
            date(2026, 1, 26),
            [date(2026, 1, 19)],
        ),
        (
            MONTHLY_31,
            date(2026, 1, 1),
            date(2026, 1, 1),
            date(2026, 6, 30),
            [
                date(2026, 1, 31),
                date(2026, 2, 28),
                date(2026, 3, 31),
                date(2026, 4, 30),
                date(2026, 5, 31),
                date(2026, 6, 30),
            ],
        ),
        (MONTHLY_31, date(2028, 1, 1), date(2028, 2, 1), date(2028, 3, 1), [date(2028, 2, 29)]),
        (
            QUARTERLY_15,
            date(2026, 1, 20),  # January's 15th precedes the anchor
            date(2025, 1, 1),
            date(2027, 1, 15),
            [date(2026, 4, 15), date(2026, 7, 15), date(2026, 10, 15), date(2027, 1, 15)],
        ),
        (QUARTERLY_15, date(2026, 1, 20), date(2026, 4, 16), date(2026, 7, 14), []),
        (
            YEARLY_LEAP,
            date(2024, 1, 1),
            date(2024, 1, 1),
            date(2028, 12, 31),
            [
                date(2024, 2, 29),
                date(2025, 2, 28),
                date(2026, 2, 28),
                date(2027, 2, 28),
                date(2028, 2, 29),
            ],
        ),
        (
            BIENNIAL_JUNE,
            date(2026, 7, 1),
            date(2026, 1, 1),
            date(2031, 1, 1),
            [date(2028, 6, 1), date(2030, 6, 1)],
        ),
        (WEEKLY_MON_THU, date(2026, 5, 4), date(2026, 5, 10), date(2026, 5, 9), []),  # end < start
        (WEEKLY_MON_THU, date(2026, 5, 4), date(2026, 4, 1), date(2026, 5, 3), []),  # end < anchor
        (WEEKLY_MON_THU, date(2026, 5, 4), date(2026, 5, 4), date(2026, 5, 4), [date(2026, 5, 4)]),
    ],
)
def test_occurrences(rule, anchor, start, end, expected):
    assert occurrences(rule, anchor, start, end) == expected


@pytest.mark.parametrize(
    ("rule", "anchor", "after", "expected"),
    [
        (WEEKLY_MON_THU, date(2026, 5, 4), date(2026, 5, 7), date(2026, 5, 11)),
        (WEEKLY_MON_THU, date(2026, 5, 4), date(2026, 5, 6), date(2026, 5, 7)),
        (WEEKLY_MON_THU, date(2026, 5, 4), date(2026, 1, 1), date(2026, 5, 4)),  # anchor itself
        (WEEKLY_MON_THU, date(2026, 5, 4), date(2026, 5, 3), date(2026, 5, 4)),
        (FORTNIGHTLY_TUE, date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 19)),
        (MONTHLY_31, date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 28)),
        (QUARTERLY_15, date(2026, 1, 20), date(2026, 1, 20), date(2026, 4, 15)),
        (YEARLY_LEAP, date(2024, 1, 1), date(2024, 2, 29), date(2025, 2, 28)),
        (BIENNIAL_JUNE, date(2026, 7, 1), date(2026, 7, 1), date(2028, 6, 1)),
        (Recurrence("yearly", month=1, month_day=1), date(9999, 1, 1), date(9999, 1, 1), None),
        (WEEKLY_MON_THU, date(2026, 5, 4), date.max, None),
    ],
)
def test_next_occurrence(rule, anchor, after, expected):
    assert next_occurrence(rule, anchor, after) == expected


# --- properties -------------------------------------------------------------------------


def matches(rule: Recurrence, anchor: date, day: date) -> bool:
    """Whether ``day`` belongs to ``rule``, restated from the definition one day at a time."""
    if day < anchor:
        return False
    if rule.freq == "weekly":
        week_0 = anchor - timedelta(days=anchor.weekday())
        week = (day - timedelta(days=day.weekday()) - week_0).days // 7
        return day.weekday() in rule.weekdays and week % rule.interval == 0
    if rule.freq == "monthly":
        months = (day.year - anchor.year) * 12 + day.month - anchor.month
        wanted = min(rule.month_day, monthrange(day.year, day.month)[1])
        return months % rule.interval == 0 and day.day == wanted
    wanted = min(rule.month_day, monthrange(day.year, rule.month)[1])
    return (day.year - anchor.year) % rule.interval == 0 and day.month == rule.month and day.day == wanted


weekly_rules = st.builds(
    Recurrence,
    freq=st.just("weekly"),
    interval=st.integers(min_value=1, max_value=4),
    weekdays=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=7).map(tuple),
)
monthly_rules = st.builds(
    Recurrence,
    freq=st.just("monthly"),
    interval=st.integers(min_value=1, max_value=13),
    month_day=st.integers(min_value=1, max_value=31),
)
yearly_rules = st.integers(min_value=1, max_value=12).flatmap(
    lambda month: st.builds(
        Recurrence,
        freq=st.just("yearly"),
        interval=st.integers(min_value=1, max_value=3),
        month=st.just(month),
        month_day=st.integers(min_value=1, max_value=monthrange(2000, month)[1]),
    )
)
rules = st.one_of(weekly_rules, monthly_rules, yearly_rules)
anchors = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))
offsets = st.integers(min_value=-400, max_value=1200)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


@PROPERTY
@given(rules, anchors, offsets, st.integers(min_value=0, max_value=1200))
def test_occurrences_are_exactly_the_matching_days(rule, anchor, offset, length):
    start = anchor + timedelta(days=offset)
    end = start + timedelta(days=length)
    found = occurrences(rule, anchor, start, end)
    assert found == sorted(set(found))
    assert all(start <= day <= end and day >= anchor for day in found)
    assert all(matches(rule, anchor, day) for day in found)
    assert found == [day for day in days_between(start, end) if matches(rule, anchor, day)]


@PROPERTY
@given(rules, anchors, offsets, st.integers(min_value=0, max_value=600))
def test_occurrences_split_at_any_day(rule, anchor, offset, cut):
    start = anchor + timedelta(days=offset)
    middle = start + timedelta(days=cut)
    end = middle + timedelta(days=400)
    whole = occurrences(rule, anchor, start, end)
    assert whole == (
        occurrences(rule, anchor, start, middle) + occurrences(rule, anchor, middle + timedelta(days=1), end)
    )


@PROPERTY
@given(rules, anchors, st.integers(min_value=-400, max_value=800))
def test_next_occurrence_is_the_first_matching_day_after(rule, anchor, offset):
    after = anchor + timedelta(days=offset)
    expected = next(
        day
        for day in days_between(after + timedelta(days=1), after + timedelta(days=3000))
        if matches(rule, anchor, day)
    )
    assert next_occurrence(rule, anchor, after) == expected


@PROPERTY
@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 1)),
    st.integers(min_value=0, max_value=48),
)
def test_monthly_on_the_31st_gives_one_date_per_month(first, months):
    anchor = first.replace(day=1)
    year, month0 = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    end = date(year, month0 + 1, monthrange(year, month0 + 1)[1])
    found = occurrences(MONTHLY_31, anchor, anchor, end)
    assert len(found) == months + 1
    assert len({(day.year, day.month) for day in found}) == months + 1
    assert all(day.day == monthrange(day.year, day.month)[1] for day in found)
