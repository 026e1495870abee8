"""Half-open time intervals in UTC and set operations on lists of them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ._localtime import UTC


@dataclass(frozen=True, order=True)
class Interval:
    """The half-open span ``[start, end)`` between two timezone-aware instants.

    Both ends are normalised to UTC on construction, so arithmetic and comparison never
    depend on the zone the caller happened to use. Intervals order by ``(start, end)``.
    An empty or reversed interval cannot exist: ``end <= start`` raises ``ValueError``.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime):
                raise TypeError(f"Interval.{name} must be a datetime, got {value!r}")
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"Interval.{name} must be timezone-aware, got {value!r}")
            if value.tzinfo is not UTC:
                # Same-tzinfo subtraction is wall-clock arithmetic; UTC keeps it exact.
                object.__setattr__(self, name, value.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError(f"Interval end {self.end} must be after start {self.start}")

    @property
    def duration(self) -> timedelta:
        """The length of the interval."""
        return self.end - self.start

    def overlaps(self, other: "Interval") -> bool:
        """Return True if the two intervals share at least one instant.

        Intervals are half-open, so ``[9:00, 10:00)`` and ``[10:00, 11:00)`` touch but do
        not overlap.
        """
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Interval") -> bool:
        """Return True if ``other`` lies entirely inside this interval (equal counts)."""
        return self.start <= other.start and other.end <= self.end

    def padded(self, before: timedelta, after: timedelta) -> "Interval":
        """Return the interval widened by ``before`` at the start and ``after`` at the end.

        Negative paddings shrink it; a result with ``end <= start`` raises ``ValueError``.
        """
        return Interval(self.start - before, self.end + after)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the union of ``intervals`` as a sorted list of disjoint intervals.

    Overlapping and touching intervals are joined, so consecutive results are separated
    by a gap of positive length. The input may be in any order and contain duplicates.
    """
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(base: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """Return the parts of the union of ``base`` not covered by any interval in ``cuts``.

    The result is sorted, disjoint and non-touching; because intervals are half-open a
    cut ``[a, b)`` leaves ``b`` itself in the result.
    """
    remaining_cuts = merge(cuts)
    result: list[Interval] = []
    first = 0
    for piece in merge(base):
        cursor = piece.start
        while first < len(remaining_cuts) and remaining_cuts[first].end <= cursor:
            first += 1
        index = first
        while index < len(remaining_cuts) and remaining_cuts[index].start < piece.end:
            cut = remaining_cuts[index]
            if cut.start > cursor:
                result.append(Interval(cursor, cut.start))
            cursor = max(cursor, cut.end)
            index += 1
        if cursor < piece.end:
            result.append(Interval(cursor, piece.end))
    return result


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Return the instants covered by both ``a`` and ``b`` as sorted disjoint intervals."""
    left, right = merge(a), merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(Interval(start, end))
        if left[i].end < right[j].end:
            i += 1
        else:
            j += 1
    return result


def covers(windows: Iterable[Interval], target: Interval) -> bool:
    """Return True if every instant of ``target`` lies in at least one of ``windows``.

    Touching windows count as continuous: ``[9, 12)`` and ``[12, 18)`` cover ``[11, 13)``.
    """
    return any(window.contains(target) for window in merge(windows))
