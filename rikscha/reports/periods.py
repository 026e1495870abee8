"""Report periods (month, quarter, year, from–to) as local days, their UTC bounds, and the median.

Pure functions: no database, no clock (pass `today`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("month", "quarter", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366  # longer custom periods are refused (a statement for years makes no sense)


@dataclass(frozen=True)
class Period:
    """Local days `first`…`last` (both included) of one kind of period."""

    kind: str
    first: date
    last: date

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if self.last < self.first:
            raise ValueError("period ends before it starts")

    @property
    def quarter(self) -> int:
        return (self.first.month - 1) // 3 + 1

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def utc_bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[local midnight of `first`, local midnight after `last`) in UTC; DST days are 23 or 25 h."""
        return _local_midnight(self.first, tz), _local_midnight(self.last + timedelta(days=1), tz)

    def months(self) -> list[Period]:
        """The calendar months this period touches, each cut to the period (for hours by month)."""
        result, day = [], self.first
        while day <= self.last:
            end = min(_month_end(day.year, day.month), self.last)
            result.append(
                Period(
                    "month" if (day.day == 1 and end == _month_end(day.year, day.month)) else "custom",
                    day,
                    end,
                )
            )
            day = end + timedelta(days=1)
        return result


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def month(year: int, number: int) -> Period:
    return Period("month", date(year, number, 1), _month_end(year, number))


def quarter(year: int, number: int) -> Period:
    if not 1 <= number <= 4:
        raise ValueError("quarter must be 1–4")
    first_month = 3 * (number - 1) + 1
    return Period("quarter", date(year, first_month, 1), _month_end(year, first_month + 2))


def year(number: int) -> Period:
    return Period("year", date(number, 1, 1), date(number, 12, 31))


def custom(first: date, last: date) -> Period:
    period = Period("custom", first, last)
    if period.days > MAX_CUSTOM_DAYS:
        raise ValueError("period too long")
    return period


def last_complete_month(today: date) -> Period:
    """The month before the one `today` lies in (the default report)."""
    previous = today.replace(day=1) - timedelta(days=1)
    return month(previous.year, previous.month)


def middle_window(count: int) -> tuple[int, int]:
    """(offset, limit) of the one or two middle values among `count` sorted values.

    Lets the database return only the values the median needs (ORDER BY … LIMIT … OFFSET …).
    """
    if count <= 0:
        return 0, 0
    return (count - 1) // 2, 1 if count % 2 else 2


def median(values) -> float | None:
    """The median of numbers (None for none); the mean of the two middle ones for an even count."""
    ordered = sorted(values)
    if not ordered:
        return None
    offset, limit = middle_window(len(ordered))
    middle = ordered[offset : offset + limit]
    return sum(middle) / len(middle)
