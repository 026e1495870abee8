"""Builders for test data: make_x(**overrides) adds a valid record to the session."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rikscha.auth.services import create_token, create_user
from rikscha.extensions import db

DEFAULT_PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)


def open_day_ahead(days: int) -> date:
    """The first day at least `days` ahead in Berlin that is not a Sunday (closed in the default
    opening hours). Counted from today, so the tests pass on whatever day they run."""
    day = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=days)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def make_user(**overrides):
    n = next(_sequence)
    values = {
        "email": f"person{n}@example.org",
        "name": f"Person {n}",
        "password": DEFAULT_PASSWORD,
        "roles": ("resident",),
    }
    values.update(overrides)
    return create_user(**values)


def make_token(user) -> str:
    """A bearer token for `user` (which may be detached from an earlier app context)."""
    _token, plain = create_token(db.session.merge(user), "test")
    return plain


def make_rickshaw(**overrides):
    from rikscha.fleet.models import Rickshaw

    n = next(_sequence)
    values = {
        "name": f"Rikscha {n}",
        "kind": "Cruiser",
        "seats": 2,
        "odometer_km": 100 * n,
        "capacity_minutes": 480,
    }
    values.update(overrides)
    rickshaw = Rickshaw(**values)
    db.session.add(rickshaw)
    db.session.flush()
    return rickshaw


def make_driver(
    *, kinds=("Cruiser",), weekdays=range(7), start="08:00", end="19:00", first_aid_until=None, **overrides
):
    """A driver available every listed weekday, instructed on `kinds`, with valid first aid."""
    from datetime import date, time

    from rikscha.rides.models import DriverAvailability, DriverProfile, DriverQualification

    user = make_user(roles=("driver",), **overrides)
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    for weekday in weekdays:
        db.session.add(
            DriverAvailability(
                driver_id=user.id, weekday=weekday, start_time=time(h1, m1), end_time=time(h2, m2)
            )
        )
    for kind in kinds:
        db.session.add(DriverQualification(driver_id=user.id, rickshaw_kind=kind))
    db.session.add(
        DriverProfile(driver_id=user.id, first_aid_valid_until=first_aid_until or date(2099, 1, 1))
    )
    db.session.flush()
    return user


def make_rider(manager=None, **overrides):
    from rikscha.rides.models import Rider

    n = next(_sequence)
    values = {
        "name": f"Fahrgast {n}",
        "phone": f"0341 {n:05d}",
        "address": f"Parkstraße {n}, Leipzig",
        "consent_method": "phone",
        "managers": [],
    }
    values.update(overrides)
    rider = Rider(**values)
    if manager is not None:
        rider.managers.append(db.session.merge(manager))
    db.session.add(rider)
    db.session.flush()
    return rider


def make_place(**overrides):
    from rikscha.rides.models import Place

    n = next(_sequence)
    values = {"name": f"Ort {n}", "address": f"Seeweg {n}"}
    values.update(overrides)
    place = Place(**values)
    db.session.add(place)
    db.session.flush()
    return place


def make_ride(*, rider=None, start, duration=60, passengers=1, by=None, now=None, privileged=True, **extra):
    """Book a ride through the real booking service (so every rule applies)."""
    from datetime import timedelta

    from rikscha.rides.services import RideRequest, book_ride

    rider = rider if rider is not None else make_rider()
    rider = db.session.merge(rider)
    request = RideRequest(
        rider=rider,
        start=start,
        duration=duration,
        passengers=passengers,
        pickup=extra.pop("pickup", rider.address),
        **extra,
    )
    return book_ride(
        request,
        by=db.session.merge(by) if by else None,
        via="phone",
        now=now or (start - timedelta(days=2)),
        privileged=privileged,
    )


def make_station(**overrides):
    from rikscha.fleet.models import Station

    n = next(_sequence)
    values = {
        "name": f"Station {n}",
        "address": f"Hofweg {n}",
        "is_charging": True,
        "is_service": True,
        "chargers": 2,
    }
    values.update(overrides)
    station = Station(**values)
    db.session.add(station)
    db.session.flush()
    return station
