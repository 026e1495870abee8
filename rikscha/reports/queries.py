"""The figures for funders: aggregate queries (GROUP BY, COUNT, SUM) over one period, nothing row by row.

A report runs a fixed number of queries whatever the amount of data. Which records a figure counts:

- rides by their start time in the period (completed, no-show, cancelled by reason); rides of
  anonymised riders count like any other (the rider row stays, only its details are erased);
- riders reached = distinct riders with a completed ride; new riders = riders whose first
  completed ride ever lies in the period;
- hours and km from completed rides (end − start); caretakers' hours from their work logs
  (logged in the period);
- charging sessions by start, maintenance by date performed, tasks by the time they were done;
- residents' reports received in the period; the median time to "erledigt" covers those of them
  that are done (closed − received). The database sorts the durations and returns only the one or
  two middle values (ORDER BY … LIMIT/OFFSET), so nothing is loaded row by row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, Integer, and_, case, cast, extract, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from rikscha.auth.models import User, UserRole
from rikscha.auth.roles import Role
from rikscha.extensions import db
from rikscha.fleet.models import ChargingSession, MaintenanceRecord, Rickshaw
from rikscha.quarter.models import Area, ProblemReport, ReportStatus, Task, TaskStatus, WorkLog
from rikscha.reports.periods import Period, middle_window
from rikscha.rides.models import Ride, RideStatus

COMPLETED = RideStatus.COMPLETED.value


class seconds_between(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """Seconds from the first to the second timestamp, on SQLite and PostgreSQL."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_between_postgresql(element, compiler, **kw):
    start, end = list(element.clauses)
    return compiler.process(extract("epoch", end - start), **kw)


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    # SQLite stores UTC as text; strftime('%s') gives whole seconds since the epoch.
    start, end = list(element.clauses)
    epoch = lambda column: cast(func.strftime("%s", column), Integer)  # noqa: E731
    return compiler.process(epoch(end) - epoch(start), **kw)


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
    received, done, median = report_times(start, end)
    return Report(
        period=period,
        rides=ride_figures(start, end),
        drivers=driver_hours(start, end),
        caretakers=caretaker_hours(start, end),
        rickshaws=rickshaw_use(start, end),
        maintenance_by_kind=maintenance(start, end),
        tasks_by_area=tasks_done_by_area(start, end),
        tasks_by_category=tasks_done_by_category(start, end),
        reports_received=received,
        reports_done=done,
        median_seconds_to_done=median,
    )


def _rides_in(start: datetime, end: datetime):
    return and_(Ride.start_at >= start, Ride.start_at < end)


def ride_figures(start: datetime, end: datetime) -> RideFigures:
    """Rides by outcome, riders reached and new, passengers, hours and km (three queries)."""
    by_status: dict[str, int] = defaultdict(int)
    by_reason: dict[str, int] = defaultdict(int)
    for status, reason, count in db.session.execute(
        select(Ride.status, Ride.cancel_reason, func.count(Ride.id))
        .where(_rides_in(start, end))
        .group_by(Ride.status, Ride.cancel_reason)
    ):
        by_status[status] += count
        if status == RideStatus.CANCELLED.value:
            by_reason[reason or "other"] += count
    completed = db.session.execute(
        select(
            func.count(func.distinct(Ride.rider_id)),
            func.coalesce(func.sum(Ride.passengers), 0),
            func.coalesce(func.sum(_ride_seconds()), 0),
            func.coalesce(func.sum(Ride.km), 0),
        ).where(_rides_in(start, end), Ride.status == COMPLETED)
    ).one()
    firsts = (
        select(Ride.rider_id, func.min(Ride.start_at).label("first"))
        .where(Ride.status == COMPLETED)
        .group_by(Ride.rider_id)
        .subquery()
    )
    new_riders = db.session.scalar(
        select(func.count()).select_from(firsts).where(firsts.c.first >= start, firsts.c.first < end)
    )
    return RideFigures(
        completed=by_status[COMPLETED],
        no_show=by_status[RideStatus.NO_SHOW.value],
        cancelled=by_status[RideStatus.CANCELLED.value],
        cancelled_by_reason=dict(by_reason),
        still_open=by_status[RideStatus.REQUESTED.value] + by_status[RideStatus.CONFIRMED.value],
        riders=completed[0] or 0,
        new_riders=new_riders or 0,
        passengers=int(completed[1] or 0),
        seconds=_number(completed[2]),
        km=_number(completed[3]),
    )


def driver_hours(start: datetime, end: datetime) -> list[PersonHours]:
    """Completed rides, hours and km per driver, by name."""
    rows = db.session.execute(
        select(
            Ride.driver_id,
            User.name,
            func.count(Ride.id),
            func.coalesce(func.sum(_ride_seconds()), 0),
            func.coalesce(func.sum(Ride.km), 0),
        )
        .outerjoin(User, User.id == Ride.driver_id)
        .where(_rides_in(start, end), Ride.status == COMPLETED)
        .group_by(Ride.driver_id, User.name)
        .order_by(User.name, Ride.driver_id)
    )
    return [PersonHours(uid, name, count, _number(secs), _number(km)) for uid, name, count, secs, km in rows]


