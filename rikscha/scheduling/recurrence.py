"""Weekly availability windows and weekly/monthly/yearly recurrence rules for dates."""

from calendar import monthrange
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ._localtime import local_to_utc
from .intervals import Interval, merge

Frequency = Literal["weekly", "monthly", "yearly"]
_FREQUENCIES = ("weekly", "monthly", "yearly")
_LEAP_YEAR = 2000


@dataclass(frozen=True)
class WeeklyWindow:
    """A recurring local time window, e.g. a driver's "Tuesdays 09:00–13:00".

    ``weekday`` is 0 = Monday … 6 = Sunday; ``start`` and ``end`` are local wall-clock
    times on that day with ``start < end``.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday!r}")
        if self.end <= self.start:
            raise ValueError(f"window {self.start}–{self.end} is empty")


def expand_weekly(
    windows: Iterable[WeeklyWindow],
    absences: Iterable[tuple[date, date]],
    day: date,
    tz: ZoneInfo,
) -> list[Interval]:
    """Return the UTC intervals that the weekly ``windows`` give on the local date ``day``.

    ``absences`` are inclusive local date ranges ``(first, last)`` (holiday, sick leave);
    if ``day`` falls in one the result is empty. Windows of ``day``'s weekday are
    converted on ``day`` itself (DST-correct, spring-gap times moved forward, ambiguous
    times taken at their first occurrence) and merged, so the result is sorted and
    disjoint. A window that collapses inside the spring gap is dropped.
    """
    if any(first <= day <= last for first, last in absences):
        return []
    intervals = []
    for window in windows:
        if window.weekday != day.weekday():
            continue
        start = local_to_utc(day, window.start, tz)
        end = local_to_utc(day, window.end, tz)
        if start < end:
            intervals.append(Interval(start, end))
    return merge(intervals)


@dataclass(frozen=True)
class Recurrence:
    """A rule for repeating dates, counted from an anchor date given when expanding.

    - ``weekly``: on each of ``weekdays`` (0 = Monday) in every ``interval``-th ISO week,
      counting the anchor's week as week 0.
    - ``monthly``: on ``month_day`` of every ``interval``-th month from the anchor's
      month; a day past the month's end is clamped to its last day (31 → 30, 28, 29).
    - ``yearly``: on ``month``/``month_day`` of every ``interval``-th year from the
      anchor's year; 29 February becomes 28 February in other years.

    Fields that do not belong to ``freq`` must be left at their defaults; invalid rules
    raise ``ValueError``.
    """

    freq: Frequency
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    month_day: int | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        if self.freq not in _FREQUENCIES:
            raise ValueError(f"freq must be one of {_FREQUENCIES}, got {self.freq!r}")
        if isinstance(self.interval, bool) or not isinstance(self.interval, int):
            raise TypeError(f"interval must be an int, got {self.interval!r}")
        if self.interval < 1:
            raise ValueError(f"interval must be at least 1, got {self.interval}")
        object.__setattr__(self, "weekdays", tuple(self.weekdays))
        if any(not 0 <= weekday <= 6 for weekday in self.weekdays):
            raise ValueError(f"weekdays must be 0..6, got {self.weekdays!r}")
        if self.month_day is not None and not 1 <= self.month_day <= 31:
            raise ValueError(f"month_day must be 1..31, got {self.month_day!r}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month!r}")
        if self.freq == "weekly":
            if not self.weekdays:
                raise ValueError("a weekly rule needs at least one weekday")
            if self.month_day is not None or self.month is not None:
                raise ValueError("a weekly rule takes no month_day or month")
        elif self.freq == "monthly":
            if self.month_day is None:
                raise ValueError("a monthly rule needs month_day")
            if self.weekdays or self.month is not None:
                raise ValueError("a monthly rule takes no weekdays or month")
        else:
            if self.month is None or self.month_day is None:
                raise ValueError("a yearly rule needs month and month_day")
            if self.weekdays:
                raise ValueError("a yearly rule takes no weekdays")
            if self.month_day > monthrange(_LEAP_YEAR, self.month)[1]:
                raise ValueError(f"month {self.month} never has day {self.month_day}")


def occurrences(rule: Recurrence, anchor: date, start: date, end: date) -> list[date]:
    """Return the dates of ``rule`` in ``[start, end]`` (inclusive), sorted and unique.

    Counting (weeks, months, years) starts at ``anchor``; no date before ``anchor`` is
    returned, even if it would match the pattern. Empty if ``end < max(start, anchor)``.
    The work is proportional to the number of periods in the range, not to its days.
    """
    first = max(start, anchor)
    if end < first:
        return []
    if rule.freq == "weekly":
        found = _weekly(rule, anchor, first, end)
    elif rule.freq == "monthly":
        found = _monthly(rule, anchor, first, end)
    else:
        found = _yearly(rule, anchor, first, end)
    return sorted({day for day in found if first <= day <= end})


def next_occurrence(rule: Recurrence, anchor: date, after: date) -> date | None:
    """Return the first date of ``rule`` strictly after ``after`` (and not before ``anchor``).

    Returns None only when the next date would lie beyond ``date.max``.
    """
    first = anchor if after < anchor else _shift(after, 1)
    if first is None:
        return None
    # One full period plus its longest possible offset always contains the next date.
    if rule.freq == "weekly":
        span = 7 * rule.interval + 7
    elif rule.freq == "monthly":
        span = 31 * (rule.interval + 1)
    else:
        span = 366 * (rule.interval + 1)
    last = _shift(first, span) or date.max
    found = occurrences(rule, anchor, first, last)
    return found[0] if found else None


def _weekly(rule: Recurrence, anchor: date, first: date, end: date) -> Iterator[date]:
    anchor_monday = anchor - timedelta(days=anchor.weekday())
    first_monday = first - timedelta(days=first.weekday())
    weeks = (first_monday - anchor_monday).days // 7
    week = -(-weeks // rule.interval) * rule.interval  # round up to a counted week
    weekdays = sorted(set(rule.weekdays))
    while True:
        monday = _shift(anchor_monday, 7 * week)
        if monday is None or monday > end:
            return
        for weekday in weekdays:
            day = _shift(monday, weekday)
            if day is not None:
                yield day
        week += rule.interval


def _monthly(rule: Recurrence, anchor: date, first: date, end: date) -> Iterator[date]:
    assert rule.month_day is not None
    anchor_index = anchor.year * 12 + anchor.month - 1
    months = first.year * 12 + first.month - 1 - anchor_index
    index = anchor_index + -(-months // rule.interval) * rule.interval
    while True:
        year, month0 = divmod(index, 12)
        if year > end.year:
            return
        day = _clamped(year, month0 + 1, rule.month_day)
        if day > end:
            return
        yield day
        index += rule.interval


def _yearly(rule: Recurrence, anchor: date, first: date, end: date) -> Iterator[date]:
    assert rule.month is not None and rule.month_day is not None
    year = anchor.year + -(-(first.year - anchor.year) // rule.interval) * rule.interval
    while year <= end.year:
        yield _clamped(year, rule.month, rule.month_day)
        year += rule.interval


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, monthrange(year, month)[1]))


def _shift(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None
