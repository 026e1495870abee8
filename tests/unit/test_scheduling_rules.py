"""Unit tests for rikscha.scheduling.rules: opening hours, day bounds, bookability."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rikscha.scheduling import (
    BookingRuleError,
    BookingRules,
    Interval,
    SchedulingError,
    check_bookable,
    local_day_bounds,
    opening_windows,
)

BERLIN = ZoneInfo("Europe/Berlin")
PROPERTY = settings(max_examples=200, deadline=None, database=None)

DEFAULT = BookingRules.default()
EVERY_DAY = replace(DEFAULT, opening_hours={d: ((time(9), time(18)),) for d in range(7)})
LUNCH_BREAK = replace(
    DEFAULT,
    opening_hours={0: ((time(13), time(18)), (time(9), time(12)))},
)
TOUCHING = replace(DEFAULT, opening_hours={1: ((time(9), time(12)), (time(12), time(18)))})
# 2026-05-14 is Ascension Day, a public holiday on a Thursday.
HOLIDAY = replace(DEFAULT, closed_days=frozenset({date(2026, 5, 14)}))
NIGHT_OWL = replace(
    DEFAULT,
    opening_hours={6: ((time(2, 30), time(4)), (time(2), time(3)), (time(1), time(2)))},
)
AMBIGUOUS = replace(DEFAULT, opening_hours={6: ((time(2, 30), time(3, 30)),)})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- BookingRules -----------------------------------------------------------------


def test_default_rules_match_the_design():
    rules = BookingRules.default()
    assert rules.tz == BERLIN
    assert dict(rules.opening_hours) == {d: ((time(9), time(18)),) for d in range(6)}
    assert 6 not in rules.opening_hours  # Sunday closed
    assert rules.closed_days == frozenset()
    assert rules.lead_time == timedelta(hours=24)
    assert rules.horizon == timedelta(days=60)
    assert rules.durations == (30, 60, 90, 120)
    assert rules.buffer == timedelta(minutes=15)
    assert rules.slot_step == timedelta(minutes=15)
    assert rules.max_passengers == 2
    assert BookingRules.default("Europe/Vienna").tz == ZoneInfo("Europe/Vienna")


def test_rules_are_frozen_and_hashable():
    rules = BookingRules.default()
    with pytest.raises(AttributeError):
        rules.buffer = timedelta(0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        rules.opening_hours[6] = ((time(9), time(10)),)  # type: ignore[index]
    assert hash(rules) == hash(BookingRules.default())
    assert rules == BookingRules.default()


@pytest.mark.parametrize(
    "overrides",
    [
        {"opening_hours": {7: ((time(9), time(18)),)}},
        {"opening_hours": {0: ((time(18), time(9)),)}},
        {"opening_hours": {0: ((time(9), time(9)),)}},
        {"durations": ()},
        {"durations": (30, 0)},
        {"slot_step": timedelta(0)},
        {"lead_time": timedelta(hours=-1)},
        {"horizon": timedelta(days=-1)},
        {"buffer": timedelta(minutes=-5)},
        {"max_passengers": 0},
    ],
)
def test_invalid_rules_raise(overrides):
    with pytest.raises(ValueError):
        replace(DEFAULT, **overrides)


def test_booking_rule_error_carries_code_and_details():
    error = BookingRuleError("too_soon", earliest=utc(2026, 5, 5, 8))
    assert isinstance(error, SchedulingError)
    assert error.code == "too_soon"
    assert error.details == {"earliest": utc(2026, 5, 5, 8)}
    assert str(error) == "too_soon"


# --- opening_windows / local_day_bounds ------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "day", "expected"),
    [
        # summer time (CEST, UTC+2) and winter time (CET, UTC+1)
        (DEFAULT, date(2026, 5, 4), [(utc(2026, 5, 4, 7), utc(2026, 5, 4, 16))]),
        (DEFAULT, date(2026, 1, 5), [(utc(2026, 1, 5, 8), utc(2026, 1, 5, 17))]),
        (DEFAULT, date(2026, 5, 10), []),  # Sunday: weekday missing
        (HOLIDAY, date(2026, 5, 14), []),  # closed day
        (HOLIDAY, date(2026, 5, 15), [(utc(2026, 5, 15, 7), utc(2026, 5, 15, 16))]),
        # DST change days (both are Sundays, so open every day here)
        (DEFAULT, date(2026, 3, 29), []),
        (EVERY_DAY, date(2026, 3, 28), [(utc(2026, 3, 28, 8), utc(2026, 3, 28, 17))]),
        (EVERY_DAY, date(2026, 3, 29), [(utc(2026, 3, 29, 7), utc(2026, 3, 29, 16))]),
        (EVERY_DAY, date(2026, 3, 30), [(utc(2026, 3, 30, 7), utc(2026, 3, 30, 16))]),
        (EVERY_DAY, date(2026, 10, 24), [(utc(2026, 10, 24, 7), utc(2026, 10, 24, 16))]),
        (EVERY_DAY, date(2026, 10, 25), [(utc(2026, 10, 25, 8), utc(2026, 10, 25, 17))]),
        # two windows, given out of order, come back sorted
        (
            LUNCH_BREAK,
            date(2026, 5, 4),
            [
                (utc(2026, 5, 4, 7), utc(2026, 5, 4, 10)),
                (utc(2026, 5, 4, 11), utc(2026, 5, 4, 16)),
            ],
        ),
        # spring gap 02:00–03:00 local: 02:30 resolves forward to 03:30 CEST = 01:30 UTC;
        # 02:00–03:00 collapses to nothing and is dropped; 01:00–02:00 is plain CET.
        (
            NIGHT_OWL,
            date(2026, 3, 29),
            [
                (utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)),
                (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2)),
            ],
        ),
        # autumn overlap: 02:30 is ambiguous and means the first one (CEST, UTC+2)
        (AMBIGUOUS, date(2026, 10, 25), [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30))]),
    ],
    ids=lambda value: str(value) if isinstance(value, date) else None,
)
def test_opening_windows(rules, day, expected):
    assert opening_windows(day, rules) == [Interval(s, e) for s, e in expected]


@pytest.mark.parametrize(
    ("day", "tz", "start", "hours"),
    [
        (date(2026, 5, 4), "Europe/Berlin", utc(2026, 5, 3, 22), 24),
        (date(2026, 1, 5), "Europe/Berlin", utc(2026, 1, 4, 23), 24),
        (date(2026, 3, 29), "Europe/Berlin", utc(2026, 3, 28, 23), 23),
        (date(2026, 10, 25), "Europe/Berlin", utc(2026, 10, 24, 22), 25),
        (date(2026, 3, 8), "America/New_York", utc(2026, 3, 8, 5), 23),
        (date(2026, 3, 29), "UTC", utc(2026, 3, 29), 24),
    ],
)
def test_local_day_bounds(day, tz, start, hours):
    bounds = local_day_bounds(day, ZoneInfo(tz))
    assert bounds.start == start
    assert bounds.duration == timedelta(hours=hours)
    assert bounds.start.tzinfo is UTC


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@PROPERTY
@given(days, st.sampled_from(ZONES))
def test_local_days_tile_the_timeline(day, tz_name):
    tz = ZoneInfo(tz_name)
    bounds = local_day_bounds(day, tz)
    assert bounds.end == local_day_bounds(day + timedelta(days=1), tz).start
    # The day is 24 h minus whatever the clocks jumped forward in between.
    jump = bounds.end.astimezone(tz).utcoffset() - bounds.start.astimezone(tz).utcoffset()
    assert bounds.duration == timedelta(hours=24) - jump
    assert bounds.start.astimezone(tz).date() == day
    assert bounds.start.astimezone(tz).time() == time(0)


@PROPERTY
@given(days, st.sampled_from(ZONES))
def test_opening_windows_lie_in_their_local_day(day, tz_name):
    rules = replace(EVERY_DAY, tz=ZoneInfo(tz_name))
    bounds = local_day_bounds(day, rules.tz)
    (window,) = opening_windows(day, rules)
    assert bounds.contains(window)
    assert window.start.astimezone(rules.tz).time() == time(9)
    assert window.end.astimezone(rules.tz).time() == time(18)


# --- check_bookable -------------------------------------------------------------------

NOW = utc(2026, 5, 4, 8)  # Monday 10:00 CEST
DST_NOW = utc(2026, 3, 20)


@pytest.mark.parametrize(
    ("rules", "start", "minutes", "passengers", "now", "privileged", "code"),
    [
        # accepted
        (DEFAULT, utc(2026, 5, 5, 8), 60, 1, NOW, False, None),
        (DEFAULT, utc(2026, 5, 5, 8), 120, 2, NOW, False, None),  # exactly lead time
        (DEFAULT, utc(2026, 5, 6, 7), 30, 1, NOW, False, None),  # 09:00, buffer before
        (DEFAULT, utc(2026, 5, 5, 15), 60, 1, NOW, False, None),  # ends at 18:00 sharp
        (DEFAULT, utc(2026, 7, 3, 8), 30, 1, NOW, False, None),  # exactly the horizon
        (DEFAULT, utc(2026, 5, 4, 12), 30, 1, NOW, True, None),  # coordinator, same day
        (DEFAULT, NOW, 30, 1, NOW, True, None),  # coordinator, right now
        # invalid_duration / invalid_passengers
        (DEFAULT, utc(2026, 5, 5, 8), 45, 1, NOW, False, "invalid_duration"),
        (DEFAULT, utc(2026, 5, 5, 8), 0, 1, NOW, False, "invalid_duration"),
        (DEFAULT, utc(2026, 5, 5, 8), 60, 0, NOW, False, "invalid_passengers"),
        (DEFAULT, utc(2026, 5, 5, 8), 60, 3, NOW, False, "invalid_passengers"),
        # in_past, also for coordinators
        (DEFAULT, utc(2026, 5, 4, 7, 45), 30, 1, NOW, False, "in_past"),
        (DEFAULT, utc(2026, 5, 4, 7, 45), 30, 1, NOW, True, "in_past"),
        # too_soon, unless privileged
        (DEFAULT, utc(2026, 5, 5, 7, 45), 30, 1, NOW, False, "too_soon"),
        (DEFAULT, utc(2026, 5, 4, 12), 30, 1, NOW, False, "too_soon"),
        # too_far, also for coordinators
        (DEFAULT, utc(2026, 7, 3, 8, 15), 30, 1, NOW, False, "too_far"),
        (DEFAULT, utc(2026, 7, 3, 8, 15), 30, 1, NOW, True, "too_far"),
        # closed_day: Sunday, a holiday, and a start whose UTC date is an open Saturday
        # but whose local date (00:30 CEST) is Sunday
        (DEFAULT, utc(2026, 5, 10, 8), 60, 1, NOW, False, "closed_day"),
        (HOLIDAY, utc(2026, 5, 14, 8), 60, 1, NOW, False, "closed_day"),
        (DEFAULT, utc(2026, 5, 9, 22, 30), 30, 1, NOW, False, "closed_day"),
        # outside_hours
        (DEFAULT, utc(2026, 5, 6, 6, 45), 30, 1, NOW, False, "outside_hours"),  # 08:45
        (DEFAULT, utc(2026, 5, 5, 15, 30), 60, 1, NOW, False, "outside_hours"),  # to 18:30
        (DEFAULT, utc(2026, 5, 5, 16), 30, 1, NOW, False, "outside_hours"),  # 18:00
        (DEFAULT, utc(2026, 5, 5, 8, 10), 30, 1, NOW, False, "outside_hours"),  # :10
        (DEFAULT, utc(2026, 5, 5, 22, 30), 30, 1, NOW, False, "outside_hours"),  # 00:30
        (LUNCH_BREAK, utc(2026, 5, 11, 9, 30), 60, 1, NOW, False, "outside_hours"),
        (LUNCH_BREAK, utc(2026, 5, 11, 11), 60, 1, NOW, False, None),  # 13:00
        (TOUCHING, utc(2026, 5, 5, 9, 30), 60, 1, NOW, False, "outside_hours"),
        # DST change days, open every day
        (EVERY_DAY, utc(2026, 3, 29, 7), 60, 1, DST_NOW, False, None),  # 09:00 CEST
        (EVERY_DAY, utc(2026, 3, 29, 6, 45), 60, 1, DST_NOW, False, "outside_hours"),
        (EVERY_DAY, utc(2026, 3, 29, 15), 60, 1, DST_NOW, False, None),  # to 18:00
        (EVERY_DAY, utc(2026, 3, 29, 15, 15), 60, 1, DST_NOW, False, "outside_hours"),
        (EVERY_DAY, utc(2026, 10, 25, 8), 60, 1, utc(2026, 10, 20), False, None),  # 09:00
        (EVERY_DAY, utc(2026, 10, 25, 7, 45), 30, 1, utc(2026, 10, 20), False, "outside_hours"),
        (EVERY_DAY, utc(2026, 10, 25, 16), 60, 1, utc(2026, 10, 20), False, None),  # to 18:00
        (EVERY_DAY, utc(2026, 10, 25, 16, 15), 60, 1, utc(2026, 10, 20), False, "outside_hours"),
    ],
)
def test_check_bookable(rules, start, minutes, passengers, now, privileged, code):
    if code is None:
        check_bookable(start, minutes, passengers, rules, now, privileged=privileged)
    else:
        with pytest.raises(BookingRuleError) as caught:
            check_bookable(start, minutes, passengers, rules, now, privileged=privileged)
        assert caught.value.code == code


@pytest.mark.parametrize(
    ("start", "minutes", "passengers", "code"),
    [
        # several rules broken at once: the first in the documented order wins
        (utc(2026, 5, 3, 8, 10), 45, 3, "invalid_duration"),
        (utc(2026, 5, 3, 8, 10), 30, 3, "invalid_passengers"),
        (utc(2026, 5, 3, 8, 10), 30, 1, "in_past"),  # also a Sunday and misaligned
        (utc(2026, 5, 4, 22, 10), 30, 1, "too_soon"),  # also outside hours
        (utc(2026, 8, 2, 8), 30, 1, "too_far"),  # also a Sunday
        (utc(2026, 5, 10, 8, 10), 30, 1, "closed_day"),  # also misaligned
    ],
)
def test_check_bookable_reports_the_first_broken_rule(start, minutes, passengers, code):
    with pytest.raises(BookingRuleError) as caught:
        check_bookable(start, minutes, passengers, DEFAULT, NOW)
    assert caught.value.code == code


def test_too_soon_reports_the_earliest_start():
    with pytest.raises(BookingRuleError) as caught:
        check_bookable(utc(2026, 5, 4, 12), 30, 1, DEFAULT, NOW)
    assert caught.value.details["earliest"] == utc(2026, 5, 5, 8)


def test_slot_step_is_measured_from_the_window_start():
    rules = replace(
        DEFAULT,
        opening_hours={1: ((time(9, 10), time(18)),)},
        slot_step=timedelta(minutes=30),
    )
    check_bookable(utc(2026, 5, 12, 7, 40), 30, 1, rules, NOW)  # 09:40 local
    with pytest.raises(BookingRuleError, match="outside_hours"):
        check_bookable(utc(2026, 5, 12, 8), 30, 1, rules, NOW)  # 10:00 local


@pytest.mark.parametrize("naive", ["start", "now"])
def test_check_bookable_rejects_naive_datetimes(naive):
    start, now = utc(2026, 5, 5, 8), NOW
    if naive == "start":
        start = start.replace(tzinfo=None)
    else:
        now = now.replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        check_bookable(start, 30, 1, DEFAULT, now)


def oracle_bookable(start: datetime, minutes: int, now: datetime) -> bool:
    """Default rules restated in local wall-clock terms, independently of the code."""
    local_start = start.astimezone(BERLIN)
    local_end = (start + timedelta(minutes=minutes)).astimezone(BERLIN)
    return (
        now + timedelta(hours=24) <= start <= now + timedelta(days=60)
        and local_start.weekday() != 6
        and time(9) <= local_start.time()
        and local_end.date() == local_start.date()
        and local_end.time() <= time(18)
        and local_start.minute % 15 == 0
        and local_start.second == local_start.microsecond == 0
    )


@PROPERTY
@given(
    now=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    offset_minutes=st.one_of(
        st.integers(min_value=-4 * 24, max_value=70 * 24 * 4).map(lambda m: m * 15),
        st.integers(min_value=-12 * 24, max_value=70 * 24 * 12).map(lambda m: m * 5),
    ),
    minutes=st.sampled_from([30, 60, 90, 120]),
)
def test_check_bookable_agrees_with_a_wall_clock_oracle(now, offset_minutes, minutes):
    now = now.replace(second=0, microsecond=0, minute=now.minute - now.minute % 15)
    start = now + timedelta(minutes=offset_minutes)
    try:
        check_bookable(start, minutes, 1, DEFAULT, now)
    except BookingRuleError:
        accepted = False
    else:
        accepted = True
    assert accepted == oracle_bookable(start, minutes, now)
