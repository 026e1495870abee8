"""Riders, places, rides, booking settings and the drivers' availability."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, defaultload, mapped_column, relationship

from rikscha.auth.models import User
from rikscha.database import UTCDateTime, utcnow
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw


class RideStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


ACTIVE_STATUSES = (RideStatus.REQUESTED.value, RideStatus.CONFIRMED.value)


class CancelReason(StrEnum):
    WEATHER = "weather"
    RIDER = "rider"
    ILLNESS = "illness"
    VEHICLE = "vehicle"
    OTHER = "other"


class ConsentMethod(StrEnum):
    ONLINE = "online"
    PHONE = "phone"
    PAPER = "paper"


# The operational needs a driver must know about; nothing more detailed is asked.
NEED_FIELDS = ("rollator", "help_getting_in", "wheelchair_transfer", "blanket", "companion")


rider_managers = Table(
    "rider_managers",
    db.metadata,
    Column("rider_id", ForeignKey("riders.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # "Which riders does this person manage?" is asked by user.
    Index("ix_rider_managers_user_id", "user_id"),
)


def needs_from_flags(flags) -> list[str]:
    """The names of the needs whose flag is set, given the flags in NEED_FIELDS order (a row's
    need_* columns, as need_flag_columns() selects them)."""
    return [name for name, wanted in zip(NEED_FIELDS, flags, strict=True) if wanted]


class NeedsMixin:
    need_rollator: Mapped[bool] = mapped_column(default=False)
    need_help_getting_in: Mapped[bool] = mapped_column(default=False)
    need_wheelchair_transfer: Mapped[bool] = mapped_column(default=False)
    need_blanket: Mapped[bool] = mapped_column(default=False)
    need_companion: Mapped[bool] = mapped_column(default=False)
    needs_note: Mapped[str] = mapped_column(Text, default="")

    def needs(self) -> list[str]:
        return [name for name in NEED_FIELDS if getattr(self, f"need_{name}")]

    @classmethod
    def need_flag_columns(cls) -> list:
        """The need_* columns in NEED_FIELDS order, for statements that read plain rows."""
        return [getattr(cls, f"need_{name}") for name in NEED_FIELDS]


class Rider(NeedsMixin, db.Model):
    __tablename__ = "riders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_method: Mapped[str | None] = mapped_column(String(10))
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Start of the rider's first completed ride, kept by database triggers (rides/first_rides.py);
    # the app never writes it. It makes "new riders" in the funders' report one indexed count.
    first_ride_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    managers: Mapped[list[User]] = relationship(secondary=rider_managers, lazy="selectin")

    def managed_by(self, user) -> bool:
        return any(manager.id == user.id for manager in self.managers)


class Place(db.Model):
    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class Ride(NeedsMixin, db.Model):
    __tablename__ = "rides"
    __table_args__ = (
        CheckConstraint("passengers BETWEEN 1 AND 2", name="passengers_range"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("blocked_from <= start_at AND blocked_until >= end_at", name="block_covers_ride"),
        CheckConstraint("km IS NULL OR km >= 0", name="km_not_negative"),
        Index("ix_rides_start_at", "start_at"),
        Index("ix_rides_rickshaw_block", "rickshaw_id", "blocked_from"),
        # A rickshaw's history page by page, newest first (migration 0020).
        Index("ix_rides_rickshaw_start", "rickshaw_id", "start_at"),
        Index("ix_rides_driver_block", "driver_id", "blocked_from"),
        # A driver's week, a rider's rides (newest first), the office's "rides without a rickshaw":
        # each reads a few rows of one person or flag in time order instead of a whole period.
        # … and, on SQLite, the month report's sums per driver from the index alone (migration 0017).
        Index(
            "ix_rides_driver_start_report", "driver_id", "start_at", "status", "end_at", "km", "passengers"
        ),
        Index("ix_rides_rider_start", "rider_id", "start_at"),
        Index("ix_rides_attention_start", "needs_attention", "start_at"),
        # A rider's earliest completed ride (the triggers keeping riders.first_ride_at recompute it
        # when a completed ride changes): answered from the index alone.
        Index(
            "ix_rides_completed_rider_start",
            "rider_id",
            "start_at",
            postgresql_where=text("status = 'completed'"),
            sqlite_where=text("status = 'completed'"),
        ),
        # The funders' report scans a period's rides by start; with every column it reads in
        # the index, those scans never visit the (wide) table rows.
        Index(
            "ix_rides_report",
            "start_at",
            "status",
            "cancel_reason",
            "rider_id",
            "driver_id",
            "rickshaw_id",
            "passengers",
            "end_at",
            "km",
        ),
        # No double booking, enforced by PostgreSQL itself across all server processes.
        # (SQLite has no such constraint: there, bookings run in one BEGIN IMMEDIATE transaction.)
        ExcludeConstraint(
            (Column("rickshaw_id"), "="),
            (func.tstzrange(Column("blocked_from"), Column("blocked_until"), text("'[)'")), "&&"),
            name="ex_rides_rickshaw_overlap",
            using="gist",
            where=text("status IN ('requested', 'confirmed')"),
        ).ddl_if(dialect="postgresql"),
        ExcludeConstraint(
            (Column("driver_id"), "="),
            (func.tstzrange(Column("blocked_from"), Column("blocked_until"), text("'[)'")), "&&"),
            name="ex_rides_driver_overlap",
            using="gist",
            where=text("status IN ('requested', 'confirmed')"),
        ).ddl_if(dialect="postgresql"),
        ExcludeConstraint(
            (Column("rider_id"), "="),
            (func.tstzrange(Column("start_at"), Column("end_at"), text("'[)'")), "&&"),
            name="ex_rides_rider_overlap",
            using="gist",
            where=text("status IN ('requested', 'confirmed')"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_id: Mapped[int] = mapped_column(ForeignKey("riders.id", ondelete="RESTRICT"))
    passengers: Mapped[int] = mapped_column(default=1)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_from: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    pickup: Mapped[str] = mapped_column(String(300))
    destination_place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    destination_text: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=RideStatus.CONFIRMED.value)
    cancel_reason: Mapped[str | None] = mapped_column(String(20))
    cancel_note: Mapped[str] = mapped_column(String(300), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    km: Mapped[float | None]
    rickshaw_id: Mapped[int | None] = mapped_column(ForeignKey("rickshaws.id", ondelete="RESTRICT"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Set when a ride could not be moved off a grounded rickshaw: the office must call.
    needs_attention: Mapped[bool] = mapped_column(default=False)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    booked_via: Mapped[str] = mapped_column(String(10), default="online")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    rider: Mapped[Rider] = relationship(lazy="joined", innerjoin=True)
    rickshaw: Mapped[Rickshaw | None] = relationship(lazy="joined")
    driver: Mapped[User | None] = relationship(foreign_keys=[driver_id], lazy="joined")
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])
    destination_place: Mapped[Place | None] = relationship(lazy="joined")

    @property
    def destination(self) -> str:
        if self.destination_place is not None:
            return self.destination_place.name
        return self.destination_text

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def ride_list_options() -> tuple:
    """Loader options for pages listing many rides.

    Rider, rickshaw, driver and place still come joined in the same query; what is skipped is
    what those bring along eagerly for single-record access checks (a rider's managers, a
    driver's roles): on a busy day plan that was two more queries loading hundreds of rows.
    """
    return (
        defaultload(Ride.rider).lazyload(Rider.managers),
        defaultload(Ride.driver).lazyload(User.role_rows),
    )


class BookingSettings(db.Model):
    """The office's booking rules (one row). Opening hours are local times per weekday."""

    __tablename__ = "booking_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # {"0": [["09:00", "18:00"]], …}: weekday 0 = Monday; a missing weekday is closed.
    opening_hours: Mapped[dict] = mapped_column(JSON)
    closed_days: Mapped[list] = mapped_column(JSON, default=list)  # ["2026-12-24", …]
    lead_time_hours: Mapped[int] = mapped_column(default=24)
    horizon_days: Mapped[int] = mapped_column(default=60)
    durations: Mapped[list] = mapped_column(JSON)  # [30, 60, 90, 120]
    buffer_minutes: Mapped[int] = mapped_column(default=15)
    cancel_cutoff_hours: Mapped[int] = mapped_column(default=2)
    office_phone: Mapped[str] = mapped_column(String(40), default="")
    # Fleet care: rickshaws past their service interval can't be booked while this is on.
    block_overdue_rickshaws: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DriverAvailability(db.Model):
    """A weekly recurring window in which a driver can drive (local time)."""

    __tablename__ = "driver_availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="window_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    start_time: Mapped[time]
    end_time: Mapped[time]


class DriverAbsence(db.Model):
    """Dated days on which a driver can't drive (holiday, sick), inclusive."""

    __tablename__ = "driver_absences"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="range_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(20), default="other")  # holiday, sick, other


class DriverQualification(db.Model):
    """A driver was instructed on a rickshaw type; first aid validity lives on the profile."""

    __tablename__ = "driver_qualifications"

    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    rickshaw_kind: Mapped[str] = mapped_column(String(80), primary_key=True)
    instructed_on: Mapped[date | None]


class DriverProfile(db.Model):
    __tablename__ = "driver_profiles"

    driver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    first_aid_valid_until: Mapped[date | None]


class CalendarFeed(db.Model):
    """A secret, revocable iCalendar URL for a driver's or a rider manager's rides."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlanningChanges(db.Model):
    """Counters of writes: row 1 to everything a day plan is built from, row 2 to the drivers'
    roster and the accounts (users, roles, tokens).

    Database triggers keep them (see rikscha.rides.plan_cache), so every writer counts: this app,
    another worker, a script. `epoch` changes whenever a row is created anew (an emptied table).
    """

    __tablename__ = "planning_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger, default=0)


# The triggers that keep Rider.first_ride_at belong to the schema: create_all must make them too.
from rikscha.rides import first_rides  # noqa: E402, F401
