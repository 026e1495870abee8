"""The driver's pages: Mein Plan, one ride (complete / no-show), the run sheet, own availability."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import event, select

from rikscha.auth.models import User
from rikscha.extensions import db
from rikscha.rides import views_driver
from rikscha.rides.feeds import DriverRide, driver_rides
from rikscha.rides.models import DriverAbsence, DriverAvailability, Ride
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # Tuesday 09:30 in Berlin


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    """UTC for a local Berlin time in December (UTC+1)."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - timedelta(hours=1)


TUESDAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(views_driver, "utcnow", lambda: NOW)


@pytest.fixture
def world(app):
    """One driver with rides today, later this week, next week, yesterday; another driver's ride."""
    with app.app_context():
        make_rickshaw(name="Rosi")
        driver = make_driver(name="Fiona Fahrer", email="fiona@example.org")
        rider = make_rider(
            name="Berta Beispiel",
            phone="0341 123 45",
            address="Lindenstraße 4, 04177 Leipzig",
            email="berta@example.org",
            need_rollator=True,
            needs_note="Diagnose: geheim",
        )

        def ride(start, **extra):
            made = make_ride(
                rider=make_rider(name=extra.pop("name")) if "name" in extra else rider, start=start, **extra
            )
            return made.id

        ids = {
            "started": ride(
                berlin(TUESDAY, 9), needs=frozenset({"blanket"}), needs_note="Bei Müller klingeln"
            ),
            "later": ride(berlin(TUESDAY, 14), name="Otto Später", passengers=2),
            "thursday": ride(berlin(date(2026, 12, 3), 10), name="Thea Donnerstag"),
            "next_week": ride(berlin(date(2026, 12, 8), 10), name="Nina Nächstewoche"),  # 7 days on
            "yesterday_open": ride(berlin(date(2026, 11, 30), 10), name="Olga Offen"),
            "cancelled": ride(berlin(date(2026, 12, 2), 10), name="Carl Abgesagt"),
        }
        db.session.get(Ride, ids["cancelled"]).status = "cancelled"
        other = make_driver(name="Otto Anders")
        foreign = db.session.get(Ride, ride(berlin(date(2026, 12, 2), 15), name="Fremda Fremd"))
        foreign.driver_id = other.id
        ids["foreign"] = foreign.id
        db.session.commit()
        db.session.refresh(driver)
        db.session.refresh(other)
        return {"driver": driver, "other": other, "rides": ids}


@pytest.fixture
def as_driver(world, login):
    login(world["driver"])
    return world


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_plan_shows_today_and_the_next_six_days_with_what_the_driver_needs(client, as_driver):
    page = _text(client.get("/fahrer"))
    assert "<h1>Mein Plan</h1>" in page
    for name in ("Berta Beispiel", "Otto Später", "Thea Donnerstag", "Olga Offen"):
        assert name in page
    for name in ("Nina Nächstewoche", "Carl Abgesagt", "Fremda Fremd"):
        assert name not in page
    assert "Heute, Dienstag, 1. Dezember" in page and "Donnerstag, 3. Dezember" in page
    assert "Noch nicht abgeschlossen" in page
    assert "09:00–10:00 Uhr" in page
    assert 'href="tel:034112345"' in page
    assert (
        f'href="https://www.openstreetmap.org/search?query={quote("Lindenstraße 4, 04177 Leipzig")}"' in page
    )
    # The ride's needs, not the rider's stored ones or their notes.
    assert "Decke gewünscht" in page and "Bei Müller klingeln" in page
    assert "Rollator" not in page and "Diagnose" not in page and "berta@example.org" not in page
    assert 'href="tel:0123456789"' in page  # the office
    # The started ride can be finished; the later one not yet.
    started = as_driver["rides"]["started"]
    assert page.count("Fahrt abschließen") == 2  # today's started ride and yesterday's open one
    assert f'/mein-plan/fahrten/{started}"' in page


def test_plan_finished_rides_show_today_only(client, app, as_driver):
    with app.app_context():
        db.session.get(Ride, as_driver["rides"]["started"]).status = "completed"
        db.session.get(Ride, as_driver["rides"]["thursday"]).status = "no_show"
        db.session.commit()
    page = _text(client.get("/fahrer"))
    assert "Berta Beispiel" in page and "erledigt" in page
    assert "Thea Donnerstag" not in page


