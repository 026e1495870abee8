"""Areas of the quarter, caretakers' tasks and recurring rounds, work logs, residents' reports."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rikscha.auth.models import User
from rikscha.database import UTCDateTime, utcnow
from rikscha.extensions import db


class AreaKind(StrEnum):
    PLAYGROUND = "playground"
    PARK = "park"
    FLOWERBED = "flowerbed"
    SQUARE = "square"
    OTHER = "other"


class TaskCategory(StrEnum):
    CLEANLINESS = "cleanliness"
    GREEN_CARE = "green_care"
    REPAIR = "repair"
    INSPECTION = "inspection"
    EVENT = "event"
    OTHER = "other"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class ReportStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    DONE = "done"


area_caretakers = Table(
    "area_caretakers",
    db.metadata,
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # "Whose tasks / areas?" is asked by user: the primary key starts with the other column.
    Index("ix_area_caretakers_user_id", "user_id"),
)

task_assignees = Table(
    "task_assignees",
    db.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # "Whose tasks?" is asked by user: the primary key starts with the other column. The task id in
    # the index answers a caretaker's list from the index alone (PostgreSQL: no heap reads).
    Index("ix_task_assignees_user_task", "user_id", "task_id"),
)

round_assignees = Table(
    "round_assignees",
    db.metadata,
    Column("round_id", ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Area(db.Model):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=AreaKind.OTHER.value)
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    caretakers: Mapped[list[User]] = relationship(secondary=area_caretakers, lazy="selectin")


class Round(db.Model):
    """A recurring task plan, e.g. the weekly playground check; tasks are generated ahead of time."""

    __tablename__ = "rounds"
    __table_args__ = (CheckConstraint("interval >= 1", name="interval_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default=TaskCategory.INSPECTION.value)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    # The recurrence (rikscha.scheduling.Recurrence): weekly/monthly/yearly from `anchor`.
    freq: Mapped[str] = mapped_column(String(10))
    interval: Mapped[int] = mapped_column(default=1)
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    month_day: Mapped[int | None]
    month: Mapped[int | None]
    anchor: Mapped[date]
    checklist: Mapped[list] = mapped_column(JSON, default=list)  # item texts copied into each task
    active: Mapped[bool] = mapped_column(default=True)
    generated_until: Mapped[date | None]

    area: Mapped[Area] = relationship()
    assignees: Mapped[list[User]] = relationship(secondary=round_assignees, lazy="selectin")


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (
        # A round's occurrence exists at most once, however often generation runs.
        UniqueConstraint("round_id", "occurrence", name="uq_tasks_round_occurrence"),
        # Active tasks by due date, with the columns of a caretaker's task card: PostgreSQL lists
        # them from the index alone instead of reading a heap page per open task of the city.
        Index("ix_tasks_status_due_card", "status", "due_date", "area_id", "priority", "id", "title"),
        Index("ix_tasks_area_status", "area_id", "status"),
        # The funders' report: tasks done in a period, counted by area and by category.
        Index("ix_tasks_status_done", "status", "done_at", "area_id", "category"),
        # A report's task: the office's new reports are those without one.
        Index("ix_tasks_report", "report_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20), default=TaskCategory.OTHER.value)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.OPEN.value)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    occurrence: Mapped[date | None]
    report_id: Mapped[int | None] = mapped_column(ForeignKey("problem_reports.id", ondelete="SET NULL"))
    photo: Mapped[str | None] = mapped_column(String(100))  # taken over from the report
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    area: Mapped[Area] = relationship(lazy="joined", innerjoin=True)
    assignees: Mapped[list[User]] = relationship(secondary=task_assignees, lazy="selectin")
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="task",
        order_by="ChecklistItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    worklogs: Mapped[list[WorkLog]] = relationship(
        back_populates="task", order_by="WorkLog.logged_at", cascade="all, delete-orphan"
    )


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(default=False)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    task: Mapped[Task] = relationship(back_populates="checklist")


class WorkLog(db.Model):
    """Tätigkeitsnachweis: who worked how long on a task, with a note and up to three photos."""

    __tablename__ = "worklogs"
    __table_args__ = (
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_range"),
        Index("ix_worklogs_user_logged", "user_id", "logged_at"),
        # The funders' report: minutes per person logged in a period.
        Index("ix_worklogs_logged", "logged_at", "user_id", "minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    minutes: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list] = mapped_column(JSON, default=list)  # stored file names, at most 3

    task: Mapped[Task] = relationship(back_populates="worklogs")
    user: Mapped[User | None] = relationship()


class ProblemReport(db.Model):
    """A resident's report of a problem in the quarter (Meldung)."""

    __tablename__ = "problem_reports"
    __table_args__ = (
        Index("ix_problem_reports_status_created", "status", "created_at"),
        # The month report counts a month's reports and the done ones, from the index alone.
        Index("ix_problem_reports_created_status_closed", "created_at", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    location: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(20), default=TaskCategory.OTHER.value)
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(100))
    # Contact data: visible to coordinators only.
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # sha256 of the secret in the reporter's status link (anonymous reports).
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.RECEIVED.value)
    office_message: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("problem_reports.id", ondelete="SET NULL"))
    created_via: Mapped[str] = mapped_column(String(10), default="web")  # web, phone, api, caretaker
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    area: Mapped[Area | None] = relationship()
