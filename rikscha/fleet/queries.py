"""Read-side queries of the fleet pages and API: choice lists, a rickshaw's history, rides to call about.

Every function runs a fixed number of queries, however many rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased, defaultload, lazyload

from rikscha.audit.models import AuditEvent
from rikscha.auth.models import User
from rikscha.extensions import db
from rikscha.fleet.models import (
    BatteryPack,
    ChargingSession,
    DefectReport,
    MaintenanceKind,
    MaintenanceRecord,
    Rickshaw,
    RickshawBlock,
    RickshawStatus,
    Station,
)
from rikscha.rides.models import ACTIVE_STATUSES, Ride, Rider, RideStatus
from rikscha.rides.settings import office_zone
from rikscha.scheduling import ServiceStatus, service_status

# --- choice lists -------------------------------------------------------------------------------


def all_stations() -> list[Station]:
    return list(db.session.scalars(select(Station).order_by(Station.name)))


def all_rickshaws() -> list[Rickshaw]:
    return list(db.session.scalars(select(Rickshaw).order_by(Rickshaw.name)))


def working_rickshaws() -> list[Rickshaw]:
    """Rickshaws that are not retired (maintenance, charging and defects concern these)."""
    return list(
        db.session.scalars(
            select(Rickshaw).where(Rickshaw.status != RickshawStatus.RETIRED.value).order_by(Rickshaw.name)
        )
    )


def active_packs(rickshaw_id: int | None = None) -> list[tuple[BatteryPack, str]]:
    """Active battery packs with their rickshaw's name, ordered by rickshaw and label."""
    query = (
        select(BatteryPack, Rickshaw.name)
        .join(Rickshaw, Rickshaw.id == BatteryPack.rickshaw_id)
        .where(BatteryPack.active.is_(True))
        .order_by(Rickshaw.name, BatteryPack.label)
    )
    if rickshaw_id is not None:
        query = query.where(BatteryPack.rickshaw_id == rickshaw_id)
    return [(pack, name) for pack, name in db.session.execute(query)]


def packs_of(rickshaw_id: int) -> list[BatteryPack]:
    return list(
        db.session.scalars(
            select(BatteryPack)
            .where(BatteryPack.rickshaw_id == rickshaw_id)
            .order_by(BatteryPack.active.desc(), BatteryPack.label)
        )
    )


# The overview's statements are built once per process (@cache on the _…_query() functions, with
# bind parameters for what varies): building an ORM select with its joins and loader options
# costs more than SQLite takes to run it. They hold no data, so there is nothing to invalidate.


def open_defects() -> list[tuple[DefectReport, str, str | None]]:
    """Open defects, grounding ones first: (defect, rickshaw name, reporter name)."""
    return [tuple(row) for row in db.session.execute(_open_defects_query())]


@cache
def _open_defects_query() -> Select:
    return (
        select(DefectReport, Rickshaw.name, User.name)
        .join(Rickshaw, Rickshaw.id == DefectReport.rickshaw_id)
        .outerjoin(User, User.id == DefectReport.reported_by_id)
        .where(DefectReport.cleared_at.is_(None))
        .order_by(DefectReport.severity.desc(), DefectReport.reported_at.desc())
    )


# --- the overview's cards -----------------------------------------------------------------------


def service_from(
    *,
    km_interval: int | None,
    day_interval: int | None,
    odometer: int,
    in_service_since: date | None,
    created_at: datetime,
    inspected_km: int | None,
    inspected_at: datetime | None,
    today: date,
    zone: tzinfo,
) -> ServiceStatus:
    """Service state counted from the last inspection, else from the day the rickshaw entered service.

    Days are the office's (`zone`), as `today` is: an inspection at half past midnight in Berlin
    is 23:30 UTC the day before, and counting from that UTC day made the service due a day early.
    """
    if inspected_at is not None:
        since_km, since_day = inspected_km, inspected_at.astimezone(zone).date()
    else:
        since_km, since_day = 0, in_service_since or created_at.astimezone(zone).date()
    return service_status(
        km_interval=km_interval,
        day_interval=day_interval,
        last_service_km=since_km,
        last_service_date=since_day,
        odometer=odometer,
        today=today,
    )


