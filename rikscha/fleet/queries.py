"""Read-side queries of the fleet pages and API: choice lists, a rickshaw's history, rides to call about.

Every function runs a fixed number of queries, however many rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
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
from rikscha.limits import parse_instant
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


HISTORY_PAGE = 100  # timeline entries a page; older ones are a link away
MAX_ODOMETER_KM = 10_000_000


@dataclass(frozen=True)
class HistoryCursor:
    """Where an older page of the timeline starts: before this moment, with this odometer reading."""

    before: datetime
    km: int

    @classmethod
    def from_query(cls, before: str | None, km: str | None) -> HistoryCursor | None:
        """The cursor from a link's query (ISO time with offset, whole km); None if either is unusable."""
        try:
            moment = parse_instant(before or "")
            reading = int(km or "")
        except ValueError:
            return None
        return cls(moment, reading) if 0 <= reading <= MAX_ODOMETER_KM else None


@dataclass(frozen=True)
class History:
    entries: list[Entry]  # newest first, one page
    odometer: list[OdometerPoint]  # oldest first, over the page's entries
    last_inspection: MaintenanceRecord | None  # the newest ever, on whatever page it is
    older: HistoryCursor | None = None  # the next (older) page; None: this page reaches the first entry


_KIND_ORDER = {"defect_cleared": 0, "ride": 1, "charging": 2, "maintenance": 3, "defect": 4, "block": 5}


# Older than any entry: what the edge of a short history compares with.
_BEFORE_ALL = datetime(1900, 1, 1, tzinfo=UTC)


def _newest(statement: Select, at_column, owner, until: datetime | None, limit: int) -> Select:
    """`statement` cut to its `limit` newest rows before `until`, newest first.

    Not a plain LIMIT: every further row at the moment of the last of them comes too, so that a
    page never splits one moment and the next page, strictly older, misses nothing.
    """
    conditions = [owner, *([] if until is None else [at_column < until])]
    edge = (
        select(at_column).where(*conditions).order_by(at_column.desc()).limit(1).offset(limit - 1)
    ).scalar_subquery()
    oldest = bindparam("before_all", _BEFORE_ALL, type_=at_column.type)
    return statement.where(*conditions, at_column >= func.coalesce(edge, oldest)).order_by(at_column.desc())


def _defects_by(rickshaw_id: int, at_column, until: datetime | None, limit: int):
    reporter, clearer = aliased(User), aliased(User)
    statement = (
        select(DefectReport, reporter.name, clearer.name)
        .outerjoin(reporter, reporter.id == DefectReport.reported_by_id)
        .outerjoin(clearer, clearer.id == DefectReport.cleared_by_id)
    )
    return db.session.execute(
        _newest(statement, at_column, DefectReport.rickshaw_id == rickshaw_id, until, limit)
    ).all()


