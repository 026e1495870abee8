"""The SQL of planning a day, built once (Core statements, bound parameters).

A booking runs these under its day's lock. Built afresh and run through the ORM, each statement
cost more Python time (building, cache key, ORM result) than the database took to answer it:
about 2 ms against 0.8 ms on the benchmark machine. Built once, SQLAlchemy keeps the compiled
form and the cache key with the statement.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.engine import Row

from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw, RickshawBlock, RickshawStatus
from rikscha.rides.models import ACTIVE_STATUSES, Ride
from rikscha.sql_time import seconds_between, total_seconds

# No ride with its buffers spans this much (durations ≤ 3 h, buffer ≤ 2 h by the settings' checks):
# bounding start_at lets the database use ix_rides_start_at instead of reading every ride ever booked.
MAX_RIDE_SPAN = timedelta(days=1)
NO_RIDE = 0  # ids start at 1: leaving out ride 0 leaves out nothing

_rides = Ride.__table__
_blocks = RickshawBlock.__table__
_rickshaws = Rickshaw.__table__


# Riding minutes from the two timestamps: whole minutes, since rides start and end on the minute.
_MINUTES = seconds_between(_rides.c.start_at, _rides.c.end_at) / 60
_SUMMED_MINUTES = total_seconds(_rides.c.start_at, _rides.c.end_at) / 60
_ACTIVE = _rides.c.status.in_(ACTIVE_STATUSES)
_NOT_EXCLUDED = _rides.c.id != bindparam("exclude")
_STARTS_IN_DAY = and_(_rides.c.start_at >= bindparam("day_start"), _rides.c.start_at < bindparam("day_end"))

_ACTIVE_RIDES = select(
    _rides.c.rickshaw_id,
    _rides.c.driver_id,
    _rides.c.blocked_from,
    _rides.c.blocked_until,
    case((_STARTS_IN_DAY, _MINUTES), else_=0),
).where(
    _ACTIVE,
    _rides.c.blocked_until > bindparam("start"),
    _rides.c.blocked_from < bindparam("end"),
    _rides.c.start_at > bindparam("earliest_start"),
    _rides.c.start_at < bindparam("latest_start"),
    _NOT_EXCLUDED,
)
_DRIVER_MINUTES = (
    select(_rides.c.driver_id, _SUMMED_MINUTES)
    .where(
        _ACTIVE,
        _rides.c.driver_id.is_not(None),
        _rides.c.start_at >= bindparam("week_start"),
        _rides.c.start_at < bindparam("week_end"),
        _NOT_EXCLUDED,
    )
    .group_by(_rides.c.driver_id)
)
_RICKSHAW_MINUTES = (
    select(_rides.c.rickshaw_id, _SUMMED_MINUTES)
    .where(_ACTIVE, _rides.c.rickshaw_id.is_not(None), _STARTS_IN_DAY)
    .group_by(_rides.c.rickshaw_id)
)
_RICKSHAW_BLOCKS = select(_blocks.c.rickshaw_id, _blocks.c.start_at, _blocks.c.end_at).where(
    _blocks.c.end_at > bindparam("start"), _blocks.c.start_at < bindparam("end")
)
_RICKSHAWS_IN_SERVICE = select(
    _rickshaws.c.id,
    _rickshaws.c.seats,
    _rickshaws.c.kind,
    _rickshaws.c.odometer_km,
    _rickshaws.c.capacity_minutes,
).where(_rickshaws.c.status == RickshawStatus.IN_SERVICE.value)
_RIDER_OVERLAPS = select(func.count(_rides.c.id)).where(
    _rides.c.rider_id == bindparam("rider_id"),
    _ACTIVE,
    _rides.c.start_at < bindparam("end"),
    _rides.c.end_at > bindparam("start"),
    _NOT_EXCLUDED,
)


def _run(statement, **params) -> list[Row]:
    return db.session.connection().execute(statement, params).all()


def active_rides_between(
    start: datetime, end: datetime, day_start: datetime, day_end: datetime, exclude_ride_id: int | None
) -> list[Row]:
    """(rickshaw, driver, blocked from, blocked until, riding minutes if it starts in the day) of
    the active rides whose blocked periods touch [start, end)."""
    return _run(
        _ACTIVE_RIDES,
        start=start,
        end=end,
        earliest_start=start - MAX_RIDE_SPAN,
        latest_start=end + MAX_RIDE_SPAN,
        day_start=day_start,
        day_end=day_end,
        exclude=exclude_ride_id or NO_RIDE,
    )


def driver_minutes_between(start: datetime, end: datetime, exclude_ride_id: int | None) -> dict[int, int]:
    """Whole riding minutes per driver of the active rides starting in [start, end)."""
    rows = _run(_DRIVER_MINUTES, week_start=start, week_end=end, exclude=exclude_ride_id or NO_RIDE)
    return {driver_id: round(total or 0) for driver_id, total in rows}


def rickshaw_minutes_between(start: datetime, end: datetime) -> dict[int, int]:
    """Whole riding minutes per rickshaw of the active rides starting in [start, end)."""
    rows = _run(_RICKSHAW_MINUTES, day_start=start, day_end=end)
    return {rickshaw_id: round(total or 0) for rickshaw_id, total in rows}


def rickshaw_blocks_between(start: datetime, end: datetime) -> list[Row]:
    return _run(_RICKSHAW_BLOCKS, start=start, end=end)


def rickshaws_in_service() -> list[Row]:
    return _run(_RICKSHAWS_IN_SERVICE)


def rider_rides_overlapping(
    rider_id: int, start: datetime, end: datetime, exclude_ride_id: int | None = None
) -> int:
    """How many active rides of the rider overlap [start, end)."""
    return _run(_RIDER_OVERLAPS, rider_id=rider_id, start=start, end=end, exclude=exclude_ride_id or NO_RIDE)[
        0
    ][0]
