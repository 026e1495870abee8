"""Read-side queries of the fleet pages and API: choice lists, a rickshaw's history, rides to call about.

Every function runs a fixed number of queries, however many rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

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
from rikscha.rides.models import ACTIVE_STATUSES, Ride, RideStatus

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


def open_defects() -> list[tuple[DefectReport, str, str | None]]:
    """Open defects, grounding ones first: (defect, rickshaw name, reporter name)."""
    query = (
        select(DefectReport, Rickshaw.name, User.name)
        .join(Rickshaw, Rickshaw.id == DefectReport.rickshaw_id)
        .outerjoin(User, User.id == DefectReport.reported_by_id)
        .where(DefectReport.cleared_at.is_(None))
        .order_by(DefectReport.severity.desc(), DefectReport.reported_at.desc())
    )
    return [tuple(row) for row in db.session.execute(query)]


# --- rides the office must know about -----------------------------------------------------------


def flagged_rides(now: datetime) -> list[Ride]:
    """Upcoming rides that could not be moved off a grounded or blocked rickshaw: call the riders."""
    return list(
        db.session.scalars(
            select(Ride)
            .where(Ride.needs_attention.is_(True), Ride.status.in_(ACTIVE_STATUSES), Ride.start_at > now)
            .order_by(Ride.start_at)
        ).unique()
    )


def recently_moved_rides(now: datetime, days: int = 7) -> list[tuple[Ride, datetime]]:
    """Upcoming rides moved to another rickshaw in the last `days` days (from the audit trail)."""
    query = (
        select(Ride, AuditEvent.at)
        .join(AuditEvent, AuditEvent.entity_id == Ride.id)
        .where(
            AuditEvent.entity == "ride",
            AuditEvent.action == "move",
            AuditEvent.at >= now - timedelta(days=days),
            Ride.status.in_(ACTIVE_STATUSES),
            Ride.start_at > now,
        )
        .order_by(Ride.start_at, AuditEvent.at.desc())
    )
    seen, result = set(), []
    for ride, at in db.session.execute(query).unique():
        if ride.id not in seen:
            seen.add(ride.id)
            result.append((ride, at))
    return result


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
