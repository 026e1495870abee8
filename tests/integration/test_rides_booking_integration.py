"""Booking rules end to end through the services and the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from rikscha.extensions import db
from rikscha.notifications.models import OutboxMessage
from rikscha.rides.errors import RideConflict, RideRuleBroken
from rikscha.rides.models import Ride
from rikscha.rides.services import (
    RideRequest,
    available_slots,
    book_ride,
    cancel_ride,
    complete_ride,
    move_rides_off_rickshaw,
    reassign_ride,
)
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_user
from tests.integration.test_reports_integration import count_queries

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday
TEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in Berlin


def _request(rider, start=TEN, duration=60, passengers=1):
    return RideRequest(
        rider=rider, start=start, duration=duration, passengers=passengers, pickup="Am Markt 1"
    )


def test_booking_assigns_the_least_busy_driver_and_lowest_odometer(ctx):
    make_rickshaw(name="Alt", odometer_km=900)
    low = make_rickshaw(name="Neu", odometer_km=10)
    busy = make_driver(name="Viel")
    idle = make_driver(name="Wenig")
    make_ride(start=TEN + timedelta(hours=3), by=None)  # gives one driver week minutes
    first = db.session.scalar(select(Ride))
    assert first.rickshaw_id == low.id
    ride = book_ride(_request(make_rider()), by=None, via="phone", now=NOW)
    assert ride.rickshaw_id == low.id
    assert ride.driver_id == ({busy.id, idle.id} - {first.driver_id}).pop()
    assert ride.status == "confirmed"
    assert ride.blocked_from == TEN - timedelta(minutes=15)
    assert ride.blocked_until == TEN + timedelta(minutes=75)


def test_slots_disappear_when_taken_and_capacity_is_counted(ctx):
    make_rickshaw()
    make_driver()
    slots = available_slots(TEN.date(), 60, 1, NOW)
    assert slots[0][0] == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 09:00 Berlin
    assert (TEN, TEN + timedelta(hours=1)) in slots
    make_ride(start=TEN)
    after = {start for start, _ in available_slots(TEN.date(), 60, 1, NOW)}
    # One rickshaw, one driver: the ride blocks 09:45–11:15 local, and another ride needs its
    # own 15 minutes of buffer, so nothing before 11:30 local (10:30 UTC) is left.
    assert min(after) == TEN + timedelta(minutes=90)
    assert TEN + timedelta(minutes=75) not in after


def test_second_booking_for_the_same_time_is_slot_taken(ctx):
    make_rickshaw()
    make_driver()
    make_ride(start=TEN)
    with pytest.raises(RideConflict) as error:
        book_ride(_request(make_rider()), by=None, via="online", now=NOW)
    assert error.value.code == "slot_taken"


@pytest.mark.parametrize("pairs", [2, 1], ids=["a pair free", "no pair free"])
def test_rider_cannot_ride_twice_at_once(ctx, pairs):
    """Also when no pair is free: PostgreSQL leaves the rider's clash to its constraint, which a
    full day never reaches, and must still name the rider's own ride."""
    for _ in range(pairs):
        make_rickshaw()
        make_driver()
    rider = make_rider()
    make_ride(rider=rider, start=TEN)
    with pytest.raises(RideConflict) as error:
        book_ride(_request(rider, start=TEN + timedelta(minutes=30)), by=None, via="online", now=NOW)
    assert error.value.code == "rider_busy"


def test_a_booking_asks_about_the_rider_only_where_no_constraint_does(ctx):
    make_rickshaw()
    make_driver()
    rider = make_rider()
    with count_queries() as statements:
        book_ride(_request(rider), by=None, via="online", now=NOW)
    asked = sum("rides.rider_id" in statement and "count" in statement for statement in statements)
    assert asked == (0 if db.engine.dialect.name == "postgresql" else 1)


@pytest.mark.parametrize(
    ("start", "duration", "passengers", "now", "code"),
    [
        (TEN, 45, 1, NOW, "invalid_duration"),
        (TEN, 60, 3, NOW, "invalid_passengers"),
        (TEN, 60, 1, TEN - timedelta(hours=3), "too_soon"),
        (TEN + timedelta(days=61), 60, 1, NOW, "too_far"),
        (datetime(2026, 12, 6, 9, 0, tzinfo=UTC), 60, 1, NOW, "closed_day"),  # Sunday
        (datetime(2026, 12, 2, 16, 30, tzinfo=UTC), 60, 1, NOW, "outside_hours"),  # 17:30–18:30
        (TEN + timedelta(minutes=5), 60, 1, NOW, "outside_hours"),  # not on the 15-minute grid
    ],
)
def test_booking_rules(ctx, start, duration, passengers, now, code):
    make_rickshaw()
    make_driver()
    with pytest.raises(RideRuleBroken) as error:
        book_ride(_request(make_rider(), start, duration, passengers), by=None, via="online", now=now)
    assert error.value.code == code


def test_coordinator_may_book_inside_the_lead_time(ctx):
    make_rickshaw()
    make_driver()
    ride = book_ride(
        _request(make_rider()), by=None, via="phone", now=TEN - timedelta(hours=3), privileged=True
    )
    assert ride.id


