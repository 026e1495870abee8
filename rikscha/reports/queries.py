"""The figures for funders: aggregate queries (GROUP BY, COUNT, SUM) over one period, nothing row by row.

A report runs a fixed number of queries whatever the amount of data. Which records a figure counts:

- rides by their start time in the period (completed, no-show, cancelled by reason); rides of
  anonymised riders count like any other (the rider row stays, only its details are erased);
- riders reached = distinct riders with a completed ride; new riders = riders whose first
  completed ride ever lies in the period (riders.first_ride_at, kept by triggers on rides, so
  this is one indexed count whatever the length of the history);
- hours and km from completed rides (end − start); caretakers' hours from their work logs
  (logged in the period);
- charging sessions by start, maintenance by date performed, tasks by the time they were done;
- residents' reports received in the period; the median time to "erledigt" covers those of them
  that are done (closed − received). The database sorts the durations and returns only the one or
  two middle values (ORDER BY … LIMIT/OFFSET), so nothing is loaded row by row.

The completed rides are summed per driver and per rickshaw; the ride totals are added up from
the drivers' rows. The period scans of rides, tasks, work logs and charging sessions use indexes on
the period columns (migration 0008) that also hold every column the queries read, so on
SQLite they never visit the table rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, case, distinct, func, select

from rikscha.auth.models import User, UserRole
from rikscha.auth.roles import Role
from rikscha.extensions import db
from rikscha.fleet.models import ChargingSession, MaintenanceRecord, Rickshaw
from rikscha.quarter.models import Area, ProblemReport, ReportStatus, Task, TaskStatus, WorkLog
from rikscha.reports.periods import Period, middle_window
from rikscha.rides.models import Ride, Rider, RideStatus
from rikscha.sql_time import seconds_between, total_seconds

COMPLETED = RideStatus.COMPLETED.value


def _ride_seconds():
    return seconds_between(Ride.start_at, Ride.end_at)


def _number(value) -> float:
    return float(value) if value is not None else 0.0


# --- the report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RideFigures:
    completed: int
    no_show: int
    cancelled: int
    cancelled_by_reason: dict[str, int]  # reason code → count ("other" also for rides without a reason)
    still_open: int  # booked rides in the period not yet marked completed or no-show
    riders: int
    new_riders: int
    passengers: int
    seconds: float
    km: float

    @property
    def hours(self) -> float:
        return self.seconds / 3600


@dataclass(frozen=True)
class PersonHours:
    user_id: int | None
    name: str | None  # None: the person's account was deleted
    count: int  # rides or work log entries
    seconds: float
    km: float = 0.0
    passengers: int = 0  # drivers only

    @property
    def hours(self) -> float:
        return self.seconds / 3600


@dataclass
class RickshawUse:
    rickshaw_id: int | None
    name: str | None  # None: completed rides without a rickshaw
    rides: int = 0
    seconds: float = 0.0
    km: float = 0.0
    kwh: float = 0.0
    charges: int = 0

    @property
    def hours(self) -> float:
        return self.seconds / 3600


@dataclass(frozen=True)
class Report:
    period: Period
    rides: RideFigures
    drivers: list[PersonHours]
    caretakers: list[PersonHours]
    rickshaws: list[RickshawUse]
    maintenance_by_kind: list[tuple[str, int, float]]  # kind, count, cost
    tasks_by_area: list[tuple[str, int]]
    tasks_by_category: list[tuple[str, int]]
    reports_received: int
    reports_done: int
    median_seconds_to_done: float | None

    @property
    def kwh(self) -> float:
        return sum(r.kwh for r in self.rickshaws)

    @property
    def charges(self) -> int:
        return sum(r.charges for r in self.rickshaws)

    @property
    def maintenance_count(self) -> int:
        return sum(count for _kind, count, _cost in self.maintenance_by_kind)

    @property
    def maintenance_cost(self) -> float:
        return sum(cost for _kind, _count, cost in self.maintenance_by_kind)

    @property
    def tasks_done(self) -> int:
        return sum(count for _name, count in self.tasks_by_category)

    @property
    def caretaker_seconds(self) -> float:
        return sum(p.seconds for p in self.caretakers)

    @property
    def median_days_to_done(self) -> float | None:
        return None if self.median_seconds_to_done is None else self.median_seconds_to_done / 86400


def build_report(period: Period, tz) -> Report:
    """Every figure of the funders' report for `period` (local days in zone `tz`)."""
    start, end = period.utc_bounds(tz)
    drivers = driver_hours(start, end)
    received, done, median = report_times(start, end)
    return Report(
        period=period,
        rides=ride_figures(start, end, drivers),
        drivers=drivers,
        caretakers=caretaker_hours(start, end),
        rickshaws=rickshaw_use(start, end),
        maintenance_by_kind=maintenance(start, end),
        tasks_by_area=tasks_done_by_area(start, end),
        tasks_by_category=tasks_done_by_category(start, end),
        reports_received=received,
        reports_done=done,
        median_seconds_to_done=median,
    )


