"""Unit tests for rikscha.scheduling.intervals: Interval and the list operations."""

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rikscha.scheduling import Interval, covers, intersect, merge, subtract

BASE = datetime(2026, 5, 4, tzinfo=UTC)
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def at(hour: float) -> datetime:
    """An instant ``hour`` hours after the test day's UTC midnight."""
    return BASE + timedelta(hours=hour)


def iv(start: float, end: float) -> Interval:
    """Interval between two hour offsets of the test day."""
    return Interval(at(start), at(end))


def ivs(*pairs: tuple[float, float]) -> list[Interval]:
    return [iv(start, end) for start, end in pairs]


# --- Interval -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [(10, 10), (10, 9), (0, -1)],
    ids=["empty", "reversed", "reversed-negative"],
)
def test_interval_rejects_empty_or_reversed(start, end):
    with pytest.raises(ValueError, match="after start"):
        iv(start, end)


def test_interval_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2026, 5, 4, 9), datetime(2026, 5, 4, 10))


def test_interval_rejects_non_datetimes():
    with pytest.raises(TypeError):
        Interval(BASE.date(), at(1))  # type: ignore[arg-type]


def test_interval_normalises_other_zones_to_utc():
    berlin = ZoneInfo("Europe/Berlin")
    # Across the autumn change: same-zone subtraction would say 2 h, the truth is 3 h.
    start = datetime(2026, 10, 25, 1, 0, tzinfo=berlin)
    end = datetime(2026, 10, 25, 3, 0, tzinfo=berlin)
    interval = Interval(start, end)
    assert interval.start.tzinfo is UTC
    assert interval.end.tzinfo is UTC
    assert interval.start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert interval.duration == timedelta(hours=3)
    offset = timezone(timedelta(hours=2))
    assert Interval(at(1).astimezone(offset), at(2)) == iv(1, 2)


def test_interval_is_frozen_hashable_and_ordered():
    a, b, c = iv(1, 3), iv(1, 2), iv(0, 5)
    with pytest.raises(AttributeError):
        a.start = at(0)  # type: ignore[misc]
    assert sorted([a, b, c]) == [c, b, a]
    assert len({a, iv(1, 3)}) == 1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((9, 10), (10, 11), False),  # touching: half-open
        ((10, 11), (9, 10), False),
        ((9, 10), (9.5, 11), True),
        ((9, 12), (10, 11), True),  # contained
        ((10, 11), (9, 12), True),  # containing
        ((9, 10), (9, 10), True),  # equal
        ((9, 10), (11, 12), False),  # apart
        ((9, 10), (9.999, 10.5), True),
    ],
)
def test_overlaps(a, b, expected):
    assert iv(*a).overlaps(iv(*b)) is expected
    assert iv(*b).overlaps(iv(*a)) is expected  # symmetric


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ((9, 18), (9, 18), True),
        ((9, 18), (9, 10), True),
        ((9, 18), (17, 18), True),
        ((9, 18), (8.75, 10), False),
        ((9, 18), (17, 18.25), False),
        ((9, 18), (19, 20), False),
        ((10, 11), (9, 12), False),
    ],
)
def test_contains(outer, inner, expected):
    assert iv(*outer).contains(iv(*inner)) is expected


def test_duration():
    assert iv(9, 10.5).duration == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (15, 15, (8.75, 10.25)),
        (0, 0, (9, 10)),
        (30, 0, (8.5, 10)),
        (-15, -15, (9.25, 9.75)),
    ],
)
def test_padded(before, after, expected):
    padded = iv(9, 10).padded(timedelta(minutes=before), timedelta(minutes=after))
    assert padded == iv(*expected)


def test_padded_that_empties_raises():
    with pytest.raises(ValueError):
        iv(9, 10).padded(timedelta(minutes=-30), timedelta(minutes=-30))


# --- merge / subtract / intersect / covers ----------------------------------------


@pytest.mark.parametrize(
    ("given_pairs", "expected"),
    [
        ([], []),
        ([(9, 10)], [(9, 10)]),
        ([(11, 12), (9, 10)], [(9, 10), (11, 12)]),  # sorts
        ([(9, 10), (10, 11)], [(9, 11)]),  # touching joins
        ([(9, 11), (10, 12)], [(9, 12)]),  # overlapping joins
        ([(9, 12), (10, 11)], [(9, 12)]),  # nested
        ([(9, 10), (9, 10)], [(9, 10)]),  # duplicates
        ([(13, 14), (9, 10), (9.5, 13)], [(9, 14)]),  # chain in any order
    ],
)
def test_merge(given_pairs, expected):
    assert merge(ivs(*given_pairs)) == ivs(*expected)


