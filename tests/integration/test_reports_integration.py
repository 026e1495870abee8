"""The funders' report: every figure against a hand-computed data set, CSV export, volunteer statement."""

from __future__ import annotations

import csv
import io
import re
import secrets
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from rikscha.auth.models import User
from rikscha.database import utcnow
from rikscha.extensions import db
from rikscha.fleet.models import ChargingSession, MaintenanceRecord, Rickshaw
from rikscha.quarter.models import Area, ProblemReport, Task, WorkLog
from rikscha.reports import periods
from rikscha.reports.queries import build_report, volunteer_months
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_station, make_user

pytestmark = pytest.mark.both_databases

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER = periods.month(2026, 11)


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def _ride(
    rider,
    start,
    minutes,
    status="completed",
    *,
    driver=None,
    rickshaw=None,
    km=None,
    reason=None,
    passengers=1,
    book_at=None,
):
    """Book through the real service, then give the ride its outcome (and, with book_at, its real time)."""
    ride = make_ride(rider=rider, start=book_at or start, duration=minutes, passengers=passengers)
    if book_at is not None:  # night-time starts (period boundaries) can't be booked: move the ride
        ride.start_at, ride.end_at = start, start + timedelta(minutes=minutes)
        ride.blocked_from, ride.blocked_until = (
            ride.start_at - timedelta(minutes=15),
            ride.end_at + timedelta(minutes=15),
        )
    ride.status = status
    if status != "confirmed":
        ride.driver_id, ride.rickshaw_id = driver.id, rickshaw.id
    ride.km = km
    ride.cancel_reason = reason
    db.session.flush()
    return ride


def _report(created, closed=None, status="received"):
    report = ProblemReport(
        text="Etwas ist kaputt",
        secret_hash=secrets.token_hex(32),
        created_at=created,
        closed_at=closed,
        status=status,
    )
    db.session.add(report)
    return report


