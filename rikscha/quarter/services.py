"""Areas, tasks, checklists and work logs of the quarter caretakers (flush, never commit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from operator import attrgetter

from sqlalchemy import Select, bindparam, case, false, func, or_, select, true
from sqlalchemy.orm import defaultload, selectinload

from rikscha.audit.services import record_event
from rikscha.auth.models import User, UserRole
from rikscha.auth.roles import Role
from rikscha.domain import Conflict, DomainError, Forbidden
from rikscha.extensions import db
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages
from rikscha.quarter.models import (
    Area,
    AreaKind,
    ChecklistItem,
    Priority,
    ProblemReport,
    ReportStatus,
    Task,
    TaskCategory,
    TaskStatus,
    WorkLog,
    area_caretakers,
    task_assignees,
)
from rikscha.quarter.rules import (
    ACTIVE_STATUSES,
    REPORT_STATUS_AFTER,
    TransitionError,
    checklist_problem,
    group_tasks,
    next_status,
)
from rikscha.unique import saved_unless_taken

MAX_WORKLOG_PHOTOS = 3
LIST_LIMIT = 200
PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
PRIORITY_ORDER = case(PRIORITY_RANK, value=Task.priority, else_=1)
MY_TASKS_DAYS = 28

register_messages(
    {
        "area_name_taken": _l("Ein Revier mit diesem Namen gibt es schon."),
        "area_inactive": _l("Dieses Revier wird nicht mehr betreut. Bitte wählen Sie ein anderes."),
        "assignee_not_caretaker": _l(
            "Aufgaben können nur Quartiershausmeisterinnen und -hausmeistern zugeteilt werden."
        ),
        "invalid_transition": _l("Das ist bei einer Aufgabe in diesem Zustand nicht möglich."),
        "coordinator_only": _l("Das kann nur die Koordination im Stadtteilbüro."),
        "checklist_incomplete": _l("Bitte haken Sie zuerst alle Punkte der Checkliste ab."),
        "checklist_too_long": _l("Eine Checkliste kann höchstens 30 Punkte haben."),
        "checklist_item_too_long": _l("Ein Punkt der Checkliste darf höchstens 200 Zeichen lang sein."),
        "task_not_in_progress": _l("Beginnen Sie die Aufgabe zuerst, dann können Sie abhaken."),
        "task_not_started": _l("Beginnen Sie die Aufgabe zuerst, dann können Sie Ihre Arbeit eintragen."),
        "task_cancelled": _l("Diese Aufgabe wurde abgesagt."),
        "minutes_range": _l("Bitte geben Sie die Arbeitszeit in Minuten an (1 bis 1440)."),
        "too_many_photos": _l("Bitte wählen Sie höchstens 3 Fotos."),
        "invalid_status": _l("Diesen Status gibt es nicht."),
        "invalid_area_id": _l("Die Nummer des Reviers muss eine ganze Zahl ab 1 sein."),
        "invalid_caretaker_id": _l("Die Nummer der Person muss eine ganze Zahl ab 1 sein."),
        "invalid_choice": _l("Bitte wählen Sie nur aus den angebotenen Möglichkeiten."),
    }
)


class QuarterRuleBroken(DomainError):
    """422: a value breaks a rule of the quarter feature."""


class QuarterConflict(Conflict):
    """409: the record's state does not allow this (transition, checklist, duplicate …)."""


# --- who sees what -----------------------------------------------------------------------------


def is_coordinator(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.COORDINATOR))


def visible_tasks_clause(user_id):
    """Tasks assigned to the caretaker, or in an area the caretaker looks after (`user_id`: an id
    or a bind parameter)."""
    return or_(
        Task.id.in_(select(task_assignees.c.task_id).where(task_assignees.c.user_id == user_id)),
        Task.area_id.in_(select(area_caretakers.c.area_id).where(area_caretakers.c.user_id == user_id)),
    )


def _viewer_clause(user):
    if is_coordinator(user):
        return true()
    if user and user.is_authenticated and user.has_role(Role.CARETAKER):
        return visible_tasks_clause(user.id)
    return false()


def can_see_task(user, task: Task) -> bool:
    if is_coordinator(user):
        return True
    if not (user and user.is_authenticated and user.has_role(Role.CARETAKER)):
        return False
    return any(p.id == user.id for p in task.assignees) or any(p.id == user.id for p in task.area.caretakers)


