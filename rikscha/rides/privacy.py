"""Privacy services: export a rider's data, anonymise, consent, and the retention job (flush, never commit)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, exists, func, or_, select, update

from rikscha.audit.models import AuditEvent
from rikscha.audit.services import record_event
from rikscha.auth.models import User
from rikscha.extensions import db
from rikscha.fleet.models import DefectReport
from rikscha.notifications.models import OutboxMessage
from rikscha.quarter.models import ProblemReport, ReportStatus, Task, TaskStatus, WorkLog
from rikscha.rides.errors import RideConflict
from rikscha.rides.models import (
    ACTIVE_STATUSES,
    NEED_FIELDS,
    CancelReason,
    ConsentMethod,
    Ride,
    Rider,
    rider_managers,
)
from rikscha.rides.services import cancel_ride
from rikscha.rides.settings import office_zone
from rikscha.uploads import delete_photo

EXPORT_FORMAT = "rikscha-rider-export/1"
DEFAULT_RETENTION_MONTHS = 24
CLOSED_TASK_STATUSES = (TaskStatus.DONE.value, TaskStatus.CANCELLED.value)


# --- export ------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the office's offset (e.g. 2026-12-02T10:00:00+01:00)."""
    return moment.astimezone(office_zone()).isoformat() if moment is not None else None


def _person(user: User | None) -> dict | None:
    return {"name": user.name, "email": user.email} if user is not None else None


def _needs(item) -> dict:
    return {"flags": item.needs(), "note": item.needs_note}


def rider_rides(rider: Rider) -> list[Ride]:
    return list(
        db.session.scalars(select(Ride).where(Ride.rider_id == rider.id).order_by(Ride.start_at, Ride.id))
    )


def rider_messages(rider: Rider, ride_ids: list[int]) -> list[OutboxMessage]:
    condition = OutboxMessage.rider_id == rider.id
    if ride_ids:
        condition = or_(condition, OutboxMessage.ride_id.in_(ride_ids))
    return list(
        db.session.scalars(
            select(OutboxMessage).where(condition).order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )


def rider_events(rider: Rider, ride_ids: list[int]) -> list[AuditEvent]:
    """Audit events about the rider and their rides (the texts never hold health details)."""
    condition = (AuditEvent.entity == "rider") & (AuditEvent.entity_id == rider.id)
    if ride_ids:
        condition = or_(condition, (AuditEvent.entity == "ride") & AuditEvent.entity_id.in_(ride_ids))
    return list(
        db.session.scalars(select(AuditEvent).where(condition).order_by(AuditEvent.at, AuditEvent.id))
    )


def _users_by_id(ids) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}


@dataclass
class RiderData:
    """Everything stored about one rider, loaded with a fixed number of queries."""

    rider: Rider
    rides: list[Ride]
    messages: list[OutboxMessage]
    events: list[AuditEvent]
    users: dict[int, User] = field(default_factory=dict)

    def user(self, user_id: int | None) -> User | None:
        return self.users.get(user_id) if user_id is not None else None


def load_rider_data(rider: Rider) -> RiderData:
    rides = rider_rides(rider)
    ride_ids = [ride.id for ride in rides]
    events = rider_events(rider, ride_ids)
    users = _users_by_id(
        [
            rider.consent_by_id,
            rider.consent_withdrawn_by_id,
            *(ride.booked_by_id for ride in rides),
            *(event.actor_id for event in events),
        ]
    )
    return RiderData(
        rider=rider, rides=rides, messages=rider_messages(rider, ride_ids), events=events, users=users
    )