def build_fixture() -> dict:
    """The data set; the expected figures for November 2026 (Berlin) are in the test below."""
    rosi, emil = make_rickshaw(name="Rosi"), make_rickshaw(name="Emil")
    anna = make_driver(name="Anna Fahrer")
    anna.set_roles(("driver", "caretaker"))
    bert = make_driver(name="Bert Fahrer")
    clara = make_user(name="Clara Hausmeister", roles=("caretaker",))
    dieter = make_user(name="Dieter Hausmeister", roles=("caretaker",))
    a, b, c, d, e = (make_rider(name=n) for n in ("Rider A", "Rider B", "Rider C", "Rider D", "Rider E"))

    # Completed in November: 60 + 90 + 30 + 120 + 60 + 30 = 390 min, 33.0 km, 7 passengers.
    _ride(a, local(11, 3, 10), 60, driver=anna, rickshaw=rosi, km=5.5)
    _ride(a, local(11, 10, 10), 90, driver=anna, rickshaw=rosi, km=8.0)
    _ride(b, local(11, 12, 14), 30, driver=bert, rickshaw=emil, km=2.5, passengers=2)
    _ride(c, local(11, 17, 10), 120, driver=bert, rickshaw=rosi, km=12.0)
    _ride(d, local(11, 20, 11), 60, driver=anna, rickshaw=emil, km=4.0)
    # 1 Nov 00:30 in Berlin is still 31 Oct in UTC: it belongs to November.
    _ride(e, local(11, 1, 0, 30), 30, driver=bert, rickshaw=emil, km=1.0, book_at=local(11, 2, 15))
    # Outside: October (rider D is therefore not new) and 1 Dec 00:30 Berlin (30 Nov in UTC).
    _ride(d, local(10, 20, 10), 60, driver=anna, rickshaw=rosi, km=3.0)
    _ride(a, local(12, 1, 0, 30), 60, driver=anna, rickshaw=rosi, km=7.0, book_at=local(11, 30, 15))
    # Cancelled (2 × weather, 1 × illness), a no-show, and one still booked.
    _ride(b, local(11, 5, 10), 60, "cancelled", driver=anna, rickshaw=rosi, reason="weather")
    _ride(b, local(11, 6, 10), 60, "cancelled", driver=anna, rickshaw=rosi, reason="illness")
    _ride(a, local(11, 7, 10), 60, "cancelled", driver=bert, rickshaw=emil, reason="weather")
    _ride(b, local(11, 24, 10), 60, "no_show", driver=bert, rickshaw=emil)
    _ride(b, local(11, 26, 10), 60, "confirmed")
    # Rider C asked to be erased: the rides stay and still count.
    c.name, c.phone, c.address, c.anonymised_at = "Gelöscht", "", "", local(11, 28, 9)

    playground, park = Area(name="Spielplatz"), Area(name="Park")
    db.session.add_all([playground, park])
    db.session.flush()

    def task(area, category, status="done", done_at=None):
        t = Task(area_id=area.id, title="Aufgabe", category=category, status=status, done_at=done_at)
        db.session.add(t)
        db.session.flush()
        return t

    t1 = task(playground, "inspection", done_at=local(11, 4, 12))
    task(playground, "cleanliness", done_at=local(11, 20, 12))
    task(park, "cleanliness", done_at=local(11, 15, 12))
    task(park, "repair", done_at=local(12, 1, 0, 30))  # December in Berlin
    task(park, "repair", status="open")
    task(playground, "event", status="cancelled", done_at=local(11, 10, 9))

    for user, logged_at, minutes in (
        (clara, local(11, 4, 9), 90),
        (clara, local(11, 20, 9), 45),
        (clara, local(11, 1, 0, 30), 30),  # 31 Oct in UTC, November in Berlin
        (dieter, local(11, 15, 9), 60),
        (dieter, local(12, 1, 0, 30), 120),  # December in Berlin
        (anna, local(11, 8, 9), 30),
    ):
        db.session.add(WorkLog(task_id=t1.id, user_id=user.id, logged_at=logged_at, minutes=minutes))

    station = make_station()
    for rickshaw, start, kwh in (
        (rosi, local(11, 2, 18), Decimal("1.25")),
        (rosi, local(11, 9, 18), None),
        (emil, local(11, 11, 18), Decimal("2.50")),
        (emil, local(10, 31, 23), Decimal("0.80")),  # October in Berlin
    ):
        db.session.add(
            ChargingSession(
                rickshaw_id=rickshaw.id,
                station_id=station.id,
                start_at=start,
                end_at=start + timedelta(hours=2),
                soc_before=20,
                soc_after=90,
                energy_kwh=kwh,
            )
        )
    for rickshaw, at, kind, cost in (
        (rosi, local(11, 3, 8), "inspection", Decimal("120.00")),
        (emil, local(11, 21, 8), "repair", Decimal("35.50")),
        (emil, local(11, 22, 8), "cleaning", None),
        (rosi, local(10, 15, 8), "tyres", Decimal("50.00")),
    ):
        db.session.add(
            MaintenanceRecord(rickshaw_id=rickshaw.id, performed_at=at, kind=kind, odometer_km=500, cost=cost)
        )

    # Received in November: six; done: four, after 1, 4, 2.5 and 7 days → median 3.25 days.
    day = timedelta(days=1)
    _report(local(11, 2, 10), local(11, 2, 10) + day, "done")
    _report(local(11, 5, 10), local(11, 5, 10) + 4 * day, "done")
    _report(local(11, 10, 10), local(11, 10, 10) + 2.5 * day, "done")
    _report(local(11, 28, 10), local(11, 28, 10) + 7 * day, "done")
    _report(local(11, 20, 10), status="in_progress")
    _report(local(11, 25, 10))
    _report(local(10, 30, 10), local(11, 2, 10), "done")  # received in October
    db.session.commit()
    return {
        "anna": anna.id,
        "bert": bert.id,
        "clara": clara.id,
        "dieter": dieter.id,
        "rosi": rosi.id,
        "emil": emil.id,
    }


