"""The office's side of rides: settings, places, ride lists, day plan, call list (flush, never commit)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased, joinedload

from rikscha.audit.models import AuditEvent
from rikscha.audit.services import record_event
from rikscha.auth.models import User
from rikscha.domain import DomainError, NotFound
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw, RickshawStatus
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages
from rikscha.notifications.models import OutboxMessage
from rikscha.notifications.services import notify_ride
from rikscha.rides.drivers import drivers_query
from rikscha.rides.errors import RideConflict
from rikscha.rides.models import (
    ACTIVE_STATUSES,
    NEED_FIELDS,
    BookingSettings,
    DriverAvailability,
    DriverProfile,
    DriverQualification,
    Place,
    Ride,
    Rider,
    RideStatus,
    needs_from_flags,
)
from rikscha.rides.planning import load_day_plan
from rikscha.rides.services import local_day
from rikscha.rides.settings import current_rules, ensure_settings, rules_from
from rikscha.scheduling import BookingRules, eligible_pairs, local_day_bounds
from rikscha.unique import saved_unless_taken

register_messages(
    {
        "place_name_taken": _l("Ein Ziel mit diesem Namen gibt es schon."),
        "closed_days_list": _l("Bitte die geschlossenen Tage als Liste von Daten (JJJJ-MM-TT) angeben."),
    }
)

RIDE_LIST_LIMIT = 300


# --- settings ------------------------------------------------------------------------------------


def update_settings(
    *,
    opening_hours: dict,
    closed_days: list[date],
    lead_time_hours: int,
    horizon_days: int,
    durations: list[int],
    buffer_minutes: int,
    cancel_cutoff_hours: int,
    office_phone: str,
    block_overdue_rickshaws: bool = False,
    by,
):
    """Store the booking settings (one row) and audit which of them changed."""
    values = {
        "opening_hours": {str(k): [list(w) for w in v] for k, v in sorted(opening_hours.items()) if v},
        "closed_days": [d.isoformat() for d in sorted(set(closed_days))],
        "lead_time_hours": lead_time_hours,
        "horizon_days": horizon_days,
        "durations": sorted({int(m) for m in durations}),
        "buffer_minutes": buffer_minutes,
        "cancel_cutoff_hours": cancel_cutoff_hours,
        "office_phone": office_phone.strip(),
        "block_overdue_rickshaws": bool(block_overdue_rickshaws),
    }
    try:
        rules_from(BookingSettings(**values))  # the scheduler must accept what we store
    except ValueError as error:
        raise DomainError("validation_failed") from error
    settings = ensure_settings()
    changed = [name for name, value in values.items() if getattr(settings, name) != value]
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.flush()
    record_event(by, "update", "booking_settings", settings.id, "changed=" + ",".join(changed))
    return settings


# --- places ---------------------------------------------------------------------------------------


def places_query(*, active_only: bool = False):
    query = select(Place).order_by(Place.active.desc(), Place.name)
    return query.where(Place.active.is_(True)) if active_only else query


def _name_taken(name: str, place_id: int | None) -> bool:
    query = select(Place.id).where(func.lower(Place.name) == name.strip().lower())
    if place_id is not None:
        query = query.where(Place.id != place_id)
    return db.session.scalar(query.limit(1)) is not None


def _place_name_taken() -> DomainError:
    return DomainError("place_name_taken", field="name")


def create_place(*, name: str, address: str, notes: str, by) -> Place:
    if _name_taken(name, None):
        raise _place_name_taken()
    place = Place(
        name=name.strip(), address=(address or "").strip(), notes=(notes or "").strip(), active=True
    )
    with saved_unless_taken(_place_name_taken()):
        db.session.add(place)
    record_event(by, "create", "place", place.id)
    return place


def update_place(place: Place, *, name: str, address: str, notes: str, by) -> None:
    if _name_taken(name, place.id):
        raise _place_name_taken()
    with saved_unless_taken(_place_name_taken()):
        place.name, place.address, place.notes = name.strip(), (address or "").strip(), (notes or "").strip()
    record_event(by, "update", "place", place.id)


def set_place_active(place: Place, active: bool, *, by) -> None:
    """Inactive places are no longer offered for booking; rides that go there keep them."""
    place.active = active
    db.session.flush()
    record_event(by, "activate" if active else "deactivate", "place", place.id)


# --- rides ----------------------------------------------------------------------------------------


def rides_query(*, start_day: date | None, end_day: date | None, status: str | None, rules: BookingRules):
    """Rides in local days [start_day, end_day] (either open), by start time."""
    query = select(Ride).order_by(Ride.start_at, Ride.id)
    if start_day is not None:
        query = query.where(Ride.start_at >= local_day_bounds(start_day, rules.tz).start)
    if end_day is not None:
        query = query.where(Ride.start_at < local_day_bounds(end_day, rules.tz).end)
    if status:
        query = query.where(Ride.status == status)
    return query


def update_ride_details(
    ride: Ride,
    *,
    pickup: str,
    destination_place: Place | None,
    destination_text: str,
    needs,
    needs_note: str,
    notes: str,
    by,
    now: datetime,
) -> None:
    """Change what happens on a booked ride; the rider hears of a new pickup or destination."""
    if not ride.active:
        raise RideConflict("invalid_transition")
    before = (ride.pickup, ride.destination)
    ride.pickup = (pickup or "").strip() or ride.rider.address
    ride.destination_place = destination_place
    ride.destination_text = (destination_text or "").strip()
    ride.needs_note = (needs_note or "").strip()
    ride.notes = (notes or "").strip()
    for need in NEED_FIELDS:
        setattr(ride, f"need_{need}", need in set(needs or ()))
    db.session.flush()
    record_event(by, "update", "ride", ride.id, "details")
    if (ride.pickup, ride.destination) != before:
        notify_ride(ride, "change", now=now)


def reassignment_options(ride: Ride) -> list[tuple[Rickshaw, User]]:
    """The (rickshaw, driver) pairs that could take this ride instead, best first."""
    rules = current_rules()
    plan = load_day_plan(local_day(ride.start_at, rules), rules, exclude_ride_id=ride.id)
    pairs = eligible_pairs(plan, ride.start_at, ride.duration_minutes, ride.passengers)
    if not pairs:
        return []
    rickshaws = {
        r.id: r for r in db.session.scalars(select(Rickshaw).where(Rickshaw.id.in_({r.id for r, _ in pairs})))
    }
    drivers = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({d.id for _, d in pairs})))}
    return [(rickshaws[r.id], drivers[d.id]) for r, d in pairs]


def ride_history(ride: Ride) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.entity == "ride", AuditEvent.entity_id == ride.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def ride_messages(ride: Ride) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.ride_id == ride.id)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )


def active_rides_between(start: datetime, end: datetime) -> list[Ride]:
    """The rides cancel_rides_between would cancel (for the confirmation step)."""
    return list(
        db.session.scalars(
            select(Ride)
            .where(Ride.status.in_(ACTIVE_STATUSES), Ride.start_at >= start, Ride.start_at < end)
            .order_by(Ride.start_at, Ride.id)
        )
    )


def notified_riders(rides, kind: str) -> dict[str, int]:
    """How many of these rides' riders get an e-mail about `kind`, and how many are on the call list."""
    counts = {"email": 0, "phone": 0}
    if not rides:
        return counts
    rows = db.session.execute(
        select(OutboxMessage.channel, func.count(func.distinct(OutboxMessage.rider_id)))
        .where(OutboxMessage.ride_id.in_([r.id for r in rides]), OutboxMessage.kind == kind)
        .group_by(OutboxMessage.channel)
    ).all()
    counts.update({channel: count for channel, count in rows})
    return counts