def test_plan_offers_only_active_rides_of_the_last_two_weeks_for_completing(client, app, as_driver):
    with app.app_context():
        driver = as_driver["driver"]
        done = make_ride(rider=make_rider(name="Doris Erledigt"), start=berlin(date(2026, 11, 30), 14))
        gone = make_ride(rider=make_rider(name="Nils Nichterschienen"), start=berlin(date(2026, 11, 28), 9))
        old = make_ride(rider=make_rider(name="Alma Alt"), start=berlin(date(2026, 11, 16), 10))
        recent = make_ride(rider=make_rider(name="Rita Rechtzeitig"), start=berlin(date(2026, 11, 17), 10))
        for ride in (done, gone, old, recent):
            ride.driver_id = driver.id
        done.status, gone.status = "completed", "no_show"
        db.session.commit()
    page = _text(client.get("/fahrer"))
    unfinished = page[page.index("Noch nicht abgeschlossen") : page.index("Heute, Dienstag")]
    assert "Olga Offen" in unfinished and "Rita Rechtzeitig" in unfinished
    assert unfinished.index("Rita Rechtzeitig") < unfinished.index("Olga Offen")  # in time order
    for name in ("Doris Erledigt", "Nils Nichterschienen", "Alma Alt", "Berta Beispiel"):
        assert name not in unfinished
    assert "Doris Erledigt" not in page and "Alma Alt" not in page


def test_listed_rides_carry_what_the_ride_page_shows(app, as_driver):
    """The lists' rows (one query) and the single ride's page (loaded ride) state the same facts."""
    with app.app_context():
        driver = db.session.get(User, as_driver["driver"].id)
        db.session.get(Ride, as_driver["rides"]["started"]).km = 4.5
        listed = driver_rides(
            driver, berlin(TUESDAY, 0), berlin(date(2026, 12, 8), 0), statuses=("confirmed", "requested")
        )
        assert {ride.rider_name for ride in listed} >= {"Berta Beispiel", "Thea Donnerstag"}
        for row in listed:
            assert row == DriverRide.of(db.session.get(Ride, row.id))
        started = next(row for row in listed if row.id == as_driver["rides"]["started"])
        assert started.needs == ("blanket",) and started.rickshaw_name == "Rosi"


def test_plan_empty_state(client, app, login):
    with app.app_context():
        lonely = make_driver(name="Leo Leer")
        db.session.commit()
        db.session.refresh(lonely)
    login(lonely)
    page = _text(client.get("/fahrer"))
    assert "keine Fahrten zugeteilt" in page and "sobald sie gebucht" in page


def test_plan_query_count_does_not_grow_with_rides(client, app, as_driver):
    def count_queries():
        with app.app_context():
            engine = db.engine
        # Warm: after a write, the first page reads the office settings again (rides.settings).
        assert client.get("/fahrer").status_code == 200
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/fahrer").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    before = count_queries()
    with app.app_context():
        for hour in (11, 16):
            made = make_ride(rider=make_rider(), start=berlin(date(2026, 12, 4), hour))
            made.driver_id = as_driver["driver"].id
        db.session.commit()
    assert count_queries() == before


def test_ride_page_of_own_ride_other_rides_404(client, as_driver):
    rides = as_driver["rides"]
    page = _text(client.get(f"/mein-plan/fahrten/{rides['started']}"))
    assert (
        "Fahrt mit Berta Beispiel" in page and "Als erledigt speichern" in page and "Nicht erschienen" in page
    )
    later = _text(client.get(f"/mein-plan/fahrten/{rides['later']}"))
    assert "Ab 14:00 Uhr können Sie die Fahrt" in later and "Als erledigt speichern" not in later
    assert client.get(f"/mein-plan/fahrten/{rides['foreign']}").status_code == 404
    assert client.get("/mein-plan/fahrten/987654").status_code == 404
    assert "abgesagt" in _text(client.get(f"/mein-plan/fahrten/{rides['cancelled']}"))