@pytest.fixture
def fixture(app):
    with app.app_context():
        return build_fixture()


@pytest.fixture
def office(app, client, make_user, login):
    user = make_user(roles=("coordinator",), name="Olga Office")
    login(user)
    return user


def test_every_figure_of_the_month(app, fixture):
    with app.app_context():
        report = build_report(NOVEMBER, BERLIN)
    rides = report.rides
    assert (rides.completed, rides.no_show, rides.cancelled, rides.still_open) == (6, 1, 3, 1)
    assert rides.cancelled_by_reason == {"weather": 2, "illness": 1}
    assert (rides.riders, rides.new_riders, rides.passengers) == (5, 4, 7)
    assert rides.seconds == 390 * 60 and rides.hours == 6.5
    assert rides.km == pytest.approx(33.0)

    assert [(p.name, p.count, p.hours, p.km) for p in report.drivers] == [
        ("Anna Fahrer", 3, 3.5, pytest.approx(17.5)),
        ("Bert Fahrer", 3, 3.0, pytest.approx(15.5)),
    ]
    assert [(p.name, p.count, p.seconds / 60) for p in report.caretakers] == [
        ("Anna Fahrer", 1, 30),
        ("Clara Hausmeister", 3, 165),
        ("Dieter Hausmeister", 1, 60),
    ]
    assert report.caretaker_seconds == 255 * 60
    assert [(r.name, r.rides, r.hours, r.km, r.kwh, r.charges) for r in report.rickshaws] == [
        ("Emil", 3, 2.0, pytest.approx(7.5), 2.5, 1),
        ("Rosi", 3, 4.5, pytest.approx(25.5), 1.25, 2),
    ]
    assert (report.kwh, report.charges) == (3.75, 3)
    assert report.maintenance_by_kind == [("cleaning", 1, 0.0), ("inspection", 1, 120.0), ("repair", 1, 35.5)]
    assert (report.maintenance_count, report.maintenance_cost) == (3, 155.5)
    assert report.tasks_by_area == [("Park", 1), ("Spielplatz", 2)]
    assert report.tasks_by_category == [("cleanliness", 2), ("inspection", 1)]
    assert report.tasks_done == 3
    assert (report.reports_received, report.reports_done) == (6, 4)
    assert report.median_days_to_done == pytest.approx(3.25)


def test_other_periods_and_an_odd_median(app, fixture):
    with app.app_context():
        assert (
            build_report(periods.custom(date(2026, 11, 1), date(2026, 11, 30)), BERLIN).rides
            == build_report(NOVEMBER, BERLIN).rides
        )
        quarter = build_report(periods.quarter(2026, 4), BERLIN)
        # October's and December's rides join; rider D's first ride is now inside the period.
        assert (quarter.rides.completed, quarter.rides.riders, quarter.rides.new_riders) == (8, 5, 5)
        assert quarter.rides.hours == 8.5
        assert (quarter.reports_received, quarter.reports_done) == (7, 5)
        assert quarter.median_days_to_done == pytest.approx(3.0)  # 1, 2.5, 3, 4, 7 → 3
        empty = build_report(periods.year(2020), BERLIN)
        assert empty.rides.completed == 0 and empty.drivers == [] and empty.median_days_to_done is None
        assert empty.rickshaws == [] and empty.maintenance_cost == 0


@contextmanager
def count_queries():
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # not BEGIN (only after a commit)
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_the_report_runs_a_fixed_number_of_queries(app, fixture):
    with app.app_context():
        with count_queries() as small:
            build_report(NOVEMBER, BERLIN)
        anna, emil = db.session.get(User, fixture["anna"]), db.session.get(Rickshaw, fixture["emil"])
        for n, day in enumerate((2, 9, 16, 23, 25)):
            rider = make_rider(name=f"Mehr {n}")
            _ride(rider, local(11, day, 16), 30, driver=anna, rickshaw=emil, km=1.0)
            db.session.add(
                WorkLog(
                    task_id=db.session.scalar(select(Task.id).limit(1)),
                    user_id=fixture["dieter"],
                    logged_at=local(11, day, 9),
                    minutes=15,
                )
            )
        db.session.commit()
        with count_queries() as large:
            build_report(NOVEMBER, BERLIN)
    assert len(small) == len(large) <= 15