def caretaker_hours(start: datetime, end: datetime) -> list[PersonHours]:
    """Work log entries and minutes per person (logged in the period), by name."""
    rows = db.session.execute(
        select(
            WorkLog.user_id, User.name, func.count(WorkLog.id), func.coalesce(func.sum(WorkLog.minutes), 0)
        )
        .outerjoin(User, User.id == WorkLog.user_id)
        .where(WorkLog.logged_at >= start, WorkLog.logged_at < end)
        .group_by(WorkLog.user_id, User.name)
        .order_by(User.name, WorkLog.user_id)
    )
    return [PersonHours(uid, name, count, _number(minutes) * 60) for uid, name, count, minutes in rows]


def rickshaw_use(start: datetime, end: datetime) -> list[RickshawUse]:
    """Per rickshaw: completed rides, hours, km, energy charged and charging sessions (two queries)."""
    use: dict[int | None, RickshawUse] = {}
    for rid, name, count, secs, km in db.session.execute(
        select(
            Ride.rickshaw_id,
            Rickshaw.name,
            func.count(Ride.id),
            func.coalesce(func.sum(_ride_seconds()), 0),
            func.coalesce(func.sum(Ride.km), 0),
        )
        .outerjoin(Rickshaw, Rickshaw.id == Ride.rickshaw_id)
        .where(_rides_in(start, end), Ride.status == COMPLETED)
        .group_by(Ride.rickshaw_id, Rickshaw.name)
    ):
        use[rid] = RickshawUse(rid, name, rides=count, seconds=_number(secs), km=_number(km))
    for rid, name, count, kwh in db.session.execute(
        select(
            ChargingSession.rickshaw_id,
            Rickshaw.name,
            func.count(ChargingSession.id),
            func.coalesce(func.sum(ChargingSession.energy_kwh), 0),
        )
        .join(Rickshaw, Rickshaw.id == ChargingSession.rickshaw_id)
        .where(ChargingSession.start_at >= start, ChargingSession.start_at < end)
        .group_by(ChargingSession.rickshaw_id, Rickshaw.name)
    ):
        row = use.setdefault(rid, RickshawUse(rid, name))
        row.charges, row.kwh = count, _number(kwh)
    return sorted(use.values(), key=lambda r: (r.name is None, r.name or ""))


def maintenance(start: datetime, end: datetime) -> list[tuple[str, int, float]]:
    """(kind, count, cost) of the maintenance performed in the period, by kind."""
    rows = db.session.execute(
        select(
            MaintenanceRecord.kind,
            func.count(MaintenanceRecord.id),
            func.coalesce(func.sum(MaintenanceRecord.cost), Decimal(0)),
        )
        .where(MaintenanceRecord.performed_at >= start, MaintenanceRecord.performed_at < end)
        .group_by(MaintenanceRecord.kind)
        .order_by(MaintenanceRecord.kind)
    )
    return [(kind, count, _number(cost)) for kind, count, cost in rows]


def _tasks_done(start: datetime, end: datetime):
    return and_(Task.status == TaskStatus.DONE.value, Task.done_at >= start, Task.done_at < end)


def tasks_done_by_area(start: datetime, end: datetime) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Area.name, func.count(Task.id))
        .join(Area, Area.id == Task.area_id)
        .where(_tasks_done(start, end))
        .group_by(Area.id, Area.name)
        .order_by(Area.name)
    )
    return [(name, count) for name, count in rows]


def tasks_done_by_category(start: datetime, end: datetime) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Task.category, func.count(Task.id))
        .where(_tasks_done(start, end))
        .group_by(Task.category)
        .order_by(Task.category)
    )
    return [(category, count) for category, count in rows]


def report_times(start: datetime, end: datetime) -> tuple[int, int, float | None]:
    """Reports received in the period, how many of them are done, and their median time to done."""
    in_period = and_(ProblemReport.created_at >= start, ProblemReport.created_at < end)
    is_done = and_(ProblemReport.status == ReportStatus.DONE.value, ProblemReport.closed_at.is_not(None))
    received, done = db.session.execute(
        select(func.count(ProblemReport.id), func.count(case((is_done, ProblemReport.id)))).where(in_period)
    ).one()
    offset, limit = middle_window(done or 0)
    if not limit:
        return received or 0, 0, None
    duration = seconds_between(ProblemReport.created_at, ProblemReport.closed_at)
    middle = db.session.scalars(
        select(duration).where(in_period, is_done).order_by(duration).offset(offset).limit(limit)
    ).all()
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