def export_rider(rider: Rider, *, now: datetime, data: RiderData | None = None) -> dict:
    """Everything stored about `rider`, as a JSON-ready dict (times in ISO 8601 with offset)."""
    data = data or load_rider_data(rider)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(now),
        "rider": {
            "id": rider.id,
            "name": rider.name,
            "phone": rider.phone,
            "email": rider.email,
            "address": rider.address,
            "needs": _needs(rider),
            "created_at": _iso(rider.created_at),
            "anonymised_at": _iso(rider.anonymised_at),
        },
        "consent": {
            "given_at": _iso(rider.consent_at),
            "method": rider.consent_method,
            "given_by": _person(data.user(rider.consent_by_id)),
            "withdrawn_at": _iso(rider.consent_withdrawn_at),
            "withdrawn_by": _person(data.user(rider.consent_withdrawn_by_id)),
        },
        "managers": [_person(manager) for manager in rider.managers],
        "rides": [
            {
                "id": ride.id,
                "start": _iso(ride.start_at),
                "end": _iso(ride.end_at),
                "passengers": ride.passengers,
                "pickup": ride.pickup,
                "destination": ride.destination,
                "needs": _needs(ride),
                "notes": ride.notes,
                "status": ride.status,
                "cancel_reason": ride.cancel_reason,
                "cancel_note": ride.cancel_note,
                "cancelled_at": _iso(ride.cancelled_at),
                "completed_at": _iso(ride.completed_at),
                "km": ride.km,
                "rickshaw": ride.rickshaw.name if ride.rickshaw is not None else None,
                "booked_by": _person(data.user(ride.booked_by_id)),
                "booked_via": ride.booked_via,
                "created_at": _iso(ride.created_at),
            }
            for ride in data.rides
        ],
        "messages": [
            {
                "id": message.id,
                "ride_id": message.ride_id,
                "kind": message.kind,
                "channel": message.channel,
                "recipient": message.recipient,
                "subject": message.subject,
                "body": message.body,
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
            }
            for message in data.messages
        ],
        "audit_events": [
            {
                "at": _iso(event.at),
                "actor": event.actor.name if event.actor is not None else None,
                "action": event.action,
                "entity": event.entity,
                "entity_id": event.entity_id,
                "summary": event.summary,
            }
            for event in data.events
        ],
    }


# --- erasure by anonymisation ------------------------------------------------------------------


@dataclass(frozen=True)
class Anonymised:
    rides: int
    cancelled: int
    messages_deleted: int


_CLEARED_NEEDS = {f"need_{name}": False for name in NEED_FIELDS} | {"needs_note": ""}