def test_report_page_shows_tables_and_accessible_charts(client, office, fixture):
    page = client.get("/berichte/?art=month&jahr=2026&monat=11").get_data(as_text=True)
    assert "<h1>Bericht für Fördergeber: November 2026</h1>" in page
    for text in (
        'Fahrtstunden</th><td class="num">6,5',
        "Anna Fahrer",
        "Clara Hausmeister",
        "Rosi",
        'Median bis „erledigt“ (Tage)</th><td class="num">3,2',
        'Abgesagt: Wetter</th><td class="num">2',
    ):
        assert text in page, text
    assert (
        page.count('role="img"') == 6
    )  # outcome, drivers, caretakers, rickshaws, tasks per area and category
    assert 'aria-labelledby="chart-fahrten-title chart-fahrten-desc"' in page
    assert '<title id="chart-fahrten-title">Diagramm: Fahrten nach Ergebnis</title>' in page
    assert "<caption>Fahrten nach Ergebnis</caption>" in page
    assert "style=" not in page and "<script" not in page
    assert 'href="/berichte/bericht.csv?art=month&amp;jahr=2026&amp;monat=11' in page


def test_a_chart_of_many_rows_draws_the_largest_and_the_table_keeps_all(app, client, office, fixture):
    """18 caretakers: the chart draws the 15 with the most hours, ranked, and says so."""
    with app.app_context():
        task_id = db.session.scalar(select(Task.id).limit(1))
        for n in range(15):
            helper = make_user(name=f"Helfer {n:02d}", roles=("caretaker",))
            db.session.add(
                WorkLog(task_id=task_id, user_id=helper.id, logged_at=local(11, 9, 9), minutes=10 + n)
            )
        db.session.commit()
    page = client.get("/berichte/?art=month&jahr=2026&monat=11").get_data(as_text=True)
    section = page[page.index('id="abschnitt-hausmeister"') : page.index('id="abschnitt-rikschas"')]
    chart = section[section.index("<svg") : section.index("</svg>")]
    table = section[section.index("<table") : section.index("</table>")]
    assert chart.count("<rect") == 15 and table.count('<th scope="row">') == 18
    # Clara (165 min) and Dieter (60 min) lead; the three helpers with 10–12 min are left out.
    labels = re.findall(r'text-anchor="end">([^<]+)</text>', chart)
    assert labels[:2] == ["Clara Hausmeister", "Dieter Hausmeister"]
    assert "Helfer 00" not in labels and "Helfer 14" in labels
    assert "mit den 15 größten von 18 Werten" in chart
    assert "Das Diagramm zeigt die 15 größten von 18 Werten. Alle stehen in der Tabelle." in section


def _csv(response) -> dict:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="rikscha-bericht-2026-11-01-2026-11-30.csv"'
    )
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Abschnitt", "Zeile", "Spalte", "Wert"]
    assert rows[1] == ["Zeitraum", "", "", "November 2026"]
    return {(section, row, column): value for section, row, column, value in rows[2:]}