@dataclass(frozen=True)
class FleetCard:
    """What the fleet overview shows of one rickshaw (plain values, no ORM objects)."""

    id: int
    name: str
    status: str
    odometer_km: int
    service: ServiceStatus
    open_defects: int
    last_charged_at: datetime | None
    last_charge_soc: int | None


def fleet_cards(today: date) -> list[FleetCard]:
    """Every rickshaw by name with service state, open defects and last charge, in one query.

    The same figures as `services.fleet_overview`, which returns ORM objects for the API and the
    dashboard; reading only the columns shown here is what makes this fast with long histories.
    """
    cards, zone = [], office_zone()
    for (
        id_,
        name,
        status,
        odometer,
        km_interval,
        day_interval,
        since,
        created_at,
        inspected_km,
        inspected_at,
        defects,
        charged_at,
        soc,
    ) in db.session.execute(_fleet_cards_query()):
        service = service_from(
            km_interval=km_interval,
            day_interval=day_interval,
            odometer=odometer,
            in_service_since=since,
            created_at=created_at,
            inspected_km=inspected_km,
            inspected_at=inspected_at,
            today=today,
            zone=zone,
        )
        cards.append(FleetCard(id_, name, status, odometer, service, defects or 0, charged_at, soc))
    return cards


def latest_of_rickshaw(entity, at, *conditions) -> Select:
    """The latest row of `entity` (a model or alias) for the rickshaw of the enclosing statement:
    by `at` (its time column), then by id, so one backward step of a (rickshaw_id, at, id) index."""
    return (
        select(entity)
        .where(entity.rickshaw_id == Rickshaw.id, *conditions)
        .order_by(at.desc(), entity.id.desc())
        .limit(1)
        .correlate(Rickshaw)
    )


@cache
def _fleet_cards_query() -> Select:
    """The statement of fleet_cards(), built once per process (it has no parameters).

    Each correlated subquery is one index lookup per rickshaw: the last inspection by
    ix_maintenance_records_rickshaw_at_id, open defects by ix_defect_reports_rickshaw_open, the last
    charge by ix_charging_sessions_rickshaw_start_id (a rickshaw's sessions never overlap, so its
    last one is the one that started last) and then by its key.
    """
    last_inspection = latest_of_rickshaw(
        MaintenanceRecord,
        MaintenanceRecord.performed_at,
        MaintenanceRecord.kind == MaintenanceKind.INSPECTION.value,
    )
    earlier = aliased(ChargingSession)
    last_charge_id = (
        latest_of_rickshaw(earlier, earlier.start_at).with_only_columns(earlier.id).scalar_subquery()
    )
    open_defects = (
        select(func.count())
        .where(DefectReport.rickshaw_id == Rickshaw.id, DefectReport.cleared_at.is_(None))
        .correlate(Rickshaw)
        .scalar_subquery()
    )
    return (
        select(
            Rickshaw.id,
            Rickshaw.name,
            Rickshaw.status,
            Rickshaw.odometer_km,
            Rickshaw.service_interval_km,
            Rickshaw.service_interval_days,
            Rickshaw.in_service_since,
            Rickshaw.created_at,
            last_inspection.with_only_columns(MaintenanceRecord.odometer_km).scalar_subquery(),
            last_inspection.with_only_columns(MaintenanceRecord.performed_at).scalar_subquery(),
            open_defects,
            ChargingSession.end_at,
            ChargingSession.soc_after,
        )
        .select_from(Rickshaw)
        .outerjoin(ChargingSession, ChargingSession.id == last_charge_id)
        .order_by(Rickshaw.name)
    )


# --- rides the office must know about -----------------------------------------------------------


def _ride_line_options(with_driver: bool) -> tuple:
    """Rides for one-line mentions: rider, rickshaw, place (and driver) come joined; the rider's
    managers and the driver's roles (eager by default, for access checks) are not needed."""
    rider = defaultload(Ride.rider).lazyload(Rider.managers)
    if with_driver:
        return rider, defaultload(Ride.driver).lazyload(User.role_rows)
    return rider, lazyload(Ride.driver)