def test_no_capacity_when_the_rickshaw_has_too_few_seats_or_minutes(ctx):
    make_rickshaw(seats=1, capacity_minutes=60)
    make_driver()
    with pytest.raises(RideConflict) as error:
        book_ride(_request(make_rider(), passengers=2), by=None, via="online", now=NOW)
    assert error.value.code == "no_capacity"
    make_ride(start=TEN)
    with pytest.raises(RideConflict) as error:
        book_ride(_request(make_rider(), start=TEN + timedelta(hours=3)), by=None, via="online", now=NOW)
    assert error.value.code == "no_capacity"


def test_unqualified_absent_or_first_aid_expired_drivers_are_not_assigned(ctx):
    from datetime import date

    from rikscha.rides.models import DriverAbsence

    make_rickshaw(kind="Cargo")
    make_driver(kinds=("Cruiser",))
    make_driver(kinds=("Cargo",), first_aid_until=date(2026, 11, 30))
    absent = make_driver(kinds=("Cargo",))
    db.session.add(
        DriverAbsence(driver_id=absent.id, start_date=date(2026, 12, 1), end_date=date(2026, 12, 3))
    )
    make_driver(kinds=("Cargo",), weekdays=(0, 1))  # not on Wednesdays
    with pytest.raises(RideConflict):
        book_ride(_request(make_rider()), by=None, via="online", now=NOW)
    ok = make_driver(kinds=("Cargo",))
    assert book_ride(_request(make_rider()), by=None, via="online", now=NOW).driver_id == ok.id


def test_cancel_until_cutoff_then_call_the_office(ctx):
    make_rickshaw()
    make_driver()
    ride = make_ride(start=TEN)
    with pytest.raises(RideConflict) as error:
        cancel_ride(ride, by=None, reason="rider", now=TEN - timedelta(hours=1))
    assert error.value.code == "too_late_to_cancel"
    cancel_ride(ride, by=None, reason="rider", now=TEN - timedelta(hours=3))
    assert ride.status == "cancelled"
    # The freed time can be booked again.
    assert book_ride(_request(make_rider()), by=None, via="online", now=NOW).id


def test_complete_updates_odometer(ctx):
    rickshaw = make_rickshaw(odometer_km=100)
    make_driver()
    ride = make_ride(start=TEN)
    with pytest.raises(RideConflict):
        complete_ride(ride, by=None, km=5, now=TEN - timedelta(hours=1))
    with pytest.raises(RideRuleBroken):
        complete_ride(ride, by=None, km=-1, now=TEN + timedelta(hours=1))
    complete_ride(ride, by=None, km=7.4, now=TEN + timedelta(hours=1))
    assert ride.status == "completed" and rickshaw.odometer_km == 107


def test_reassign_follows_the_same_rules(ctx):
    first = make_rickshaw()
    second = make_rickshaw()
    d1 = make_driver()
    d2 = make_driver(kinds=("Other",))
    ride = make_ride(start=TEN)
    with pytest.raises(RideConflict) as error:
        reassign_ride(ride, rickshaw_id=second.id, driver_id=d2.id, by=None, now=NOW)
    assert error.value.code == "not_eligible"
    other = second if ride.rickshaw_id == first.id else first
    reassign_ride(ride, rickshaw_id=other.id, driver_id=d1.id, by=None, now=NOW)
    assert ride.rickshaw_id == other.id


def test_grounding_moves_rides_or_flags_them(ctx):
    from rikscha.fleet.models import RickshawStatus

    broken = make_rickshaw(odometer_km=0)
    spare = make_rickshaw(odometer_km=50)
    make_driver()
    make_driver()
    a = make_ride(start=TEN)
    b = make_ride(start=TEN)  # both rickshaws now busy at 10:00
    assert {a.rickshaw_id, b.rickshaw_id} == {broken.id, spare.id}
    c = make_ride(start=TEN + timedelta(hours=3))
    assert c.rickshaw_id == broken.id
    broken.status = RickshawStatus.GROUNDED.value
    moved, flagged = move_rides_off_rickshaw(broken, by=None, now=NOW)
    on_broken = a if a.rickshaw_id == broken.id else b
    assert flagged == [on_broken] and on_broken.needs_attention
    assert moved == [c] and c.rickshaw_id == spare.id


def test_notifications_are_queued_with_the_booking(ctx):
    make_rickshaw()
    make_driver()
    manager = make_user(email="tochter@example.org")
    with_email = make_rider(manager=manager, email="oma@example.org")
    without = make_rider()
    book_ride(_request(with_email), by=None, via="online", now=NOW)
    ride = book_ride(_request(without, start=TEN + timedelta(hours=3)), by=None, via="online", now=NOW)
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.channel, m.recipient) for m in messages] == [
        ("email", "oma@example.org"),
        ("email", "tochter@example.org"),
        ("phone", without.phone),
    ]
    assert "BEGIN:VCALENDAR" in messages[0].ics
    cancel_ride(ride, by=None, reason="weather", now=NOW)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "cancellation", OutboxMessage.channel == "phone")
        )
        == 1
    )


def test_rider_search_matches_phone_numbers_however_they_are_typed(ctx):
    from rikscha.rides.riders import riders_query

    coordinator = make_user(roles=("coordinator",))
    rider = make_rider(phone="0341 / 222-33")
    for typed in ("0341 22233", "034122233", "222 33", "Fahrgast"):
        found = db.session.scalars(riders_query(coordinator, typed)).all()
        assert rider in found, typed
    assert db.session.scalars(riders_query(coordinator, "999")).all() == []