def test_csv_export_opens_with_the_csv_module(client, office, fixture):
    data = _csv(client.get("/berichte/bericht.csv?art=month&jahr=2026&monat=11"))
    key = "Kennzahlen"
    assert data[(key, "Fahrten abgeschlossen", "Wert")] == "6"
    assert data[(key, "Fahrten abgesagt", "Wert")] == "3"
    assert data[(key, "Fahrgäste erreicht (verschiedene Personen)", "Wert")] == "5"
    assert data[(key, "davon zum ersten Mal gefahren", "Wert")] == "4"
    assert data[(key, "Fahrtstunden", "Wert")] == "6,5"
    assert data[(key, "Gefahrene Kilometer", "Wert")] == "33,0"
    assert data[(key, "Geladene Energie (kWh)", "Wert")] == "3,75"
    assert data[(key, "Wartungskosten (Euro)", "Wert")] == "155,50"
    assert data[(key, "Median bis „erledigt“ (Tage)", "Wert")] == "3,2"  # 3.25 shown with one decimal
    assert data[("Fahrten nach Ergebnis", "Abgesagt: Wetter", "Fahrten")] == "2"
    assert data[("Fahrten nach Ergebnis", "Abgesagt: Krankheit", "Fahrten")] == "1"
    assert data[("Fahrten nach Ergebnis", "Nicht erschienen", "Fahrten")] == "1"
    drivers = "Stunden je Fahrer:in (abgeschlossene Fahrten)"
    assert (
        data[(drivers, "Anna Fahrer", "Stunden")] == "3,5"
        and data[(drivers, "Bert Fahrer", "Kilometer")] == "15,5"
    )
    caretakers = "Stunden je Quartiershausmeister:in (Tätigkeitsnachweise)"
    assert data[(caretakers, "Clara Hausmeister", "Stunden")] == "2,8"  # 2.75 h
    assert data[(caretakers, "Clara Hausmeister", "Einträge")] == "3"
    assert data[("Nutzung je Rikscha", "Rosi", "Energie (kWh)")] == "1,25"
    assert data[("Wartung nach Art", "Reparatur", "Kosten (Euro)")] == "35,50"
    assert data[("Erledigte Aufgaben je Revier", "Spielplatz", "Aufgaben")] == "2"
    assert data[("Erledigte Aufgaben je Kategorie", "Sauberkeit", "Aufgaben")] == "2"


def test_period_form_errors_and_defaults(client, office):
    page = client.get("/berichte/")
    assert page.status_code == 200
    today = utcnow().astimezone(BERLIN).date()
    last = periods.last_complete_month(today)
    assert f"{last.first.year}</h1>" in page.get_data(as_text=True)
    response = client.get("/berichte/?art=custom")
    assert response.status_code == 422 and "Bitte den ersten Tag angeben." in response.get_data(as_text=True)
    response = client.get("/berichte/?art=custom&von=2026-11-10&bis=2026-11-01")
    assert response.status_code == 422 and "nicht vor dem ersten liegen" in response.get_data(as_text=True)
    response = client.get("/berichte/?art=custom&von=2020-01-01&bis=2026-01-01")
    assert response.status_code == 422 and "höchstens drei Jahre" in response.get_data(as_text=True)
    for query in (
        "art=month&jahr=abc",
        "art=quatsch&jahr=2026",
        "art=month",
        "art=month&jahr=1800",
        "art=quarter&jahr=2026&quartal=9",
        "art=custom&von=kein-datum&bis=2026-01-01",
    ):
        assert client.get(f"/berichte/?{query}").status_code == 422, query
        assert client.get(f"/berichte/bericht.csv?{query}").status_code == 422, query
    assert client.get("/berichte/?art=custom&von=2026-11-01&bis=2026-11-30").status_code == 200
    assert client.get("/berichte/?art=quarter&jahr=2026&quartal=4").status_code == 200
    assert client.get("/berichte/?art=year&jahr=2026").status_code == 200