def flagged_rides(now: datetime, *, with_driver: bool = True) -> list[Ride]:
    """Upcoming rides that could not be moved off a grounded or blocked rickshaw: call the riders.

    with_driver=False leaves the driver unloaded, for pages that do not name them (one join fewer
    for PostgreSQL to plan on every request).
    """
    return list(db.session.scalars(_flagged_rides_query(with_driver), {"now": now}).unique())


@cache
def _flagged_rides_query(with_driver: bool) -> Select:
    return (
        select(Ride)
        .where(
            Ride.needs_attention.is_(True), Ride.status.in_(ACTIVE_STATUSES), Ride.start_at > bindparam("now")
        )
        .order_by(Ride.start_at)
        .options(*_ride_line_options(with_driver))
    )


def recently_moved_rides(
    now: datetime, days: int = 7, *, with_driver: bool = True
) -> list[tuple[Ride, datetime]]:
    """Upcoming rides moved to another rickshaw in the last `days` days (from the audit trail).

    with_driver as for flagged_rides().
    """
    rows = db.session.execute(
        _moved_rides_query(with_driver), {"now": now, "since": now - timedelta(days=days)}
    ).unique()
    seen, result = set(), []
    for ride, at in rows:
        if ride.id not in seen:
            seen.add(ride.id)
            result.append((ride, at))
    return result


@cache
def _moved_rides_query(with_driver: bool) -> Select:
    return (
        select(Ride, AuditEvent.at)
        .join(AuditEvent, AuditEvent.entity_id == Ride.id)
        .where(
            AuditEvent.entity == "ride",
            AuditEvent.action == "move",
            AuditEvent.at >= bindparam("since"),
            Ride.status.in_(ACTIVE_STATUSES),
            Ride.start_at > bindparam("now"),
        )
        .order_by(Ride.start_at, AuditEvent.at.desc())
        .options(*_ride_line_options(with_driver))
    )


def rides_by_ids(ids) -> list[Ride]:
    ids = [int(i) for i in ids or ()]
    if not ids:
        return []
    return list(db.session.scalars(select(Ride).where(Ride.id.in_(ids)).order_by(Ride.start_at)).unique())


def upcoming_ride_ids(rickshaw_id: int, now: datetime) -> set[int]:
    return set(
        db.session.scalars(
            select(Ride.id).where(
                Ride.rickshaw_id == rickshaw_id, Ride.status.in_(ACTIVE_STATUSES), Ride.start_at > now
            )
        )
    )


# --- a rickshaw's history -----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the timeline. `kind`: ride, maintenance, defect, defect_cleared, charging, block."""

    at: datetime
    kind: str
    record: object
    names: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OdometerPoint:
    at: datetime
    km: int
    source: str  # maintenance, ride, now


@dataclass(frozen=True)
class History:
    entries: list[Entry]  # newest first
    odometer: list[OdometerPoint]  # oldest first

    @property
    def last_inspection(self) -> MaintenanceRecord | None:
        return next(
            (
                e.record
                for e in self.entries
                if e.kind == "maintenance" and e.record.kind == MaintenanceKind.INSPECTION
            ),
            None,
        )


_KIND_ORDER = {"defect_cleared": 0, "ride": 1, "charging": 2, "maintenance": 3, "defect": 4, "block": 5}


