"""Booking, cancelling, completing and reassigning rides (services: flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from rikscha.audit.services import record_event
from rikscha.auth.models import User
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw
from rikscha.notifications.services import notify_ride
from rikscha.rides.errors import RULE_FIELDS, RideConflict, RideRuleBroken
from rikscha.rides.models import (
    ACTIVE_STATUSES,
    NEED_FIELDS,
    CancelReason,
    Place,
    Ride,
    Rider,
    RideStatus,
)
from rikscha.rides.plan_cache import listed_starts
from rikscha.rides.plan_queries import rider_rides_overlapping
from rikscha.rides.planning import load_day_plan, load_period_plan
from rikscha.rides.settings import current_settings, rules_from
from rikscha.scheduling import (
    BookingRuleError,
    BookingRules,
    DayPlan,
    Interval,
    NoAssignment,
    assign,
    blocked_period,
    bookable_among,
    check_bookable,
    eligible_pairs,
)

# Constraint names whose violation means "someone else was faster" (PostgreSQL exclusion).
_OVERLAP_CONSTRAINTS = {
    "ex_rides_rickshaw_overlap": "slot_taken",
    "ex_rides_driver_overlap": "slot_taken",
    "ex_rides_rider_overlap": "rider_busy",
}
_BOOKING_ATTEMPTS = 3
# PostgreSQL advisory lock space for "planning rides on a day" (the key is the day's ordinal).
_DAY_LOCK_SPACE = 0x52696B73
_DEADLOCK = "40P01"


def _lock_day(day: date) -> None:
    """Take the day's planning lock on PostgreSQL (held until commit).

    Two simultaneous inserts checked by the two exclusion constraints (rickshaw, driver) can wait
    for each other, which PostgreSQL ends with "deadlock detected". One planner per day at a time
    avoids that and the retries; the constraints stay the guarantee. SQLite needs no lock: its
    writers already run one at a time (BEGIN IMMEDIATE, see rikscha.database).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_DAY_LOCK_SPACE, day.toordinal())))


def _locked_day_plan(day: date, rules: BookingRules, **kwargs) -> DayPlan:
    _lock_day(day)
    return load_day_plan(day, rules, **kwargs)


@dataclass(frozen=True)
class RideRequest:
    """What a person asks for; validated by forms for shape, by the services for rules."""

    rider: Rider
    start: datetime
    duration: int
    passengers: int
    pickup: str
    destination_place: Place | None = None
    destination_text: str = ""
    needs: frozenset[str] = frozenset()
    needs_note: str = ""
    notes: str = ""


def local_day(moment: datetime, rules: BookingRules) -> date:
    return moment.astimezone(rules.tz).date()