def test_volunteer_statement_by_month(app, client, office, fixture):
    with app.app_context():
        anna = volunteer_months(fixture["anna"], periods.quarter(2026, 4), BERLIN)
        dieter = volunteer_months(fixture["dieter"], periods.quarter(2026, 4), BERLIN)
    assert [(m.rides, m.ride_seconds / 60, m.worklogs, m.work_minutes) for m in anna] == [
        (1, 60, 0, 0),
        (3, 210, 1, 30),
        (1, 60, 0, 0),
    ]
    assert [m.hours for m in anna] == [1.0, 4.0, 1.0]
    assert [m.hours for m in dieter] == [0.0, 1.0, 2.0]

    page = client.get(f"/berichte/ehrenamt?person={fixture['anna']}&art=quarter&jahr=2026&quartal=4")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Stadtteilbüro" in text and "Anna Fahrer" in text and "4. Quartal 2026" in text
    assert "Stunden Fahrdienst" in text and "Stunden im Quartier" in text  # both roles
    assert '<th scope="row">November 2026</th>' in text
    assert '<td class="num"><strong>6,0</strong></td>' in text
    assert "insgesamt 6,0 Stunden" in text and "Unterschrift" in text
    only_caretaker = client.get(f"/berichte/ehrenamt?person={fixture['clara']}&art=month&jahr=2026&monat=11")
    text = only_caretaker.get_data(as_text=True)
    assert "Stunden Fahrdienst" not in text and "insgesamt 2,8 Stunden" in text
    # A cut month (custom period) is labelled with its days.
    custom = client.get(
        f"/berichte/ehrenamt?person={fixture['dieter']}&art=custom&von=2026-11-15&bis=2026-12-01"
    )
    assert "15.11.–30.11.2026" in custom.get_data(as_text=True)
    assert "insgesamt 3,0 Stunden" in custom.get_data(as_text=True)


def test_volunteer_statement_as_csv(client, office, fixture):
    query = f"person={fixture['anna']}&art=quarter&jahr=2026&quartal=4"
    page = client.get(f"/berichte/ehrenamt?{query}").get_data(as_text=True)
    assert 'href="/berichte/ehrenamt.csv?' in page and "quartal=4" in page.split("ehrenamt.csv?", 1)[1][:120]
    response = client.get(f"/berichte/ehrenamt.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="rikscha-ehrenamt-{fixture["anna"]}-2026-10-01-2026-12-31.csv"'
    )
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Name", "Monat", "Fahrten", "Stunden Fahrdienst", "Einsätze", "Stunden im Quartier", "Stunden gesamt"
    ]  # fmt: skip
    # The same figures as the page (see test_volunteer_statement_*): 1 + 4 + 1 hours.
    assert [row[1] for row in rows[1:]] == ["Oktober 2026", "November 2026", "Dezember 2026", "Summe"]
    assert all(row[0] == "Anna Fahrer" for row in rows[1:])
    assert [row[6] for row in rows[1:]] == ["1,0", "4,0", "1,0", "6,0"]
    assert rows[2][2:6] == ["3", "3,5", "1", "0,5"]  # November: 3 rides (3.5 h), 1 work log (30 min)
    bad = client.get("/berichte/ehrenamt.csv?art=year&jahr=2026")
    assert bad.status_code == 422 and "Person" in bad.get_data(as_text=True)


def test_volunteer_form_validation(app, client, office, fixture, make_user):
    assert client.get("/berichte/ehrenamt").status_code == 200
    resident = make_user(roles=("resident",))
    for query in (
        f"person={resident.id}&art=year&jahr=2026",
        "person=987654&art=year&jahr=2026",
        "person=abc&art=year&jahr=2026",
        "art=year&jahr=2026",
        f"person={fixture['anna']}&art=custom",
    ):
        assert client.get(f"/berichte/ehrenamt?{query}").status_code == 422, query
    page = client.get("/berichte/ehrenamt?art=year&jahr=2026").get_data(as_text=True)
    assert "Bitte wählen Sie eine Person." in page


@pytest.mark.parametrize("role", ["resident", "driver", "caretaker"])
def test_only_coordinators_see_reports(client, make_user, login, role):
    login(make_user(roles=(role,)))
    for url in ("/berichte/", "/berichte/bericht.csv", "/berichte/ehrenamt", "/berichte/ehrenamt?person=1"):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client):
    for url in ("/berichte/", "/berichte/bericht.csv?art=year&jahr=2026", "/berichte/ehrenamt"):
        response = client.get(url)
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/anmelden" in response.headers["Location"]


def test_menu_shows_reports_to_coordinators_only(client, office):
    page = client.get("/koordination").get_data(as_text=True)
    assert '<a href="/berichte/"' in page and ">Berichte</a>" in page
