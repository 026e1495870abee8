"""Rickshaws and the periods they are out of service (maintenance blocks)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def bookable(self) -> bool:
        return self.status == RickshawStatus.IN_SERVICE


class RickshawBlock(db.Model):
    """A planned period in which a rickshaw can't be booked (maintenance, event)."""

    __tablename__ = "rickshaw_blocks"
    __table_args__ = (CheckConstraint("end_at > start_at", name="block_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rickshaw_id: Mapped[int] = mapped_column(ForeignKey("rickshaws.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
