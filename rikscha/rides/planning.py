"""Loading one local day's scheduling state from the database (a fixed handful of queries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import and_, func, select

from rikscha.auth.models import User, UserRole
from rikscha.auth.roles import Role
from rikscha.extensions import db
from rikscha.rides.models import (
    DriverAbsence,
    DriverAvailability,
    DriverProfile,
    DriverQualification,
)
from rikscha.rides.plan_cache import cached_roster
from rikscha.rides.plan_queries import (
    active_rides_between,
    driver_minutes_between,
    rickshaw_blocks_between,
    rickshaw_minutes_between,
    rickshaws_in_service,
)
from rikscha.scheduling import (
    BookingRules,
    DayPlan,
    DriverState,
    Interval,
    RickshawState,
    WeeklyWindow,
    covers,
    expand_weekly,
    local_day_bounds,
)


def _week_minutes(day: date, rules: BookingRules, exclude_ride_id: int | None) -> dict[int, int]:
    """Booked minutes per driver in `day`'s week, summed by the database (one row per driver)."""
    monday = day - timedelta(days=day.weekday())
    start = local_day_bounds(monday, rules.tz).start
    end = local_day_bounds(monday + timedelta(days=6), rules.tz).end
    return driver_minutes_between(start, end, exclude_ride_id)


def load_day_plan(
    day: date,
    rules: BookingRules,
    *,
    exclude_ride_id: int | None = None,
    skip_overdue: bool | None = None,
    with_week_minutes: bool = True,
) -> DayPlan:
    """Everything the scheduler needs for `day`; `exclude_ride_id` leaves one ride out (reassigning).

    Rickshaws past their service interval are left out when `skip_overdue` is true (default: the
    office's setting "block booking when overdue"). The drivers' booked minutes of the week only
    order the pairs when assigning; listing free times (`with_week_minutes=False`) skips them.
    """
    bounds = local_day_bounds(day, rules.tz)
    # Rides reaching into the day through their buffers block it too.
    margin = rules.buffer + timedelta(hours=4)
    rides = active_rides_between(
        bounds.start - margin, bounds.end + margin, bounds.start, bounds.end, exclude_ride_id
    )
    rickshaw_blocks: dict[int, list[Interval]] = defaultdict(list)
    driver_blocks: dict[int, list[Interval]] = defaultdict(list)
    booked_minutes: dict[int, int] = defaultdict(int)
    for rickshaw_id, driver_id, blocked_from, blocked_until, minutes_on_day in rides:
        blocked = Interval(blocked_from, blocked_until)
        if rickshaw_id is not None:
            rickshaw_blocks[rickshaw_id].append(blocked)
            booked_minutes[rickshaw_id] += round(minutes_on_day or 0)  # whole minutes; SQLite's are floats
        if driver_id is not None:
            driver_blocks[driver_id].append(blocked)
    roster = _roster(day, rules)
    week = _week_minutes(day, rules, exclude_ride_id) if with_week_minutes and roster else {}
    return DayPlan(
        day=day,
        rules=rules,
        rickshaws=_rickshaw_states(day, bounds, rickshaw_blocks, booked_minutes, skip_overdue),
        drivers=tuple(
            DriverState(
                id=driver.id,
                qualified_kinds=driver.qualified_kinds,
                windows=driver.windows,
                blocks=tuple(sorted(driver_blocks[driver.id])),
                week_minutes=week.get(driver.id, 0),
            )
            for driver in roster
        ),
    )


def load_period_plan(day: date, rules: BookingRules, period: Interval) -> DayPlan:
    """What `assign` needs to place one ride blocking `period` on `day`, and no more.

    `assign` answers with it exactly as with `load_day_plan(day, rules)` (tested), for less work
    under the day's lock: rickshaws keep their riding minutes of the whole day but only the
    blocks touching `period`; drivers are only those available for all of `period` and not busy
    in it. Good for that period only.
    """
    bounds = local_day_bounds(day, rules.tz)
    rickshaw_blocks: dict[int, list[Interval]] = defaultdict(list)
    busy_drivers: set[int] = set()
    for rickshaw_id, driver_id, blocked_from, blocked_until, _minutes_on_day in active_rides_between(
        period.start, period.end, bounds.start, bounds.end, None
    ):
        if rickshaw_id is not None:
            rickshaw_blocks[rickshaw_id].append(Interval(blocked_from, blocked_until))
        busy_drivers.add(driver_id)
    free = [
        driver
        for driver in _roster(day, rules)
        if driver.id not in busy_drivers and covers(driver.windows, period)
    ]
    # All drivers' week minutes: a list of the free ones would be a new statement to plan each time.
    week = _week_minutes(day, rules, None) if free else {}
    return DayPlan(
        day=day,
        rules=rules,
        rickshaws=_rickshaw_states(
            day, period, rickshaw_blocks, rickshaw_minutes_between(bounds.start, bounds.end), None
        ),
        drivers=tuple(
            DriverState(
                id=driver.id,
                qualified_kinds=driver.qualified_kinds,
                windows=driver.windows,
                blocks=(),
                week_minutes=week.get(driver.id, 0),
            )
            for driver in free
        ),
    )