# The report's statements are built once, with the period's bounds as the parameters "start" and
# "end": building and hashing a dozen statements anew for every request costs more than running
# the smaller ones.


def _in_period(column):
    return and_(column >= bindparam("start"), column < bindparam("end"))


_COMPLETED_IN_PERIOD = and_(_in_period(Ride.start_at), Ride.status == COMPLETED)

# Every completed ride is in exactly one driver row (the one without a driver included), so the
# ride totals are added up from these rows; the outcomes query only counts the other rides.
_per_driver = (
    select(
        Ride.driver_id,
        func.count().label("rides"),
        func.coalesce(total_seconds(Ride.start_at, Ride.end_at), 0).label("seconds"),
        func.coalesce(func.sum(Ride.km), 0).label("km"),
        func.sum(Ride.passengers).label("passengers"),
    )
    .where(_COMPLETED_IN_PERIOD)
    .group_by(Ride.driver_id)
    .subquery()
)
# The names are joined to the grouped rows (one per driver), not to every ride.
_DRIVERS = (
    select(
        _per_driver.c.driver_id,
        User.name,
        _per_driver.c.rides,
        _per_driver.c.seconds,
        _per_driver.c.km,
        _per_driver.c.passengers,
    )
    .outerjoin(User, User.id == _per_driver.c.driver_id)
    .order_by(User.name, _per_driver.c.driver_id)
)

_OTHER_OUTCOMES = (
    select(Ride.status, Ride.cancel_reason, func.count())
    .where(_in_period(Ride.start_at), Ride.status != COMPLETED)
    .group_by(Ride.status, Ride.cancel_reason)
)

# Riders reached, and new riders: those whose first completed ride ever (kept on the rider row by
# triggers, see rides/first_rides.py) lies in the period. Both counts in one round trip.
_RIDERS = select(
    select(func.count(distinct(Ride.rider_id))).where(_COMPLETED_IN_PERIOD).scalar_subquery(),
    select(func.count()).where(_in_period(Rider.first_ride_at)).scalar_subquery(),
)

_per_caretaker = (
    select(WorkLog.user_id, func.count().label("entries"), func.sum(WorkLog.minutes).label("minutes"))
    .where(_in_period(WorkLog.logged_at))
    .group_by(WorkLog.user_id)
    .subquery()
)
_CARETAKERS = (
    select(_per_caretaker.c.user_id, User.name, _per_caretaker.c.entries, _per_caretaker.c.minutes)
    .outerjoin(User, User.id == _per_caretaker.c.user_id)
    .order_by(User.name, _per_caretaker.c.user_id)
)

_per_rickshaw = (
    select(
        Ride.rickshaw_id,
        func.count().label("rides"),
        func.coalesce(total_seconds(Ride.start_at, Ride.end_at), 0).label("seconds"),
        func.coalesce(func.sum(Ride.km), 0).label("km"),
    )
    .where(_COMPLETED_IN_PERIOD)
    .group_by(Ride.rickshaw_id)
    .subquery()
)
_RICKSHAWS = select(
    _per_rickshaw.c.rickshaw_id,
    Rickshaw.name,
    _per_rickshaw.c.rides,
    _per_rickshaw.c.seconds,
    _per_rickshaw.c.km,
).outerjoin(Rickshaw, Rickshaw.id == _per_rickshaw.c.rickshaw_id)

