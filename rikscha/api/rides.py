"""API: riders, free times, booking, the ride list and a ride's life cycle, the driver's schedule."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import contains_eager

from rikscha.api.errors import form_error_response
from rikscha.api.input import bind, json_body
from rikscha.api.registry import api_route
from rikscha.api.schemas import (
    PAGE_QUERY,
    RIDE_FIELDS,
    RIDER_FIELDS,
    ApiInputError,
    RideInputForm,
    answers_domain_errors,
    destination_for_form,
    form_error,
    iso,
    page_params,
    parse_bound,
    parse_day,
    parse_int,
    ride_json,
    rider_json,
    schedule_entry_json,
    split_destination,
)
from rikscha.audit.services import record_view
from rikscha.auth.models import User
from rikscha.auth.roles import Role
from rikscha.database import utcnow
from rikscha.domain import Forbidden, NotFound
from rikscha.extensions import db
from rikscha.rides.forms import CancelForm, CompleteForm, RiderForm, RiderSearchForm
from rikscha.rides.models import Place, Ride, Rider, RideStatus, rider_managers
from rikscha.rides.riders import can_see_ride, can_see_rider, create_rider, is_office, riders_query
from rikscha.rides.services import (
    RideRequest,
    available_slots,
    book_ride,
    cancel_ride,
    complete_ride,
    mark_no_show,
)
from rikscha.rides.settings import office_zone
from rikscha.scheduling import local_day_bounds

RESIDENT, DRIVER, COORDINATOR = Role.RESIDENT, Role.DRIVER, Role.COORDINATOR
RANGE_QUERY = (
    ("from", "string", "Ab diesem Tag (JJJJ-MM-TT) oder Zeitpunkt (ISO 8601 mit Zeitzone)"),
    ("to", "string", "Bis einschließlich diesem Tag oder bis vor diesen Zeitpunkt"),
)
SCHEDULE_DAYS = 7


def _me():
    """The real user object (services store it in relationships, a proxy would not do)."""
    return current_user._get_current_object()


# Managers decide visibility and receive the messages; their roles are not needed. Joined flat:
# joinedload's `riders LEFT JOIN (rider_managers JOIN users)` makes SQLite build that inner join
# for every rider first (5 ms with 4 000 managed riders, and growing), PostgreSQL plans both alike.
_RIDER_WITH_MANAGERS = (
    select(Rider)
    .outerjoin(rider_managers, rider_managers.c.rider_id == Rider.id)
    .outerjoin(User, User.id == rider_managers.c.user_id)
    .where(Rider.id == bindparam("rider_id"))
    .options(contains_eager(Rider.managers).lazyload(User.role_rows))
)


def _visible_rider(rider_id: int) -> Rider:
    rider = db.session.execute(_RIDER_WITH_MANAGERS, {"rider_id": rider_id}).unique().scalar_one_or_none()
    if rider is None or not can_see_rider(current_user, rider):
        raise NotFound()
    return rider


def _visible_ride(ride_id: int) -> Ride:
    ride = db.session.get(Ride, ride_id)
    if ride is None or not can_see_ride(current_user, ride):
        raise NotFound()
    return ride


def _visible_ride_conditions(user) -> list:
    """Coordinators see every ride; others the rides of riders they manage and, as drivers, their own."""
    if is_office(user):
        return []
    managed = select(rider_managers.c.rider_id).where(rider_managers.c.user_id == user.id)
    visible = [Ride.rider_id.in_(managed)]
    if user.has_role(DRIVER):
        visible.append(Ride.driver_id == user.id)
    return [or_(*visible)]


def _page(conditions: list, limit: int, offset: int) -> tuple[list[Ride], int]:
    """One page of rides (rider, rickshaw, driver and place come joined: no query per ride)."""
    rides = (
        db.session.scalars(
            select(Ride).where(*conditions).order_by(Ride.start_at, Ride.id).limit(limit).offset(offset)
        )
        .unique()
        .all()
    )
    total = db.session.scalar(select(func.count(Ride.id)).where(*conditions))
    return list(rides), total


# --- riders -----------------------------------------------------------------------------------


@api_route(
    "/riders",
    "POST",
    summary="Add a rider (residents then manage the rider)",
    roles=(RESIDENT, COORDINATOR),
    form=RiderForm,
    tag="riders",
    responses={201: RIDER_FIELDS},
)
def riders_create():
    data = json_body()
    if is_office(current_user):
        data.setdefault("consent_method", "phone")
    else:
        data["consent_method"] = "online"  # a resident gives consent online, by entering the rider here
    form = bind(RiderForm, data)
    if not form.validate():
        return form_error_response(form)
    rider = create_rider(
        name=form.name.data,
        phone=form.phone.data,
        email=form.email.data,
        address=form.address.data,
        needs=form.needs.data,
        needs_note=form.needs_note.data,
        consent_method=form.consent_method.data,
        by=_me(),
        now=utcnow(),
    )
    db.session.commit()
    return jsonify(rider_json(rider)), 201


@api_route(
    "/riders",
    "GET",
    summary="Riders the caller may book for (coordinators: all)",
    roles=(RESIDENT, COORDINATOR),
    tag="riders",
    query=(("q", "string", "Name oder Telefonnummer enthält …"), *PAGE_QUERY),
    responses={200: {"riders": "array", "total": "integer", "limit": "integer", "offset": "integer"}},
)
@answers_domain_errors
def riders_list():
    form = RiderSearchForm(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        return form_error_response(form)
    limit, offset = page_params()
    query = riders_query(current_user, form.q.data or "")
    riders = db.session.scalars(query.limit(limit).offset(offset)).all()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return jsonify(
        {"riders": [rider_json(r) for r in riders], "total": total, "limit": limit, "offset": offset}
    )


@api_route(
    "/riders/<int:rider_id>",
    "GET",
    summary="One rider",
    roles=(RESIDENT, COORDINATOR),
    tag="riders",
    responses={200: RIDER_FIELDS},
)
@answers_domain_errors
def rider_detail(rider_id: int):
    rider = _visible_rider(rider_id)
    record_view(current_user, "rider", rider.id, "api")
    return jsonify(rider_json(rider))


# --- free times and booking -------------------------------------------------------------------


@api_route(
    "/availability",
    "GET",
    summary="Free start times on a day for a duration and party size",
    roles=(RESIDENT, COORDINATOR),
    tag="rides",
    query=(
        ("date", "string", "Tag (JJJJ-MM-TT)"),
        ("duration", "integer", "Dauer in Minuten"),
        ("passengers", "integer", "Personen (1 oder 2, Standard 1)"),
    ),
    responses={200: {"date": "string", "duration": "integer", "passengers": "integer", "slots": "array"}},
)
@answers_domain_errors
def availability_slots():
    day = parse_day(request.args.get("date"))
    duration = parse_int(request.args.get("duration"), "invalid_duration")
    passengers = parse_int(request.args.get("passengers"), "invalid_passengers", default=1)
    slots = available_slots(day, duration, passengers, utcnow(), privileged=is_office(current_user))
    return jsonify(
        {
            "date": day.isoformat(),
            "duration": duration,
            "passengers": passengers,
            "slots": [{"start": iso(start), "end": iso(end)} for start, end in slots],
        }
    )


def _destination(raw) -> tuple[Place | None, str]:
    """The catalogue place or the free text the booking names; a missing or unknown one is a 422."""
    try:
        place_id, text = split_destination(raw)
    except ValueError:
        raise ApiInputError("unknown_place", field="destination") from None
    if place_id is not None:
        place = db.session.get(Place, place_id)
        if place is None or not place.active:
            raise ApiInputError("unknown_place", field="destination")
        return place, ""
    return None, text


@api_route(
    "/rides",
    "POST",
    summary="Book a ride (a rickshaw and a driver are assigned automatically)",
    roles=(RESIDENT, COORDINATOR),
    form=RideInputForm,
    tag="rides",
    responses={201: RIDE_FIELDS},
)
@answers_domain_errors
def rides_create():
    data = json_body()
    form = bind(RideInputForm, {**data, "destination": destination_for_form(data.get("destination"))})
    if not form.validate():
        return form_error(
            form, start="invalid_start", duration="invalid_duration", passengers="invalid_passengers"
        )
    rider = _visible_rider(form.rider_id.data)
    place, text = _destination(data.get("destination"))
    ride = book_ride(
        RideRequest(
            rider=rider,
            start=form.start.data,
            duration=form.duration.data,
            passengers=form.passengers.data,
            pickup=form.pickup.data or "",
            destination_place=place,
            destination_text=text,
            needs=frozenset(form.needs.data if "needs" in data else rider.needs()),
            needs_note=(form.needs_note.data or "") if "needs_note" in data else rider.needs_note,
            notes=form.notes.data or "",
        ),
        by=_me(),
        via="api",
        now=utcnow(),
        privileged=is_office(current_user),
    )
    payload = ride_json(ride)  # before the commit, which would expire the ride and reload it
    db.session.commit()
    return jsonify(payload), 201


# --- the ride list and one ride ---------------------------------------------------------------


@api_route(
    "/rides",
    "GET",
    summary="Rides the caller may see (residents: their riders'; drivers: their own)",
    roles=(RESIDENT, DRIVER, COORDINATOR),
    tag="rides",
    query=(
        *RANGE_QUERY,
        ("status", "string", "requested, confirmed, completed, cancelled, no_show"),
        *PAGE_QUERY,
    ),
    responses={200: {"rides": "array", "total": "integer", "limit": "integer", "offset": "integer"}},
)
@answers_domain_errors
def rides_list():
    conditions = _visible_ride_conditions(current_user)
    start = parse_bound(request.args.get("from"), "invalid_from", end=False)
    end = parse_bound(request.args.get("to"), "invalid_to", end=True)
    status = request.args.get("status", "").strip()
    if status and status not in {s.value for s in RideStatus}:
        raise ApiInputError("invalid_status", field="status")
    limit, offset = page_params()
    if start is not None:
        conditions.append(Ride.start_at >= start)
    if end is not None:
        conditions.append(Ride.start_at < end)
    if status:
        conditions.append(Ride.status == status)
    rides, total = _page(conditions, limit, offset)
    return jsonify({"rides": [ride_json(r) for r in rides], "total": total, "limit": limit, "offset": offset})


@api_route(
    "/rides/<int:ride_id>",
    "GET",
    summary="One ride",
    roles=(RESIDENT, DRIVER, COORDINATOR),
    tag="rides",
    responses={200: RIDE_FIELDS},
)
@answers_domain_errors
def ride_detail(ride_id: int):
    ride = _visible_ride(ride_id)
    record_view(current_user, "rider", ride.rider_id, f"api ride={ride.id}")
    return jsonify(ride_json(ride))


@api_route(
    "/rides/<int:ride_id>/cancel",
    "POST",
    summary="Cancel a ride (managers until the cut-off, coordinators any time)",
    roles=(RESIDENT, COORDINATOR),
    form=CancelForm,
    tag="rides",
    responses={200: RIDE_FIELDS},
)
@answers_domain_errors
def ride_cancel(ride_id: int):
    ride = _visible_ride(ride_id)
    office = is_office(current_user)
    if not office and not ride.rider.managed_by(current_user):
        raise Forbidden()
    data = json_body()
    if not data.get("reason"):
        data["reason"] = ""  # required here, although the page preselects one
    form = bind(CancelForm, data)
    if not form.validate():
        return form_error(form, reason="invalid_reason")
    cancel_ride(
        ride, by=_me(), reason=form.reason.data, note=form.note.data or "", now=utcnow(), privileged=office
    )
    db.session.commit()
    return jsonify(ride_json(ride))


def _driven_ride(ride_id: int) -> Ride:
    """A ride the caller may close: the assigned driver's own, or any for a coordinator."""
    ride = _visible_ride(ride_id)
    if not is_office(current_user) and ride.driver_id != current_user.id:
        raise Forbidden()
    return ride


