"""Rickshaws and the periods they are out of service (maintenance blocks)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rikscha.database import UTCDateTime, utcnow
from rikscha.extensions import db


class RickshawStatus(StrEnum):
    IN_SERVICE = "in_service"
    GROUNDED = "grounded"
    RETIRED = "retired"


class Rickshaw(db.Model):
    __tablename__ = "rickshaws"
    __table_args__ = (
        CheckConstraint("seats BETWEEN 1 AND 2", name="seats_range"),
        CheckConstraint("capacity_minutes > 0", name="capacity_positive"),
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # The model/type drivers are instructed on (qualifications refer to it).
    kind: Mapped[str] = mapped_column(String(80))
    seats: Mapped[int] = mapped_column(default=2)
    status: Mapped[str] = mapped_column(String(20), default=RickshawStatus.IN_SERVICE.value)
    odometer_km: Mapped[int] = mapped_column(default=0)
    capacity_minutes: Mapped[int] = mapped_column(default=240)
    service_interval_km: Mapped[int | None]
    service_interval_days: Mapped[int | None]
    home_station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    # Service intervals count from here until the first inspection is logged.
    in_service_since: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def bookable(self) -> bool:
        return self.status == RickshawStatus.IN_SERVICE


class RickshawBlock(db.Model):
    """A planned period in which a rickshaw can't be booked (maintenance, event)."""

    __tablename__ = "rickshaw_blocks"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="block_not_empty"),
        # A day's plan asks for the blocks that end after it begins: not every block ever made.
        Index("ix_rickshaw_blocks_end", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rickshaw_id: Mapped[int] = mapped_column(ForeignKey("rickshaws.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StationKind(StrEnum):
    SERVICE = "service"
    RENTAL = "rental"
    CHARGING = "charging"


class Station(db.Model):
    """A service, rental and/or charging station of the quarter."""

    __tablename__ = "stations"
    __table_args__ = (CheckConstraint("chargers >= 0", name="chargers_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    is_service: Mapped[bool] = mapped_column(default=False)
    is_rental: Mapped[bool] = mapped_column(default=False)
    is_charging: Mapped[bool] = mapped_column(default=False)
    chargers: Mapped[int] = mapped_column(default=0)
    opening_notes: Mapped[str] = mapped_column(Text, default="")

    @property
    def kinds(self) -> list[str]:
        return [kind.value for kind in StationKind if getattr(self, f"is_{kind.value}")]


class BatteryPack(db.Model):
    """A removable battery of a rickshaw (rickshaws with fixed batteries have none)."""

    __tablename__ = "battery_packs"
    __table_args__ = (UniqueConstraint("rickshaw_id", "label", name="uq_battery_packs_rickshaw_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rickshaw_id: Mapped[int] = mapped_column(ForeignKey("rickshaws.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)


class MaintenanceKind(StrEnum):
    INSPECTION = "inspection"
    REPAIR = "repair"
    TYRES = "tyres"
    BRAKES = "brakes"
    BATTERY = "battery"
    CLEANING = "cleaning"
    OTHER = "other"


class MaintenanceRecord(db.Model):
    __tablename__ = "maintenance_records"
    __table_args__ = (
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        # A rickshaw's last inspection: by time, then id (the fleet overview), from the index alone.
        Index("ix_maintenance_records_rickshaw_at_id", "rickshaw_id", "performed_at", "id"),
        # The month report's maintenance by kind, from the index alone.
        Index("ix_maintenance_records_at_kind_cost", "performed_at", "kind", "cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rickshaw_id: Mapped[int] = mapped_column(ForeignKey("rickshaws.id", ondelete="CASCADE"))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20))
    odometer_km: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")
    parts: Mapped[str] = mapped_column(String(300), default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DefectSeverity(StrEnum):
    MINOR = "minor"
    GROUNDING = "grounding"


class DefectReport(db.Model):
    """A defect noticed on a rickshaw; a grounding one takes it out of service until cleared."""

    __tablename__ = "defect_reports"
    __table_args__ = (
        Index("ix_defect_reports_rickshaw_open", "rickshaw_id", "cleared_at"),
        # The fleet overview's open defects of all rickshaws, most severe and newest first.
        Index("ix_defect_reports_open_order", "cleared_at", "severity", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rickshaw_id: Mapped[int] = mapped_column(ForeignKey("rickshaws.id", ondelete="CASCADE"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    severity: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(100))  # file name in the upload folder
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    clear_note: Mapped[str] = mapped_column(String(500), default="")

    @property
    def open(self) -> bool:
        return self.cleared_at is None


class ChargingSession(db.Model):
    __tablename__ = "charging_sessions"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("soc_before BETWEEN 0 AND 100 AND soc_after BETWEEN 0 AND 100", name="soc_range"),
        CheckConstraint("soc_after >= soc_before", name="soc_not_decreasing"),
        CheckConstraint("energy_kwh IS NULL OR energy_kwh >= 0", name="energy_not_negative"),
        Index("ix_charging_sessions_rickshaw_start_id", "rickshaw_id", "start_at", "id"),
        Index("ix_charging_sessions_station_start", "station_id", "start_at"),
        # The funders' report: sessions and energy per rickshaw in a period.
        Index("ix_charging_sessions_start", "start_at", "rickshaw_id", "energy_kwh"),
        # One rickshaw never charges twice at once, whichever process logs it.
        ExcludeConstraint(
            (Column("rickshaw_id"), "="),
            (func.tstzrange(Column("start_at"), Column("end_at"), text("'[)'")), "&&"),
            name="ex_charging_sessions_rickshaw_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rickshaw_id: Mapped[int] = mapped_column(ForeignKey("rickshaws.id", ondelete="CASCADE"))
    battery_pack_id: Mapped[int | None] = mapped_column(ForeignKey("battery_packs.id", ondelete="SET NULL"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="RESTRICT"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    soc_before: Mapped[int]
    soc_after: Mapped[int]
    energy_kwh: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