_CHARGING = (
    select(
        ChargingSession.rickshaw_id,
        Rickshaw.name,
        func.count(),
        func.coalesce(func.sum(ChargingSession.energy_kwh), 0),
    )
    .join(Rickshaw, Rickshaw.id == ChargingSession.rickshaw_id)
    .where(_in_period(ChargingSession.start_at))
    .group_by(ChargingSession.rickshaw_id, Rickshaw.name)
)

_MAINTENANCE = (
    select(
        MaintenanceRecord.kind,
        func.count(MaintenanceRecord.id),
        func.coalesce(func.sum(MaintenanceRecord.cost), Decimal(0)),
    )
    .where(_in_period(MaintenanceRecord.performed_at))
    .group_by(MaintenanceRecord.kind)
    .order_by(MaintenanceRecord.kind)
)

_TASKS_DONE = and_(Task.status == TaskStatus.DONE.value, _in_period(Task.done_at))
_TASKS_BY_AREA = (
    select(Area.name, func.count())
    .select_from(Task)
    .join(Area, Area.id == Task.area_id)
    .where(_TASKS_DONE)
    .group_by(Area.id, Area.name)
    .order_by(Area.name)
)
_TASKS_BY_CATEGORY = (
    select(Task.category, func.count()).where(_TASKS_DONE).group_by(Task.category).order_by(Task.category)
)

_REPORT_DONE = and_(ProblemReport.status == ReportStatus.DONE.value, ProblemReport.closed_at.is_not(None))
_REPORTS = select(func.count(ProblemReport.id), func.count(case((_REPORT_DONE, ProblemReport.id)))).where(
    _in_period(ProblemReport.created_at)
)
_report_duration = seconds_between(ProblemReport.created_at, ProblemReport.closed_at)
_MIDDLE_DURATIONS = (
    select(_report_duration)
    .where(_in_period(ProblemReport.created_at), _REPORT_DONE)
    .order_by(_report_duration)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)


def ride_figures(start: datetime, end: datetime, drivers: list[PersonHours]) -> RideFigures:
    """Rides by outcome, riders reached and new, passengers, hours and km (two queries).

    The completed rides are counted and summed in `drivers` (see driver_hours).
    """
    period = {"start": start, "end": end}
    by_status: dict[str, int] = defaultdict(int)
    by_reason: dict[str, int] = defaultdict(int)
    for status, reason, count in db.session.execute(_OTHER_OUTCOMES, period):
        by_status[status] += count
        if status == RideStatus.CANCELLED.value:
            by_reason[reason or "other"] += count
    riders, new_riders = db.session.execute(_RIDERS, period).one()
    return RideFigures(
        completed=sum(p.count for p in drivers),
        no_show=by_status[RideStatus.NO_SHOW.value],
        cancelled=by_status[RideStatus.CANCELLED.value],
        cancelled_by_reason=dict(by_reason),
        still_open=by_status[RideStatus.REQUESTED.value] + by_status[RideStatus.CONFIRMED.value],
        riders=riders or 0,
        new_riders=new_riders or 0,
        passengers=sum(p.passengers for p in drivers),
        seconds=sum((p.seconds for p in drivers), 0.0),
        km=sum((p.km for p in drivers), 0.0),
    )


def driver_hours(start: datetime, end: datetime) -> list[PersonHours]:
    """Completed rides, hours, km and passengers per driver, by name."""
    rows = db.session.execute(_DRIVERS, {"start": start, "end": end})
    return [
        PersonHours(uid, name, count, _number(secs), _number(km), int(passengers))
        for uid, name, count, secs, km, passengers in rows
    ]


def caretaker_hours(start: datetime, end: datetime) -> list[PersonHours]:
    """Work log entries and minutes per person (logged in the period), by name."""
    rows = db.session.execute(_CARETAKERS, {"start": start, "end": end})
    return [PersonHours(uid, name, count, _number(minutes) * 60) for uid, name, count, minutes in rows]


