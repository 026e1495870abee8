"""Recurring rounds: tasks generated ahead of time, never twice, across month ends and summer time."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from rikscha.database import exclusive_writes
from rikscha.extensions import db
from rikscha.quarter import rounds as rounds_module
from rikscha.quarter.models import Round, Task
from rikscha.quarter.rounds import generate_all, generate_round, save_round
from rikscha.quarter.services import change_status
from tests.conftest import committed
from tests.integration.test_quarter_builders import make_area

pytestmark = pytest.mark.both_databases


def _round(area, *, today, **values):
    defaults = {
        "title": "Runde",
        "freq": "weekly",
        "weekdays": (0, 3),
        "anchor": today,
        "category": "inspection",
    }
    return save_round(None, by=None, today=today, area=db.session.merge(area), **{**defaults, **values})


def _dates(round_id) -> list[date]:
    return list(
        db.session.scalars(select(Task.occurrence).where(Task.round_id == round_id).order_by(Task.occurrence))
    )


@pytest.fixture
def area(app):
    return committed(app, make_area, name="Spielplatz Lindenpark")


def test_generated_ahead_and_never_twice(ctx, area):
    today = date(2026, 11, 23)  # a Monday
    round_ = _round(area, today=today, checklist=["Sand glätten", "Scherben suchen"])
    made = _dates(round_.id)
    assert made[0] == today and made[-1] <= today + timedelta(days=28)
    assert len(made) == 9 and len(set(made)) == 9  # Mondays and Thursdays for four weeks
    assert generate_round(round_, today=today) == 0
    assert generate_round(round_, today=today + timedelta(days=2)) == 0  # Tue and Wed join the window
    assert generate_round(round_, today=today + timedelta(days=3)) == 1  # and then a Thursday
    assert generate_all(today=today + timedelta(days=3)) == (1, 0)
    dates = _dates(round_.id)
    assert len(dates) == len(set(dates)) == 10
    task = db.session.scalar(select(Task).where(Task.round_id == round_.id).limit(1))
    assert [item.text for item in task.checklist] == ["Sand glätten", "Scherben suchen"]
    assert (task.due_date, task.category, task.area_id) == (task.occurrence, "inspection", area.id)


def test_missed_days_are_caught_up_as_overdue(ctx, area):
    round_ = _round(area, today=date(2026, 11, 2), weekdays=(0,), horizon_days=7)
    assert _dates(round_.id) == [date(2026, 11, 2), date(2026, 11, 9)]
    # The job did not run for five weeks: the Mondays in between appear (overdue), nothing twice.
    created = generate_round(round_, today=date(2026, 12, 14), horizon_days=7)
    assert created == 6
    assert _dates(round_.id) == [date(2026, 11, 2) + timedelta(weeks=n) for n in range(8)]


def test_month_ends_and_leap_years(ctx, area):
    monthly = _round(
        area,
        today=date(2028, 1, 31),
        freq="monthly",
        weekdays=(),
        month_day=31,
        anchor=date(2028, 1, 31),
        horizon_days=130,
    )
    assert _dates(monthly.id) == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
    ]
    for day in (date(2028, 2, 29), date(2028, 3, 1), date(2028, 6, 30)):
        generate_round(monthly, today=day, horizon_days=130)
    dates = _dates(monthly.id)
    assert len(dates) == len(set(dates)) and date(2028, 6, 30) in dates and date(2028, 9, 30) in dates
    yearly = _round(
        area,
        today=date(2028, 2, 1),
        freq="yearly",
        weekdays=(),
        month=2,
        month_day=29,
        anchor=date(2028, 2, 1),
        horizon_days=800,
    )
    assert _dates(yearly.id) == [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28)]


def test_summer_time_days(ctx, area):
    sundays = _round(area, today=date(2026, 3, 22), weekdays=(6,), anchor=date(2026, 3, 22), horizon_days=14)
    assert _dates(sundays.id) == [date(2026, 3, 22), date(2026, 3, 29), date(2026, 4, 5)]
    autumn = _round(area, today=date(2026, 10, 18), weekdays=(6,), anchor=date(2026, 10, 18), horizon_days=7)
    assert _dates(autumn.id) == [date(2026, 10, 18), date(2026, 10, 25)]


def test_cli_uses_the_office_date_and_runs_twice_safely(app, area, monkeypatch):
    with app.app_context():
        round_ = _round(area, today=date(2026, 3, 16), weekdays=(6,), anchor=date(2026, 3, 1), horizon_days=1)
        round_.generated_until, round_id = None, round_.id
        db.session.commit()
    # 23:30 UTC on Saturday is already Sunday 00:30 in Berlin, the night the clocks go forward.
    monkeypatch.setattr("rikscha.quarter.cli.utcnow", lambda: datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["rounds", "generate", "--days", "7"])
    second = runner.invoke(args=["rounds", "generate", "--days", "7"])
    assert first.exit_code == 0 and "1 rounds checked, 2 tasks created" in first.output, first.output
    assert second.exit_code == 0 and "0 tasks created" in second.output
    with app.app_context():
        assert _dates(round_id) == [date(2026, 3, 29), date(2026, 4, 5)]


def test_an_insert_that_loses_the_race_is_skipped(ctx, area, monkeypatch):
    today = date(2026, 11, 23)
    round_ = _round(area, today=today, weekdays=(0,))
    before = _dates(round_.id)
    # As if another process had inserted every occurrence after this run looked.
    round_.generated_until = None
    monkeypatch.setattr(rounds_module, "_existing_occurrences", lambda *args: set())
    assert generate_round(round_, today=today) == 0
    db.session.commit()
    assert _dates(round_.id) == before


def test_concurrent_runs_create_each_occurrence_once(app, make_app, area, db_backend, monkeypatch):
    today = date(2026, 11, 23)
    with app.app_context():
        round_id = _round(
            area,
            today=today - timedelta(days=60),
            weekdays=(0, 2, 4),
            anchor=today - timedelta(days=60),
            horizon_days=0,
        ).id
        db.session.commit()
    original = rounds_module._existing_occurrences
    barrier = threading.Barrier(2, timeout=5)

    def looked_then_wait(*args):
        found = original(*args)
        if db_backend == "postgresql":  # SQLite lets one writer in at a time; it would wait forever here
            barrier.wait()
        return found

    monkeypatch.setattr(rounds_module, "_existing_occurrences", looked_then_wait)
    results, errors = [], []
    servers = [make_app(), make_app()]  # two processes, each with its own connections

    def run(other):
        try:
            with other.app_context(), exclusive_writes():
                results.append(generate_all(today=today)[1])
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(other,)) for other in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    with app.app_context():
        dates = _dates(round_id)
        assert len(dates) == len(set(dates)) == sum(results)
        assert db.session.scalar(select(func.count()).select_from(Task)) == len(dates)


def test_editing_a_round_moves_only_untouched_future_tasks(app, area, make_user):
    worker = make_user(roles=("caretaker",))
    with app.app_context():
        _edit_round(area, worker)


def _edit_round(area, worker):
    today = date(2026, 11, 23)
    round_ = _round(area, today=today, weekdays=(0,))
    tasks = list(db.session.scalars(select(Task).where(Task.round_id == round_.id).order_by(Task.occurrence)))
    started = tasks[1]
    change_status(started, "start", by=db.session.merge(worker), now=datetime(2026, 11, 30, 9, tzinfo=UTC))
    save_round(
        round_,
        by=None,
        today=today,
        area=round_.area,
        title="Runde dienstags",
        freq="weekly",
        weekdays=(1,),
        anchor=today,
        checklist=["Neu"],
    )
    db.session.commit()
    remaining = list(
        db.session.scalars(select(Task).where(Task.round_id == round_.id).order_by(Task.occurrence))
    )
    assert [t.occurrence.weekday() for t in remaining if t.id != started.id] == [1, 1, 1, 1]
    kept = db.session.get(Task, started.id)
    assert kept.status == "in_progress" and kept.title == "Runde"
    assert all(
        t.title == "Runde dienstags" and [i.text for i in t.checklist] == ["Neu"]
        for t in remaining
        if t.id != started.id
    )
    # Paused: its untouched future tasks go, nothing new appears.
    save_round(
        round_,
        by=None,
        today=today,
        area=round_.area,
        title="Runde dienstags",
        freq="weekly",
        weekdays=(1,),
        anchor=today,
        active=False,
    )
    assert [t.id for t in db.session.scalars(select(Task).where(Task.round_id == round_.id))] == [started.id]
    assert generate_all(today=today) == (0, 0)


def test_round_pages(app, client, login, make_user, area):
    login(make_user(roles=("coordinator",)))
    page = client.get("/quartier/runden/neu?vorlage=sichtkontrolle").get_data(as_text=True)
    assert "wöchentliche Sichtkontrolle" in page and "Fallschutz" in page
    base = {
        "area_id": str(area.id),
        "title": "Sichtkontrolle",
        "category": "inspection",
        "priority": "normal",
        "interval": "1",
        "anchor": "2030-01-07",
        "active": "y",
    }
    cases = [
        ({"freq": "weekly"}, "Bitte wählen Sie mindestens einen Wochentag."),
        ({"freq": "monthly"}, "Bitte geben Sie den Tag des Monats an."),
        ({"freq": "yearly", "month_day": "30", "month": "2"}, "Diesen Tag gibt es in diesem Monat nicht."),
        ({"freq": "yearly", "month_day": "3"}, "Bitte wählen Sie einen Monat."),
        ({"freq": "weekly", "weekdays": ["0"], "interval": "0"}, "Bitte eine Zahl von 1 bis 52."),
        ({"freq": "weekly", "weekdays": ["9"]}, "nur aus den angebotenen"),
        ({"freq": "daily"}, "Keine gültige Auswahl"),
    ]
    for extra, message in cases:
        page = client.post("/quartier/runden/neu", data={**base, **extra}).get_data(as_text=True)
        assert message in page, extra
    response = client.post(
        "/quartier/runden/neu",
        data={**base, "freq": "weekly", "weekdays": ["0", "3"], "checklist": "Sand\nScherben"},
    )
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert (round_.weekdays, round_.checklist, round_.month_day) == ([0, 3], ["Sand", "Scherben"], None)
        round_id = round_.id
    page = client.get("/quartier/runden").get_data(as_text=True)
    assert "jede Woche: Montag, Donnerstag" in page
    assert client.get(f"/quartier/runden/{round_id}").status_code == 200
    response = client.post(
        f"/quartier/runden/{round_id}", data={**base, "freq": "monthly", "month_day": "31", "interval": "2"}
    )
    assert response.status_code == 302
    assert "alle 2 Monate am 31." in client.get("/quartier/runden").get_data(as_text=True)
    response = client.post("/quartier/runden/erzeugen")
    assert "1 Runden geprüft" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/quartier/runden/987654").status_code == 404