def rickshaw_history(rickshaw: Rickshaw, now: datetime) -> History:
    """Rides, maintenance, defects, charging and blocks of one rickshaw in six queries."""
    rides = db.session.scalars(select(Ride).where(Ride.rickshaw_id == rickshaw.id)).unique().all()
    performer = aliased(User)
    maintenance = db.session.execute(
        select(MaintenanceRecord, performer.name, Station.name)
        .outerjoin(performer, performer.id == MaintenanceRecord.performed_by_id)
        .outerjoin(Station, Station.id == MaintenanceRecord.station_id)
        .where(MaintenanceRecord.rickshaw_id == rickshaw.id)
    ).all()
    reporter, clearer = aliased(User), aliased(User)
    defects = db.session.execute(
        select(DefectReport, reporter.name, clearer.name)
        .outerjoin(reporter, reporter.id == DefectReport.reported_by_id)
        .outerjoin(clearer, clearer.id == DefectReport.cleared_by_id)
        .where(DefectReport.rickshaw_id == rickshaw.id)
    ).all()
    logger = aliased(User)
    charging = db.session.execute(
        select(ChargingSession, Station.name, BatteryPack.label, logger.name)
        .join(Station, Station.id == ChargingSession.station_id)
        .outerjoin(BatteryPack, BatteryPack.id == ChargingSession.battery_pack_id)
        .outerjoin(logger, logger.id == ChargingSession.logged_by_id)
        .where(ChargingSession.rickshaw_id == rickshaw.id)
    ).all()
    blocks = db.session.scalars(select(RickshawBlock).where(RickshawBlock.rickshaw_id == rickshaw.id)).all()

    entries = [Entry(ride.start_at, "ride", ride) for ride in rides]
    entries += [
        Entry(record.performed_at, "maintenance", record, {"by": by, "station": station})
        for record, by, station in maintenance
    ]
    for defect, by, cleared_by in defects:
        entries.append(Entry(defect.reported_at, "defect", defect, {"by": by}))
        if defect.cleared_at is not None:
            entries.append(Entry(defect.cleared_at, "defect_cleared", defect, {"by": cleared_by}))
    entries += [
        Entry(charge.start_at, "charging", charge, {"station": station, "pack": pack, "by": by})
        for charge, station, pack, by in charging
    ]
    entries += [Entry(block.start_at, "block", block) for block in blocks]
    entries.sort(key=lambda e: (e.at, _KIND_ORDER[e.kind]), reverse=True)
    return History(
        entries=entries,
        odometer=odometer_points(rickshaw.odometer_km, now, rides, [record for record, *_ in maintenance]),
    )


def odometer_points(current_km: int, now: datetime, rides, maintenance) -> list[OdometerPoint]:
    """The odometer over time, oldest first.

    Maintenance records carry real readings; a completed ride adds its (rounded) km, as
    `complete_ride` does. Walking back from today's reading, each ride is subtracted and each
    reading taken as it was, so hand corrections in between do not distort older values.
    """
    events = [
        (ride.completed_at or ride.end_at, "ride", round(ride.km or 0))
        for ride in rides
        if ride.status == RideStatus.COMPLETED.value and ride.km is not None
    ]
    events += [(record.performed_at, "maintenance", record.odometer_km) for record in maintenance]
    events.sort(key=lambda e: (e[0], e[1] == "ride"), reverse=True)
    value = current_km
    points = [OdometerPoint(now, current_km, "now")]
    for at, source, amount in events:
        if at > now:
            continue
        if source == "ride":
            points.append(OdometerPoint(at, value, "ride"))
            value = max(0, value - amount)
        else:
            points.append(OdometerPoint(at, amount, "maintenance"))
            value = amount
    points.reverse()
    return points


@dataclass(frozen=True)
class Chart:
    """Geometry of the odometer line chart (an inline SVG drawn by the template)."""

    width: int
    height: int
    left: int
    bottom: int
    polyline: str
    dots: list[tuple[float, float]]
    min_km: int
    max_km: int
    first: datetime
    last: datetime


def odometer_chart(points: list[OdometerPoint], width: int = 400, height: int = 220) -> Chart | None:
    """Scale the points into the SVG box; None when there are fewer than two points."""
    if len(points) < 2:
        return None
    left, right, top, bottom = 64, 14, 20, height - 40
    first, last = points[0].at, points[-1].at
    span = (last - first).total_seconds()
    low, high = min(p.km for p in points), max(p.km for p in points)
    if high == low:
        high = low + 1
    dots = []
    for index, point in enumerate(points):
        share = (point.at - first).total_seconds() / span if span > 0 else index / (len(points) - 1)
        x = left + share * (width - left - right)
        y = bottom - (point.km - low) / (high - low) * (bottom - top)
        dots.append((round(x, 1), round(y, 1)))
    polyline = " ".join(f"{x},{y}" for x, y in dots)
    return Chart(
        width=width,
        height=height,
        left=left,
        bottom=bottom,
        polyline=polyline,
        dots=dots,
        min_km=min(p.km for p in points),
        max_km=max(p.km for p in points),
        first=first,
        last=last,
    )