def rickshaw_use(start: datetime, end: datetime) -> list[RickshawUse]:
    """Per rickshaw: completed rides, hours, km, energy charged and charging sessions (two queries)."""
    period = {"start": start, "end": end}
    use: dict[int | None, RickshawUse] = {}
    for rid, name, count, secs, km in db.session.execute(_RICKSHAWS, period):
        use[rid] = RickshawUse(rid, name, rides=count, seconds=_number(secs), km=_number(km))
    for rid, name, count, kwh in db.session.execute(_CHARGING, period):
        row = use.setdefault(rid, RickshawUse(rid, name))
        row.charges, row.kwh = count, _number(kwh)
    return sorted(use.values(), key=lambda r: (r.name is None, r.name or ""))


def maintenance(start: datetime, end: datetime) -> list[tuple[str, int, float]]:
    """(kind, count, cost) of the maintenance performed in the period, by kind."""
    rows = db.session.execute(_MAINTENANCE, {"start": start, "end": end})
    return [(kind, count, _number(cost)) for kind, count, cost in rows]


def tasks_done_by_area(start: datetime, end: datetime) -> list[tuple[str, int]]:
    rows = db.session.execute(_TASKS_BY_AREA, {"start": start, "end": end})
    return [(name, count) for name, count in rows]


def tasks_done_by_category(start: datetime, end: datetime) -> list[tuple[str, int]]:
    rows = db.session.execute(_TASKS_BY_CATEGORY, {"start": start, "end": end})
    return [(category, count) for category, count in rows]


def report_times(start: datetime, end: datetime) -> tuple[int, int, float | None]:
    """Reports received in the period, how many of them are done, and their median time to done."""
    period = {"start": start, "end": end}
    received, done = db.session.execute(_REPORTS, period).one()
    offset, limit = middle_window(done or 0)
    if not limit:
        return received or 0, 0, None
    middle = db.session.scalars(_MIDDLE_DURATIONS, {**period, "offset": offset, "limit": limit}).all()
    return received, done, sum(_number(v) for v in middle) / len(middle)


# --- volunteer hours statement ------------------------------------------------------------------------


def volunteers() -> list[User]:
    """Drivers and caretakers (the people a volunteer statement can be made for), by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_((Role.DRIVER, Role.CARETAKER))))
            )
            .order_by(User.name, User.id)
        )
    )


@dataclass(frozen=True)
class MonthHours:
    month: Period
    rides: int
    ride_seconds: float
    worklogs: int
    work_minutes: int

    @property
    def seconds(self) -> float:
        return self.ride_seconds + self.work_minutes * 60

    @property
    def hours(self) -> float:
        return self.seconds / 3600


def volunteer_months(user_id: int, period: Period, tz) -> list[MonthHours]:
    """One person's completed rides (as driver) and logged work per month of `period`, in two queries.

    Each month is one CASE column of a single aggregate query, so the month boundaries follow the
    office's zone exactly, however many months the period has.
    """
    months = period.months()
    bounds = [m.utc_bounds(tz) for m in months]

    def columns(moment, amount):
        for low, high in bounds:
            inside = and_(moment >= low, moment < high)
            yield func.count(case((inside, 1)))
            yield func.coalesce(func.sum(case((inside, amount))), 0)

    start, end = bounds[0][0], bounds[-1][1]
    rides = db.session.execute(
        select(*columns(Ride.start_at, _ride_seconds())).where(
            Ride.driver_id == user_id, Ride.status == COMPLETED, Ride.start_at >= start, Ride.start_at < end
        )
    ).one()
    work = db.session.execute(
        select(*columns(WorkLog.logged_at, WorkLog.minutes)).where(
            WorkLog.user_id == user_id, WorkLog.logged_at >= start, WorkLog.logged_at < end
        )
    ).one()
    return [
        MonthHours(
            month=m,
            rides=rides[2 * i] or 0,
            ride_seconds=_number(rides[2 * i + 1]),
            worklogs=work[2 * i] or 0,
            work_minutes=int(work[2 * i + 1] or 0),
        )
        for i, m in enumerate(months)
    ]
