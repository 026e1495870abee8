"""Residents' problem reports: submission with a secret status link, triage by the office."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from rikscha.audit.services import record_event
from rikscha.extensions import db
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages
from rikscha.quarter.models import Area, ProblemReport, ReportStatus, Task, TaskStatus
from rikscha.quarter.services import QuarterConflict, QuarterRuleBroken, create_task, is_coordinator

REPORT_CATEGORIES = ("repair", "cleanliness", "green_care", "other")
VIA = ("web", "phone", "api", "caretaker")
SECRET_BYTES = 24

register_messages(
    {
        "report_has_task": _l("Zu dieser Meldung gibt es schon einen Auftrag."),
        "report_has_open_task": _l("Der Auftrag zu dieser Meldung ist noch nicht erledigt."),
        "report_is_duplicate": _l(
            "Diese Meldung ist als doppelt markiert. Bitte bearbeiten Sie die ursprüngliche Meldung."
        ),
        "duplicate_of_self": _l("Eine Meldung kann nicht ihr eigenes Duplikat sein."),
        "location_required": _l("Bitte wählen Sie einen Ort aus der Liste oder beschreiben Sie ihn."),
        "message_required": _l("Bitte schreiben Sie eine Nachricht an die meldende Person."),
    }
)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def submit_report(
    *,
    reporter,
    via: str,
    area: Area | None,
    location: str,
    category: str,
    text: str,
    photo: str | None,
    now: datetime,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    actor=None,
) -> tuple[ProblemReport, str]:
    """Store a report; returns it with the secret of its status link (shown to the reporter once).

    `reporter` is the resident's (or caretaker's) account, if any; the office taking a call
    is only the `actor` of the audit event, the caller is known by the contact fields.
    """
    if area is not None and not area.active:
        raise QuarterRuleBroken("area_inactive", field="area_id")
    if area is None and not location.strip():
        raise QuarterRuleBroken("location_required", field="location")
    if category not in REPORT_CATEGORIES or via not in VIA:
        raise QuarterRuleBroken("invalid_choice", field="category")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    report = ProblemReport(
        area_id=area.id if area else None,
        location=location.strip(),
        category=category,
        text=text.strip(),
        photo=photo,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        contact_email=contact_email.strip().lower(),
        reporter_id=getattr(reporter, "id", None),
        secret_hash=secret_hash(secret),
        status=ReportStatus.RECEIVED.value,
        created_via=via,
        created_at=now,
    )
    db.session.add(report)
    db.session.flush()
    record_event(actor or reporter, "create", "problem_report", report.id, f"via {via}")
    return report, secret


def find_by_secret(secret: str) -> ProblemReport | None:
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(select(ProblemReport).where(ProblemReport.secret_hash == secret_hash(secret)))


def can_see_report(user, report: ProblemReport) -> bool:
    """Coordinators and the logged-in reporter; everyone else needs the secret link."""
    if is_coordinator(user):
        return True
    return bool(user and user.is_authenticated and report.reporter_id == user.id)


def tasks_of(report: ProblemReport) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.report_id == report.id).order_by(Task.id)))


def duplicates_of(report: ProblemReport) -> list[ProblemReport]:
    return list(
        db.session.scalars(
            select(ProblemReport).where(ProblemReport.duplicate_of_id == report.id).order_by(ProblemReport.id)
        )
    )


def _live_tasks(report: ProblemReport) -> list[Task]:
    return [t for t in tasks_of(report) if t.status != TaskStatus.CANCELLED.value]


def report_to_task(
    report: ProblemReport,
    *,
    by,
    now: datetime,
    area: Area,
    title: str,
    description: str,
    category: str,
    priority: str,
    due_date: date | None,
    assignee_ids=(),
    checklist: list[str] | None = None,
    message: str = "",
) -> Task:
    """Turn a report into a task that keeps its text and photo; the report then follows the task."""
    if report.duplicate_of_id is not None:
        raise QuarterConflict("report_is_duplicate", field="title")
    if _live_tasks(report):
        raise QuarterConflict("report_has_task", field="title")
    task = create_task(
        by=by,
        now=now,
        area=area,
        title=title,
        description=description,
        category=category,
        priority=priority,
        due_date=due_date,
        assignee_ids=assignee_ids,
        checklist=checklist,
        report=report,
        photo=report.photo,
    )
    if report.area_id is None:
        report.area_id = area.id
    if message.strip():
        report.office_message = message.strip()
    db.session.flush()
    return task


def merge_report(
    report: ProblemReport, original: ProblemReport, *, by, now: datetime, message: str = ""
) -> None:
    """Mark `report` as a duplicate of `original`; its reporter then sees the original's progress."""
    root, seen = original, set()
    while root.duplicate_of_id is not None and root.id not in seen:
        seen.add(root.id)
        root = db.session.get(ProblemReport, root.duplicate_of_id)
    if root.id == report.id:
        raise QuarterRuleBroken("duplicate_of_self", field="original")
    if _live_tasks(report):
        raise QuarterConflict("report_has_task", field="original")
    for follower in [report, *duplicates_of(report)]:
        follower.duplicate_of_id = root.id
        follower.status, follower.closed_at = root.status, root.closed_at
    if message.strip():
        report.office_message = message.strip()
    db.session.flush()
    record_event(by, "merge", "problem_report", report.id, f"duplicate of {root.id}")


def respond_to_report(report: ProblemReport, *, by, now: datetime, message: str, close: bool) -> None:
    """Set the office's message to the reporter; `close` also marks the report as done."""
    message = message.strip()
    if close:
        if not message:
            raise QuarterRuleBroken("message_required", field="message")
        if any(t.status in ("open", "in_progress") for t in tasks_of(report)):
            raise QuarterConflict("report_has_open_task", field="message")
    report.office_message = message
    if close:
        for item in [report, *duplicates_of(report)]:
            item.status, item.closed_at = ReportStatus.DONE.value, now
    db.session.flush()
    record_event(by, "close" if close else "message", "problem_report", report.id)


def list_reports(*, status: str = "open", limit: int = 200) -> list[ProblemReport]:
    query = select(ProblemReport).options(selectinload(ProblemReport.area))
    if status == "open":
        query = query.where(ProblemReport.status != ReportStatus.DONE.value)
    elif status in {s.value for s in ReportStatus}:
        query = query.where(ProblemReport.status == status)
    return list(
        db.session.scalars(
            query.order_by(ProblemReport.created_at.desc(), ProblemReport.id.desc()).limit(limit)
        )
    )


def reports_of(user) -> list[ProblemReport]:
    return list(
        db.session.scalars(
            select(ProblemReport)
            .where(ProblemReport.reporter_id == user.id)
            .options(selectinload(ProblemReport.area))
            .order_by(ProblemReport.created_at.desc(), ProblemReport.id.desc())
        )
    )


def task_ids_by_report(report_ids: list[int]) -> dict[int, int]:
    """The (latest) task made from each report, for lists (one query)."""
    if not report_ids:
        return {}
    rows = db.session.execute(
        select(Task.report_id, Task.id).where(Task.report_id.in_(report_ids)).order_by(Task.id)
    )
    return {report_id: task_id for report_id, task_id in rows}