# --- people and areas ---------------------------------------------------------------------------


def _caretakers(*columns):
    return (
        select(*columns)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.CARETAKER.value, User.active.is_(True))
        .order_by(User.name)
    )


def caretakers() -> list[User]:
    """Active users with the caretaker role, by name."""
    return list(db.session.scalars(_caretakers(User)))


def caretaker_names() -> list[tuple[int, str]]:
    """(id, name) of the active caretakers, by name: for choices, without loading users and roles."""
    return [(row.id, row.name) for row in db.session.execute(_caretakers(User.id, User.name))]


def caretakers_by_id(ids: Iterable[int], field: str) -> list[User]:
    wanted = {int(i) for i in ids}
    if not wanted:
        return []
    found = {u.id: u for u in caretakers() if u.id in wanted}
    if set(found) != wanted:
        raise QuarterRuleBroken("assignee_not_caretaker", field=field)
    return [found[i] for i in sorted(wanted)]


def _areas(*columns, active_only: bool):
    query = select(*columns).order_by(func.lower(Area.name))
    return query.where(Area.active.is_(True)) if active_only else query


def areas(*, active_only: bool = False) -> list[Area]:
    return list(db.session.scalars(_areas(Area, active_only=active_only)))


def area_names(*, active_only: bool = False) -> list[tuple[int, str]]:
    """(id, name) of the areas, by name: for choices, without loading each area's caretakers."""
    return [
        (row.id, row.name) for row in db.session.execute(_areas(Area.id, Area.name, active_only=active_only))
    ]


def save_area(
    area: Area | None,
    *,
    by,
    name: str,
    kind: str,
    description: str = "",
    location: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    caretaker_ids=(),
    active: bool = True,
) -> Area:
    """Create (area=None) or update an area with its responsible caretakers."""
    name = name.strip()
    other = db.session.scalar(select(Area).where(func.lower(Area.name) == name.lower()))
    if other is not None and (area is None or other.id != area.id):
        raise QuarterConflict("area_name_taken", field="name")
    if kind not in {k.value for k in AreaKind}:
        raise QuarterRuleBroken("invalid_choice", field="kind")
    creating = area is None
    caretakers = caretakers_by_id(caretaker_ids, "caretakers")
    with saved_unless_taken(QuarterConflict("area_name_taken", field="name")):
        area = area or Area()
        area.name, area.kind = name, kind
        area.description, area.location = description.strip(), location.strip()
        area.latitude, area.longitude = latitude, longitude
        area.caretakers = caretakers
        area.active = active
        db.session.add(area)
    record_event(by, "create" if creating else "update", "area", area.id)
    return area


# --- tasks ---------------------------------------------------------------------------------------


def check_task_values(category: str, priority: str) -> None:
    if category not in {c.value for c in TaskCategory}:
        raise QuarterRuleBroken("invalid_choice", field="category")
    if priority not in {p.value for p in Priority}:
        raise QuarterRuleBroken("invalid_choice", field="priority")


def _set_checklist_texts(task: Task, texts: list[str], field: str = "checklist") -> None:
    """Make the task's checklist these texts; items kept by text keep their ticks."""
    if (code := checklist_problem(texts)) is not None:
        raise QuarterRuleBroken(code, field=field)
    existing = {item.text: item for item in task.checklist}
    items = []
    for position, text in enumerate(texts):
        item = existing.pop(text, None) or ChecklistItem(text=text)
        item.position = position
        items.append(item)
    task.checklist = items


def create_task(
    *,
    by,
    now: datetime,
    area: Area,
    title: str,
    description: str = "",
    category: str = TaskCategory.OTHER.value,
    priority: str = Priority.NORMAL.value,
    due_date: date | None = None,
    assignee_ids=(),
    checklist: list[str] | None = None,
    report: ProblemReport | None = None,
    photo: str | None = None,
) -> Task:
    if not area.active:
        raise QuarterRuleBroken("area_inactive", field="area_id")
    check_task_values(category, priority)
    task = Task(
        area=area,
        title=title.strip(),
        description=(description or "").strip(),
        category=category,
        priority=priority,
        due_date=due_date,
        status=TaskStatus.OPEN.value,
        created_by_id=getattr(by, "id", None),
        created_at=now,
        report_id=report.id if report is not None else None,
        photo=photo,
    )
    task.assignees = caretakers_by_id(assignee_ids, "assignees")
    _set_checklist_texts(task, checklist or [])
    db.session.add(task)
    db.session.flush()
    record_event(
        by, "create", "task", task.id, f"area {area.id}" + (f", report {report.id}" if report else "")
    )
    return task


