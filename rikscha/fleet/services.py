"""Fleet care: rickshaws, stations, blocks, maintenance, defects and charging (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from rikscha.audit.services import record_event
from rikscha.domain import Conflict, DomainError
from rikscha.extensions import db
from rikscha.fleet.models import (
    BatteryPack,
    ChargingSession,
    DefectReport,
    DefectSeverity,
    MaintenanceKind,
    MaintenanceRecord,
    Rickshaw,
    RickshawBlock,
    RickshawStatus,
    Station,
)
from rikscha.fleet.queries import latest_of_rickshaw, service_from
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages
from rikscha.rides.services import move_rides_off_rickshaw
from rikscha.rides.settings import office_zone
from rikscha.scheduling import (
    ChargingError,
    Interval,
    OdometerError,
    ServiceStatus,
    validate_charging,
    validate_odometer,
)
from rikscha.unique import saved_unless_taken

register_messages(
    {
        "name_taken": _l("Dieser Name ist schon vergeben."),
        "invalid_history_page": _l(
            "Diese Seite des Verlaufs gibt es nicht: before und km kommen aus „older“ der neueren Seite."
        ),
        "odometer_backwards": _l(
            "Der Kilometerstand kann nicht kleiner sein als der letzte (%(previous)s km)."
        ),
        "odometer_negative": _l("Der Kilometerstand kann nicht negativ sein."),
        "end_before_start": _l("Das Ende muss nach dem Beginn liegen."),
        "soc_range": _l("Der Ladestand muss zwischen 0 und 100 Prozent liegen."),
        "soc_decreased": _l("Nach dem Laden kann der Ladestand nicht niedriger sein als vorher."),
        "energy_negative": _l("Die Energiemenge kann nicht negativ sein."),
        "rickshaw_overlap": _l("Für diese Rikscha ist zu dieser Zeit schon ein Ladevorgang eingetragen."),
        "station_full": _l(
            "An dieser Station sind zu dieser Zeit schon alle %(chargers)s Ladeplätze belegt."
        ),
        "not_charging_station": _l("An dieser Station kann nicht geladen werden."),
        "rickshaw_retired": _l("Diese Rikscha ist außer Dienst gestellt."),
        "already_cleared": _l("Dieser Mangel ist schon behoben."),
        "battery_mismatch": _l("Dieser Akku gehört nicht zu dieser Rikscha."),
    }
)


class FleetRuleBroken(DomainError):
    """422: invalid odometer, charging values, …"""


def _odometer_code_details(error: OdometerError, previous: int) -> dict:
    return {"previous": previous} if error.code == "odometer_backwards" else {}


# --- rickshaws and stations -------------------------------------------------------------------


def _unique_name(model, name: str, own_id: int | None) -> None:
    other = db.session.scalar(select(model).where(func.lower(model.name) == name.strip().lower()))
    if other is not None and other.id != own_id:
        raise Conflict("name_taken", field="name")


RICKSHAW_FIELDS = (
    "name",
    "kind",
    "seats",
    "odometer_km",
    "capacity_minutes",
    "service_interval_km",
    "service_interval_days",
    "home_station_id",
    "status",
)


def save_rickshaw(rickshaw: Rickshaw | None, *, by, now: datetime, **values) -> Rickshaw:
    """Create (rickshaw=None) or update a rickshaw. Status changes to `grounded` move its rides."""
    _unique_name(Rickshaw, values["name"], rickshaw.id if rickshaw else None)
    creating = rickshaw is None
    if not creating and values.get("odometer_km") is not None:
        try:
            validate_odometer(rickshaw.odometer_km, values["odometer_km"])
        except OdometerError as error:
            raise FleetRuleBroken(
                error.code, field="odometer_km", **_odometer_code_details(error, rickshaw.odometer_km)
            ) from error
    with saved_unless_taken(Conflict("name_taken", field="name")):
        if creating:
            rickshaw = Rickshaw(in_service_since=now.astimezone(office_zone()).date())  # the office's day
            db.session.add(rickshaw)
        old_status = rickshaw.status
        for name in RICKSHAW_FIELDS:
            if name in values and values[name] is not None:
                value = values[name]
                setattr(rickshaw, name, value.strip() if isinstance(value, str) else value)
        for optional in ("service_interval_km", "service_interval_days", "home_station_id"):
            if optional in values:
                setattr(rickshaw, optional, values[optional])
    record_event(
        by,
        "create" if creating else "update",
        "rickshaw",
        rickshaw.id,
        f"status {old_status}->{rickshaw.status}" if old_status != rickshaw.status else "",
    )
    if not creating and old_status != rickshaw.status and rickshaw.status != RickshawStatus.IN_SERVICE:
        move_rides_off_rickshaw(rickshaw, by=by, now=now)
    return rickshaw


def save_station(
    station: Station | None, *, by, name: str, address: str, kinds, chargers: int, opening_notes: str
) -> Station:
    _unique_name(Station, name, station.id if station else None)
    creating = station is None
    with saved_unless_taken(Conflict("name_taken", field="name")):
        station = station or Station()
        station.name, station.address, station.opening_notes = (
            name.strip(),
            address.strip(),
            opening_notes.strip(),
        )
        station.is_service, station.is_rental, station.is_charging = (
            "service" in kinds,
            "rental" in kinds,
            "charging" in kinds,
        )
        station.chargers = chargers
        db.session.add(station)
    record_event(by, "create" if creating else "update", "station", station.id)
    return station


def add_battery_pack(rickshaw: Rickshaw, *, label: str, by) -> BatteryPack:
    """A battery pack for `rickshaw`; a label is used once per rickshaw (Conflict name_taken)."""
    taken = Conflict("name_taken", field="label")
    if db.session.scalar(
        select(BatteryPack.id).where(BatteryPack.rickshaw_id == rickshaw.id, BatteryPack.label == label)
    ):
        raise taken
    with saved_unless_taken(taken):
        pack = BatteryPack(rickshaw_id=rickshaw.id, label=label)
        db.session.add(pack)
    record_event(by, "create", "battery_pack", pack.id, f"rickshaw={rickshaw.id}")
    return pack


# --- blocks, defects --------------------------------------------------------------------------


def plan_block(rickshaw: Rickshaw, *, start: datetime, end: datetime, reason: str, by, now: datetime):
    """Take a rickshaw out of booking for a period; rides in it are moved or flagged."""
    if end <= start:
        raise FleetRuleBroken("end_before_start", field="end")
    block = RickshawBlock(
        rickshaw_id=rickshaw.id,
        start_at=start,
        end_at=end,
        reason=reason.strip()[:200],
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(block)
    db.session.flush()
    record_event(by, "create", "rickshaw_block", block.id, f"rickshaw={rickshaw.id}")
    moved, flagged = move_rides_off_rickshaw(rickshaw, by=by, now=now, window=Interval(start, end))
    return block, moved, flagged


def report_defect(
    rickshaw: Rickshaw, *, severity: str, description: str, photo: str | None, by, now: datetime
):
    """Record a defect. A grounding one grounds the rickshaw at once and moves or flags its rides."""
    severity = DefectSeverity(severity).value
    defect = DefectReport(
        rickshaw_id=rickshaw.id,
        reported_at=now,
        reported_by_id=getattr(by, "id", None),
        severity=severity,
        description=description.strip(),
        photo=photo,
    )
    db.session.add(defect)
    db.session.flush()
    record_event(by, "create", "defect", defect.id, f"rickshaw={rickshaw.id}; severity={severity}")
    moved, flagged = [], []
    if severity == DefectSeverity.GROUNDING and rickshaw.status == RickshawStatus.IN_SERVICE:
        rickshaw.status = RickshawStatus.GROUNDED.value
        db.session.flush()
        record_event(by, "ground", "rickshaw", rickshaw.id, f"defect={defect.id}")
        moved, flagged = move_rides_off_rickshaw(rickshaw, by=by, now=now)
    return defect, moved, flagged


def open_grounding_defects(rickshaw_id: int) -> int:
    return db.session.scalar(
        select(func.count(DefectReport.id)).where(
            DefectReport.rickshaw_id == rickshaw_id,
            DefectReport.cleared_at.is_(None),
            DefectReport.severity == DefectSeverity.GROUNDING.value,
        )
    )


def clear_defect(defect: DefectReport, *, note: str, by, now: datetime) -> None:
    """Mark a defect repaired; clearing the last grounding defect returns the rickshaw to service."""
    if defect.cleared_at is not None:
        raise Conflict("already_cleared")
    defect.cleared_at, defect.cleared_by_id, defect.clear_note = (
        now,
        getattr(by, "id", None),
        note.strip()[:500],
    )
    db.session.flush()
    record_event(by, "clear", "defect", defect.id, f"rickshaw={defect.rickshaw_id}")
    rickshaw = db.session.get(Rickshaw, defect.rickshaw_id)
    # Only clearing a grounding defect may end a grounding (a coordinator may ground by hand).
    if (
        defect.severity == DefectSeverity.GROUNDING
        and rickshaw.status == RickshawStatus.GROUNDED
        and open_grounding_defects(rickshaw.id) == 0
    ):
        rickshaw.status = RickshawStatus.IN_SERVICE.value
        db.session.flush()
        record_event(by, "return_to_service", "rickshaw", rickshaw.id)


# --- maintenance and service intervals --------------------------------------------------------


def log_maintenance(
    rickshaw: Rickshaw,
    *,
    kind: str,
    performed_at: datetime,
    odometer_km: int,
    description: str,
    parts: str = "",
    cost=None,
    station_id: int | None = None,
    by,
) -> MaintenanceRecord:
    kind = MaintenanceKind(kind).value
    if rickshaw.status == RickshawStatus.RETIRED:
        raise Conflict("rickshaw_retired")
    try:
        validate_odometer(rickshaw.odometer_km, odometer_km)
    except OdometerError as error:
        raise FleetRuleBroken(
            error.code, field="odometer_km", **_odometer_code_details(error, rickshaw.odometer_km)
        ) from error
    record = MaintenanceRecord(
        rickshaw_id=rickshaw.id,
        kind=kind,
        performed_at=performed_at,
        odometer_km=odometer_km,
        description=description.strip(),
        parts=parts.strip(),
        cost=cost,
        station_id=station_id,
        performed_by_id=getattr(by, "id", None),
    )
    rickshaw.odometer_km = odometer_km
    db.session.add(record)
    db.session.flush()
    record_event(by, "create", "maintenance", record.id, f"rickshaw={rickshaw.id}; kind={kind}")
    return record


@dataclass(frozen=True)
class FleetRow:
    rickshaw: Rickshaw
    service: ServiceStatus
    open_defects: int
    last_charge: ChargingSession | None


def service_for(
    rickshaw: Rickshaw, last_inspection: MaintenanceRecord | None, today: date, zone: tzinfo | None = None
) -> ServiceStatus:
    """`zone`: the office's, looked up here unless given (lists look it up once, 2 µs each time)."""
    return service_from(
        km_interval=rickshaw.service_interval_km,
        day_interval=rickshaw.service_interval_days,
        odometer=rickshaw.odometer_km,
        in_service_since=rickshaw.in_service_since,
        created_at=rickshaw.created_at,
        inspected_km=last_inspection.odometer_km if last_inspection else None,
        inspected_at=last_inspection.performed_at if last_inspection else None,
        today=today,
        zone=zone or office_zone(),
    )


