"""Reports of closed periods are kept, and every write that could change one is seen at once.

The data lie in the month before the last complete one: closed at any hour (last month is not
closed yet in the first hour of a month). Writes come from a connection of their own, as another
worker or a script would make them.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select, text

from rikscha.database import utcnow
from rikscha.extensions import db
from rikscha.fleet.models import ChargingSession, MaintenanceRecord
from rikscha.quarter.models import Area, ProblemReport, Task, WorkLog
from rikscha.reports.changes import NAME_TABLES, PERIOD_COLUMNS, ReportChanges, report_triggers_paused
from rikscha.reports.periods import last_complete_month
from rikscha.reports.queries import build_report
from rikscha.rides.models import Ride, RideStatus
from rikscha.rides.settings import office_zone
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_station, make_user
from tests.query_plans import recorded

pytestmark = pytest.mark.both_databases


def other_worker(app, statement: str, **params) -> None:
    """Plain SQL on a connection of its own, as a second process or a script would write."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def ride_reads(statements) -> int:
    """How many of the recorded statements read rides (the report's own work)."""
    return sum(1 for statement in statements if re.search(r"\bFROM rides\b", statement))


def wednesday_ten(after: date, zone) -> datetime:
    """10:00 local on the first Wednesday after `after`: inside the demo opening hours."""
    day = after + timedelta(days=1)
    while day.weekday() != 2:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), zone).astimezone(UTC)


def clocks(app) -> tuple[datetime, datetime]:
    """The app's time and the database's. They agree in production; under faketime only the
    app's moves, while the database's decides which writes concern the past."""
    with app.app_context():
        now = utcnow()
        if db.engine.dialect.name != "postgresql":
            return now, now
        return now, db.session.scalar(select(func.now()))


def closed_month_of(app):
    """The month before the last complete one by the earlier clock, and the office's zone."""
    with app.app_context():
        zone = office_zone()
    today = min(clocks(app)).astimezone(zone).date()
    return last_complete_month(last_complete_month(today).first), zone


def closed_month_query(app) -> str:
    period, _zone = closed_month_of(app)
    return f"art=month&jahr={period.first.year}&monat={period.first.month}"


@pytest.fixture
def closed_month(app):
    """One completed ride (Anna on Rosi), a work log, a charge, a repair, a task done and a
    resident's report, all in the middle of a closed month (closed_month_of)."""
    period, zone = closed_month_of(app)
    middle = wednesday_ten(period.first + timedelta(days=7), zone)
    with app.app_context():
        rosi, anna, dieter = (
            make_rickshaw(name="Rosi"),
            make_driver(name="Anna Fahrer"),
            make_user(name="Dieter"),
        )
        rider = make_rider(name="Berta")
        ride = make_ride(rider=rider, start=middle, duration=30)
        ride.status, ride.driver_id, ride.rickshaw_id, ride.km = (
            RideStatus.COMPLETED.value,
            anna.id,
            rosi.id,
            4,
        )
        area = Area(name="Spielplatz Nord")
        db.session.add(area)
        db.session.flush()
        task = Task(
            title="Sand harken", area_id=area.id, category="playground", status="done", done_at=middle
        )
        db.session.add(task)
        db.session.flush()
        db.session.add_all(
            [
                WorkLog(task_id=task.id, user_id=dieter.id, logged_at=middle, minutes=45),
                ChargingSession(
                    rickshaw_id=rosi.id,
                    station_id=make_station().id,
                    start_at=middle,
                    end_at=middle + timedelta(hours=1),
                    soc_before=20,
                    soc_after=80,
                    energy_kwh=Decimal("2.5"),
                ),
                MaintenanceRecord(
                    rickshaw_id=rosi.id,
                    kind="repair",
                    performed_at=middle,
                    odometer_km=100,
                    cost=Decimal("80"),
                ),
                ProblemReport(text="Bank kaputt", secret_hash=secrets.token_hex(32), created_at=middle),
            ]
        )
        db.session.commit()
        return {
            "ride": ride.id,
            "anna": anna.id,
            "rosi": rosi.id,
            "area": area.id,
            "task": task.id,
            "middle": middle,
        }


