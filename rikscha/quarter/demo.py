"""Demo areas, rounds (with the playground inspections), tasks in every state, work logs, reports."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from rikscha.extensions import db
from rikscha.quarter.models import Area, Task
from rikscha.quarter.reports import report_to_task, submit_report
from rikscha.quarter.rounds import PRESETS, generate_all, office_zone, save_round
from rikscha.quarter.services import change_status, create_task, log_work, save_area, set_checklist

AREAS = (
    (
        "Spielplatz Lindenpark",
        "playground",
        "Spielplatz mit Schaukeln, Rutsche, Sandkasten und Kletterturm.",
        "Lindenstraße, Ecke Parkweg",
        51.3397,
        12.3731,
    ),
    (
        "Grünfläche Markt",
        "park",
        "Rasen, Bänke und Blumenkübel rund um den Marktbrunnen.",
        "Am Markt, vor dem Café",
        51.3405,
        12.3747,
    ),
    (
        "Hochbeete Schulstraße",
        "flowerbed",
        "Sechs Hochbeete, die Nachbarinnen und Nachbarn gemeinsam bepflanzen.",
        "Schulstraße 12, neben dem Schulhof",
        None,
        None,
    ),
)


def _at(day, hour: int, zone) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def _round_tasks(round_id: int, before) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task).where(Task.round_id == round_id, Task.occurrence < before).order_by(Task.occurrence)
        )
    )


def _finish(task: Task, by, zone, minutes: int, note: str) -> None:
    moment = _at(task.due_date, 10, zone)
    change_status(task, "start", by=by, now=moment)
    if task.checklist:
        set_checklist(task, [item.id for item in task.checklist], by=by, now=moment)
    log_work(task, by=by, now=moment + timedelta(minutes=minutes), minutes=minutes, note=note)
    change_status(task, "done", by=by, now=moment + timedelta(minutes=minutes))


def seed_quarter(users: dict, now: datetime) -> None:
    """Create the quarter's demo records once; nothing happens if they exist."""
    if db.session.scalar(select(Area).where(Area.name == AREAS[0][0])) is not None:
        return
    with force_locale("de"):  # the preset texts are translatable; the CLI has no request to ask
        _seed(users, now)


def _seed(users: dict, now: datetime) -> None:
    zone = office_zone()
    today = now.astimezone(zone).date()
    start = today - timedelta(days=14)
    office, hanna = users["koordination@example.org"], users["hausmeister@example.org"]
    resident = users["bewohner@example.org"]
    areas = {
        name: save_area(
            None,
            by=office,
            name=name,
            kind=kind,
            description=text,
            location=where,
            latitude=lat,
            longitude=lon,
            caretaker_ids=[hanna.id],
        )
        for name, kind, text, where, lat, lon in AREAS
    }
    playground, market, beds = areas.values()

    rounds = {}
    for key, preset in PRESETS.items():
        rounds[key] = save_round(
            None,
            by=office,
            today=start,
            area=playground,
            title=str(preset.title),
            description=str(preset.description),
            category=preset.category,
            freq=preset.freq,
            weekdays=preset.weekdays,
            month_day=preset.month_day,
            month=preset.month,
            anchor=start,
            checklist=[str(item) for item in preset.checklist],
            assignee_ids=[hanna.id],
        )
    litter = save_round(
        None,
        by=office,
        today=start,
        area=market,
        title="Müll sammeln und Papierkörbe leeren",
        category="cleanliness",
        freq="weekly",
        weekdays=(0, 3),
        anchor=start,
        checklist=["Rasen und Wege absammeln", "Papierkörbe leeren", "Bänke prüfen"],
    )
    save_round(
        None,
        by=office,
        today=start,
        area=beds,
        title="Hochbeete gießen und jäten",
        category="green_care",
        freq="weekly",
        weekdays=(1,),
        interval=1,
        anchor=start,
    )

    # The past two weeks: most rounds done (with work logs), one cancelled, the latest left overdue.
    past = _round_tasks(litter.id, today)
    for task in past[:-2]:
        _finish(task, hanna, zone, 40, "Zwei Säcke Müll eingesammelt, Papierkörbe geleert.")
    if len(past) >= 2:
        change_status(past[-2], "cancel", by=office, now=_at(past[-2].due_date, 8, zone))
    checks = _round_tasks(rounds["sichtkontrolle"].id, today)
    for task in checks[:-1]:
        _finish(task, hanna, zone, 25, "Alles in Ordnung. Sand unter der Rutsche geglättet.")

    bench = create_task(
        by=office,
        now=now,
        area=playground,
        title="Bank am Sandkasten reparieren",
        description="Eine Latte der Sitzfläche ist gebrochen.",
        category="repair",
        priority="high",
        due_date=today + timedelta(days=1),
        assignee_ids=[hanna.id],
    )
    change_status(bench, "start", by=hanna, now=now)
    log_work(bench, by=hanna, now=now, minutes=30, note="Latte ausgebaut, neues Holz bestellt.")
    create_task(
        by=office,
        now=now,
        area=market,
        title="Stände für das Nachbarschaftsfest aufbauen",
        category="event",
        due_date=today + timedelta(days=5),
        assignee_ids=[hanna.id],
    )

    submit_report(
        reporter=None,
        via="web",
        area=playground,
        location="an der großen Schaukel",
        category="repair",
        text="Eine Kette der Schaukel ist lose und die Schaukel quietscht sehr laut.",
        photo=None,
        now=now - timedelta(hours=3),
        contact_name="Karl Kowalski",
        contact_phone="0341 300001",
    )
    litter_report, _secret = submit_report(
        reporter=resident,
        via="web",
        area=beds,
        location="",
        category="cleanliness",
        text="Am zweiten Hochbeet liegt viel Müll, und die Bank daneben ist beschmiert.",
        photo=None,
        now=now - timedelta(days=1),
    )
    cleanup = report_to_task(
        litter_report,
        by=office,
        now=now,
        area=beds,
        title="Müll am Hochbeet beseitigen",
        description=litter_report.text,
        category="cleanliness",
        priority="normal",
        due_date=today,
        assignee_ids=[hanna.id],
        message="Danke! Unsere Quartiershausmeisterin kümmert sich heute darum.",
    )
    change_status(cleanup, "start", by=hanna, now=now)
    generate_all(today=today)
    db.session.flush()