def update_task(
    task: Task,
    *,
    by,
    area: Area,
    title: str,
    description: str,
    category: str,
    priority: str,
    due_date: date | None,
    assignee_ids=(),
    checklist: list[str] | None = None,
) -> Task:
    if area.id != task.area_id and not area.active:
        raise QuarterRuleBroken("area_inactive", field="area_id")
    check_task_values(category, priority)
    task.area = area
    task.title, task.description = title.strip(), (description or "").strip()
    task.category, task.priority, task.due_date = category, priority, due_date
    task.assignees = caretakers_by_id(assignee_ids, "assignees")
    if checklist is not None:
        _set_checklist_texts(task, checklist)
    db.session.flush()
    record_event(by, "update", "task", task.id)
    return task


def sync_reports(task: Task, action: str, now: datetime) -> None:
    """A report follows the task made from it (and so do the reports merged into it)."""
    status = REPORT_STATUS_AFTER.get(action)
    if status is None or task.report_id is None:
        return
    reports = db.session.scalars(
        select(ProblemReport).where(
            or_(ProblemReport.id == task.report_id, ProblemReport.duplicate_of_id == task.report_id)
        )
    )
    for report in reports:
        report.status = status
        report.closed_at = now if status == ReportStatus.DONE.value else None


def change_status(task: Task, action: str, *, by, now: datetime) -> Task:
    """Move a task along `open → in_progress → done` (or cancel/reopen, coordinators only)."""
    try:
        target = next_status(task.status, action, coordinator=is_coordinator(by))
    except TransitionError as error:
        if error.code == "coordinator_only":
            raise Forbidden("coordinator_only") from error
        raise QuarterConflict("invalid_transition", field="status") from error
    if action == "done":
        if any(not item.done for item in task.checklist):
            raise QuarterConflict("checklist_incomplete", field="status")
        task.done_at, task.done_by_id = now, by.id
    elif action == "start":
        task.started_at = now
    elif action == "reopen":
        task.done_at = task.done_by_id = task.started_at = None
    previous, task.status = task.status, target
    sync_reports(task, action, now)
    db.session.flush()
    record_event(by, action, "task", task.id, f"{previous}->{target}")
    return task


def set_checklist(task: Task, done_ids: Iterable[int], *, by, now: datetime) -> Task:
    """Tick exactly the items in `done_ids` (only while the task is in progress)."""
    if task.status != TaskStatus.IN_PROGRESS.value:
        raise QuarterConflict("task_not_in_progress", field="items")
    wanted = {int(i) for i in done_ids}
    for item in task.checklist:
        done = item.id in wanted
        if done != item.done:
            item.done = done
            item.done_by_id, item.done_at = (by.id, now) if done else (None, None)
    db.session.flush()
    record_event(by, "checklist", "task", task.id)
    return task


def log_work(
    task: Task, *, by, now: datetime, minutes: int, note: str = "", photos: list[str] = ()
) -> WorkLog:
    """A work log entry (Tätigkeitsnachweis) on a started or finished task."""
    if task.status == TaskStatus.OPEN.value:
        raise QuarterConflict("task_not_started", field="minutes")
    if task.status == TaskStatus.CANCELLED.value:
        raise QuarterConflict("task_cancelled", field="minutes")
    if not isinstance(minutes, int) or not 1 <= minutes <= 1440:
        raise QuarterRuleBroken("minutes_range", field="minutes")
    if len(photos) > MAX_WORKLOG_PHOTOS:
        raise QuarterRuleBroken("too_many_photos", field="photos")
    worklog = WorkLog(
        task=task,
        user_id=by.id,
        logged_at=now,
        minutes=minutes,
        note=(note or "").strip(),
        photos=list(photos),
    )
    db.session.add(worklog)
    db.session.flush()
    record_event(by, "log_work", "task", task.id, f"{minutes} min")
    return worklog


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilter:
    area_id: int | None = None
    caretaker_id: int | None = None
    status: str = "active"  # active (open + in progress), open, in_progress, done, cancelled, all
    overdue: bool = False