def test_complete_a_started_ride_with_km(client, app, as_driver):
    ride_id = as_driver["rides"]["started"]
    with app.app_context():
        odometer = db.session.get(Ride, ride_id).rickshaw.odometer_km
    response = client.post(f"/mein-plan/fahrten/{ride_id}/erledigt", data={"km": "12.5"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/fahrer")
    page = _text(client.get("/fahrer"))
    assert "als erledigt gespeichert (12.5 km)" in page
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        assert (ride.status, ride.km, ride.completed_at) == ("completed", 12.5, NOW)
        assert ride.rickshaw.odometer_km == odometer + 12
    # Twice is not possible.
    again = client.post(f"/mein-plan/fahrten/{ride_id}/erledigt", data={"km": "3"})
    assert again.status_code == 409 and "in diesem Zustand nicht möglich" in _text(again)


@pytest.mark.parametrize(
    ("km", "message"),
    [
        ("", "Bitte geben Sie die Kilometer an."),
        ("-1", "Bitte eine Zahl von 0 bis 200."),
        ("500", "Bitte eine Zahl von 0 bis 200."),
    ],
)
def test_complete_rejects_bad_km(client, app, as_driver, km, message):
    ride_id = as_driver["rides"]["started"]
    response = client.post(f"/mein-plan/fahrten/{ride_id}/erledigt", data={"km": km})
    assert response.status_code == 422
    assert message in _text(response) and 'aria-invalid="true"' in _text(response)
    with app.app_context():
        assert db.session.get(Ride, ride_id).status == "confirmed"


def test_complete_or_no_show_before_the_start_gets_a_german_error(client, app, as_driver):
    ride_id = as_driver["rides"]["later"]
    response = client.post(f"/mein-plan/fahrten/{ride_id}/erledigt", data={"km": "4"})
    assert response.status_code == 409
    assert "Diese Fahrt hat noch nicht begonnen. Sie können sie ab 14:00 Uhr abschließen." in _text(response)
    response = client.post(f"/mein-plan/fahrten/{ride_id}/nicht-erschienen")
    assert response.status_code == 409 and "noch nicht begonnen" in _text(response)
    with app.app_context():
        assert db.session.get(Ride, ride_id).status == "confirmed"


def test_no_show(client, app, as_driver):
    ride_id = as_driver["rides"]["yesterday_open"]
    response = client.post(f"/mein-plan/fahrten/{ride_id}/nicht-erschienen")
    assert response.status_code == 302
    assert "Olga Offen ist nicht erschienen" in _text(client.get("/fahrer"))
    with app.app_context():
        assert db.session.get(Ride, ride_id).status == "no_show"


def test_other_drivers_ride_cannot_be_finished(client, app, as_driver):
    ride_id = as_driver["rides"]["foreign"]
    assert client.post(f"/mein-plan/fahrten/{ride_id}/erledigt", data={"km": "3"}).status_code == 404
    assert client.post(f"/mein-plan/fahrten/{ride_id}/nicht-erschienen").status_code == 404
    with app.app_context():
        assert db.session.get(Ride, ride_id).status == "confirmed"


def test_finishing_needs_csrf(client, app, as_driver):
    ride_id = as_driver["rides"]["started"]
    client.post(f"/mein-plan/fahrten/{ride_id}/erledigt", data={"km": "3"}, csrf=False)
    client.post(f"/mein-plan/fahrten/{ride_id}/nicht-erschienen", csrf=False)
    with app.app_context():
        assert db.session.get(Ride, ride_id).status == "confirmed"


def test_other_roles_are_refused(client, make_user, login):
    login(make_user(roles=("resident",)))
    assert client.get("/fahrer").status_code == 403
    assert client.get("/mein-plan/laufzettel").status_code == 403
    assert client.get("/mein-plan/verfuegbarkeit").status_code == 403


def test_run_sheet(client, as_driver):
    today = _text(client.get("/mein-plan/laufzettel"))
    assert "<h1>Laufzettel</h1>" in today and "Fahrten am Dienstag, 1. Dezember 2026</caption>" in today
    assert "Berta Beispiel" in today and "Otto Später" in today and "Thea Donnerstag" not in today
    assert 'scope="row"' in today and 'value="2026-12-01"' in today
    thursday = _text(client.get("/mein-plan/laufzettel?tag=2026-12-03"))
    assert "Thea Donnerstag" in thursday and "Berta Beispiel" not in thursday
    wednesday = _text(client.get("/mein-plan/laufzettel?tag=2026-12-02"))
    assert "Carl Abgesagt" not in wednesday and "Fremda Fremd" not in wednesday
    assert "An diesem Tag sind Ihnen keine Fahrten zugeteilt." in wednesday
    bad = client.get("/mein-plan/laufzettel?tag=morgen")
    assert bad.status_code == 422 and "Bitte geben Sie ein gültiges Datum an." in _text(bad)


def test_availability_list_add_and_remove(client, app, as_driver):
    page = _text(client.get("/mein-plan/verfuegbarkeit"))
    assert page.count("08:00–19:00 Uhr") == 7 and "Keine Abwesenheiten eingetragen" in page

    response = client.post(
        "/mein-plan/verfuegbarkeit/zeiten", data={"weekday": "0", "start_time": "19:00", "end_time": "20:30"}
    )
    assert response.status_code == 302
    assert "19:00–20:30 Uhr" in _text(client.get("/mein-plan/verfuegbarkeit"))

    overlap = client.post(
        "/mein-plan/verfuegbarkeit/zeiten", data={"weekday": "0", "start_time": "18:00", "end_time": "19:30"}
    )
    assert overlap.status_code == 422 and "überschneidet sich" in _text(overlap)
    backwards = client.post(
        "/mein-plan/verfuegbarkeit/zeiten", data={"weekday": "6", "start_time": "07:00", "end_time": "06:00"}
    )
    assert "Das Ende muss nach dem Anfang liegen." in _text(backwards)
    empty = client.post("/mein-plan/verfuegbarkeit/zeiten", data={"weekday": "1"})
    assert empty.status_code == 422 and "Bitte geben Sie eine Uhrzeit an." in _text(empty)

    with app.app_context():
        window = db.session.scalar(
            select(DriverAvailability).where(
                DriverAvailability.driver_id == as_driver["driver"].id,
                DriverAvailability.start_time == time(19),
            )
        )
        foreign = db.session.scalar(
            select(DriverAvailability).where(DriverAvailability.driver_id == as_driver["other"].id)
        )
        window_id, foreign_id = window.id, foreign.id
    assert client.post(f"/mein-plan/verfuegbarkeit/zeiten/{foreign_id}/loeschen").status_code == 404
    assert client.post(f"/mein-plan/verfuegbarkeit/zeiten/{window_id}/loeschen").status_code == 302
    assert "19:00–20:30" not in _text(client.get("/mein-plan/verfuegbarkeit"))
    with app.app_context():
        assert db.session.get(DriverAvailability, foreign_id) is not None


def test_absences_add_and_remove(client, app, as_driver):
    response = client.post(
        "/mein-plan/verfuegbarkeit/abwesenheiten",
        data={"start_date": "2026-12-20", "end_date": "2026-12-27", "reason": "holiday"},
    )
    assert response.status_code == 302
    page = _text(client.get("/mein-plan/verfuegbarkeit"))
    assert "20. Dezember 2026 – 27. Dezember 2026" in page and "(Urlaub)" in page

    backwards = client.post(
        "/mein-plan/verfuegbarkeit/abwesenheiten",
        data={"start_date": "2026-12-20", "end_date": "2026-12-19", "reason": "sick"},
    )
    assert backwards.status_code == 422 and "Der letzte Tag darf nicht vor dem ersten liegen." in _text(
        backwards
    )
    invalid = client.post(
        "/mein-plan/verfuegbarkeit/abwesenheiten",
        data={"start_date": "bald", "end_date": "", "reason": "frei"},
    )
    assert invalid.status_code == 422 and "Bitte geben Sie ein Datum an." in _text(invalid)

    with app.app_context():
        own = db.session.scalar(select(DriverAbsence))
        other = DriverAbsence(
            driver_id=as_driver["other"].id, start_date=date(2026, 12, 5), end_date=date(2026, 12, 5)
        )
        db.session.add(other)
        db.session.commit()
        own_id, other_id = own.id, other.id
    assert client.post(f"/mein-plan/verfuegbarkeit/abwesenheiten/{other_id}/loeschen").status_code == 404
    assert client.post(f"/mein-plan/verfuegbarkeit/abwesenheiten/{own_id}/loeschen").status_code == 302
    assert "Keine Abwesenheiten eingetragen" in _text(client.get("/mein-plan/verfuegbarkeit"))
    with app.app_context():
        assert db.session.get(DriverAbsence, other_id) is not None


def test_pages_link_to_each_other(client, as_driver):
    page = _text(client.get("/fahrer"))
    for path in ("/mein-plan/laufzettel", "/mein-plan/verfuegbarkeit", "/kalender-abo"):
        assert f'href="{path}' in page
    assert re.search(r'<a href="/fahrer" aria-current="page">Mein Plan</a>', page)