def anonymise_rider(rider: Rider, *, by, now: datetime) -> Anonymised | None:
    """Erase `rider` by anonymisation; their rides stay as anonymous counts for the statistics.

    Future active rides are cancelled first (reason "rider"), so that no driver is sent to a
    person nobody can name any more. Returns None if the rider was anonymised already.
    """
    if rider.anonymised_at is not None:
        return None
    future = db.session.scalars(
        select(Ride)
        .where(Ride.rider_id == rider.id, Ride.status.in_(ACTIVE_STATUSES), Ride.start_at > now)
        .order_by(Ride.start_at)
    ).all()
    for ride in future:
        cancel_ride(ride, by=by, reason=CancelReason.RIDER.value, now=now, privileged=True)
    db.session.flush()
    ride_count = db.session.scalar(select(func.count()).select_from(Ride).where(Ride.rider_id == rider.id))
    db.session.execute(
        update(Ride)
        .where(Ride.rider_id == rider.id)
        .values(pickup="", destination_text="", notes="", cancel_note="", **_CLEARED_NEEDS),
        execution_options={"synchronize_session": False},
    )
    # The cancellations just queued go too: they would name the person.
    deleted = db.session.execute(
        delete(OutboxMessage).where(
            or_(
                OutboxMessage.rider_id == rider.id,
                OutboxMessage.ride_id.in_(select(Ride.id).where(Ride.rider_id == rider.id)),
            )
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    rider.name = f"Anonymisiert #{rider.id}"
    rider.phone = rider.email = rider.address = ""
    for name, value in _CLEARED_NEEDS.items():
        setattr(rider, name, value)
    rider.managers = []
    rider.anonymised_at = now
    db.session.flush()
    db.session.expire_all()  # ride rows were changed behind the identity map
    record_event(by, "anonymise", "rider", rider.id, f"rides={ride_count}; cancelled={len(future)}")
    return Anonymised(rides=ride_count, cancelled=len(future), messages_deleted=deleted or 0)


# --- consent -----------------------------------------------------------------------------------


def withdraw_consent(rider: Rider, *, by, now: datetime) -> bool:
    """Record that consent was withdrawn; from now on the rider can't be booked. False if already."""
    if rider.anonymised_at is not None:
        raise RideConflict("rider_anonymised")
    if rider.consent_withdrawn_at is not None:
        return False
    rider.consent_withdrawn_at = now
    rider.consent_withdrawn_by_id = by.id
    db.session.flush()
    record_event(by, "withdraw_consent", "rider", rider.id)
    return True


def record_consent(rider: Rider, *, method: str, by, now: datetime) -> None:
    """Consent given (again): when, how and who recorded it; a withdrawal no longer applies."""
    if rider.anonymised_at is not None:
        raise RideConflict("rider_anonymised")
    rider.consent_method = ConsentMethod(method).value
    rider.consent_at = now
    rider.consent_by_id = by.id
    rider.consent_withdrawn_at = None
    rider.consent_withdrawn_by_id = None
    db.session.flush()
    record_event(by, "consent", "rider", rider.id, f"method={rider.consent_method}")


def future_active_rides(rider: Rider, now: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Ride)
        .where(Ride.rider_id == rider.id, Ride.status.in_(ACTIVE_STATUSES), Ride.start_at > now)
    )


# --- retention ---------------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's last day)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _inactive_clause(cutoff: datetime):
    recent_ride = exists().where(Ride.rider_id == Rider.id, Ride.start_at >= cutoff)
    return (Rider.anonymised_at.is_(None)) & (Rider.created_at < cutoff) & ~recent_ride


def inactive_rider_ids(now: datetime, months: int) -> list[int]:
    """Riders created before the cutoff with no ride (past or future) starting after it."""
    cutoff = months_before(now, months)
    return list(db.session.scalars(select(Rider.id).where(_inactive_clause(cutoff)).order_by(Rider.id)))


def purge_inactive_riders(
    now: datetime, months: int = DEFAULT_RETENTION_MONTHS, *, after_each: Callable[[], None] | None = None
) -> int:
    """Anonymise every rider without a ride for `months`; returns how many were anonymised.

    `after_each` (the CLI passes `db.session.commit`) ends one transaction per rider, so a long
    run never holds the write lock for long. Each rider is checked again inside its own
    transaction: a ride booked meanwhile keeps the rider. Running it twice changes nothing.
    """
    cutoff = months_before(now, months)
    count = 0
    for rider_id in inactive_rider_ids(now, months):
        # FOR UPDATE (PostgreSQL): a second run at the same time waits and then skips this rider.
        rider = db.session.scalar(
            select(Rider).where(Rider.id == rider_id, _inactive_clause(cutoff)).with_for_update(of=Rider)
        )
        if rider is not None and anonymise_rider(rider, by=None, now=now) is not None:
            count += 1
        if after_each is not None:
            after_each()
    return count


@dataclass(frozen=True)
class PhotoPurge:
    rows: int
    files: list[str]


def purge_old_photos(now: datetime, *, cutoff: datetime) -> PhotoPurge:
    """Clear the photo columns of closed reports, closed tasks (and their work logs) and cleared
    defects older than `cutoff`. Returns the rows changed and the files no longer referenced;
    delete those with `delete_photo_files` after the commit.
    """
    names: set[str] = set()
    rows = 0
    reports = db.session.scalars(
        select(ProblemReport).where(
            ProblemReport.photo.is_not(None),
            ProblemReport.status == ReportStatus.DONE.value,
            ProblemReport.closed_at < cutoff,
        )
    )
    tasks = db.session.scalars(
        select(Task).where(
            Task.photo.is_not(None),
            Task.status.in_(CLOSED_TASK_STATUSES),
            func.coalesce(Task.done_at, Task.started_at, Task.created_at) < cutoff,
        )
    )
    defects = db.session.scalars(
        select(DefectReport).where(DefectReport.photo.is_not(None), DefectReport.cleared_at < cutoff)
    )
    for record in [*reports, *tasks, *defects]:
        names.add(record.photo)
        record.photo = None
        rows += 1
    worklogs = db.session.scalars(
        select(WorkLog)
        .join(Task, WorkLog.task_id == Task.id)
        .where(
            Task.status.in_(CLOSED_TASK_STATUSES),
            WorkLog.logged_at < cutoff,
            func.coalesce(cast(WorkLog.photos, String), "[]") != "[]",
        )
    )
    for worklog in worklogs:
        if worklog.photos:
            names.update(worklog.photos)
            worklog.photos = []
            rows += 1
    db.session.flush()
    if not names:
        return PhotoPurge(rows=rows, files=[])
    # A task keeps the photo of the report it was made from: delete a file only when unused.
    still_used = set(db.session.scalars(select(Task.photo).where(Task.photo.in_(names))))
    still_used |= set(db.session.scalars(select(ProblemReport.photo).where(ProblemReport.photo.in_(names))))
    still_used |= set(db.session.scalars(select(DefectReport.photo).where(DefectReport.photo.in_(names))))
    record_event(None, "purge_photos", "photo", None, f"rows={rows}")
    return PhotoPurge(rows=rows, files=sorted(names - still_used))


def delete_photo_files(names: list[str]) -> int:
    for name in names:
        delete_photo(name)
    return len(names)


def photo_cutoff(now: datetime, *, days: int | None, months: int = DEFAULT_RETENTION_MONTHS) -> datetime:
    return now - timedelta(days=days) if days is not None else months_before(now, months)


def managed_riders(user) -> list[Rider]:
    """The riders `user` manages (for a coordinator too: only their own, not every rider)."""
    return list(
        db.session.scalars(
            select(Rider)
            .join(rider_managers)
            .where(rider_managers.c.user_id == user.id, Rider.anonymised_at.is_(None))
            .order_by(Rider.name, Rider.id)
        )
    )