# --- day plan -------------------------------------------------------------------------------------


PLAN_GROUPINGS = ("rikscha", "fahrer")  # the day plan's two views, as named in its URL (?nach=)


@dataclass(slots=True)
class PlanRide:
    """One ride as the day plan and the dashboard show it: plain values, no ORM objects.

    A busy day has a couple of hundred rides; loading each with its rider, driver, rickshaw and
    place as mapped objects cost more than everything else on the page.
    """

    id: int
    start_at: datetime
    end_at: datetime
    status: str
    needs_attention: bool
    passengers: int
    pickup: str
    destination: str
    needs: list[str]
    needs_note: str
    rider_name: str
    rider_phone: str
    rickshaw_id: int | None
    rickshaw_name: str | None
    driver_id: int | None
    driver_name: str | None


@dataclass(frozen=True)
class PlanDriver:
    id: int
    name: str


@dataclass
class DayPlanView:
    day: date
    rides: list[PlanRide]
    grouping: str = "rikscha"
    by_rickshaw: list[tuple[Row, list[PlanRide]]] = field(
        default_factory=list
    )  # id, name, kind, seats, status
    by_driver: list[tuple[PlanDriver, list[PlanRide]]] = field(default_factory=list)
    idle_drivers: list[PlanDriver] = field(default_factory=list)
    unassigned: list[PlanRide] = field(default_factory=list)

    @property
    def flagged(self) -> list[PlanRide]:
        return [ride for ride in self.rides if ride.needs_attention]