def overdue_rickshaw_ids(today: date) -> set[int]:
    return {row.rickshaw.id for row in fleet_overview(today) if row.service.state == "overdue"}


def _last_per_rickshaw(model, at_column: str, *conditions) -> Select:
    """The ids of each rickshaw's latest `model` row, one index lookup per rickshaw.

    Driven by the rickshaws (a small table): SQLite without statistics otherwise read every charge
    or inspection ever logged and looked up each one's latest (20 ms at 31 000 charging sessions).
    """
    row = aliased(model)
    latest = latest_of_rickshaw(row, getattr(row, at_column), *[condition(row) for condition in conditions])
    return select(latest.with_only_columns(row.id).scalar_subquery()).select_from(Rickshaw)


_LAST_INSPECTIONS = _last_per_rickshaw(
    MaintenanceRecord, "performed_at", lambda row: row.kind == MaintenanceKind.INSPECTION.value
)
_LAST_CHARGES = _last_per_rickshaw(ChargingSession, "start_at")


def fleet_overview(today: date) -> list[FleetRow]:
    """Every rickshaw with service state, open defects and last charge, in four queries."""
    rickshaws = db.session.scalars(select(Rickshaw).order_by(Rickshaw.name)).all()
    inspections = {
        record.rickshaw_id: record
        for record in db.session.scalars(
            select(MaintenanceRecord).where(MaintenanceRecord.id.in_(_LAST_INSPECTIONS))
        )
    }
    defects = dict(
        db.session.execute(
            select(DefectReport.rickshaw_id, func.count(DefectReport.id))
            .where(DefectReport.cleared_at.is_(None))
            .group_by(DefectReport.rickshaw_id)
        ).all()
    )
    charges = {
        session.rickshaw_id: session
        for session in db.session.scalars(
            select(ChargingSession).where(ChargingSession.id.in_(_LAST_CHARGES))
        )
    }
    zone = office_zone()
    return [
        FleetRow(
            r, service_for(r, inspections.get(r.id), today, zone), defects.get(r.id, 0), charges.get(r.id)
        )
        for r in rickshaws
    ]