def list_tasks(viewer, filters: TaskFilter, *, today: date, limit: int = LIST_LIMIT) -> list[Task]:
    query = select(Task).where(_viewer_clause(viewer))
    if filters.area_id:
        query = query.where(Task.area_id == filters.area_id)
    if filters.caretaker_id:
        query = query.where(visible_tasks_clause(filters.caretaker_id))
    if filters.status == "active" or filters.overdue:
        query = query.where(Task.status.in_(ACTIVE_STATUSES))
    if filters.status not in ("active", "all"):
        query = query.where(Task.status == filters.status)
    if filters.overdue:
        query = query.where(Task.due_date < today)
    query = query.order_by(Task.due_date.is_(None), Task.due_date, Task.id).limit(limit)
    # Lists name the area and the assignees, nothing more: not the area's caretakers, not roles.
    query = query.options(
        defaultload(Task.area).lazyload(Area.caretakers),
        selectinload(Task.assignees).lazyload(User.role_rows),
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class MyTask:
    """A card of "Meine Aufgaben": the task's shown columns, its area's name, the checklist's progress."""

    id: int
    title: str
    status: str
    priority: str
    due_date: date | None
    area: str
    checklist_done: int
    checklist_total: int


def my_tasks(user, *, today: date, days: int = MY_TASKS_DAYS) -> dict:
    """The caretaker's open tasks (assigned or in their areas) in sections, grouped by area."""
    rows = db.session.execute(_my_tasks_query(), {"user_id": user.id, "until": today + timedelta(days=days)})
    tasks = [MyTask(*row) for row in rows]
    return group_tasks(tasks, today, due=attrgetter("due_date"), area=attrgetter("area"))


@cache
def _my_tasks_query() -> Select:
    """The statement of my_tasks(), built once per process (user and date are bound per call).

    Which tasks: visible_tasks_clause(), asked as one pass over the active tasks in the window:
    ix_tasks_status_due_card holds the columns shown, so no task row is read, and the
    caretaker's assignments (ix_task_assignees_user_task) and areas are each looked up once and
    matched against it. The checklist is counted, not loaded.
    """
    checklist = select(func.count()).where(ChecklistItem.task_id == Task.id).correlate(Task)
    return (
        select(
            Task.id,
            Task.title,
            Task.status,
            Task.priority,
            Task.due_date,
            Area.name,
            checklist.where(ChecklistItem.done.is_(True)).scalar_subquery(),
            checklist.scalar_subquery(),
        )
        .join(Area, Area.id == Task.area_id)
        .where(
            Task.status.in_(ACTIVE_STATUSES),
            or_(Task.due_date.is_(None), Task.due_date <= bindparam("until")),
            visible_tasks_clause(bindparam("user_id")),
        )
        .order_by(
            Task.due_date.is_(None),
            Task.due_date,
            case(PRIORITY_RANK, value=Task.priority, else_=1),
            Task.id,
        )
        .limit(LIST_LIMIT)
    )


def worklogs_of(task: Task) -> list[WorkLog]:
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            select(WorkLog)
            .where(WorkLog.task_id == task.id)
            .options(selectinload(WorkLog.user))
            .order_by(WorkLog.logged_at, WorkLog.id)
        )
    )


@dataclass(frozen=True)
class Overview:
    new_reports: list
    new_report_count: int
    overdue_tasks: list
    overdue_count: int


def coordinator_overview(*, today: date, show: int = 5) -> Overview:
    """New reports (not yet a task, not a duplicate) and overdue tasks, for the office's start page."""
    new = (
        select(ProblemReport)
        .where(ProblemReport.status == ReportStatus.RECEIVED.value, ProblemReport.duplicate_of_id.is_(None))
        # Per report, by ix_tasks_report: `NOT IN (all tasks' reports)` read every task ever made.
        .where(~select(Task.id).where(Task.report_id == ProblemReport.id).exists())
    )
    overdue = select(Task).where(Task.status.in_(ACTIVE_STATUSES), Task.due_date < today)
    return Overview(
        new_reports=list(db.session.scalars(new.order_by(ProblemReport.created_at.desc()).limit(show))),
        new_report_count=db.session.scalar(select(func.count()).select_from(new.subquery())) or 0,
        overdue_tasks=list(db.session.scalars(overdue.order_by(Task.due_date, Task.id).limit(show))),
        overdue_count=db.session.scalar(select(func.count()).select_from(overdue.subquery())) or 0,
    )