@pytest.fixture
def office(app, client, make_user, login):
    login(make_user(roles=("coordinator",), name="Olga Office"))
    client.get("/")  # shows (and so ends) the welcome message: pages compare equal from here


def report_page(client) -> str:
    """The closed month's page without its CSRF tokens (they carry the second they were made in)."""
    response = client.get(f"/berichte/?{closed_month_query(client.application)}")
    assert response.status_code == 200
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", response.get_data(as_text=True))


def figure(page: str, label: str) -> str:
    match = re.search(rf"{re.escape(label)}</th><td class=\"num\">([^<]*)<", page)
    assert match, label
    return match.group(1)


def test_a_closed_months_report_is_built_once_then_kept(app, client, office, closed_month):
    with recorded(app) as statements:
        first = report_page(client)
        built = ride_reads(statements)
        second = report_page(client)
        csv_export = client.get(f"/berichte/bericht.csv?{closed_month_query(app)}")
    assert built >= 3  # the figures were read: drivers, rickshaws, outcomes, riders
    assert ride_reads(statements) == built  # ... and then kept, for the page and the CSV alike
    assert first == second
    assert figure(first, "Fahrten abgeschlossen") == "1"
    assert csv_export.status_code == 200 and "Rosi" in csv_export.get_data(as_text=True)


def test_the_open_month_is_built_every_time(app, client, office, closed_month):
    with app.app_context():
        zone = office_zone()
    today = utcnow().astimezone(zone).date()
    query = f"/berichte/?art=month&jahr={today.year}&monat={today.month}"
    with recorded(app) as statements:
        assert client.get(query).status_code == 200
        once = ride_reads(statements)
        assert client.get(query).status_code == 200
    assert once >= 3 and ride_reads(statements) == 2 * once


def copied_row(table: str, **overrides: str) -> str:
    """INSERT … SELECT of a table's rows into new rows (a new id; `overrides` as SQL)."""
    columns = [column.name for column in db.metadata.tables[table].columns if column.name != "id"]
    values = [overrides.get(column, column) for column in columns]
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {table}"