# --- charging ---------------------------------------------------------------------------------


def log_charging(
    rickshaw: Rickshaw,
    *,
    station: Station,
    start: datetime,
    end: datetime,
    soc_before: int,
    soc_after: int,
    energy_kwh=None,
    battery_pack_id: int | None = None,
    by,
) -> ChargingSession:
    """Log a charging session; no overlap per rickshaw, never more sessions than chargers at once.

    The station row is locked first (PostgreSQL: SELECT … FOR UPDATE; SQLite: the request already
    holds the write lock), so two simultaneous logs can't both take the last charger.
    """
    if not station.is_charging or station.chargers < 1:
        raise FleetRuleBroken("not_charging_station", field="station_id")
    if battery_pack_id is not None:
        from rikscha.fleet.models import BatteryPack

        pack = db.session.get(BatteryPack, battery_pack_id)
        if pack is None or pack.rickshaw_id != rickshaw.id:
            raise FleetRuleBroken("battery_mismatch", field="battery_pack_id")
    db.session.execute(select(Station.id).where(Station.id == station.id).with_for_update())
    window = (ChargingSession.start_at < end, ChargingSession.end_at > start)
    same_rickshaw = [
        Interval(s, e)
        for s, e in db.session.execute(
            select(ChargingSession.start_at, ChargingSession.end_at).where(
                ChargingSession.rickshaw_id == rickshaw.id, *window
            )
        )
    ]
    same_station = [
        Interval(s, e)
        for s, e in db.session.execute(
            select(ChargingSession.start_at, ChargingSession.end_at).where(
                ChargingSession.station_id == station.id, *window
            )
        )
    ]
    try:
        validate_charging(
            start, end, soc_before, soc_after, energy_kwh, same_rickshaw, same_station, station.chargers
        )
    except ChargingError as error:
        field = {
            "end_before_start": "end",
            "soc_range": "soc_after",
            "soc_decreased": "soc_after",
            "energy_negative": "energy_kwh",
            "rickshaw_overlap": "start",
            "station_full": "station_id",
        }
        raise FleetRuleBroken(
            error.code,
            field=field.get(error.code),
            **({"chargers": station.chargers} if error.code == "station_full" else {}),
        ) from error
    charge = ChargingSession(
        rickshaw_id=rickshaw.id,
        station_id=station.id,
        start_at=start,
        end_at=end,
        soc_before=soc_before,
        soc_after=soc_after,
        energy_kwh=energy_kwh,
        battery_pack_id=battery_pack_id,
        logged_by_id=getattr(by, "id", None),
    )
    savepoint = db.session.begin_nested()
    try:
        db.session.add(charge)
        db.session.flush()
    except IntegrityError as error:
        savepoint.rollback()
        if "ex_charging_sessions_rickshaw_overlap" not in str(error.orig):
            raise
        raise FleetRuleBroken("rickshaw_overlap", field="start") from error
    savepoint.commit()
    record_event(by, "create", "charging", charge.id, f"rickshaw={rickshaw.id}; station={station.id}")
    return charge
