"""The rides of the riders someone manages, as the lists of their start page ("Meine Fahrten")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import attrgetter

from sqlalchemy import CompoundSelect, bindparam, func, literal, or_, select, union_all

from rikscha.extensions import db
from rikscha.rides.models import ACTIVE_STATUSES, Place, Ride, Rider
from rikscha.rides.riders import visible_only

PAST_RIDES_SHOWN = 20
_UPCOMING, _PAST = 0, 1


@dataclass(frozen=True, slots=True)
class ListedRide:
    """A row of the ride lists: plain values (a care home lists dozens of rides)."""

    id: int
    start_at: datetime
    end_at: datetime
    status: str
    rider_name: str
    destination: str


@dataclass(frozen=True)
class RideLists:
    upcoming: list[ListedRide]  # active rides still to come, soonest first
    past: list[ListedRide]  # the latest PAST_RIDES_SHOWN others (done, cancelled, started), newest first


def managed_ride_lists(user_id: int, *, office: bool, now: datetime) -> RideLists:
    """Both lists in one statement: the riders the user manages (all riders for the office)."""
    upcoming, past = [], []
    for part, *values in db.session.execute(_lists_statement(office), {"user_id": user_id, "now": now}):
        (upcoming if part == _UPCOMING else past).append(ListedRide(*values))
    upcoming.sort(key=attrgetter("start_at", "id"))
    past.sort(key=attrgetter("start_at", "id"), reverse=True)
    return RideLists(upcoming=upcoming, past=past)


@cache
def _lists_statement(office: bool) -> CompoundSelect:
    """Built once per process and kind of user (building it cost more than running it)."""
    riders = visible_only(select(Rider.id), office=office, user_id=bindparam("user_id"))
    now = bindparam("now")

    def rides(part: int):
        return (
            select(
                literal(part).label("part"),
                Ride.id,
                Ride.start_at,
                Ride.end_at,
                Ride.status,
                Rider.name,
                func.coalesce(Place.name, Ride.destination_text),
            )
            .join(Rider, Rider.id == Ride.rider_id)
            .outerjoin(Place, Place.id == Ride.destination_place_id)
            .where(Ride.rider_id.in_(riders))
        )

    upcoming = rides(_UPCOMING).where(Ride.status.in_(ACTIVE_STATUSES), Ride.start_at >= now)
    past = (
        rides(_PAST)
        .where(or_(Ride.start_at < now, Ride.status.not_in(ACTIVE_STATUSES)))
        .order_by(Ride.start_at.desc(), Ride.id.desc())
        .limit(PAST_RIDES_SHOWN)
    )
    # SQLite allows ORDER BY and LIMIT in a compound's last part only: the past list is a subquery.
    return union_all(upcoming, select(past.subquery()))
