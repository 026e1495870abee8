"""The outbox: messages written in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rikscha.database import UTCDateTime, utcnow
from rikscha.extensions import db


class OutboxMessage(db.Model):
    """One message to one recipient. channel 'email' is sent by `notifications send`;
    channel 'phone' (riders without e-mail) appears on the office's call list until done."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "channel", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # confirmation, change, cancellation, reminder
    channel: Mapped[str] = mapped_column(String(10))  # email, phone
    recipient: Mapped[str] = mapped_column(String(254))  # address or phone number
    recipient_name: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    ride_id: Mapped[int | None] = mapped_column(ForeignKey("rides.id", ondelete="SET NULL"), index=True)
    rider_id: Mapped[int | None] = mapped_column(ForeignKey("riders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # For e-mail: when delivered. For phone: when the office marked the call as done.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
