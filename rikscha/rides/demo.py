"""Demo riders, places, rickshaws, driver availability and rides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from rikscha.auth.roles import Role
from rikscha.auth.services import create_user, find_user_by_email
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw
from rikscha.rides.models import (
    DriverAvailability,
    DriverProfile,
    DriverQualification,
    Place,
    Ride,
    Rider,
    RideStatus,
)
from rikscha.rides.services import RideRequest, book_ride
from rikscha.rides.settings import ensure_settings, rules_from

RICKSHAWS = (("Rosi", "Cruiser", 2, 1240), ("Emil", "Cruiser", 2, 860), ("Lotte", "Cargo", 1, 310))
PLACES = (
    ("Stadtpark", "Parkallee 1", "Rundweg am Teich, Bänke im Schatten"),
    ("Café am Markt", "Markt 3", "Stufenloser Eingang"),
    ("Südfriedhof", "Friedhofsweg 10", "Haupttor, Gießkannen am Eingang"),
    ("Kulkwitzer See", "Seeweg 2", "Uferpromenade"),
)


def _driver(email: str, name: str, phone: str, password: str, now: datetime):
    user = find_user_by_email(email) or create_user(
        email=email, name=name, phone=phone, password=password, roles=[Role.DRIVER], consent_at=now
    )
    if db.session.get(DriverProfile, user.id) is None:
        db.session.add(DriverProfile(driver_id=user.id, first_aid_valid_until=date(now.year + 2, 3, 31)))
        for kind in ("Cruiser", "Cargo"):
            db.session.add(
                DriverQualification(driver_id=user.id, rickshaw_kind=kind, instructed_on=now.date())
            )
        for weekday in range(6):
            # Half an hour around opening hours: rides need their buffer inside the driver's time.
            db.session.add(
                DriverAvailability(
                    driver_id=user.id, weekday=weekday, start_time=time(8, 30), end_time=time(18, 30)
                )
            )
    return user


def seed_rides(users: dict, now: datetime, password: str) -> None:
    if db.session.scalar(select(Rickshaw).where(Rickshaw.name == "Rosi")) is not None:
        return
    settings = ensure_settings()
    for name, kind, seats, km in RICKSHAWS:
        db.session.add(
            Rickshaw(
                name=name,
                kind=kind,
                seats=seats,
                odometer_km=km,
                capacity_minutes=360,
                service_interval_km=1500,
                service_interval_days=180,
            )
        )
    for name, address, notes in PLACES:
        db.session.add(Place(name=name, address=address, notes=notes))
    db.session.flush()
    drivers = [
        _driver("fahrer@example.org", "Fabian Fahrer", "0151 1000002", password, now),
        _driver("dana.fahrerin@example.org", "Dana Fahrerin", "0151 1000005", password, now),
    ]
    resident = users["bewohner@example.org"]
    coordinator = users["koordination@example.org"]
    berta = Rider(
        name="Berta Bewohner",
        phone="0341 200001",
        email="",
        address="Lindenstraße 4, 04177 Leipzig",
        need_rollator=True,
        consent_at=now,
        consent_method="online",
        consent_by_id=resident.id,
        managers=[resident],
    )
    otto = Rider(
        name="Otto Oswald",
        phone="0341 200002",
        address="Lindenstraße 4, 04177 Leipzig",
        need_help_getting_in=True,
        need_blanket=True,
        consent_at=now,
        consent_method="online",
        consent_by_id=resident.id,
        managers=[resident],
    )
    frieda = Rider(
        name="Frieda Fröhlich",
        phone="0341 200003",
        address="Seniorenheim Abendrot, Zimmer 12",
        need_wheelchair_transfer=True,
        consent_at=now,
        consent_method="phone",
        consent_by_id=coordinator.id,
        managers=[],
    )
    db.session.add_all([berta, otto, frieda])
    db.session.flush()
    places = {p.name: p for p in db.session.scalars(select(Place))}
    rules = rules_from(settings)
    booked = 0
    day = now.astimezone(rules.tz).date() + timedelta(days=2)
    wanted = [
        (berta, time(10), 60, "Stadtpark"),
        (otto, time(14), 90, "Café am Markt"),
        (frieda, time(11), 60, "Südfriedhof"),
    ]
    # Book through the real service, on the next days the office is open.
    while booked < len(wanted) and day < now.date() + timedelta(days=30):
        rider, at, minutes, place = wanted[booked]
        start = datetime.combine(day, at, tzinfo=rules.tz).astimezone(UTC)
        try:
            book_ride(
                RideRequest(
                    rider=rider,
                    start=start,
                    duration=minutes,
                    passengers=1,
                    pickup=rider.address,
                    destination_place=places[place],
                    needs=frozenset(rider.needs()),
                ),
                by=coordinator,
                via="phone",
                now=now,
                privileged=True,
            )
            booked += 1
        except DomainError:
            day += timedelta(days=1)
    # Two past rides for the history and the reports.
    for days_ago, rider, place in ((7, berta, "Kulkwitzer See"), (3, frieda, "Stadtpark")):
        past_day = (now - timedelta(days=days_ago)).astimezone(rules.tz).date()
        start = datetime.combine(past_day, time(10), tzinfo=rules.tz).astimezone(UTC)
        db.session.add(
            Ride(
                rider=rider,
                passengers=1,
                start_at=start,
                end_at=start + timedelta(hours=1),
                blocked_from=start - timedelta(minutes=15),
                blocked_until=start + timedelta(minutes=75),
                pickup=rider.address,
                destination_place=places[place],
                status=RideStatus.COMPLETED.value,
                km=6.5,
                completed_at=start + timedelta(hours=1),
                rickshaw_id=None,
                driver_id=drivers[0].id,
                booked_by_id=coordinator.id,
                booked_via="phone",
            )
        )
    db.session.flush()
