"""Free start times and automatic (rickshaw, driver) assignment for one local day."""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ._errors import SchedulingError
from .intervals import Interval, covers, merge, subtract
from .rules import BookingRuleError, BookingRules, check_bookable, opening_windows


class NoAssignment(SchedulingError):
    """No (rickshaw, driver) pair can take a ride.

    ``code`` is ``no_capacity`` when no rickshaw of the day has enough seats and enough
    remaining riding minutes (at any time), otherwise ``slot_taken``.
    """


@dataclass(frozen=True)
class RickshawState:
    """An in-service rickshaw as seen by the scheduler for one local day.

    ``booked_minutes`` are the riding minutes of its non-cancelled rides that day;
    ``blocks`` are the periods it is unavailable: existing rides' blocked periods
    ``[start - buffer, end + buffer)`` and maintenance blocks. Grounded or retired
    rickshaws are left out of the plan by the caller.
    """

    id: int
    seats: int
    kind: str
    odometer: int
    capacity_minutes: int
    booked_minutes: int
    blocks: tuple[Interval, ...]


@dataclass(frozen=True)
class DriverState:
    """An active driver as seen by the scheduler for one local day.

    ``windows`` are the UTC periods the driver is available that day (absences already
    removed), ``blocks`` the blocked periods of their rides, and ``week_minutes`` the
    riding minutes booked for them in that ISO week.
    """

    id: int
    qualified_kinds: frozenset[str]
    windows: tuple[Interval, ...]
    blocks: tuple[Interval, ...]
    week_minutes: int


@dataclass(frozen=True)
class DayPlan:
    """Everything the scheduler needs about one local ``day``: rules, rickshaws, drivers."""

    day: date
    rules: BookingRules
    rickshaws: tuple[RickshawState, ...]
    drivers: tuple[DriverState, ...]


@dataclass(frozen=True)
class Assignment:
    """The pair chosen for a ride, the ride itself and the period it blocks for both."""

    rickshaw_id: int
    driver_id: int
    ride: Interval
    blocked: Interval


def blocked_period(start: datetime, duration_minutes: int, rules: BookingRules) -> Interval:
    """Return ``[start - buffer, start + duration + buffer)``, what a ride blocks.

    This is the period that must not overlap any other blocked period of the same
    rickshaw or driver; the database constraint uses the same range.
    """
    ride = Interval(start, start + timedelta(minutes=duration_minutes))
    return ride.padded(rules.buffer, rules.buffer)


def candidate_starts(plan: DayPlan) -> list[datetime]:
    """Return every start offered on ``plan.day``, sorted, as UTC instants.

    These are the instants ``window.start + k * slot_step`` that lie inside an opening
    window (``k >= 0``), regardless of ride duration, lead time or availability.
    """
    step = plan.rules.slot_step
    starts: set[datetime] = set()
    for window in opening_windows(plan.day, plan.rules):
        current = window.start
        while current < window.end:
            starts.add(current)
            current += step
    return sorted(starts)


def eligible_pairs(
    plan: DayPlan, start: datetime, duration_minutes: int, passengers: int
) -> list[tuple[RickshawState, DriverState]]:
    """Return every (rickshaw, driver) pair that could take the ride, best first.

    A rickshaw is eligible if it has at least ``passengers`` seats, its booked minutes
    plus ``duration_minutes`` fit its daily capacity, and none of its blocks overlaps the
    ride's blocked period. A driver is eligible for it if qualified for the rickshaw's
    kind, available for the whole blocked period and not blocked during it. Booking
    rules (hours, lead time…) are not checked here; see ``rules.check_bookable``.

    Order (deterministic): driver's week minutes ascending, then rickshaw odometer
    ascending, then driver id, then rickshaw id.
    """
    blocked = blocked_period(start, duration_minutes, plan.rules)
    rickshaws = [
        rickshaw
        for rickshaw in plan.rickshaws
        if _fits_day(rickshaw, duration_minutes, passengers)
        and not any(block.overlaps(blocked) for block in rickshaw.blocks)
    ]
    drivers = [
        driver
        for driver in plan.drivers
        if covers(driver.windows, blocked) and not any(block.overlaps(blocked) for block in driver.blocks)
    ]
    pairs = [
        (rickshaw, driver)
        for rickshaw in rickshaws
        for driver in drivers
        if rickshaw.kind in driver.qualified_kinds
    ]
    pairs.sort(
        key=lambda pair: (
            pair[1].week_minutes,
            pair[0].odometer,
            pair[1].id,
            pair[0].id,
        )
    )
    return pairs


