"""API: fleet care – a rickshaw and its history, stations, maintenance, defects, charging, blocks."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from rikscha.api.errors import error_response, form_error_response
from rikscha.api.input import bind, json_body
from rikscha.api.registry import api_route
from rikscha.api.schemas import RICKSHAW_FIELDS, answers_domain_errors, iso, rickshaw_json
from rikscha.auth.roles import Role
from rikscha.database import utcnow
from rikscha.extensions import db
from rikscha.fleet import queries
from rikscha.fleet.fleet_forms import (
    BlockApiForm,
    ChargingApiForm,
    ClearDefectForm,
    DefectApiForm,
    MaintenanceApiForm,
    RickshawEditForm,
    StationForm,
    office_zone,
    record_choices,
)
from rikscha.fleet.models import DefectReport, Rickshaw, Station
from rikscha.fleet.services import (
    clear_defect,
    fleet_overview,
    log_charging,
    log_maintenance,
    plan_block,
    report_defect,
    save_rickshaw,
    save_station,
    service_for,
)
from rikscha.forms import choices

STAFF = (Role.DRIVER, Role.CARETAKER, Role.COORDINATOR)
CARE = (Role.CARETAKER, Role.COORDINATOR)
OFFICE = (Role.COORDINATOR,)
EDITABLE = (
    "name",
    "kind",
    "seats",
    "odometer_km",
    "status",
    "capacity_minutes",
    "service_interval_km",
    "service_interval_days",
    "home_station_id",
)

FLEET_RICKSHAW_FIELDS = {
    **RICKSHAW_FIELDS,
    "home_station_id": "integer",
    "in_service_since": "string",
    "service": "object",
    "open_defects": "integer",
    "last_charge": "object",
    "battery_packs": "array",
}
MOVES = {"moved_rides": "array", "flagged_rides": "array"}


def _me():
    return current_user._get_current_object()


def _number(value):
    return float(value) if value is not None else None


def _service_json(service) -> dict:
    return {
        "state": service.state,
        "km_left": service.km_left,
        "days_left": service.days_left,
        "due_date": service.due_date.isoformat() if service.due_date else None,
    }


def _charge_json(charge, station: str | None = None, pack: str | None = None) -> dict:
    return {
        "id": charge.id,
        "rickshaw_id": charge.rickshaw_id,
        "station_id": charge.station_id,
        "station": station,
        "battery_pack_id": charge.battery_pack_id,
        "battery_pack": pack,
        "start": iso(charge.start_at),
        "end": iso(charge.end_at),
        "soc_before": charge.soc_before,
        "soc_after": charge.soc_after,
        "energy_kwh": _number(charge.energy_kwh),
    }


def _maintenance_json(record, by: str | None = None, station: str | None = None) -> dict:
    return {
        "id": record.id,
        "rickshaw_id": record.rickshaw_id,
        "kind": record.kind,
        "performed_at": iso(record.performed_at),
        "odometer_km": record.odometer_km,
        "description": record.description,
        "parts": record.parts,
        "cost": _number(record.cost),
        "station_id": record.station_id,
        "station": station,
        "performed_by": by,
    }


def _defect_json(defect, by: str | None = None, cleared_by: str | None = None) -> dict:
    return {
        "id": defect.id,
        "rickshaw_id": defect.rickshaw_id,
        "severity": defect.severity,
        "description": defect.description,
        "reported_at": iso(defect.reported_at),
        "reported_by": by,
        "has_photo": defect.photo is not None,
        "open": defect.open,
        "cleared_at": iso(defect.cleared_at),
        "cleared_by": cleared_by,
        "clear_note": defect.clear_note,
    }


def _station_json(station: Station) -> dict:
    return {
        "id": station.id,
        "name": station.name,
        "address": station.address,
        "kinds": station.kinds,
        "chargers": station.chargers,
        "opening_notes": station.opening_notes,
    }


def _moves_json(moved, flagged) -> dict:
    return {"moved_rides": [ride.id for ride in moved], "flagged_rides": [ride.id for ride in flagged]}


def _today():
    return utcnow().astimezone(office_zone()).date()


def _fleet_rickshaw_json(rickshaw: Rickshaw) -> dict:
    row = next(row for row in fleet_overview(_today()) if row.rickshaw.id == rickshaw.id)
    packs = queries.packs_of(rickshaw.id)
    return {
        **rickshaw_json(rickshaw),
        "home_station_id": rickshaw.home_station_id,
        "in_service_since": rickshaw.in_service_since.isoformat() if rickshaw.in_service_since else None,
        "service": _service_json(row.service),
        "open_defects": row.open_defects,
        "last_charge": _charge_json(row.last_charge) if row.last_charge else None,
        "battery_packs": [{"id": p.id, "label": p.label, "active": p.active} for p in packs],
    }


# --- rickshaws ----------------------------------------------------------------------------------


@api_route(
    "/rickshaws/<int:rickshaw_id>",
    "GET",
    summary="A rickshaw with its service state, open defects, last charge and battery packs",
    roles=STAFF,
    tag="fleet",
    responses={200: FLEET_RICKSHAW_FIELDS},
)
def fleet_rickshaw_detail(rickshaw_id: int):
    return jsonify(_fleet_rickshaw_json(db.get_or_404(Rickshaw, rickshaw_id)))


@api_route(
    "/rickshaws/<int:rickshaw_id>",
    "PATCH",
    summary="Change a rickshaw (only the fields given). "
    "Grounding or retiring it moves its upcoming rides or flags them",
    roles=OFFICE,
    form=RickshawEditForm,
    tag="fleet",
    responses={200: {**FLEET_RICKSHAW_FIELDS, **MOVES}},
)
@answers_domain_errors
def fleet_rickshaw_update(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    current = {name: getattr(rickshaw, name) for name in EDITABLE}
    form = bind(RickshawEditForm, {**current, **{k: v for k, v in json_body().items() if k in EDITABLE}})
    form.home_station_id.choices = record_choices(queries.all_stations())
    if not form.validate():
        return form_error_response(form)
    now = utcnow()
    before = queries.upcoming_ride_ids(rickshaw.id, now)
    save_rickshaw(rickshaw, by=_me(), now=now, **{name: getattr(form, name).data for name in EDITABLE})
    still = queries.upcoming_ride_ids(rickshaw.id, now)
    flagged = (
        [ride for ride in queries.rides_by_ids(still) if ride.needs_attention] if still != before else []
    )
    moved = queries.rides_by_ids(before - still)
    db.session.commit()
    return jsonify({**_fleet_rickshaw_json(rickshaw), **_moves_json(moved, flagged)})


@api_route(
    "/rickshaws/<int:rickshaw_id>/history",
    "GET",
    summary="A rickshaw's timeline (rides, maintenance, defects, charging, blocks; newest first, "
    "100 entries a page) and its odometer over the page's entries",
    roles=STAFF,
    tag="fleet",
    query=(
        ("before", "string", "Older page: `older.before` of the newer page (ISO 8601 with offset)"),
        ("km", "integer", "Older page: `older.km` of the newer page"),
    ),
    responses={200: {"rickshaw": "object", "entries": "array", "odometer": "array", "older": "object"}},
)
def fleet_rickshaw_history(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    cursor = None
    if "before" in request.args or "km" in request.args:
        cursor = queries.HistoryCursor.from_query(request.args.get("before"), request.args.get("km"))
        if cursor is None:
            return error_response(422, "invalid_history_page")
    history = queries.rickshaw_history(rickshaw, utcnow(), cursor=cursor)
    entries = []
    for entry in history.entries:
        record, names = entry.record, entry.names
        if entry.kind == "ride":
            data = {
                "id": record.id,
                "status": record.status,
                "start": iso(record.start_at),
                "end": iso(record.end_at),
                "km": record.km,
                "destination": record.destination,
                "needs_attention": record.needs_attention,
            }
        elif entry.kind == "maintenance":
            data = _maintenance_json(record, names.get("by"), names.get("station"))
        elif entry.kind in ("defect", "defect_cleared"):
            data = _defect_json(
                record,
                names.get("by") if entry.kind == "defect" else None,
                names.get("by") if entry.kind == "defect_cleared" else None,
            )
        elif entry.kind == "charging":
            data = _charge_json(record, names.get("station"), names.get("pack"))
        else:
            data = {
                "id": record.id,
                "start": iso(record.start_at),
                "end": iso(record.end_at),
                "reason": record.reason,
            }
        entries.append({"at": iso(entry.at), "kind": entry.kind, entry.kind.split("_")[0]: data})
    service = service_for(rickshaw, history.last_inspection, _today())
    return jsonify(
        {
            "rickshaw": {**rickshaw_json(rickshaw), "service": _service_json(service)},
            "entries": entries,
            "odometer": [{"at": iso(p.at), "km": p.km, "source": p.source} for p in history.odometer],
            "older": {"before": iso(history.older.before), "km": history.older.km} if history.older else None,
        }
    )


# --- stations -----------------------------------------------------------------------------------

STATION_FIELDS = {
    "id": "integer",
    "name": "string",
    "address": "string",
    "kinds": "array",
    "chargers": "integer",
    "opening_notes": "string",
}


@api_route(
    "/stations",
    "GET",
    summary="All stations",
    roles=STAFF,
    tag="fleet",
    responses={200: {"stations": "array"}},
)
def fleet_stations_list():
    return jsonify({"stations": [_station_json(s) for s in queries.all_stations()]})


@api_route(
    "/stations",
    "POST",
    summary="Add a station (kinds: service, rental, charging)",
    roles=OFFICE,
    form=StationForm,
    tag="fleet",
    responses={201: STATION_FIELDS},
)
@answers_domain_errors
def fleet_stations_create():
    form = bind(StationForm, json_body())
    if not form.validate():
        return form_error_response(form)
    try:
        station = save_station(
            None,
            by=_me(),
            name=form.name.data,
            address=form.address.data or "",
            kinds=form.kinds.data,
            chargers=form.chargers.data,
            opening_notes=form.opening_notes.data or "",
        )
        db.session.commit()
    except IntegrityError as error:
        # Another request took the name between our check and the insert.
        db.session.rollback()
        if "name" not in str(error.orig).lower():
            raise
        return error_response(409, "name_taken", field="name")
    return jsonify(_station_json(station)), 201


# --- maintenance, defects, charging, blocks -------------------------------------------------------


@api_route(
    "/rickshaws/<int:rickshaw_id>/maintenance",
    "POST",
    summary="Log maintenance (an inspection resets the service intervals); the odometer never goes backwards",
    roles=CARE,
    form=MaintenanceApiForm,
    tag="fleet",
    responses={201: {"maintenance": "object", "rickshaw": "object"}},
)
@answers_domain_errors
def fleet_maintenance_create(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    form = bind(MaintenanceApiForm, json_body())
    form.station_id.choices = record_choices(queries.all_stations())
    if not form.validate():
        return form_error_response(form)
    record = log_maintenance(
        rickshaw,
        kind=form.kind.data,
        performed_at=form.performed_at.data,
        odometer_km=form.odometer_km.data,
        description=form.description.data,
        parts=form.parts.data or "",
        cost=form.cost.data,
        station_id=form.station_id.data,
        by=_me(),
    )
    db.session.commit()
    return jsonify(
        {"maintenance": _maintenance_json(record, _me().name), "rickshaw": rickshaw_json(rickshaw)}
    ), 201


@api_route(
    "/rickshaws/<int:rickshaw_id>/defects",
    "POST",
    summary="Report a defect (severity minor or "
    "grounding; grounding takes the rickshaw out of service and moves or flags its rides)",
    roles=STAFF,
    form=DefectApiForm,
    tag="fleet",
    responses={201: {"defect": "object", "rickshaw": "object", **MOVES}},
)
@answers_domain_errors
def fleet_defect_create(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    form = bind(DefectApiForm, json_body())
    if not form.validate():
        return form_error_response(form)
    defect, moved, flagged = report_defect(
        rickshaw,
        severity=form.severity.data,
        description=form.description.data,
        photo=None,
        by=_me(),
        now=utcnow(),
    )
    db.session.commit()
    return jsonify(
        {
            "defect": _defect_json(defect, _me().name),
            "rickshaw": rickshaw_json(rickshaw),
            **_moves_json(moved, flagged),
        }
    ), 201


@api_route(
    "/defects/<int:defect_id>/clear",
    "POST",
    summary="Mark a defect repaired; clearing the last grounding defect returns the rickshaw to service",
    roles=CARE,
    form=ClearDefectForm,
    tag="fleet",
    responses={200: {"defect": "object", "rickshaw": "object"}},
)
@answers_domain_errors
def fleet_defect_clear(defect_id: int):
    defect = db.get_or_404(DefectReport, defect_id)
    form = bind(ClearDefectForm, json_body())
    if not form.validate():
        return form_error_response(form)
    clear_defect(defect, note=form.note.data, by=_me(), now=utcnow())
    db.session.commit()
    rickshaw = db.session.get(Rickshaw, defect.rickshaw_id)
    return jsonify(
        {"defect": _defect_json(defect, cleared_by=_me().name), "rickshaw": rickshaw_json(rickshaw)}
    )


@api_route(
    "/rickshaws/<int:rickshaw_id>/charging",
    "POST",
    summary="Log a charging session (no overlap per "
    "rickshaw, never more sessions at a station than it has chargers: 422 station_full)",
    roles=STAFF,
    form=ChargingApiForm,
    tag="fleet",
    responses={201: {"charging": "object"}},
)
@answers_domain_errors
def fleet_charging_create(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    form = bind(ChargingApiForm, json_body())
    stations = queries.all_stations()
    form.station_id.choices = record_choices(stations)
    form.battery_pack_id.choices = choices(
        [("", "")] + [(pack.id, pack.label) for pack, _ in queries.active_packs()]
    )
    if not form.validate():
        return form_error_response(form)
    station = next(s for s in stations if s.id == form.station_id.data)
    charge = log_charging(
        rickshaw,
        station=station,
        start=form.start.data,
        end=form.end.data,
        soc_before=form.soc_before.data,
        soc_after=form.soc_after.data,
        energy_kwh=form.energy_kwh.data,
        battery_pack_id=form.battery_pack_id.data,
        by=_me(),
    )
    db.session.commit()
    return jsonify({"charging": _charge_json(charge, station.name)}), 201


@api_route(
    "/rickshaws/<int:rickshaw_id>/blocks",
    "POST",
    summary="Plan a maintenance block; rides in it are moved to other rickshaws or flagged",
    roles=OFFICE,
    form=BlockApiForm,
    tag="fleet",
    responses={201: {"block": "object", **MOVES}},
)
@answers_domain_errors
def fleet_block_create(rickshaw_id: int):
    rickshaw = db.get_or_404(Rickshaw, rickshaw_id)
    form = bind(BlockApiForm, json_body())
    if not form.validate():
        return form_error_response(form)
    block, moved, flagged = plan_block(
        rickshaw, start=form.start.data, end=form.end.data, reason=form.reason.data, by=_me(), now=utcnow()
    )
    db.session.commit()
    return jsonify(
        {
            "block": {
                "id": block.id,
                "rickshaw_id": rickshaw.id,
                "start": iso(block.start_at),
                "end": iso(block.end_at),
                "reason": block.reason,
            },
            **_moves_json(moved, flagged),
        }
    ), 201