# Each change, written by another connection, and what the kept page must show afterwards.
CHANGES = {
    "a ride's outcome": (
        "UPDATE rides SET status = 'no_show' WHERE id = :ride",
        lambda page: figure(page, "Fahrten abgeschlossen") == "0",
    ),
    "a ride moved out of the month": (
        "UPDATE rides SET start_at = :later, end_at = :later_end, blocked_from = :later_from, "
        "blocked_until = :later_until WHERE id = :ride",
        lambda page: figure(page, "Fahrten abgeschlossen") == "0",
    ),
    "a ride deleted": (
        "DELETE FROM rides WHERE id = :ride",
        lambda page: figure(page, "Fahrten abgeschlossen") == "0",
    ),
    "a driver renamed": (
        "UPDATE users SET name = 'Anna Neu' WHERE id = :anna",
        lambda page: "Anna Neu" in page and "Anna Fahrer" not in page,
    ),
    "a rickshaw renamed": (
        "UPDATE rickshaws SET name = 'Rosalie' WHERE id = :rosi",
        lambda page: "Rosalie" in page,
    ),
    "an area renamed": (
        "UPDATE areas SET name = 'Spielplatz Süd' WHERE id = :area",
        lambda page: "Spielplatz Süd" in page,
    ),
    "a work log added": (
        copied_row("worklogs", minutes="600"),
        lambda page: figure(page, "Stunden der Quartiershausmeister:innen") == "10,8",  # 645 minutes
    ),
    "a task reopened": (
        "UPDATE tasks SET status = 'open', done_at = NULL WHERE id = :task",
        lambda page: figure(page, "Erledigte Aufgaben im Quartier") == "0",
    ),
    "a charge corrected": (
        "UPDATE charging_sessions SET energy_kwh = 7.25",
        lambda page: figure(page, "Geladene Energie (kWh)") == "7,25",
    ),
    "a repair deleted": (
        "DELETE FROM maintenance_records",
        lambda page: figure(page, "Wartungen") == "0",
    ),
    "a resident's report added": (
        copied_row("problem_reports", secret_hash=":secret"),
        lambda page: figure(page, "Meldungen von Bewohner:innen eingegangen") == "2",
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_to_the_month_is_seen_at_once(app, client, office, closed_month, change):
    statement, shows_change = CHANGES[change]
    before = report_page(client)
    assert report_page(client) == before  # kept
    assert not shows_change(before)
    later = closed_month["middle"] + timedelta(days=40)  # from the past into the future
    params = {
        **closed_month,
        "later": later,
        "later_end": later + timedelta(minutes=30),
        "later_from": later - timedelta(minutes=15),
        "later_until": later + timedelta(minutes=45),
        "secret": secrets.token_hex(32),
    }
    used = {name for name in re.findall(r":(\w+)", statement)}
    other_worker(app, statement, **{name: value for name, value in params.items() if name in used})
    assert shows_change(report_page(client)), change


def test_writes_about_the_future_count_nothing(app, client, office, closed_month):
    def counters():
        with app.app_context():
            return db.session.execute(select(ReportChanges.month, ReportChanges.version)).all()

    report_page(client)
    before = counters()
    with app.app_context():
        start = wednesday_ten(max(clocks(app)).date() + timedelta(days=3), office_zone())  # ahead by both
        ride = make_ride(rider=make_rider(), start=start, duration=30)
        ride.notes = "Bitte klingeln"
        db.session.commit()
        db.session.delete(ride)
        db.session.commit()
    assert counters() == before
    with recorded(app) as statements:
        report_page(client)
    assert ride_reads(statements) == 0  # still kept


def test_a_paused_bulk_load_puts_every_kept_report_out_of_date(app, client, office, closed_month):
    first = report_page(client)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection, report_triggers_paused(connection):
        connection.execute(text("UPDATE rides SET status = 'no_show'"))  # counts nothing while paused
    engine.dispose()
    assert figure(first, "Fahrten abgeschlossen") == "1"
    assert figure(report_page(client), "Fahrten abgeschlossen") == "0"
    with app.app_context():  # and the triggers are back
        ride = db.session.get(Ride, closed_month["ride"])
        ride.status = RideStatus.COMPLETED.value
        db.session.commit()
    assert figure(report_page(client), "Fahrten abgeschlossen") == "1"


def test_every_table_the_report_reads_is_counted(app, closed_month):
    period, zone = closed_month_of(app)
    with recorded(app) as statements, app.app_context():
        build_report(period, zone)
    # Table names follow FROM and JOIN; "FROM sum(" is PostgreSQL's EXTRACT, "FROM (" a subquery.
    named = r"\b(?:FROM|JOIN)\s+(\w+)\b(?!\s*\()"
    tables = {name for statement in statements for name in re.findall(named, statement)}
    assert tables <= set(PERIOD_COLUMNS) | set(NAME_TABLES)
    assert {"rides", "riders", "worklogs", "tasks"} <= tables


def test_without_the_counters_row_nothing_is_kept(app, client, office, closed_month):
    other_worker(app, "DELETE FROM report_changes")
    with recorded(app) as statements:
        report_page(client)
        once = ride_reads(statements)
        report_page(client)
    assert once and ride_reads(statements) == 2 * once
    other_worker(app, "UPDATE rides SET km = 5 WHERE id = :ride", ride=closed_month["ride"])  # recreates it
    with recorded(app) as statements:
        report_page(client)
        report_page(client)
    assert ride_reads(statements) == once
