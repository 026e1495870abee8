"""Unit tests for rikscha.scheduling.availability: starts, eligibility and assignment."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rikscha.scheduling import (
    Assignment,
    BookingRuleError,
    BookingRules,
    DayPlan,
    DriverState,
    Interval,
    NoAssignment,
    RickshawState,
    SchedulingError,
    assign,
    blocked_period,
    bookable_among,
    candidate_starts,
    check_bookable,
    eligible_pairs,
    free_starts,
    local_day_bounds,
    rider_conflict,
)

PROPERTY = settings(max_examples=200, deadline=None, database=None)
RULES = BookingRules.default()
EVERY_DAY = replace(RULES, opening_hours={d: ((time(9), time(18)),) for d in range(7)})
DAY = date(2026, 5, 5)  # a Tuesday in summer time: open 07:00–16:00 UTC
NOW = datetime(2026, 5, 1, 8, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def on_day(hour: int, minute: int = 0) -> datetime:
    """A UTC instant on DAY."""
    return utc(DAY.year, DAY.month, DAY.day, hour, minute)


def span(start: tuple[int, int], end: tuple[int, int]) -> Interval:
    return Interval(on_day(*start), on_day(*end))


def rickshaw(
    rickshaw_id: int = 1,
    *,
    seats: int = 2,
    kind: str = "trike",
    odometer: int = 0,
    capacity: int = 480,
    booked: int = 0,
    blocks: tuple[Interval, ...] = (),
) -> RickshawState:
    return RickshawState(
        id=rickshaw_id,
        seats=seats,
        kind=kind,
        odometer=odometer,
        capacity_minutes=capacity,
        booked_minutes=booked,
        blocks=blocks,
    )


WHOLE_SHIFT = (span((6, 0), (17, 0)),)  # 08:00–19:00 local: covers every buffer


def driver(
    driver_id: int = 1,
    *,
    kinds: tuple[str, ...] = ("trike",),
    windows: tuple[Interval, ...] = WHOLE_SHIFT,
    blocks: tuple[Interval, ...] = (),
    week: int = 0,
) -> DriverState:
    return DriverState(
        id=driver_id,
        qualified_kinds=frozenset(kinds),
        windows=windows,
        blocks=blocks,
        week_minutes=week,
    )


def plan(
    rickshaws: tuple[RickshawState, ...] = (),
    drivers: tuple[DriverState, ...] = (),
    *,
    day: date = DAY,
    rules: BookingRules = RULES,
) -> DayPlan:
    return DayPlan(day=day, rules=rules, rickshaws=rickshaws, drivers=drivers)


# --- candidate_starts -------------------------------------------------------------------


def quarter_hours(first: datetime, last: datetime) -> list[datetime]:
    count = (last - first) // timedelta(minutes=15) + 1
    return [first + k * timedelta(minutes=15) for k in range(count)]


@pytest.mark.parametrize(
    ("day_plan", "expected"),
    [
        (plan(), quarter_hours(on_day(7), on_day(15, 45))),
        (plan(day=date(2026, 5, 10)), []),  # Sunday
        (
            plan(day=date(2026, 3, 29), rules=EVERY_DAY),
            quarter_hours(utc(2026, 3, 29, 7), utc(2026, 3, 29, 15, 45)),
        ),
        (
            plan(day=date(2026, 10, 25), rules=EVERY_DAY),
            quarter_hours(utc(2026, 10, 25, 8), utc(2026, 10, 25, 16, 45)),
        ),
        (
            plan(
                rules=replace(
                    RULES,
                    opening_hours={1: ((time(13), time(14)), (time(9), time(10)))},
                    slot_step=timedelta(minutes=20),
                )
            ),
            [on_day(7), on_day(7, 20), on_day(7, 40), on_day(11), on_day(11, 20), on_day(11, 40)],
        ),
        (
            plan(
                rules=replace(
                    RULES,
                    opening_hours={1: ((time(9, 10), time(10, 11)),)},
                    slot_step=timedelta(minutes=30),
                )
            ),
            [on_day(7, 10), on_day(7, 40), on_day(8, 10)],
        ),
    ],
    ids=["tuesday", "sunday", "spring-dst", "autumn-dst", "two-windows", "odd-window"],
)
def test_candidate_starts(day_plan, expected):
    assert candidate_starts(day_plan) == expected


def test_default_day_has_36_candidate_starts():
    assert len(candidate_starts(plan())) == 36


# --- eligible_pairs / assign --------------------------------------------------------------


def test_blocked_period_adds_the_buffer_on_both_sides():
    assert blocked_period(on_day(8), 60, RULES) == span((7, 45), (9, 15))


START = on_day(10)  # 12:00 local; a 60-minute ride blocks 09:45–11:15 UTC


@pytest.mark.parametrize(
    ("rickshaw_state", "driver_state", "passengers", "eligible"),
    [
        (rickshaw(), driver(), 1, True),
        (rickshaw(seats=1), driver(), 2, False),
        (rickshaw(seats=1), driver(), 1, True),
        (rickshaw(capacity=120, booked=60), driver(), 1, True),  # exactly full
        (rickshaw(capacity=120, booked=61), driver(), 1, False),
        # rickshaw blocks: touching the blocked period is fine, overlapping is not
        (rickshaw(blocks=(span((8, 0), (9, 45)),)), driver(), 1, True),
        (rickshaw(blocks=(span((8, 0), (9, 46)),)), driver(), 1, False),
        (rickshaw(blocks=(span((11, 15), (12, 0)),)), driver(), 1, True),
        (rickshaw(blocks=(span((11, 14), (12, 0)),)), driver(), 1, False),
        (rickshaw(blocks=(span((10, 20), (10, 30)),)), driver(), 1, False),  # inside
        # driver qualification, availability and blocks
        (rickshaw(kind="cargo"), driver(), 1, False),
        (rickshaw(kind="cargo"), driver(kinds=("trike", "cargo")), 1, True),
        (rickshaw(), driver(windows=(span((10, 0), (16, 0)),)), 1, False),  # buffer out
        (rickshaw(), driver(windows=(span((9, 45), (11, 15)),)), 1, True),  # exact
        (
            rickshaw(),
            driver(windows=(span((9, 45), (10, 30)), span((10, 30), (11, 15)))),
            1,
            True,
        ),  # touching windows are continuous
        (
            rickshaw(),
            driver(windows=(span((9, 45), (10, 30)), span((10, 31), (11, 15)))),
            1,
            False,
        ),
        (rickshaw(), driver(blocks=(span((11, 0), (12, 0)),)), 1, False),
        (rickshaw(), driver(blocks=(span((11, 15), (12, 0)),)), 1, True),
        (rickshaw(), driver(windows=()), 1, False),
    ],
)
def test_eligibility(rickshaw_state, driver_state, passengers, eligible):
    day_plan = plan((rickshaw_state,), (driver_state,))
    pairs = eligible_pairs(day_plan, START, 60, passengers)
    assert pairs == ([(rickshaw_state, driver_state)] if eligible else [])
    starts = free_starts(day_plan, 60, passengers, NOW)
    assert (START in starts) is eligible


def test_pairs_are_ordered_by_week_minutes_then_odometer_then_ids():
    r_far, r_near, r_near_too = (
        rickshaw(1, odometer=900),
        rickshaw(2, odometer=100),
        rickshaw(3, odometer=100),
    )
    d_busy, d_idle, d_idle_too = driver(1, week=300), driver(7, week=60), driver(4, week=60)
    day_plan = plan((r_far, r_near, r_near_too), (d_busy, d_idle, d_idle_too))
    pairs = eligible_pairs(day_plan, START, 60, 1)
    assert [(r.id, d.id) for r, d in pairs] == [
        (2, 4),
        (3, 4),
        (2, 7),  # same week minutes: the lower odometer beats the lower driver id
        (3, 7),
        (1, 4),
        (1, 7),
        (2, 1),
        (3, 1),
        (1, 1),
    ]
    result = assign(day_plan, START, 60, 1)
    assert result == Assignment(
        rickshaw_id=2,
        driver_id=4,
        ride=span((10, 0), (11, 0)),
        blocked=span((9, 45), (11, 15)),
    )


def test_assignment_skips_drivers_not_qualified_for_the_best_rickshaw():
    day_plan = plan(
        (rickshaw(1, kind="cargo", odometer=0), rickshaw(2, kind="trike", odometer=50)),
        (driver(1, kinds=("trike",), week=0), driver(2, kinds=("cargo",), week=100)),
    )
    assert (assign(day_plan, START, 60, 1).rickshaw_id, assign(day_plan, START, 60, 1).driver_id) == (
        2,
        1,
    )


@pytest.mark.parametrize(
    ("rickshaws", "drivers", "passengers", "code"),
    [
        ((), (driver(),), 1, "no_capacity"),
        ((rickshaw(seats=1),), (driver(),), 2, "no_capacity"),
        ((rickshaw(capacity=60, booked=30),), (driver(),), 1, "no_capacity"),
        # capacity exists elsewhere in the day, but not at this time
        ((rickshaw(blocks=(span((10, 0), (10, 30)),)),), (driver(),), 1, "slot_taken"),
        ((rickshaw(),), (), 1, "slot_taken"),
        ((rickshaw(),), (driver(blocks=(span((9, 0), (10, 0)),)),), 1, "slot_taken"),
        ((rickshaw(seats=1), rickshaw(2, blocks=(span((9, 0), (12, 0)),))), (driver(),), 2, "slot_taken"),
    ],
)
def test_assign_failures(rickshaws, drivers, passengers, code):
    with pytest.raises(NoAssignment) as caught:
        assign(plan(rickshaws, drivers), START, 60, passengers)
    assert caught.value.code == code
    assert isinstance(caught.value, SchedulingError)


# --- free_starts --------------------------------------------------------------------------

ONE_RIDE_BOOKED = plan(
    (rickshaw(blocks=(span((7, 45), (9, 15)),), booked=60),),  # ride 08:00–09:00 UTC
    (driver(blocks=(span((7, 45), (9, 15)),)),),
)


@pytest.mark.parametrize(
    ("day_plan", "minutes", "passengers", "now", "privileged", "expected"),
    [
        (plan((rickshaw(),), (driver(),)), 60, 1, NOW, False, quarter_hours(on_day(7), on_day(15))),
        (plan((rickshaw(),), (driver(),)), 120, 2, NOW, False, quarter_hours(on_day(7), on_day(14))),
        (ONE_RIDE_BOOKED, 60, 1, NOW, False, quarter_hours(on_day(9, 30), on_day(15))),
        # 07:00–07:30 blocks 06:45–07:45, which touches the booked 07:45–09:15
        (
            ONE_RIDE_BOOKED,
            30,
            1,
            NOW,
            False,
            [on_day(7)] + quarter_hours(on_day(9, 30), on_day(15, 30)),
        ),
        # lead time: now is the day before at 10:00 UTC
        (
            plan((rickshaw(),), (driver(),)),
            60,
            1,
            utc(2026, 5, 4, 10),
            False,
            quarter_hours(on_day(10), on_day(15)),
        ),
        # coordinators may book from now on, but not in the past
        (
            plan((rickshaw(),), (driver(),)),
            60,
            1,
            on_day(12, 5),
            True,
            quarter_hours(on_day(12, 15), on_day(15)),
        ),
        (plan((rickshaw(),), (driver(),)), 60, 1, on_day(12, 5), False, []),
        (plan((rickshaw(),), (driver(),)), 45, 1, NOW, False, []),  # invalid duration
        (plan((rickshaw(),), (driver(),)), 60, 3, NOW, False, []),  # too many passengers
        (plan((rickshaw(seats=1),), (driver(),)), 60, 2, NOW, False, []),
        (plan((rickshaw(capacity=90, booked=60),), (driver(),)), 60, 1, NOW, False, []),
        (plan((rickshaw(),), (driver(kinds=("cargo",)),)), 60, 1, NOW, False, []),
        (plan((rickshaw(),), ()), 60, 1, NOW, False, []),
        (plan((), (driver(),)), 60, 1, NOW, False, []),
        (plan((rickshaw(),), (driver(),), day=date(2026, 5, 10)), 60, 1, NOW, False, []),
        # the driver's shift decides the edges: 09:00–13:00 local is 07:00–11:00 UTC
        (
            plan((rickshaw(),), (driver(windows=(span((7, 0), (11, 0)),)),)),
            60,
            1,
            NOW,
            False,
            quarter_hours(on_day(7, 15), on_day(9, 45)),
        ),
        # two drivers covering each other's gaps
        (
            plan(
                (rickshaw(),),
                (
                    driver(1, windows=(span((6, 0), (10, 0)),)),
                    driver(2, windows=(span((10, 0), (17, 0)),)),
                ),
            ),
            60,
            1,
            NOW,
            False,
            quarter_hours(on_day(7), on_day(8, 45)) + quarter_hours(on_day(10, 15), on_day(15)),
        ),
        # DST day: open 07:00–16:00 UTC
        (
            plan(
                (rickshaw(),),
                (driver(windows=(Interval(utc(2026, 3, 29, 0), utc(2026, 3, 30, 0)),)),),
                day=date(2026, 3, 29),
                rules=EVERY_DAY,
            ),
            90,
            1,
            utc(2026, 3, 20),
            False,
            quarter_hours(utc(2026, 3, 29, 7), utc(2026, 3, 29, 14, 30)),
        ),
        (
            plan(
                (rickshaw(),),
                (driver(windows=(Interval(utc(2026, 10, 25, 0), utc(2026, 10, 26, 0)),)),),
                day=date(2026, 10, 25),
                rules=EVERY_DAY,
            ),
            90,
            1,
            utc(2026, 10, 20),
            False,
            quarter_hours(utc(2026, 10, 25, 8), utc(2026, 10, 25, 15, 30)),
        ),
    ],
)
def test_free_starts(day_plan, minutes, passengers, now, privileged, expected):
    assert free_starts(day_plan, minutes, passengers, now, privileged=privileged) == expected


@pytest.mark.parametrize(
    ("existing", "new", "conflict"),
    [
        ([], span((9, 0), (10, 0)), False),
        ([span((8, 0), (9, 0))], span((9, 0), (10, 0)), False),  # back to back, no buffer
        ([span((8, 0), (9, 1))], span((9, 0), (10, 0)), True),
        ([span((11, 0), (12, 0)), span((9, 30), (9, 45))], span((9, 0), (10, 0)), True),
        ([span((10, 0), (11, 0))], span((9, 0), (10, 0)), False),
    ],
)
def test_rider_conflict(existing, new, conflict):
    assert rider_conflict(existing, new) is conflict


# --- properties ---------------------------------------------------------------------------

KINDS = ("trike", "cargo")
# (day, rules): an ordinary Tuesday and Saturday, both DST change days, a closed Sunday.
PROPERTY_DAYS = (
    (date(2026, 5, 5), RULES),
    (date(2026, 5, 9), EVERY_DAY),
    (date(2026, 3, 29), EVERY_DAY),
    (date(2026, 10, 25), EVERY_DAY),
    (date(2026, 5, 10), RULES),
)
QUARTER = timedelta(minutes=15)


@st.composite
def spans_on(draw: st.DrawFn, day_start: datetime, longest: int = 16) -> Interval:
    first = draw(st.integers(min_value=0, max_value=100))
    length = draw(st.integers(min_value=1, max_value=longest))
    return Interval(day_start + first * QUARTER, day_start + (first + length) * QUARTER)


@st.composite
def day_plans(draw: st.DrawFn) -> DayPlan:
    day, rules = draw(st.sampled_from(PROPERTY_DAYS))
    bounds = local_day_bounds(day, rules.tz)
    blocks = st.lists(spans_on(bounds.start), max_size=3).map(tuple)
    rickshaws = tuple(
        RickshawState(
            id=index,
            seats=draw(st.integers(min_value=1, max_value=2)),
            kind=draw(st.sampled_from(KINDS)),
            odometer=draw(st.integers(min_value=0, max_value=3)),
            capacity_minutes=draw(st.sampled_from((60, 120, 240, 480))),
            booked_minutes=draw(st.sampled_from((0, 0, 30, 60))),
            blocks=draw(blocks),
        )
        for index in range(1, draw(st.integers(min_value=1, max_value=4)) + 1)
    )
    windows = st.one_of(
        st.just((bounds,)),
        st.lists(spans_on(bounds.start, longest=40), min_size=1, max_size=3).map(tuple),
    )
    drivers = tuple(
        DriverState(
            id=index,
            qualified_kinds=frozenset(draw(st.sets(st.sampled_from(KINDS), min_size=1))),
            windows=draw(windows),
            blocks=draw(blocks),
            week_minutes=draw(st.integers(min_value=0, max_value=3)) * 60,
        )
        for index in range(1, draw(st.integers(min_value=1, max_value=4)) + 1)
    )
    return DayPlan(day=day, rules=rules, rickshaws=rickshaws, drivers=drivers)


def with_bookings(base: DayPlan, bookings: list[tuple[Assignment, int]]) -> DayPlan:
    """``base`` plus the given assignments, as the service would load it back."""
    return replace(
        base,
        rickshaws=tuple(
            replace(
                r,
                booked_minutes=r.booked_minutes
                + sum(minutes for a, minutes in bookings if a.rickshaw_id == r.id),
                blocks=r.blocks + tuple(a.blocked for a, _ in bookings if a.rickshaw_id == r.id),
            )
            for r in base.rickshaws
        ),
        drivers=tuple(
            replace(
                d,
                week_minutes=d.week_minutes + sum(minutes for a, minutes in bookings if a.driver_id == d.id),
                blocks=d.blocks + tuple(a.blocked for a, _ in bookings if a.driver_id == d.id),
            )
            for d in base.drivers
        ),
    )


book = st.tuples(
    st.just("book"),
    st.integers(min_value=28, max_value=76),  # quarter hours after local midnight
    st.sampled_from((30, 60, 90, 120)),
    st.integers(min_value=1, max_value=2),
)
cancel = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50))
operations = st.lists(st.one_of(book, book, book, cancel), min_size=3, max_size=30)


@PROPERTY
@given(day_plans(), operations)
def test_booking_and_cancelling_never_double_books(base, ops):
    day_start = local_day_bounds(base.day, base.rules.tz).start
    bookings: list[tuple[Assignment, int, int]] = []
    for op in ops:
        if op[0] == "cancel":
            if bookings:
                bookings.pop(op[1] % len(bookings))
            continue
        _, quarter, minutes, passengers = op
        current = with_bookings(base, [(a, m) for a, m, _ in bookings])
        try:
            result = assign(current, day_start + quarter * QUARTER, minutes, passengers)
        except NoAssignment as error:
            fits = [
                r
                for r in current.rickshaws
                if r.seats >= passengers and r.booked_minutes + minutes <= r.capacity_minutes
            ]
            assert error.code == ("slot_taken" if fits else "no_capacity")
            continue
        bookings.append((result, minutes, passengers))

        # Invariants over everything booked so far.
        rickshaws = {r.id: r for r in base.rickshaws}
        drivers = {d.id: d for d in base.drivers}
        for resource in ("rickshaw_id", "driver_id"):
            periods: dict[int, list[Interval]] = {}
            for a, _, _ in bookings:
                periods.setdefault(getattr(a, resource), []).append(a.blocked)
            for same_resource in periods.values():
                for index, left in enumerate(same_resource):
                    assert not any(left.overlaps(right) for right in same_resource[index + 1 :])
        for a, _, p in bookings:
            r, d = rickshaws[a.rickshaw_id], drivers[a.driver_id]
            assert not any(block.overlaps(a.blocked) for block in r.blocks)
            assert not any(block.overlaps(a.blocked) for block in d.blocks)
            assert r.seats >= p
            assert r.kind in d.qualified_kinds
            assert any(w.contains(a.blocked) for w in merge_windows(d.windows))
        for r in base.rickshaws:
            used = sum(m for a, m, _ in bookings if a.rickshaw_id == r.id)
            assert r.booked_minutes + used <= r.capacity_minutes or used == 0


def merge_windows(windows: tuple[Interval, ...]) -> list[Interval]:
    merged: list[Interval] = []
    for window in sorted(windows):
        if merged and window.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, window.end))
        else:
            merged.append(window)
    return merged


@PROPERTY
@given(
    day_plans(),
    st.sampled_from((30, 60, 90, 120, 45)),
    st.sampled_from((1, 2, 1, 3)),
    st.one_of(
        st.sampled_from((-48, -30, -20, 2)).map(lambda h: h * timedelta(hours=1)),
        st.integers(min_value=-3 * 24 * 4, max_value=16 * 4).map(lambda q: q * QUARTER),
    ),
    st.booleans(),
)
def test_free_starts_is_exactly_bookable_and_assignable(day_plan, minutes, passengers, offset, privileged):
    now = local_day_bounds(day_plan.day, day_plan.rules.tz).start + offset
    expected = []
    for start in candidate_starts(day_plan):
        try:
            check_bookable(start, minutes, passengers, day_plan.rules, now, privileged=privileged)
            assign(day_plan, start, minutes, passengers)
        except (BookingRuleError, NoAssignment):
            continue
        expected.append(start)
    assert free_starts(day_plan, minutes, passengers, now, privileged=privileged) == expected


@settings(max_examples=1000, deadline=None, database=None)
@given(day_plans(), st.sampled_from((30, 60, 90, 120)), st.sampled_from((1, 2)), st.integers(0, 40))
def test_assign_takes_the_first_eligible_pair(day_plan, minutes, passengers, quarter):
    start = local_day_bounds(day_plan.day, day_plan.rules.tz).start + timedelta(hours=7) + quarter * QUARTER
    pairs = eligible_pairs(day_plan, start, minutes, passengers)
    try:
        chosen = assign(day_plan, start, minutes, passengers)
    except NoAssignment:
        assert pairs == []
        return
    assert pairs, "assign found a pair that eligible_pairs does not list"
    assert (chosen.rickshaw_id, chosen.driver_id) == (pairs[0][0].id, pairs[0][1].id)


@PROPERTY
@given(
    st.lists(st.integers(min_value=0, max_value=9 * 24 * 4), max_size=40).map(
        lambda quarters: [utc(2026, 3, 24) + q * QUARTER for q in quarters]  # across the spring DST change
    ),
    st.sampled_from((30, 60, 120)),
    st.booleans(),
)
def test_bookable_among_is_check_bookable_for_starts_on_many_days(starts, minutes, privileged):
    rules = replace(RULES, closed_days=frozenset({date(2026, 3, 27)}))
    now = utc(2026, 3, 23, 12)
    expected = []
    for start in starts:
        try:
            check_bookable(start, minutes, 1, rules, now, privileged=privileged)
        except BookingRuleError:
            continue
        expected.append(start)
    assert bookable_among(starts, rules, minutes, 1, now, privileged=privileged) == expected