def _plan_rides_query():
    driver, rickshaw, place = aliased(User), aliased(Rickshaw), aliased(Place)
    return (
        select(
            Ride.id,
            Ride.start_at,
            Ride.end_at,
            Ride.status,
            Ride.needs_attention,
            Ride.passengers,
            Ride.pickup,
            func.coalesce(place.name, Ride.destination_text),
            Ride.needs_note,
            Rider.name,
            Rider.phone,
            Ride.rickshaw_id,
            rickshaw.name,
            Ride.driver_id,
            driver.name,
            *Ride.need_flag_columns(),
        )
        .join(Rider, Rider.id == Ride.rider_id)
        .outerjoin(rickshaw, rickshaw.id == Ride.rickshaw_id)
        .outerjoin(driver, driver.id == Ride.driver_id)
        .outerjoin(place, place.id == Ride.destination_place_id)
        .where(
            Ride.start_at >= bindparam("start"),
            Ride.start_at < bindparam("end"),
            Ride.status != RideStatus.CANCELLED.value,
        )
        .order_by(Ride.start_at, Ride.id)
    )


# Built once, run through Core: building the joins of aliased entities and the ORM's handling of
# the result cost more than the database's answer (the office's start page shows the plan too).
_PLAN_RIDES = _plan_rides_query()
# Every rickshaw, the retired ones too (a fleet is a few dozen): which retired ones still have
# rides on the day is decided here, not by an IN list that PostgreSQL would plan anew for each day.
_PLAN_RICKSHAWS = select(Rickshaw.id, Rickshaw.name, Rickshaw.kind, Rickshaw.seats, Rickshaw.status).order_by(
    Rickshaw.name
)


def _plan_rides(start: datetime, end: datetime) -> list[PlanRide]:
    rides = []
    for row in db.session.connection().execute(_PLAN_RIDES, {"start": start, "end": end}).all():
        flags = row[15:]
        rides.append(
            PlanRide(
                *row[:8],
                needs_from_flags(flags),
                *row[8:15],
            )
        )
    return rides


def day_plan(day: date, rules: BookingRules, grouping: str = "rikscha") -> DayPlanView:
    """The rides (not cancelled) of one local day, grouped per rickshaw or per driver.

    Per rickshaw, every rickshaw in use gets its table (an empty one shows it is free); per
    driver, only drivers with rides get a table and the others are named in one list — a large
    roster would otherwise fill the page with hundreds of empty tables.
    """
    if grouping not in PLAN_GROUPINGS:
        raise ValueError(grouping)
    bounds = local_day_bounds(day, rules.tz)
    rides = _plan_rides(bounds.start, bounds.end)
    view = DayPlanView(day=day, rides=rides, grouping=grouping)
    view.unassigned = [ride for ride in rides if ride.rickshaw_id is None or ride.driver_id is None]
    if grouping == "rikscha":
        per_rickshaw: dict[int, list[PlanRide]] = defaultdict(list)
        for ride in rides:
            if ride.rickshaw_id is not None:
                per_rickshaw[ride.rickshaw_id].append(ride)
        view.by_rickshaw = [
            (rickshaw, per_rickshaw[rickshaw.id])
            for rickshaw in db.session.connection().execute(_PLAN_RICKSHAWS)
            if rickshaw.status != RickshawStatus.RETIRED or rickshaw.id in per_rickshaw
        ]
        return view
    per_driver: dict[PlanDriver, list[PlanRide]] = defaultdict(list)
    for ride in rides:
        if ride.driver_id is not None:
            per_driver[PlanDriver(ride.driver_id, ride.driver_name)].append(ride)
    view.by_driver = sorted(per_driver.items(), key=lambda item: (item[0].name, item[0].id))
    busy = [person.id for person in per_driver]
    view.idle_drivers = [
        PlanDriver(id, name)
        for id, name in db.session.execute(
            drivers_query()
            .with_only_columns(User.id, User.name)
            .where(User.active.is_(True), User.id.not_in(busy))
        )
    ]
    return view


