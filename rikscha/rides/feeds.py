"""A driver's schedule, and calendar feeds: secret, revocable iCalendar URLs for drivers and for people
who manage riders."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask_babel import force_locale
from sqlalchemy import Select, and_, bindparam, func, or_, select

from rikscha.audit.services import record_event
from rikscha.auth.models import User
from rikscha.auth.roles import Role
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw
from rikscha.notifications.ics import calendar, event_lines
from rikscha.rides.models import (
    ACTIVE_STATUSES,
    NEED_FIELDS,
    CalendarFeed,
    Place,
    Ride,
    Rider,
    RideStatus,
    needs_from_flags,
    rider_managers,
)

FEED_PAST = timedelta(days=14)
FEED_AHEAD = timedelta(days=90)
# Calendar apps poll; this asks them to do so hourly (RFC 7986 REFRESH-INTERVAL, Outlook's TTL).
_REFRESH = ("REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H")


@dataclass(frozen=True, slots=True)
class DriverRide:
    """A ride as the driver's pages show it: the ride's own needs (for this trip), never the
    rider's stored ones, and of the rider only name and phone."""

    id: int
    start_at: datetime
    end_at: datetime
    status: str
    pickup: str
    passengers: int
    needs: tuple[str, ...]
    needs_note: str
    km: float | None
    rider_name: str
    rider_phone: str
    destination: str
    destination_address: str
    rickshaw_name: str | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @classmethod
    def of(cls, ride: Ride) -> DriverRide:
        """The same for a loaded ride (the driver's page of one ride)."""
        place = ride.destination_place
        return cls(
            id=ride.id,
            start_at=ride.start_at,
            end_at=ride.end_at,
            status=ride.status,
            pickup=ride.pickup,
            passengers=ride.passengers,
            needs=tuple(ride.needs()),
            needs_note=ride.needs_note,
            km=ride.km,
            rider_name=ride.rider.name,
            rider_phone=ride.rider.phone,
            destination=ride.destination,
            destination_address=place.address if place is not None else "",
            rickshaw_name=ride.rickshaw.name if ride.rickshaw is not None else None,
        )


def driver_rides(
    driver: User, start: datetime, end: datetime, *, statuses, unfinished_from: datetime | None = None
) -> list[DriverRide]:
    """The driver's rides starting in [start, end) with one of `statuses`, in time order (one query).

    With `unfinished_from`, the same query also returns the rides starting in [unfinished_from,
    start) that are still active: started but neither completed nor reported as a no-show.
    """
    parameters = {
        "driver_id": driver.id,
        "start": start,
        "end": end,
        "statuses": list(statuses),
        "unfinished_from": unfinished_from or start,
        "active": list(ACTIVE_STATUSES),
    }
    db.session.flush()  # Core on the session's connection does not autoflush as a query does
    rides = []
    for row in db.session.connection().execute(_driver_rides_statement(), parameters).all():
        flags = row[_NEEDS_AT : _NEEDS_AT + len(NEED_FIELDS)]
        rides.append(
            DriverRide(*row[:_NEEDS_AT], tuple(needs_from_flags(flags)), *row[_NEEDS_AT + len(NEED_FIELDS) :])
        )
    return rides


_NEEDS_AT = 6  # the statement's first six columns are DriverRide's first six fields; then the flags


@cache
def _driver_rides_statement() -> Select:
    """driver_rides()'s statement, built once per process and read as plain rows (building it and
    the ORM's objects cost more than running it). One range of ix_rides_driver_start_report; the
    unfinished days are few rows."""
    start, unfinished_from = bindparam("start"), bindparam("unfinished_from")
    return (
        select(
            Ride.id,
            Ride.start_at,
            Ride.end_at,
            Ride.status,
            Ride.pickup,
            Ride.passengers,
            *Ride.need_flag_columns(),
            Ride.needs_note,
            Ride.km,
            Rider.name,
            Rider.phone,
            func.coalesce(Place.name, Ride.destination_text),
            func.coalesce(Place.address, ""),
            Rickshaw.name,
        )
        .join(Rider, Rider.id == Ride.rider_id)
        .outerjoin(Place, Place.id == Ride.destination_place_id)
        .outerjoin(Rickshaw, Rickshaw.id == Ride.rickshaw_id)
        .where(
            Ride.driver_id == bindparam("driver_id"),
            Ride.start_at >= unfinished_from,
            Ride.start_at < bindparam("end"),
            or_(
                and_(Ride.start_at >= start, Ride.status.in_(bindparam("statuses", expanding=True))),
                and_(Ride.start_at < start, Ride.status.in_(bindparam("active", expanding=True))),
            ),
        )
        .order_by(Ride.start_at, Ride.id)
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed(user: User) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at.desc(), CalendarFeed.id.desc())
        .limit(1)
    )


def _revoke_all(user: User, now: datetime) -> None:
    for feed in db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
    ):
        feed.revoked_at = now
        record_event(user, "revoke", "calendar_feed", feed.id)


def create_feed(user: User, *, now: datetime) -> tuple[CalendarFeed, str]:
    """A new feed for `user`; any older one stops working. The token is returned once, only its
    SHA-256 is stored (like API tokens: long and random, so a fast hash is enough)."""
    _revoke_all(user, now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_digest(token), created_at=now)
    db.session.add(feed)
    db.session.flush()
    record_event(user, "create", "calendar_feed", feed.id)
    return feed, token


def revoke_feed(user: User, *, now: datetime) -> bool:
    """Revoke the user's feed; False if there was none."""
    if active_feed(user) is None:
        return False
    _revoke_all(user, now)
    db.session.flush()
    return True


def feed_owner(token: str) -> User | None:
    """The active owner of an unrevoked feed token, or None (reading only: GET never writes)."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _digest(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.active:
        return None
    return user


def feed_rides(user: User, *, now: datetime) -> list[Ride]:
    """The rides a feed shows: the user's own as driver and those of the riders they manage,
    from 14 days back to 90 days ahead – cancelled ones too, so that calendars remove them."""
    conditions = [
        Ride.rider_id.in_(select(rider_managers.c.rider_id).where(rider_managers.c.user_id == user.id))
    ]
    if user.has_role(Role.DRIVER):
        conditions.append(Ride.driver_id == user.id)
    return list(
        db.session.scalars(
            select(Ride)
            .where(or_(*conditions), Ride.start_at >= now - FEED_PAST, Ride.start_at < now + FEED_AHEAD)
            .order_by(Ride.start_at, Ride.id)
        )
    )


def feed_calendar(user: User, *, now: datetime) -> str:
    """The feed as iCalendar text (RFC 5545, CRLF line endings)."""
    from rikscha.rides.forms import NEED_LABELS

    events = []
    with force_locale("de"):
        for ride in feed_rides(user, now=now):
            driving = ride.driver_id == user.id and user.has_role(Role.DRIVER)
            details = []
            if driving:
                details = [f"Personen: {ride.passengers}"] + [str(NEED_LABELS[need]) for need in ride.needs()]
                if ride.needs_note:
                    details.append(f"Hinweis: {ride.needs_note}")
            events.append(
                event_lines(
                    ride,
                    cancelled=ride.status == RideStatus.CANCELLED.value,
                    for_driver=driving,
                    details=details,
                )
            )
    return calendar(events, name=f"Rikscha – {user.name}", properties=_REFRESH)
