"""Drivers' weekly availability, absences, qualifications and first-aid validity."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import delete, select

from rikscha.audit.services import record_event
from rikscha.auth.models import User, UserRole
from rikscha.auth.roles import Role
from rikscha.domain import DomainError, NotFound
from rikscha.extensions import db
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages
from rikscha.rides.models import DriverAbsence, DriverAvailability, DriverProfile, DriverQualification

register_messages(
    {
        "not_a_driver": _l("Diese Person ist nicht als Fahrerin oder Fahrer eingetragen."),
        "window_overlaps": _l("Dieses Zeitfenster überschneidet sich mit einem vorhandenen."),
        "window_empty": _l("Das Ende muss nach dem Anfang liegen."),
        "absence_empty": _l("Der letzte Tag darf nicht vor dem ersten liegen."),
    }
)


def drivers_query():
    return select(User).join(UserRole).where(UserRole.role == Role.DRIVER.value).order_by(User.name)


def require_driver(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if not user.has_role(Role.DRIVER):
        raise DomainError("not_a_driver")
    return user


def weekly_windows(driver: User) -> list[DriverAvailability]:
    return list(
        db.session.scalars(
            select(DriverAvailability)
            .where(DriverAvailability.driver_id == driver.id)
            .order_by(DriverAvailability.weekday, DriverAvailability.start_time)
        )
    )


def absences(driver: User, *, from_day: date | None = None) -> list[DriverAbsence]:
    query = (
        select(DriverAbsence).where(DriverAbsence.driver_id == driver.id).order_by(DriverAbsence.start_date)
    )
    if from_day is not None:
        query = query.where(DriverAbsence.end_date >= from_day)
    return list(db.session.scalars(query))


def add_weekly_window(driver: User, *, weekday: int, start: time, end: time, by) -> DriverAvailability:
    if end <= start:
        raise DomainError("window_empty", field="end_time")
    for window in weekly_windows(driver):
        if window.weekday == weekday and window.start_time < end and start < window.end_time:
            raise DomainError("window_overlaps", field="start_time")
    window = DriverAvailability(driver_id=driver.id, weekday=weekday, start_time=start, end_time=end)
    db.session.add(window)
    db.session.flush()
    record_event(by, "create", "driver_availability", window.id, f"driver={driver.id}")
    return window


def remove_weekly_window(window: DriverAvailability, *, by) -> None:
    record_event(by, "delete", "driver_availability", window.id, f"driver={window.driver_id}")
    db.session.delete(window)
    db.session.flush()


def add_absence(driver: User, *, start: date, end: date, reason: str, by) -> DriverAbsence:
    """Rides already assigned on those days stay; the office sees them on the dashboard."""
    if end < start:
        raise DomainError("absence_empty", field="end_date")
    absence = DriverAbsence(driver_id=driver.id, start_date=start, end_date=end, reason=reason)
    db.session.add(absence)
    db.session.flush()
    record_event(by, "create", "driver_absence", absence.id, f"driver={driver.id}")
    return absence


def remove_absence(absence: DriverAbsence, *, by) -> None:
    record_event(by, "delete", "driver_absence", absence.id, f"driver={absence.driver_id}")
    db.session.delete(absence)
    db.session.flush()


def qualifications(driver: User) -> list[DriverQualification]:
    return list(
        db.session.scalars(
            select(DriverQualification)
            .where(DriverQualification.driver_id == driver.id)
            .order_by(DriverQualification.rickshaw_kind)
        )
    )


def set_qualification(
    driver: User, *, rickshaw_kind: str, instructed_on: date | None, by
) -> DriverQualification:
    row = db.session.get(DriverQualification, (driver.id, rickshaw_kind))
    if row is None:
        row = DriverQualification(driver_id=driver.id, rickshaw_kind=rickshaw_kind)
        db.session.add(row)
    row.instructed_on = instructed_on
    db.session.flush()
    record_event(by, "update", "driver_qualification", driver.id, f"kind={rickshaw_kind}")
    return row


def remove_qualification(driver: User, rickshaw_kind: str, *, by) -> None:
    db.session.execute(
        delete(DriverQualification).where(
            DriverQualification.driver_id == driver.id, DriverQualification.rickshaw_kind == rickshaw_kind
        )
    )
    record_event(by, "delete", "driver_qualification", driver.id, f"kind={rickshaw_kind}")


def first_aid_valid_until(driver: User) -> date | None:
    profile = db.session.get(DriverProfile, driver.id)
    return profile.first_aid_valid_until if profile else None


def set_first_aid(driver: User, *, valid_until: date | None, by) -> None:
    profile = db.session.get(DriverProfile, driver.id)
    if profile is None:
        profile = DriverProfile(driver_id=driver.id)
        db.session.add(profile)
    profile.first_aid_valid_until = valid_until
    db.session.flush()
    record_event(by, "update", "driver_profile", driver.id, "first aid")
