"""Recurring rounds (e.g. playground inspections) and the tasks generated ahead of time from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from rikscha.audit.services import record_event
from rikscha.extensions import db
from rikscha.i18n import lazy_gettext as _l
from rikscha.messages import register_messages
from rikscha.quarter.models import Area, ChecklistItem, Round, Task, TaskStatus, WorkLog
from rikscha.quarter.rules import checklist_problem, covered_until, generation_window
from rikscha.quarter.services import QuarterRuleBroken, caretakers_by_id, check_task_values
from rikscha.scheduling import Recurrence, occurrences

HORIZON_DAYS = 28

register_messages(
    {
        "recurrence_invalid": _l("Diese Wiederholung ist nicht möglich. Bitte prüfen Sie Rhythmus und Tage."),
    }
)


@dataclass(frozen=True)
class Preset:
    """A ready-made round: the usual playground inspections (DIN EN 1176-7) and more."""

    key: str
    title: str
    description: str
    category: str
    freq: str
    weekdays: tuple[int, ...] = ()
    month_day: int | None = None
    month: int | None = None
    checklist: tuple[str, ...] = ()


PRESETS = {
    preset.key: preset
    for preset in (
        Preset(
            key="sichtkontrolle",
            title=_l("Spielplatz: wöchentliche Sichtkontrolle"),
            description=_l(
                "Offensichtliche Gefahren erkennen und beseitigen, z. B. Scherben, Müll, "
                "beschädigte oder fehlende Teile."
            ),
            category="inspection",
            freq="weekly",
            weekdays=(0,),
            checklist=(
                _l("Spielgeräte auf sichtbare Schäden prüfen"),
                _l("Fallschutz (Sand, Rindenmulch, Matten) prüfen und glätten"),
                _l("Scherben, Spritzen, Müll und Hundekot entfernen"),
                _l("Zäune, Tore, Bänke und Abfallbehälter prüfen"),
            ),
        ),
        Preset(
            key="funktionskontrolle",
            title=_l("Spielplatz: monatliche operative Inspektion"),
            description=_l("Funktion und Verschleiß der Spielgeräte genauer prüfen."),
            category="inspection",
            freq="monthly",
            month_day=1,
            checklist=(
                _l("Bewegliche Teile auf Verschleiß prüfen (Ketten, Lager, Seile)"),
                _l("Standfestigkeit und Verankerungen prüfen"),
                _l("Schrauben und Verbindungen prüfen und nachziehen"),
                _l("Scharfe Kanten, Splitter und Fangstellen prüfen"),
                _l("Höhe des Fallschutzes prüfen"),
            ),
        ),
        Preset(
            key="hauptinspektion",
            title=_l("Spielplatz: jährliche Hauptinspektion"),
            description=_l("Gründliche Prüfung durch eine sachkundige Person, mit Prüfprotokoll."),
            category="inspection",
            freq="yearly",
            month=4,
            month_day=15,
            checklist=(
                _l("Termin mit sachkundiger Prüferin oder sachkundigem Prüfer abstimmen"),
                _l("Fundamente und Verankerungen freilegen und prüfen"),
                _l("Holzteile auf Fäulnis und Risse prüfen"),
                _l("Mängel dokumentieren und Reparaturen beauftragen"),
                _l("Prüfprotokoll im Stadtteilbüro ablegen"),
            ),
        ),
    )
}


def recurrence_of(round_: Round) -> Recurrence:
    return Recurrence(
        freq=round_.freq,
        interval=round_.interval,
        weekdays=tuple(round_.weekdays or ()),
        month_day=round_.month_day,
        month=round_.month,
    )


def save_round(
    round_: Round | None,
    *,
    by,
    today: date,
    area: Area,
    title: str,
    description: str = "",
    category: str = "inspection",
    priority: str = "normal",
    freq: str,
    interval: int = 1,
    weekdays=(),
    month_day: int | None = None,
    month: int | None = None,
    anchor: date,
    checklist: list[str] = (),
    assignee_ids=(),
    active: bool = True,
    horizon_days: int = HORIZON_DAYS,
) -> Round:
    """Create or change a round and bring its generated tasks up to date right away."""
    check_task_values(category, priority)
    weekdays = sorted({int(d) for d in weekdays}) if freq == "weekly" else []
    month_day = month_day if freq in ("monthly", "yearly") else None
    month = month if freq == "yearly" else None
    try:
        Recurrence(freq=freq, interval=interval, weekdays=tuple(weekdays), month_day=month_day, month=month)
    except (ValueError, TypeError) as error:
        raise QuarterRuleBroken("recurrence_invalid", field="freq") from error
    if (code := checklist_problem(list(checklist))) is not None:
        raise QuarterRuleBroken(code, field="checklist")
    creating = round_ is None
    round_ = round_ or Round()
    round_.area = area
    round_.title, round_.description = title.strip(), (description or "").strip()
    round_.category, round_.priority = category, priority
    round_.freq, round_.interval, round_.weekdays = freq, interval, weekdays
    round_.month_day, round_.month, round_.anchor = month_day, month, anchor
    round_.checklist = [str(item) for item in checklist]
    round_.assignees = caretakers_by_id(assignee_ids, "assignees")
    round_.active = active
    db.session.add(round_)
    db.session.flush()
    record_event(by, "create" if creating else "update", "round", round_.id)
    if creating:
        generate_round(round_, today=today, horizon_days=horizon_days)
    else:
        reschedule_round(round_, today=today, horizon_days=horizon_days)
    return round_


def _fill_from_round(task: Task, round_: Round) -> None:
    task.area_id = round_.area_id
    task.title, task.description = round_.title, round_.description
    task.category, task.priority = round_.category, round_.priority
    task.assignees = list(round_.assignees)
    task.checklist = [ChecklistItem(position=i, text=text) for i, text in enumerate(round_.checklist or [])]


def _existing_occurrences(round_id: int, start: date, end: date) -> set[date]:
    return set(
        db.session.scalars(
            select(Task.occurrence).where(Task.round_id == round_id, Task.occurrence.between(start, end))
        )
    )


def generate_round(round_: Round, *, today: date, horizon_days: int = HORIZON_DAYS) -> int:
    """Create the round's missing tasks up to `today + horizon_days`; returns how many were made.

    Safe to run twice, and concurrently: existing occurrences are skipped, and an insert that
    loses a race hits the unique (round, occurrence) constraint inside its own savepoint.
    """
    if not round_.active:
        return 0
    window = generation_window(round_.anchor, round_.generated_until, today, horizon_days)
    if window is None:
        round_.generated_until = covered_until(round_.generated_until, today, horizon_days)
        return 0
    start, end = window
    existing = _existing_occurrences(round_.id, start, end)
    created = 0
    for day in occurrences(recurrence_of(round_), round_.anchor, start, end):
        if day in existing:
            continue
        task = Task(round_id=round_.id, occurrence=day, due_date=day, status=TaskStatus.OPEN.value)
        _fill_from_round(task, round_)
        try:
            with db.session.begin_nested():
                db.session.add(task)
        except IntegrityError:
            continue  # another run created this occurrence first
        record_event(None, "create", "task", task.id, f"round {round_.id}")
        created += 1
    round_.generated_until = covered_until(round_.generated_until, today, horizon_days)
    db.session.flush()
    return created


def reschedule_round(round_: Round, *, today: date, horizon_days: int = HORIZON_DAYS) -> int:
    """After an edit: untouched future tasks follow the round (or go), missing ones are created.

    Tasks someone has started, ticked or logged work on are left alone.
    """
    end = today + timedelta(days=horizon_days)
    wanted = set(occurrences(recurrence_of(round_), round_.anchor, today, end)) if round_.active else set()
    future = list(
        db.session.scalars(select(Task).where(Task.round_id == round_.id, Task.occurrence >= today))
    )
    worked_on = (
        set(db.session.scalars(select(WorkLog.task_id).where(WorkLog.task_id.in_([t.id for t in future]))))
        if future
        else set()
    )
    for task in future:
        untouched = (
            task.status == TaskStatus.OPEN.value
            and task.started_at is None
            and task.id not in worked_on
            and not any(item.done for item in task.checklist)
        )
        if not untouched:
            continue
        record_event(
            None, "update" if task.occurrence in wanted else "delete", "task", task.id, f"round {round_.id}"
        )
        if task.occurrence in wanted:
            _fill_from_round(task, round_)
        else:
            db.session.delete(task)
    db.session.flush()
    round_.generated_until = today - timedelta(days=1)
    return generate_round(round_, today=today, horizon_days=horizon_days)


def generate_all(*, today: date, horizon_days: int = HORIZON_DAYS) -> tuple[int, int]:
    """Generate every active round; returns (rounds looked at, tasks created)."""
    rounds = list(db.session.scalars(select(Round).where(Round.active.is_(True)).order_by(Round.id)))
    created = sum(generate_round(r, today=today, horizon_days=horizon_days) for r in rounds)
    return len(rounds), created


def rounds_list() -> list[Round]:
    query = (
        select(Round).join(Round.area).options(contains_eager(Round.area)).order_by(Area.name, Round.title)
    )
    return list(db.session.scalars(query))


def local_today(now: datetime, zone: ZoneInfo | None = None) -> date:
    """The office's calendar date at `now` (the zone from the configuration unless given)."""
    return now.astimezone(zone or office_zone()).date()


def office_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["RIKSCHA_TIMEZONE"])