# --- call list ------------------------------------------------------------------------------------


def pending_calls(now: datetime) -> list[tuple[OutboxMessage, Ride | None]]:
    """Calls the office still has to make (riders without e-mail whose rides changed), oldest first.

    Two queries: joining rides into the first would drop calls without a ride, because a ride's
    rider is always loaded with an inner join.
    """
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.channel == "phone", OutboxMessage.sent_at.is_(None), OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    ride_ids = {m.ride_id for m in messages if m.ride_id is not None}
    rides = (
        {r.id: r for r in db.session.scalars(select(Ride).where(Ride.id.in_(ride_ids)))} if ride_ids else {}
    )
    return [(message, rides.get(message.ride_id)) for message in messages]


def mark_call_done(message: OutboxMessage, *, by, now: datetime) -> bool:
    """Tick off a call; False if someone already did."""
    if message.channel != "phone":
        raise NotFound()
    if message.sent_at is not None:
        return False
    message.sent_at = now
    message.done_by_id = by.id
    db.session.flush()
    record_event(by, "call_done", "outbox", message.id, f"ride={message.ride_id}")
    return True


# --- drivers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverSummary:
    driver: User
    kinds: tuple[str, ...]
    first_aid_valid_until: date | None
    windows: tuple[DriverAvailability, ...]
    problems: tuple[str, ...]


def driver_problems(
    driver: User, kinds, first_aid_valid_until: date | None, windows, today: date
) -> tuple[str, ...]:
    """Why a driver gets no rides (codes; the page explains them)."""
    problems = []
    if not driver.active:
        problems.append("inactive")
    if not kinds:
        problems.append("no_qualification")
    if first_aid_valid_until is None or first_aid_valid_until < today:
        problems.append("first_aid")
    if not windows:
        problems.append("no_availability")
    return tuple(problems)


def driver_overview(today: date) -> list[DriverSummary]:
    """All drivers with what gates their assignment, in a fixed number of queries."""
    drivers = list(db.session.scalars(drivers_query()))
    ids = [d.id for d in drivers]
    if not ids:
        return []
    kinds: dict[int, list[str]] = defaultdict(list)
    for driver_id, kind in db.session.execute(
        select(DriverQualification.driver_id, DriverQualification.rickshaw_kind)
        .where(DriverQualification.driver_id.in_(ids))
        .order_by(DriverQualification.rickshaw_kind)
    ):
        kinds[driver_id].append(kind)
    first_aid = dict(
        db.session.execute(
            select(DriverProfile.driver_id, DriverProfile.first_aid_valid_until).where(
                DriverProfile.driver_id.in_(ids)
            )
        ).all()
    )
    windows: dict[int, list[DriverAvailability]] = defaultdict(list)
    for window in db.session.scalars(
        select(DriverAvailability)
        .where(DriverAvailability.driver_id.in_(ids))
        .order_by(DriverAvailability.weekday, DriverAvailability.start_time)
    ):
        windows[window.driver_id].append(window)
    return [
        DriverSummary(
            driver=d,
            kinds=tuple(kinds[d.id]),
            first_aid_valid_until=first_aid.get(d.id),
            windows=tuple(windows[d.id]),
            problems=driver_problems(d, kinds[d.id], first_aid.get(d.id), windows[d.id], today),
        )
        for d in drivers
    ]


def rickshaw_kinds() -> list[str]:
    """The types of the rickshaws the office has (what drivers can be instructed on)."""
    return list(
        db.session.scalars(
            select(Rickshaw.kind)
            .where(Rickshaw.status != RickshawStatus.RETIRED.value)
            .distinct()
            .order_by(Rickshaw.kind)
        )
    )


def today_in(rules: BookingRules, now: datetime) -> date:
    return now.astimezone(rules.tz).date()
