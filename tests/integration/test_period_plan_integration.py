"""A booking plans only its own period; it must choose exactly what the whole day's plan would.

One day is filled ride by ride: at every start, for each duration and party size, the pair (or
the reason there is none) from `load_period_plan` is compared with the one from `load_day_plan`,
and every assigned ride is then inserted, so that the comparisons run on an emptying day. The
world has what changes the choice: kinds and seats, a small daily capacity, a maintenance block,
drivers with different hours, week minutes, an absence and expired first aid.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from rikscha.extensions import db
from rikscha.fleet.models import RickshawBlock
from rikscha.rides.models import DriverAbsence, Ride
from rikscha.rides.planning import load_day_plan, load_period_plan
from rikscha.rides.settings import current_settings, rules_from
from rikscha.scheduling import NoAssignment, assign, blocked_period, candidate_starts
from tests.factories import make_driver, make_rickshaw, make_rider

pytestmark = pytest.mark.both_databases

DAY = date(2026, 12, 2)  # a Wednesday, open 09:00–18:00 in Berlin


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """Berlin winter time (UTC+1) as UTC."""
    return datetime(day.year, day.month, day.day, hour - 1, minute, tzinfo=UTC)


def add_ride(rickshaw_id: int, driver_id: int, start: datetime, minutes: int, rules) -> None:
    blocked = blocked_period(start, minutes, rules)
    db.session.add(
        Ride(
            rider=make_rider(),
            passengers=1,
            status="confirmed",
            pickup="Weg 1",
            destination_text="Park",
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            blocked_from=blocked.start,
            blocked_until=blocked.end,
            rickshaw_id=rickshaw_id,
            driver_id=driver_id,
        )
    )
    db.session.flush()


def outcome(plan, start: datetime, minutes: int, passengers: int):
    try:
        chosen = assign(plan, start, minutes, passengers)
    except NoAssignment as error:
        return error.code
    return (chosen.rickshaw_id, chosen.driver_id)


def test_the_period_plan_assigns_as_the_day_plan_while_a_day_fills_up(app):
    with app.app_context():
        rules = rules_from(current_settings())
        cruiser = make_rickshaw(kind="Cruiser", seats=2, odometer_km=500, capacity_minutes=240)
        make_rickshaw(kind="Cargo", seats=1, odometer_km=100, capacity_minutes=120)
        serviced = make_rickshaw(kind="Cruiser", seats=2, odometer_km=50, capacity_minutes=180)
        db.session.add(RickshawBlock(rickshaw_id=serviced.id, start_at=at(11), end_at=at(14)))
        early = make_driver(kinds=("Cruiser", "Cargo"), start="08:00", end="12:30")
        make_driver(kinds=("Cruiser",), start="12:00", end="19:00")
        make_driver(kinds=("Cargo",), start="08:00", end="19:00")
        busy_week = make_driver(kinds=("Cruiser", "Cargo"), start="09:00", end="16:00")
        away = make_driver(kinds=("Cruiser",))
        db.session.add(DriverAbsence(driver_id=away.id, start_date=DAY, end_date=DAY))
        make_driver(kinds=("Cruiser",), first_aid_until=DAY - timedelta(days=1))
        # Monday's rides give the drivers different week minutes, which order the pairs.
        add_ride(cruiser.id, busy_week.id, at(10, day=DAY - timedelta(days=2)), 120, rules)
        add_ride(cruiser.id, early.id, at(14, day=DAY - timedelta(days=2)), 30, rules)
        db.session.commit()

        seen: Counter = Counter()
        day_plan = load_day_plan(DAY, rules)
        for minutes in sorted(rules.durations):
            for start in candidate_starts(day_plan):
                for passengers in (2, 1):
                    period = blocked_period(start, minutes, rules)
                    expected = outcome(day_plan, start, minutes, passengers)
                    actual = outcome(load_period_plan(DAY, rules, period), start, minutes, passengers)
                    assert actual == expected, (start, minutes, passengers)
                    seen["assigned" if isinstance(expected, tuple) else expected] += 1
                    if isinstance(expected, tuple):
                        add_ride(*expected, start, minutes, rules)
                        day_plan = load_day_plan(DAY, rules)
        db.session.commit()

        assert seen["assigned"] >= 10 and seen["slot_taken"] >= 10 and seen["no_capacity"] >= 1, seen
        drivers_used = {ride.driver_id for ride in db.session.scalars(db.select(Ride))}
        assert away.id not in drivers_used