def rickshaw_history(
    rickshaw: Rickshaw, now: datetime, *, cursor: HistoryCursor | None = None, limit: int = HISTORY_PAGE
) -> History:
    """One page of a rickshaw's timeline – rides, maintenance, defects, charging and blocks, newest
    first – in seven queries, whatever the length of its history.

    The page holds the newest `limit` entries before `cursor.before` (up to now on the first
    page): each kind's newest `limit` rows are read and merged. Entries at the same moment as the
    last one shown stay on the page too, since the next page starts strictly before it.

    The odometer is walked back over the page's own rides and readings, from today's reading on
    the first page and from where the newer page's walk ended (`cursor.km`) on the others. A ride
    that starts on one page and ends after the next newer page's oldest entry counts one page late.
    """
    until = cursor.before if cursor else None

    def newest(statement: Select, at_column, owner_column) -> Select:
        return _newest(statement, at_column, owner_column == rickshaw.id, until, limit)

    rides = (
        db.session.scalars(
            newest(
                select(Ride).options(*_ride_line_options(with_driver=True)), Ride.start_at, Ride.rickshaw_id
            )
        )
        .unique()
        .all()
    )
    performer, logger = aliased(User), aliased(User)
    maintenance = db.session.execute(
        newest(
            select(MaintenanceRecord, performer.name, Station.name)
            .outerjoin(performer, performer.id == MaintenanceRecord.performed_by_id)
            .outerjoin(Station, Station.id == MaintenanceRecord.station_id),
            MaintenanceRecord.performed_at,
            MaintenanceRecord.rickshaw_id,
        )
    ).all()
    reported = _defects_by(rickshaw.id, DefectReport.reported_at, until, limit)
    cleared = _defects_by(rickshaw.id, DefectReport.cleared_at, until, limit)
    charging = db.session.execute(
        newest(
            select(ChargingSession, Station.name, BatteryPack.label, logger.name)
            .join(Station, Station.id == ChargingSession.station_id)
            .outerjoin(BatteryPack, BatteryPack.id == ChargingSession.battery_pack_id)
            .outerjoin(logger, logger.id == ChargingSession.logged_by_id),
            ChargingSession.start_at,
            ChargingSession.rickshaw_id,
        )
    ).all()
    blocks = db.session.scalars(
        newest(select(RickshawBlock), RickshawBlock.start_at, RickshawBlock.rickshaw_id)
    ).all()

    entries = [Entry(ride.start_at, "ride", ride) for ride in rides]
    entries += [
        Entry(record.performed_at, "maintenance", record, {"by": by, "station": station})
        for record, by, station in maintenance
    ]
    entries += [
        Entry(defect.reported_at, "defect", defect, {"by": by}) for defect, by, _cleared_by in reported
    ]
    entries += [
        Entry(defect.cleared_at, "defect_cleared", defect, {"by": cleared_by})
        for defect, _by, cleared_by in cleared
    ]
    entries += [
        Entry(charge.start_at, "charging", charge, {"station": station, "pack": pack, "by": by})
        for charge, station, pack, by in charging
    ]
    entries += [Entry(block.start_at, "block", block) for block in blocks]
    entries.sort(key=lambda e: (e.at, _KIND_ORDER[e.kind]), reverse=True)
    shown = entries[:limit]
    while len(shown) < len(entries) and entries[len(shown)].at == shown[-1].at:
        shown.append(entries[len(shown)])
    # A kind that filled its share may have older rows; one that did not has none left.
    full = any(len(rows) >= limit for rows in (rides, maintenance, reported, cleared, charging, blocks))

    points, lowest_km = odometer_walk(
        cursor.km if cursor else rickshaw.odometer_km,
        until or now,
        [e.record for e in shown if e.kind == "ride"],
        [e.record for e in shown if e.kind == "maintenance"],
        today=cursor is None,
    )
    more = shown and (len(shown) < len(entries) or full)
    return History(
        entries=shown,
        odometer=points,
        last_inspection=_last_inspection(rickshaw.id),
        older=HistoryCursor(shown[-1].at, lowest_km) if more else None,
    )


def _last_inspection(rickshaw_id: int) -> MaintenanceRecord | None:
    return db.session.scalars(
        select(MaintenanceRecord)
        .where(
            MaintenanceRecord.rickshaw_id == rickshaw_id,
            MaintenanceRecord.kind == MaintenanceKind.INSPECTION.value,
        )
        .order_by(MaintenanceRecord.performed_at.desc(), MaintenanceRecord.id.desc())
        .limit(1)
    ).first()


def odometer_walk(
    top_km: int, top: datetime, rides, maintenance, *, today: bool
) -> tuple[list[OdometerPoint], int]:
    """The odometer over time, oldest first, walked back from `top_km` at `top`; and the reading
    the walk ends with (before its oldest event: where an older page's walk starts).

    Maintenance records carry real readings; a completed ride adds its (rounded) km, as
    `complete_ride` does. Walking back, each ride is subtracted and each reading taken as it was,
    so hand corrections in between do not distort older values. `today`: `top` is now – a point
    "now" heads the list, and rides completed after it (by a clock running ahead) are not counted.
    """
    events = [
        (ride.completed_at or ride.end_at, "ride", round(ride.km or 0))
        for ride in rides
        if ride.status == RideStatus.COMPLETED.value and ride.km is not None
    ]
    events += [(record.performed_at, "maintenance", record.odometer_km) for record in maintenance]
    events.sort(key=lambda e: (e[0], e[1] == "ride"), reverse=True)
    value = top_km
    points = [OdometerPoint(top, top_km, "now")] if today else []
    for at, source, amount in events:
        if today and at > top:
            continue
        if source == "ride":
            points.append(OdometerPoint(at, value, "ride"))
            value = max(0, value - amount)
        else:
            points.append(OdometerPoint(at, amount, "maintenance"))
            value = amount
    points.reverse()
    return points, value


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
