"""Loading one local day's scheduling state from the database (a fixed handful of queries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, case, func, select

from rikscha.auth.models import User, UserRole
from rikscha.auth.roles import Role
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw, RickshawBlock, RickshawStatus
from rikscha.rides.models import (
    ACTIVE_STATUSES,
    DriverAbsence,
    DriverAvailability,
    DriverProfile,
    DriverQualification,
    Ride,
)
from rikscha.rides.plan_cache import cached_roster
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

# No ride with its buffers spans this much (durations ≤ 3 h, buffer ≤ 2 h by the settings' checks):
# bounding start_at lets the database use ix_rides_start_at instead of reading every ride ever booked.
MAX_RIDE_SPAN = timedelta(days=1)


def _active_rides_between(start: datetime, end: datetime, exclude_ride_id: int | None, day: Interval):
    """Blocked periods of the active rides touching [start, end), with their riding minutes on `day`.

    The minutes come from the database, so only two datetimes per ride are converted in Python
    (on SQLite each is parsed from text).
    """
    on_day = and_(Ride.start_at >= day.start, Ride.start_at < day.end)
    query = select(
        Ride.rickshaw_id,
        Ride.driver_id,
        Ride.blocked_from,
        Ride.blocked_until,
        case((on_day, _minutes(Ride.start_at, Ride.end_at)), else_=0),
    ).where(
        Ride.status.in_(ACTIVE_STATUSES),
        Ride.blocked_until > start,
        Ride.blocked_from < end,
        Ride.start_at > start - MAX_RIDE_SPAN,
        Ride.start_at < end + MAX_RIDE_SPAN,
    )
    if exclude_ride_id is not None:
        query = query.where(Ride.id != exclude_ride_id)
    return db.session.execute(query).all()


def _minutes(start, end):
    """SQL for the whole minutes between two UTC datetime columns."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 60
    return (func.julianday(end) - func.julianday(start)) * 1440


def _week_minutes(day: date, rules: BookingRules, exclude_ride_id: int | None) -> dict[int, int]:
    """Booked minutes per driver in `day`'s week, summed by the database (one row per driver)."""
    monday = day - timedelta(days=day.weekday())
    start = local_day_bounds(monday, rules.tz).start
    end = local_day_bounds(monday + timedelta(days=6), rules.tz).end
    query = (
        select(Ride.driver_id, func.sum(_minutes(Ride.start_at, Ride.end_at)))
        .where(
            Ride.status.in_(ACTIVE_STATUSES),
            Ride.driver_id.is_not(None),
            Ride.start_at >= start,
            Ride.start_at < end,
        )
        .group_by(Ride.driver_id)
    )
    if exclude_ride_id is not None:
        query = query.where(Ride.id != exclude_ride_id)
    minutes: dict[int, int] = defaultdict(int)
    for driver_id, total in db.session.execute(query):
        minutes[driver_id] = round(total or 0)
    return minutes


def _rickshaw_day_minutes(bounds: Interval) -> dict[int, int]:
    """Riding minutes per rickshaw of the rides starting in `bounds` (a local day)."""
    query = (
        select(Ride.rickshaw_id, func.sum(_minutes(Ride.start_at, Ride.end_at)))
        .where(
            Ride.status.in_(ACTIVE_STATUSES),
            Ride.rickshaw_id.is_not(None),
            Ride.start_at >= bounds.start,
            Ride.start_at < bounds.end,
        )
        .group_by(Ride.rickshaw_id)
    )
    minutes: dict[int, int] = defaultdict(int)
    for rickshaw_id, total in db.session.execute(query):
        minutes[rickshaw_id] = round(total or 0)
    return minutes


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
    rides = _active_rides_between(bounds.start - margin, bounds.end + margin, exclude_ride_id, bounds)
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
    week = _week_minutes(day, rules, exclude_ride_id) if with_week_minutes and roster else defaultdict(int)
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
                week_minutes=week[driver.id],
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
    for rickshaw_id, driver_id, blocked_from, blocked_until, _minutes_on_day in _active_rides_between(
        period.start, period.end, None, bounds
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
        rickshaws=_rickshaw_states(day, period, rickshaw_blocks, _rickshaw_day_minutes(bounds), None),
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
    for rickshaw_id, start_at, end_at in db.session.execute(
        select(RickshawBlock.rickshaw_id, RickshawBlock.start_at, RickshawBlock.end_at).where(
            RickshawBlock.end_at > span.start, RickshawBlock.start_at < span.end
        )
    ):
        blocks[rickshaw_id].append(Interval(start_at, end_at))

    in_service = db.session.execute(
        select(
            Rickshaw.id, Rickshaw.seats, Rickshaw.kind, Rickshaw.odometer_km, Rickshaw.capacity_minutes
        ).where(Rickshaw.status == RickshawStatus.IN_SERVICE)
    ).all()
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


def rider_rides_overlapping(
    rider_id: int, start: datetime, end: datetime, exclude_ride_id: int | None = None
):
    query = select(func.count(Ride.id)).where(
        and_(
            Ride.rider_id == rider_id,
            Ride.status.in_(ACTIVE_STATUSES),
            Ride.start_at < end,
            Ride.end_at > start,
        )
    )
    if exclude_ride_id is not None:
        query = query.where(Ride.id != exclude_ride_id)
    return db.session.scalar(query)