@pytest.mark.parametrize(
    ("base", "cuts", "expected"),
    [
        ([(9, 18)], [], [(9, 18)]),
        ([], [(9, 10)], []),
        ([(9, 18)], [(12, 13)], [(9, 12), (13, 18)]),
        ([(9, 18)], [(8, 10)], [(10, 18)]),
        ([(9, 18)], [(17, 19)], [(9, 17)]),
        ([(9, 18)], [(8, 19)], []),
        ([(9, 18)], [(9, 18)], []),
        ([(9, 18)], [(18, 19), (7, 9)], [(9, 18)]),  # touching cuts remove nothing
        ([(9, 12), (14, 18)], [(11, 15)], [(9, 11), (15, 18)]),  # one cut, two bases
        ([(9, 18)], [(10, 11), (10.5, 12), (15, 16)], [(9, 10), (12, 15), (16, 18)]),
        ([(9, 12), (11, 14)], [(13, 15)], [(9, 13)]),  # overlapping base merged
        ([(9, 10), (11, 12), (13, 14)], [(9.5, 13.5)], [(9, 9.5), (13.5, 14)]),
    ],
)
def test_subtract(base, cuts, expected):
    assert subtract(ivs(*base), ivs(*cuts)) == ivs(*expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([], [(9, 10)], []),
        ([(9, 12)], [(11, 14)], [(11, 12)]),
        ([(9, 10)], [(10, 11)], []),  # touching: nothing in common
        ([(9, 18)], [(10, 11), (12, 13)], [(10, 11), (12, 13)]),
        ([(9, 11), (12, 14)], [(10, 13)], [(10, 11), (12, 13)]),
        ([(9, 10), (10, 11)], [(9.5, 10.5)], [(9.5, 10.5)]),  # a merged first
    ],
)
def test_intersect(a, b, expected):
    assert intersect(ivs(*a), ivs(*b)) == ivs(*expected)
    assert intersect(ivs(*b), ivs(*a)) == ivs(*expected)


@pytest.mark.parametrize(
    ("windows", "target", "expected"),
    [
        ([(9, 18)], (9, 18), True),
        ([(9, 18)], (8.75, 10), False),
        ([], (9, 10), False),
        ([(9, 12), (12, 18)], (11, 13), True),  # touching windows are continuous
        ([(9, 12), (12.25, 18)], (11, 13), False),  # a gap is not
        ([(12, 18), (9, 13)], (10, 17), True),  # unsorted, overlapping
        ([(9, 10), (11, 12)], (11, 12), True),
    ],
)
def test_covers(windows, target, expected):
    assert covers(ivs(*windows), iv(*target)) is expected


# --- properties -------------------------------------------------------------------

quarter_hours = st.integers(min_value=0, max_value=96)


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    start = draw(quarter_hours)
    length = draw(st.integers(min_value=1, max_value=24))
    return iv(start / 4, (start + length) / 4)


interval_lists = st.lists(intervals(), max_size=12)


def covered(items: list[Interval], instant: datetime) -> bool:
    return any(item.start <= instant < item.end for item in items)


# Interval ends all lie on the quarter-hour grid, so membership on the grid points
# (and the midpoints between them) decides set equality.
SAMPLES = [at(k / 8) for k in range(8 * 31)]


@PROPERTY
@given(interval_lists)
def test_merge_is_sorted_disjoint_and_same_union(items):
    merged = merge(items)
    for left, right in pairwise(merged):
        assert left.end < right.start  # sorted, not overlapping, not even touching
    for instant in SAMPLES:
        assert covered(merged, instant) == covered(items, instant)
    assert merge(merged) == merged  # idempotent


@PROPERTY
@given(interval_lists, interval_lists)
def test_subtract_is_inside_base_and_disjoint_from_cuts(base, cuts):
    result = subtract(base, cuts)
    assert result == merge(result)  # sorted, disjoint, non-touching
    for piece in result:
        assert covers(base, piece)
        assert not any(piece.overlaps(cut) for cut in cuts)
    for instant in SAMPLES:
        expected = covered(base, instant) and not covered(cuts, instant)
        assert covered(result, instant) == expected


@PROPERTY
@given(interval_lists, interval_lists)
def test_intersect_matches_pointwise_and(a, b):
    result = intersect(a, b)
    assert result == merge(result)
    for instant in SAMPLES:
        assert covered(result, instant) == (covered(a, instant) and covered(b, instant))


@PROPERTY
@given(interval_lists, intervals())
def test_covers_matches_pointwise_definition(windows, target):
    pointwise = all(covered(windows, instant) for instant in SAMPLES if target.start <= instant < target.end)
    assert covers(windows, target) == pointwise
    assert covers(windows, target) == (subtract([target], windows) == [])