def _best_pair(
    plan: DayPlan, blocked: Interval, duration_minutes: int, passengers: int
) -> tuple[RickshawState, DriverState] | None:
    """``eligible_pairs(...)[0]`` without building and sorting every pair.

    A large roster gives thousands of pairs (50 rickshaws × 250 drivers). The order is driver's
    week minutes, rickshaw odometer, driver id, rickshaw id: so for each kind only its best
    rickshaw matters, and only the drivers with the fewest week minutes among those who can
    drive one of those rickshaws.
    """
    best_of_kind: dict[str, RickshawState] = {}
    for rickshaw in plan.rickshaws:
        if _fits_day(rickshaw, duration_minutes, passengers) and not any(
            block.overlaps(blocked) for block in rickshaw.blocks
        ):
            current = best_of_kind.get(rickshaw.kind)
            if current is None or (rickshaw.odometer, rickshaw.id) < (current.odometer, current.id):
                best_of_kind[rickshaw.kind] = rickshaw
    if not best_of_kind:
        return None
    best: tuple[tuple[int, int, int, int], RickshawState, DriverState] | None = None
    for driver in plan.drivers:
        if best is not None and driver.week_minutes > best[0][0]:
            continue
        kinds = [kind for kind in driver.qualified_kinds if kind in best_of_kind]
        if not kinds or not covers(driver.windows, blocked):
            continue
        if any(block.overlaps(blocked) for block in driver.blocks):
            continue
        rickshaw = min((best_of_kind[kind] for kind in kinds), key=lambda r: (r.odometer, r.id))
        key = (driver.week_minutes, rickshaw.odometer, driver.id, rickshaw.id)
        if best is None or key < best[0]:
            best = (key, rickshaw, driver)
    return None if best is None else (best[1], best[2])


def assign(plan: DayPlan, start: datetime, duration_minutes: int, passengers: int) -> Assignment:
    """Return the assignment for a ride: the first pair of ``eligible_pairs``.

    Raises ``NoAssignment("no_capacity")`` if no rickshaw of the plan has enough seats
    and remaining daily riding minutes at all, and ``NoAssignment("slot_taken")`` if
    some have but no pair is free at this time. Booking rules are not checked here.
    """
    blocked = blocked_period(start, duration_minutes, plan.rules)
    pair = _best_pair(plan, blocked, duration_minutes, passengers)
    if pair is None:
        if not any(_fits_day(r, duration_minutes, passengers) for r in plan.rickshaws):
            raise NoAssignment("no_capacity", start=start, duration_minutes=duration_minutes)
        raise NoAssignment("slot_taken", start=start, duration_minutes=duration_minutes)
    rickshaw, driver = pair
    return Assignment(
        rickshaw_id=rickshaw.id,
        driver_id=driver.id,
        ride=Interval(start, start + timedelta(minutes=duration_minutes)),
        blocked=blocked,
    )


def free_starts(
    plan: DayPlan,
    duration_minutes: int,
    passengers: int,
    now: datetime,
    *,
    privileged: bool = False,
) -> list[datetime]:
    """Return the starts of ``candidate_starts(plan)`` at which the ride can be booked.

    A start is free if ``check_bookable`` passes for it (with ``now`` and
    ``privileged``) and ``assign`` would find a pair: ``assignable_starts`` filtered by
    the booking rules.
    """
    return bookable_among(
        assignable_starts(plan, duration_minutes, passengers),
        plan.rules,
        duration_minutes,
        passengers,
        now,
        privileged=privileged,
    )


