"""The quarter's demo data: areas, rounds with the playground checks, tasks in every state, reports."""

from __future__ import annotations

from sqlalchemy import func, select

from rikscha.database import utcnow
from rikscha.demo import seed_accounts
from rikscha.extensions import db
from rikscha.quarter.demo import seed_quarter
from rikscha.quarter.models import Area, ProblemReport, Round, Task, WorkLog


def _counts() -> dict:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Area, Round, Task, WorkLog, ProblemReport)
    }


def test_demo_is_complete_and_idempotent(ctx):
    now = utcnow()
    users = seed_accounts(now)
    seed_quarter(users, now)
    db.session.commit()
    first = _counts()
    seed_quarter(users, now)
    db.session.commit()
    assert _counts() == first
    assert {a.name for a in db.session.scalars(select(Area))} == {
        "Spielplatz Lindenpark",
        "Grünfläche Markt",
        "Hochbeete Schulstraße",
    }
    titles = set(db.session.scalars(select(Round.title)))
    assert {
        "Spielplatz: wöchentliche Sichtkontrolle",
        "Spielplatz: monatliche operative Inspektion",
        "Spielplatz: jährliche Hauptinspektion",
    } <= titles
    assert set(db.session.scalars(select(Task.status))) == {"open", "in_progress", "done", "cancelled"}
    assert first["WorkLog"] >= 3 and first["ProblemReport"] == 2
    occurrences = db.session.execute(
        select(Task.round_id, Task.occurrence, func.count())
        .where(Task.round_id.is_not(None))
        .group_by(Task.round_id, Task.occurrence)
        .having(func.count() > 1)
    ).all()
    assert occurrences == []
    assert set(db.session.scalars(select(ProblemReport.status))) == {"received", "in_progress"}
