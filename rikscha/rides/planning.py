"""Loading one local day's scheduling state from the database (a fixed handful of queries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

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
from rikscha.scheduling import (
    BookingRules,
    DayPlan,
    DriverState,
    Interval,
    RickshawState,
    WeeklyWindow,
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
    if skip_overdue is None:
        from rikscha.rides.settings import current_settings

        skip_overdue = bool(current_settings().block_overdue_rickshaws)
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

    for rickshaw_id, start_at, end_at in db.session.execute(
        select(RickshawBlock.rickshaw_id, RickshawBlock.start_at, RickshawBlock.end_at).where(
            RickshawBlock.end_at > bounds.start, RickshawBlock.start_at < bounds.end
        )
    ):
        rickshaw_blocks[rickshaw_id].append(Interval(start_at, end_at))

    in_service = db.session.execute(
        select(
            Rickshaw.id, Rickshaw.seats, Rickshaw.kind, Rickshaw.odometer_km, Rickshaw.capacity_minutes
        ).where(Rickshaw.status == RickshawStatus.IN_SERVICE)
    ).all()
    if skip_overdue:
        from rikscha.fleet.services import overdue_rickshaw_ids

        overdue = overdue_rickshaw_ids(day)
        in_service = [r for r in in_service if r.id not in overdue]
    rickshaws = tuple(
        RickshawState(
            id=r.id,
            seats=r.seats,
            kind=r.kind,
            odometer=r.odometer_km,
            capacity_minutes=r.capacity_minutes,
            booked_minutes=booked_minutes[r.id],
            blocks=tuple(sorted(rickshaw_blocks[r.id])),
        )
        for r in in_service
    )
    return DayPlan(
        day=day,
        rules=rules,
        rickshaws=rickshaws,
        drivers=_driver_states(day, rules, driver_blocks, exclude_ride_id, with_week_minutes),
    )


def _driver_states(day, rules, driver_blocks, exclude_ride_id, with_week_minutes) -> tuple[DriverState, ...]:
    """Drivers who can drive on `day`: active, available that weekday, not absent, first aid valid.

    One query (two with the week's minutes) whatever the number of drivers; drivers sharing the
    same weekly windows (most do) share one conversion to UTC.
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
    if not windows:
        return ()
    week = _week_minutes(day, rules, exclude_ride_id) if with_week_minutes else defaultdict(int)
    converted: dict[tuple, tuple[Interval, ...]] = {}
    states = []
    for driver_id in sorted(windows):
        key = tuple(sorted(windows[driver_id]))
        if key not in converted:
            weekly = [WeeklyWindow(day.weekday(), start, end) for start, end in key]
            converted[key] = tuple(expand_weekly(weekly, (), day, rules.tz))
        states.append(
            DriverState(
                id=driver_id,
                qualified_kinds=kinds[driver_id],
                windows=converted[key],
                blocks=tuple(sorted(driver_blocks[driver_id])),
                week_minutes=week[driver_id],
            )
        )
    return tuple(states)


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
