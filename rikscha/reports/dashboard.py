"""The coordinator's start page: what happens today and what needs the office, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw, RickshawStatus
from rikscha.fleet.queries import recently_moved_rides
from rikscha.fleet.services import FleetRow, fleet_overview
from rikscha.notifications.models import OutboxMessage
from rikscha.quarter.services import Overview, coordinator_overview
from rikscha.rides.models import ACTIVE_STATUSES, DriverAbsence, Ride
from rikscha.rides.office_services import DayPlanView, day_plan
from rikscha.scheduling import BookingRules

CALLS_SHOWN = 5

# Why a ride needs the office, in the order the page lists them.
REASONS = ("flagged", "unassigned", "grounded", "driver_absent")


@dataclass
class Attention:
    """Upcoming active rides per reason (a ride can have several reasons)."""

    by_reason: dict[str, list[Ride]] = field(default_factory=lambda: defaultdict(list))

    @property
    def count(self) -> int:
        return len({ride.id for rides in self.by_reason.values() for ride in rides})

    def __getitem__(self, reason: str) -> list[Ride]:
        return self.by_reason.get(reason, [])


@dataclass(frozen=True)
class Dashboard:
    today: date
    plan: DayPlanView
    attention: Attention
    grounded: list[FleetRow]
    service: list[FleetRow]
    moved: list[tuple[Ride, datetime]]
    quarter: Overview
    calls: list[tuple[OutboxMessage, datetime | None]]
    call_count: int


def rides_needing_attention(now: datetime, rules: BookingRules) -> Attention:
    """Upcoming active rides without rickshaw or driver, on a grounded rickshaw, flagged by the fleet,
    or whose driver is absent that (local) day. Two queries."""
    absent_drivers = select(DriverAbsence.driver_id).where(
        DriverAbsence.end_date >= now.astimezone(rules.tz).date()
    )
    rides = (
        db.session.scalars(
            select(Ride)
            .outerjoin(Rickshaw, Rickshaw.id == Ride.rickshaw_id)
            .where(Ride.status.in_(ACTIVE_STATUSES), Ride.start_at >= now)
            .where(
                or_(
                    Ride.needs_attention.is_(True),
                    Ride.rickshaw_id.is_(None),
                    Ride.driver_id.is_(None),
                    Rickshaw.status == RickshawStatus.GROUNDED.value,
                    Ride.driver_id.in_(absent_drivers),
                )
            )
            .order_by(Ride.start_at, Ride.id)
        )
        .unique()
        .all()
    )
    absences: dict[int, list[DriverAbsence]] = defaultdict(list)
    driver_ids = {ride.driver_id for ride in rides if ride.driver_id is not None}
    if driver_ids:
        for absence in db.session.scalars(
            select(DriverAbsence).where(
                DriverAbsence.driver_id.in_(driver_ids),
                DriverAbsence.end_date >= now.astimezone(rules.tz).date(),
            )
        ):
            absences[absence.driver_id].append(absence)
    attention = Attention()
    for ride in rides:
        if ride.needs_attention:
            attention.by_reason["flagged"].append(ride)
        if ride.rickshaw_id is None or ride.driver_id is None:
            attention.by_reason["unassigned"].append(ride)
        # A flagged ride is already listed as "call the rider"; the grounded rickshaw is why.
        grounded = ride.rickshaw is not None and ride.rickshaw.status == RickshawStatus.GROUNDED.value
        if grounded and not ride.needs_attention:
            attention.by_reason["grounded"].append(ride)
        day = ride.start_at.astimezone(rules.tz).date()
        if any(a.start_date <= day <= a.end_date for a in absences.get(ride.driver_id, ())):
            attention.by_reason["driver_absent"].append(ride)
    return attention


def pending_call_summary(now: datetime, show: int = CALLS_SHOWN) -> tuple[list, int]:
    """The oldest open calls (with their ride's start, if any) and how many there are in all."""
    pending = (
        OutboxMessage.channel == "phone",
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.due_at <= now,
    )
    count = db.session.scalar(select(func.count(OutboxMessage.id)).where(*pending)) or 0
    # Only the ride's start: selecting the Ride entity would bring its eager inner join to the
    # rider, which turns the outer join into an inner one and hides calls without a ride.
    top = [
        tuple(row)
        for row in db.session.execute(
            select(OutboxMessage, Ride.start_at)
            .outerjoin(Ride, Ride.id == OutboxMessage.ride_id)
            .where(*pending)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(show)
        )
    ]
    return top, count


def dashboard(now: datetime, rules: BookingRules) -> Dashboard:
    today = now.astimezone(rules.tz).date()
    fleet = fleet_overview(today)
    calls, call_count = pending_call_summary(now)
    return Dashboard(
        today=today,
        plan=day_plan(today, rules),
        attention=rides_needing_attention(now, rules),
        grounded=[row for row in fleet if row.rickshaw.status == RickshawStatus.GROUNDED],
        service=[
            row
            for row in fleet
            if row.service.state != "ok" and row.rickshaw.status != RickshawStatus.RETIRED
        ],
        moved=recently_moved_rides(now),
        quarter=coordinator_overview(today=today),
        calls=calls,
        call_count=call_count,
    )