def bookable_among(
    starts: Iterable[datetime],
    rules: BookingRules,
    duration_minutes: int,
    passengers: int,
    now: datetime,
    *,
    privileged: bool = False,
) -> list[datetime]:
    """The ``starts`` that pass ``check_bookable`` at ``now`` (the part of free_starts that moves with time)."""
    windows: dict[date, list[Interval]] = {}

    def _windows_of(day: date, rules: BookingRules) -> list[Interval]:
        if day not in windows:
            windows[day] = opening_windows(day, rules)
        return windows[day]

    result = []
    for start in starts:
        try:
            check_bookable(
                start, duration_minutes, passengers, rules, now, privileged=privileged, windows_of=_windows_of
            )
        except BookingRuleError:
            continue
        result.append(start)
    return result


def assignable_starts(plan: DayPlan, duration_minutes: int, passengers: int) -> list[datetime]:
    """Return the starts of ``candidate_starts(plan)`` at which ``assign`` would find a pair.

    Booking rules (lead time, past, hours) are not checked: the result depends on the plan
    alone, so it can be kept as long as the plan. Computed without building pairs: each
    rickshaw's blocks and each driver's free time (windows minus blocks) are merged once, and
    every start is tested with binary search, stopping at the first rickshaw of each kind and
    the first matching driver.
    """
    rules = plan.rules
    rickshaws_by_kind: dict[str, list[_Busy]] = {}
    for rickshaw in plan.rickshaws:
        if _fits_day(rickshaw, duration_minutes, passengers):
            rickshaws_by_kind.setdefault(rickshaw.kind, []).append(_Busy(rickshaw.blocks))
    kinds_with_capacity = frozenset(rickshaws_by_kind)
    drivers: list[tuple[frozenset[str], _Free]] = []
    # Only whether *some* driver is free matters here: drivers without rides that share their
    # windows and usable kinds (most of a large roster) are one candidate, not hundreds.
    unbooked_seen: set[tuple[frozenset[str], tuple[Interval, ...]]] = set()
    for driver in plan.drivers:
        usable_kinds = driver.qualified_kinds & kinds_with_capacity
        if not usable_kinds:
            continue
        if not driver.blocks:
            key = (usable_kinds, driver.windows)
            if key in unbooked_seen:
                continue
            unbooked_seen.add(key)
        free = _Free(driver.windows, driver.blocks)
        if free.starts:
            drivers.append((usable_kinds, free))
    if not drivers:
        return []

    result = []
    for start in candidate_starts(plan):
        blocked = blocked_period(start, duration_minutes, rules)
        kinds = {
            kind
            for kind, busy_list in rickshaws_by_kind.items()
            if any(busy.is_free(blocked) for busy in busy_list)
        }
        if any(kinds & driver_kinds and free.covers(blocked) for driver_kinds, free in drivers):
            result.append(start)
    return result


def rider_conflict(existing: Iterable[Interval], new: Interval) -> bool:
    """Return True if ride ``new`` overlaps one of the rider's ``existing`` rides.

    Compares the rides themselves, without buffers: a rider may end one ride at 11:00
    and start the next at 11:00.
    """
    return any(ride.overlaps(new) for ride in existing)


def _fits_day(rickshaw: RickshawState, duration_minutes: int, passengers: int) -> bool:
    return (
        rickshaw.seats >= passengers
        and rickshaw.booked_minutes + duration_minutes <= rickshaw.capacity_minutes
    )


class _Busy:
    """Merged blocks of one resource, searchable by binary search."""

    def __init__(self, blocks: Sequence[Interval]) -> None:
        merged = merge(blocks)
        self.starts = [block.start for block in merged]
        self.ends = [block.end for block in merged]

    def is_free(self, period: Interval) -> bool:
        """Return True if no block overlaps ``period``."""
        # The first block ending after period.start is the only candidate for overlap.
        index = bisect_right(self.ends, period.start)
        return index == len(self.ends) or self.starts[index] >= period.end


class _Free:
    """Merged free time (windows minus blocks) of one driver, searchable by bisection."""

    def __init__(self, windows: Sequence[Interval], blocks: Sequence[Interval]) -> None:
        free = subtract(windows, blocks)
        self.starts = [piece.start for piece in free]
        self.ends = [piece.end for piece in free]

    def covers(self, period: Interval) -> bool:
        """Return True if one free piece contains all of ``period``."""
        index = bisect_right(self.starts, period.start) - 1
        return index >= 0 and self.ends[index] >= period.end