def _check_rules(
    start: datetime, duration: int, passengers: int, rules: BookingRules, now: datetime, privileged: bool
) -> None:
    try:
        check_bookable(start, duration, passengers, rules, now, privileged=privileged)
    except BookingRuleError as error:
        details = {"hours": int(rules.lead_time.total_seconds() // 3600)} if error.code == "too_soon" else {}
        raise RideRuleBroken(error.code, field=RULE_FIELDS.get(error.code), **details) from error


def available_slots(
    day: date, duration: int, passengers: int, now: datetime, *, privileged: bool = False
) -> list[tuple[datetime, datetime]]:
    """Free (start, end) pairs on a local day for this duration and party size."""
    rules = rules_from(current_settings())
    today = local_day(now, rules)
    if day < today:
        raise RideRuleBroken("in_past", field="day")
    if day > today + rules.horizon + timedelta(days=1):
        raise RideRuleBroken("too_far", field="day")
    if duration not in rules.durations:
        raise RideRuleBroken("invalid_duration", field="duration")
    if not 1 <= passengers <= rules.max_passengers:
        raise RideRuleBroken("invalid_passengers", field="passengers")
    starts = bookable_among(
        listed_starts(day, rules, duration, passengers),
        rules,
        duration,
        passengers,
        now,
        privileged=privileged,
    )
    return [(start, start + timedelta(minutes=duration)) for start in starts]


def _overlap_code(error: DBAPIError) -> str | None:
    if getattr(error.orig, "sqlstate", None) == _DEADLOCK:  # a writer that took no day lock
        return "slot_taken"
    text = str(error.orig)
    for name, code in _OVERLAP_CONSTRAINTS.items():
        if name in text:
            return code
    return None


def _load_assigned(ride: Ride) -> None:
    """The assigned rickshaw and driver in one query (the plan worked on plain rows).

    Messages and answers name them; set as loaded (no change to write), ride.rickshaw and
    ride.driver need no further queries, and the driver's roles are not loaded at all.
    """
    rickshaw, driver = db.session.execute(
        select(Rickshaw, User)
        .join(User, true())  # one row of each: both conditions name a primary key
        .where(Rickshaw.id == ride.rickshaw_id, User.id == ride.driver_id)
        .options(lazyload(User.role_rows))
    ).one()
    set_committed_value(ride, "rickshaw", rickshaw)
    set_committed_value(ride, "driver", driver)


def book_ride(request: RideRequest, *, by, via: str, now: datetime, privileged: bool = False) -> Ride:
    """Check the rules, pick the (rickshaw, driver) pair, insert the ride and queue the messages.

    Double bookings are impossible: on SQLite the whole request runs in one BEGIN IMMEDIATE
    transaction (see rikscha.database); on PostgreSQL the exclusion constraints reject an
    overlapping insert, and we retry with a fresh plan so that another free pair can be used.
    """
    rider = request.rider
    if rider.anonymised_at is not None:
        raise RideConflict("rider_anonymised")
    if rider.consent_withdrawn_at is not None:
        raise RideConflict("consent_withdrawn")
    rules = rules_from(current_settings())
    _check_rules(request.start, request.duration, request.passengers, rules, now, privileged)
    end = request.start + timedelta(minutes=request.duration)
    # PostgreSQL's ex_rides_rider_overlap rejects the insert itself: asking first would cost every
    # booking a statement. The question is then only asked when no pair is free, so that the
    # answer names the rider's own ride rather than a full day, as on SQLite.
    rider_checked_by_insert = db.session.get_bind().dialect.name == "postgresql"
    for attempt in range(_BOOKING_ATTEMPTS):
        if not rider_checked_by_insert and rider_rides_overlapping(rider.id, request.start, end):
            raise RideConflict("rider_busy", field="start")
        day = local_day(request.start, rules)
        _lock_day(day)
        plan = load_period_plan(day, rules, blocked_period(request.start, request.duration, rules))
        try:
            chosen = assign(plan, request.start, request.duration, request.passengers)
        except NoAssignment as error:
            if rider_checked_by_insert and rider_rides_overlapping(rider.id, request.start, end):
                raise RideConflict("rider_busy", field="start") from error
            raise RideConflict(error.code, field="start") from error
        ride = Ride(
            rider=rider,
            passengers=request.passengers,
            start_at=chosen.ride.start,
            end_at=chosen.ride.end,
            blocked_from=chosen.blocked.start,
            blocked_until=chosen.blocked.end,
            pickup=request.pickup.strip() or rider.address,
            destination_place=request.destination_place,
            destination_text=request.destination_text.strip(),
            notes=request.notes.strip(),
            needs_note=request.needs_note.strip(),
            status=RideStatus.CONFIRMED.value,
            rickshaw_id=chosen.rickshaw_id,
            driver_id=chosen.driver_id,
            booked_by_id=getattr(by, "id", None),
            booked_via=via,
            **{f"need_{name}": name in request.needs for name in NEED_FIELDS},
        )
        savepoint = db.session.begin_nested()
        try:
            db.session.add(ride)
            db.session.flush()
        except DBAPIError as error:
            savepoint.rollback()
            code = _overlap_code(error)
            if code is None:
                raise
            if code == "rider_busy" or attempt == _BOOKING_ATTEMPTS - 1:
                raise RideConflict(code, field="start") from error
            continue
        savepoint.commit()
        _load_assigned(ride)
        record_event(
            by, "create", "ride", ride.id, f"via={via}; rickshaw={ride.rickshaw_id}; driver={ride.driver_id}"
        )
        notify_ride(ride, "confirmation", now=now)
        return ride
    raise RideConflict("slot_taken", field="start")  # pragma: no cover - loop always returns or raises


def cancellation_deadline(ride: Ride) -> datetime:
    return ride.start_at - timedelta(hours=current_settings().cancel_cutoff_hours)


def can_cancel_online(ride: Ride, now: datetime) -> bool:
    return ride.active and now <= cancellation_deadline(ride)


def cancel_ride(
    ride: Ride, *, by, reason: str, note: str = "", now: datetime, privileged: bool = False
) -> None:
    if reason not in {r.value for r in CancelReason}:
        raise RideRuleBroken("invalid_reason", field="reason")
    if not ride.active:
        raise RideConflict("invalid_transition")
    if not privileged and now > cancellation_deadline(ride):
        raise RideConflict("too_late_to_cancel")
    ride.status = RideStatus.CANCELLED.value
    ride.cancel_reason = reason
    ride.cancel_note = note.strip()[:300]
    ride.cancelled_at = now
    ride.needs_attention = False
    db.session.flush()
    record_event(by, "cancel", "ride", ride.id, f"reason={reason}")
    notify_ride(ride, "cancellation", now=now)


def cancel_rides_between(
    start: datetime, end: datetime, *, by, reason: str, note: str, now: datetime
) -> list[Ride]:
    """Cancel every active ride starting in [start, end) – e.g. a storm warning ("weather")."""
    if end <= start:
        raise RideRuleBroken("invalid_window", field="end")
    rides = db.session.scalars(
        select(Ride)
        .where(Ride.status.in_(ACTIVE_STATUSES), Ride.start_at >= start, Ride.start_at < end)
        .order_by(Ride.start_at)
    ).all()
    for ride in rides:
        cancel_ride(ride, by=by, reason=reason, note=note, now=now, privileged=True)
    return list(rides)


def complete_ride(ride: Ride, *, by, km: float, now: datetime) -> None:
    if ride.status != RideStatus.CONFIRMED.value or ride.start_at > now:
        raise RideConflict("invalid_transition")
    if km is None or not 0 <= km <= 200:
        raise RideRuleBroken("invalid_km", field="km")
    ride.status = RideStatus.COMPLETED.value
    ride.km = km
    ride.completed_at = now
    if ride.rickshaw is not None:
        ride.rickshaw.odometer_km += round(km)
    db.session.flush()
    record_event(by, "complete", "ride", ride.id, f"km={km}")


def mark_no_show(ride: Ride, *, by, now: datetime) -> None:
    if ride.status != RideStatus.CONFIRMED.value or ride.start_at > now:
        raise RideConflict("invalid_transition")
    ride.status = RideStatus.NO_SHOW.value
    ride.completed_at = now
    db.session.flush()
    record_event(by, "no_show", "ride", ride.id)


def reassign_ride(ride: Ride, *, rickshaw_id: int, driver_id: int, by, now: datetime) -> None:
    """Hand-picked pair for an existing ride; the same eligibility rules as automatic assignment."""
    if not ride.active:
        raise RideConflict("invalid_transition")
    rules = rules_from(current_settings())
    plan = _locked_day_plan(local_day(ride.start_at, rules), rules, exclude_ride_id=ride.id)
    pairs = eligible_pairs(plan, ride.start_at, ride.duration_minutes, ride.passengers)
    if not any(r.id == rickshaw_id and d.id == driver_id for r, d in pairs):
        raise RideConflict("not_eligible", field="rickshaw_id")
    _move(ride, rickshaw_id, driver_id, by=by, now=now, action="reassign")


def _move(ride: Ride, rickshaw_id: int, driver_id: int, *, by, now: datetime, action: str) -> None:
    savepoint = db.session.begin_nested()
    try:
        ride.rickshaw_id, ride.driver_id = rickshaw_id, driver_id
        ride.needs_attention = False
        db.session.flush()
    except IntegrityError as error:
        savepoint.rollback()
        if _overlap_code(error) is None:
            raise
        raise RideConflict("slot_taken", field="rickshaw_id") from error
    savepoint.commit()
    db.session.refresh(ride)
    record_event(by, action, "ride", ride.id, f"rickshaw={rickshaw_id}; driver={driver_id}")
    notify_ride(ride, "change", now=now)


def move_rides_off_rickshaw(
    rickshaw: Rickshaw, *, by, now: datetime, window: Interval | None = None
) -> tuple[list[Ride], list[Ride]]:
    """After grounding (or in a maintenance block's `window`): move future rides to another
    eligible pair; flag the rest for the office. Returns (moved, flagged).

    The rickshaw must already be out of service (or blocked), so the plan does not offer it.
    """
    rules = rules_from(current_settings())
    query = select(Ride).where(
        Ride.rickshaw_id == rickshaw.id, Ride.status.in_(ACTIVE_STATUSES), Ride.start_at > now
    )
    if window is not None:
        query = query.where(Ride.blocked_from < window.end, Ride.blocked_until > window.start)
    rides = db.session.scalars(query.order_by(Ride.start_at)).all()
    moved, flagged = [], []
    for ride in rides:
        plan = _locked_day_plan(local_day(ride.start_at, rules), rules, exclude_ride_id=ride.id)
        # Prefer keeping the driver: only the rickshaw broke.
        pairs = eligible_pairs(plan, ride.start_at, ride.duration_minutes, ride.passengers)
        same_driver = [(r, d) for r, d in pairs if d.id == ride.driver_id]
        choice = (same_driver or pairs or [None])[0]
        if choice is None:
            ride.needs_attention = True
            db.session.flush()
            record_event(by, "flag", "ride", ride.id, "rickshaw grounded, no replacement")
            notify_ride(ride, "change", now=now)
            flagged.append(ride)
            continue
        _move(ride, choice[0].id, choice[1].id, by=by, now=now, action="move")
        moved.append(ride)
    return moved, flagged
