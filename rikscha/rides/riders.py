"""Riders and who may see them: coordinators all, others only the riders they manage."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import lazyload

from rikscha.audit.services import record_event
from rikscha.auth.roles import Role
from rikscha.extensions import db
from rikscha.rides.models import NEED_FIELDS, ConsentMethod, Ride, Rider, rider_managers


def is_office(user) -> bool:
    return user.is_authenticated and user.has_role(Role.COORDINATOR)


def can_see_rider(user, rider: Rider) -> bool:
    return is_office(user) or rider.managed_by(user)


def can_see_ride(user, ride: Ride) -> bool:
    return can_see_rider(user, ride.rider) or (user.has_role(Role.DRIVER) and ride.driver_id == user.id)


def riders_query(user, search: str = ""):
    """Riders visible to `user`, by name, optionally filtered by name or phone."""
    # Visibility is a join (visible_only); the managers themselves are rarely shown: not loaded.
    query = select(Rider).order_by(Rider.name, Rider.id).options(lazyload(Rider.managers))
    query = visible_only(query, office=is_office(user), user_id=user.id)
    if search:
        pattern = f"%{search.strip()}%"
        digits = "".join(ch for ch in search if ch.isdigit())
        conditions = [Rider.name.ilike(pattern)]
        if len(digits) >= 3:
            # Phone numbers are typed with spaces, dashes or slashes: compare digits only.
            stored = func.replace(func.replace(func.replace(Rider.phone, " ", ""), "-", ""), "/", "")
            conditions.append(stored.like(f"%{digits}%"))
        query = query.where(or_(*conditions))
    return query


def visible_rider(user, rider_id: int) -> Rider | None:
    """The rider with this id if `user` may see them (riders_query's rule), else None."""
    statement = _visible_rider_statement(is_office(user))
    return db.session.scalar(statement, {"rider_id": rider_id, "user_id": user.id})


@cache
def _visible_rider_statement(office: bool):
    # Built once per process: every step of the booking wizard asks for its rider.
    query = select(Rider).where(Rider.id == bindparam("rider_id")).options(lazyload(Rider.managers))
    return visible_only(query, office=office, user_id=bindparam("user_id"))


def visible_only(query, *, office: bool, user_id):
    """`query` (over riders) restricted to the riders one may see: none anonymised, and for anyone
    but the office only those `user_id` (an id or a bind parameter) manages."""
    query = query.where(Rider.anonymised_at.is_(None))
    if office:
        return query
    return query.join(rider_managers, rider_managers.c.rider_id == Rider.id).where(
        rider_managers.c.user_id == user_id
    )


def _apply(rider: Rider, *, name, phone, email, address, needs, needs_note) -> None:
    rider.name = name.strip()
    rider.phone = (phone or "").strip()
    rider.email = (email or "").strip().lower()
    rider.address = (address or "").strip()
    rider.needs_note = (needs_note or "").strip()
    for need in NEED_FIELDS:
        setattr(rider, f"need_{need}", need in needs)


def create_rider(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    needs=(),
    needs_note: str = "",
    consent_method: str,
    by,
    now: datetime,
) -> Rider:
    """A new rider; a non-office user who creates one manages it. Consent is recorded as given."""
    rider = Rider(
        consent_at=now, consent_method=ConsentMethod(consent_method).value, consent_by_id=by.id, managers=[]
    )
    _apply(
        rider, name=name, phone=phone, email=email, address=address, needs=set(needs), needs_note=needs_note
    )
    if not is_office(by):
        rider.managers.append(by)
    db.session.add(rider)
    db.session.flush()
    # No health details in the audit text: only that the record was created.
    record_event(by, "create", "rider", rider.id)
    return rider


def update_rider(
    rider: Rider, *, name: str, phone: str, email: str, address: str, needs, needs_note: str, by
) -> None:
    _apply(
        rider, name=name, phone=phone, email=email, address=address, needs=set(needs), needs_note=needs_note
    )
    db.session.flush()
    record_event(by, "update", "rider", rider.id)