@api_route(
    "/rides/<int:ride_id>/complete",
    "POST",
    summary="Mark a ride completed with the km driven",
    roles=(DRIVER, COORDINATOR),
    form=CompleteForm,
    tag="rides",
    responses={200: RIDE_FIELDS},
)
@answers_domain_errors
def ride_complete(ride_id: int):
    ride = _driven_ride(ride_id)
    form = bind(CompleteForm, json_body())
    if not form.validate():
        return form_error(form, km="invalid_km")
    complete_ride(ride, by=_me(), km=float(form.km.data), now=utcnow())
    db.session.commit()
    return jsonify(ride_json(ride))


@api_route(
    "/rides/<int:ride_id>/no-show",
    "POST",
    summary="Mark that the rider did not come",
    roles=(DRIVER, COORDINATOR),
    tag="rides",
    responses={200: RIDE_FIELDS},
)
@answers_domain_errors
def ride_no_show(ride_id: int):
    ride = _driven_ride(ride_id)
    mark_no_show(ride, by=_me(), now=utcnow())
    db.session.commit()
    return jsonify(ride_json(ride))


# --- the driver's schedule --------------------------------------------------------------------


@api_route(
    "/schedule",
    "GET",
    summary="The calling driver's rides (default: today and the next 6 days)",
    roles=(DRIVER,),
    tag="rides",
    query=(*RANGE_QUERY, *PAGE_QUERY),
    responses={
        200: {
            "from": "string",
            "to": "string",
            "rides": "array",
            "total": "integer",
            "limit": "integer",
            "offset": "integer",
        }
    },
)
@answers_domain_errors
def schedule():
    now = utcnow()
    today = local_day_bounds(now.astimezone(office_zone()).date(), office_zone())
    start = parse_bound(request.args.get("from"), "invalid_from", end=False) or today.start
    end = parse_bound(request.args.get("to"), "invalid_to", end=True)
    if end is None:
        last_day = (start.astimezone(office_zone()) + timedelta(days=SCHEDULE_DAYS - 1)).date()
        end = local_day_bounds(last_day, office_zone()).end
    limit, offset = page_params()
    conditions = [
        Ride.driver_id == current_user.id,
        Ride.status != RideStatus.CANCELLED.value,
        Ride.start_at >= start,
        Ride.start_at < end,
    ]
    rides, total = _page(conditions, limit, offset)
    return jsonify(
        {
            "from": iso(start),
            "to": iso(end),
            "rides": [schedule_entry_json(r) for r in rides],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )
