"""The SQL of planning a day, built once per database dialect (Core statements, bound parameters).

A booking runs these under its day's lock. Built afresh and run through the ORM, each statement
cost more Python time (building, cache key, ORM result) than the database took to answer it:
about 2 ms against 0.8 ms on the benchmark machine. Built once, SQLAlchemy keeps the compiled
form and the cache key with the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, select
from sqlalchemy.engine import Row

from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw, RickshawBlock, RickshawStatus
from rikscha.rides.models import ACTIVE_STATUSES, Ride

# No ride with its buffers spans this much (durations ≤ 3 h, buffer ≤ 2 h by the settings' checks):
# bounding start_at lets the database use ix_rides_start_at instead of reading every ride ever booked.
MAX_RIDE_SPAN = timedelta(days=1)
NO_RIDE = 0  # ids start at 1: leaving out ride 0 leaves out nothing

_rides = Ride.__table__
_blocks = RickshawBlock.__table__
_rickshaws = Rickshaw.__table__


def minutes_between(dialect: str, start, end):
    """SQL for the minutes between two UTC datetime columns (SQLite's are fractional)."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 60
    return (func.julianday(end) - func.julianday(start)) * 1440


def minutes_sum(dialect: str, start, end):
    """SQL for the summed minutes between two UTC datetime columns, an aggregate."""
    if dialect == "postgresql":  # intervals add cheaply; the epoch of each would be a numeric
        return func.extract("epoch", func.sum(end - start)) / 60
    return func.sum(minutes_between(dialect, start, end))


@dataclass(frozen=True)
class PlanQueries:
    active_rides: Select
    driver_week_minutes: Select
    rickshaw_day_minutes: Select
    rickshaw_blocks: Select
    rickshaws_in_service: Select
    rider_overlaps: Select


@cache
def _queries(dialect: str) -> PlanQueries:
    active = _rides.c.status.in_(ACTIVE_STATUSES)
    not_excluded = _rides.c.id != bindparam("exclude")
    minutes = minutes_between(dialect, _rides.c.start_at, _rides.c.end_at)
    summed_minutes = minutes_sum(dialect, _rides.c.start_at, _rides.c.end_at)
    starts_in_day = and_(
        _rides.c.start_at >= bindparam("day_start"), _rides.c.start_at < bindparam("day_end")
    )
    return PlanQueries(
        active_rides=select(
            _rides.c.rickshaw_id,
            _rides.c.driver_id,
            _rides.c.blocked_from,
            _rides.c.blocked_until,
            case((starts_in_day, minutes), else_=0),
        ).where(
            active,
            _rides.c.blocked_until > bindparam("start"),
            _rides.c.blocked_from < bindparam("end"),
            _rides.c.start_at > bindparam("earliest_start"),
            _rides.c.start_at < bindparam("latest_start"),
            not_excluded,
        ),
        driver_week_minutes=select(_rides.c.driver_id, summed_minutes)
        .where(
            active,
            _rides.c.driver_id.is_not(None),
            _rides.c.start_at >= bindparam("week_start"),
            _rides.c.start_at < bindparam("week_end"),
            not_excluded,
        )
        .group_by(_rides.c.driver_id),
        rickshaw_day_minutes=select(_rides.c.rickshaw_id, summed_minutes)
        .where(active, _rides.c.rickshaw_id.is_not(None), starts_in_day)
        .group_by(_rides.c.rickshaw_id),
        rickshaw_blocks=select(_blocks.c.rickshaw_id, _blocks.c.start_at, _blocks.c.end_at).where(
            _blocks.c.end_at > bindparam("start"), _blocks.c.start_at < bindparam("end")
        ),
        rickshaws_in_service=select(
            _rickshaws.c.id,
            _rickshaws.c.seats,
            _rickshaws.c.kind,
            _rickshaws.c.odometer_km,
            _rickshaws.c.capacity_minutes,
        ).where(_rickshaws.c.status == RickshawStatus.IN_SERVICE.value),
        rider_overlaps=select(func.count(_rides.c.id)).where(
            _rides.c.rider_id == bindparam("rider_id"),
            active,
            _rides.c.start_at < bindparam("end"),
            _rides.c.end_at > bindparam("start"),
            not_excluded,
        ),
    )


def _run(name: str, **params) -> list[Row]:
    connection = db.session.connection()
    return connection.execute(getattr(_queries(connection.dialect.name), name), params).all()


def active_rides_between(
    start: datetime, end: datetime, day_start: datetime, day_end: datetime, exclude_ride_id: int | None
) -> list[Row]:
    """(rickshaw, driver, blocked from, blocked until, riding minutes if it starts in the day) of
    the active rides whose blocked periods touch [start, end)."""
    return _run(
        "active_rides",
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
    rows = _run("driver_week_minutes", week_start=start, week_end=end, exclude=exclude_ride_id or NO_RIDE)
    return {driver_id: round(total or 0) for driver_id, total in rows}


def rickshaw_minutes_between(start: datetime, end: datetime) -> dict[int, int]:
    """Whole riding minutes per rickshaw of the active rides starting in [start, end)."""
    rows = _run("rickshaw_day_minutes", day_start=start, day_end=end)
    return {rickshaw_id: round(total or 0) for rickshaw_id, total in rows}


def rickshaw_blocks_between(start: datetime, end: datetime) -> list[Row]:
    return _run("rickshaw_blocks", start=start, end=end)


def rickshaws_in_service() -> list[Row]:
    return _run("rickshaws_in_service")


def rider_rides_overlapping(
    rider_id: int, start: datetime, end: datetime, exclude_ride_id: int | None = None
) -> int:
    """How many active rides of the rider overlap [start, end)."""
    return _run(
        "rider_overlaps", rider_id=rider_id, start=start, end=end, exclude=exclude_ride_id or NO_RIDE
    )[0][0]