def _rickshaw_states(
    day: date,
    span: Interval,
    ride_blocks: dict[int, list[Interval]],
    booked_minutes: dict[int, int],
    skip_overdue: bool | None,
) -> tuple[RickshawState, ...]:
    """The rickshaws in service (and, if skipping, not overdue) with their blocks touching `span`."""
    if skip_overdue is None:
        from rikscha.rides.settings import current_settings

        skip_overdue = bool(current_settings().block_overdue_rickshaws)
    blocks = defaultdict(list, {rickshaw_id: list(found) for rickshaw_id, found in ride_blocks.items()})
    for rickshaw_id, start_at, end_at in rickshaw_blocks_between(span.start, span.end):
        blocks[rickshaw_id].append(Interval(start_at, end_at))
    in_service = rickshaws_in_service()
    if skip_overdue:
        from rikscha.fleet.services import overdue_rickshaw_ids

        overdue = overdue_rickshaw_ids(day)
        in_service = [r for r in in_service if r.id not in overdue]
    return tuple(
        RickshawState(
            id=r.id,
            seats=r.seats,
            kind=r.kind,
            odometer=r.odometer_km,
            capacity_minutes=r.capacity_minutes,
            booked_minutes=booked_minutes.get(r.id, 0),
            blocks=tuple(sorted(blocks[r.id])),
        )
        for r in in_service
    )


class RosterDriver(NamedTuple):
    """A driver who may drive on a day: the rickshaw kinds and the UTC windows."""

    id: int
    qualified_kinds: frozenset[str]
    windows: tuple[Interval, ...]


def _roster(day: date, rules: BookingRules) -> tuple[RosterDriver, ...]:
    return cached_roster(day, str(rules.tz), lambda: _load_roster(day, rules))


def _load_roster(day: date, rules: BookingRules) -> tuple[RosterDriver, ...]:
    """Drivers who can drive on `day`: active, available that weekday, not absent, first aid valid.

    One query whatever the number of drivers; drivers sharing the same weekly windows (most do)
    share one conversion to UTC. Ordered by driver id.
    """
    availability = DriverAvailability.__table__
    absent = (
        select(DriverAbsence.driver_id)
        .where(
            DriverAbsence.driver_id == availability.c.driver_id,
            DriverAbsence.start_date <= day,
            DriverAbsence.end_date >= day,
        )
        .exists()
    )
    kinds_of_driver = (
        select(func.aggregate_strings(DriverQualification.rickshaw_kind, ","))
        .where(DriverQualification.driver_id == availability.c.driver_id)
        .scalar_subquery()
    )
    windows_query = (
        select(availability.c.driver_id, availability.c.start_time, availability.c.end_time, kinds_of_driver)
        .join(User, User.id == availability.c.driver_id)
        .join(
            UserRole, and_(UserRole.user_id == availability.c.driver_id, UserRole.role == Role.DRIVER.value)
        )
        .join(DriverProfile, DriverProfile.driver_id == availability.c.driver_id)
        .where(
            availability.c.weekday == day.weekday(),
            User.active.is_(True),
            DriverProfile.first_aid_valid_until >= day,  # first aid must be valid on the day of the ride
            ~absent,
        )
    )
    windows: dict[int, list[tuple]] = defaultdict(list)
    kinds: dict[int, frozenset[str]] = {}
    parsed_kinds: dict[str, frozenset[str]] = {}
    for driver_id, start, end, kinds_text in db.session.execute(windows_query):
        if not kinds_text:  # qualified for no rickshaw type: can't drive
            continue
        windows[driver_id].append((start, end))
        if kinds_text not in parsed_kinds:
            parsed_kinds[kinds_text] = frozenset(kinds_text.split(","))
        kinds[driver_id] = parsed_kinds[kinds_text]
    converted: dict[tuple, tuple[Interval, ...]] = {}
    roster = []
    for driver_id in sorted(windows):
        key = tuple(sorted(windows[driver_id]))
        if key not in converted:
            weekly = [WeeklyWindow(day.weekday(), start, end) for start, end in key]
            converted[key] = tuple(expand_weekly(weekly, (), day, rules.tz))
        roster.append(RosterDriver(driver_id, kinds[driver_id], converted[key]))
    return tuple(roster)
