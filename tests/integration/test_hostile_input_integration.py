"""Input nobody types, answered with a clear error and no 500: huge ids, NUL characters, absurd dates.

Found by crawling the demo as every role and sending each form field and API property values
such as 10**20, "a\\x00b" and 9999-12-31 (on SQLite an int beyond 64 bits overflows the driver;
on PostgreSQL an id beyond 2**31 - 1, and any NUL in a text, is an engine error). The test
client raises any unhandled exception, so a 500 fails these tests with its traceback.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from rikscha.extensions import db
from rikscha.limits import MAX_ID
from rikscha.quarter.models import Task
from rikscha.rides.models import Place, Ride
from tests.factories import make_driver, make_place, make_rickshaw, make_ride, make_token, open_day_ahead
from tests.integration.test_quarter_builders import make_area, make_task

BEYOND_IDS = (MAX_ID + 1, 10**20)


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def office(make_user, login, app):
    user = make_user(roles=("coordinator",), name="Kora Koordination")
    login(user)
    with app.app_context():
        user.token = make_token(user)
        db.session.commit()
    return user


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


@pytest.mark.both_databases
def test_an_id_beyond_the_database_range_is_not_found_on_every_route(app, client, office):
    checked = 0
    for rule, method in _id_routes(app):
        headers = {"Authorization": f"Bearer {office.token}"} if rule.rule.startswith("/api/") else {}
        for number in BEYOND_IDS:
            url = re.sub(r"<int:[^>]+>", str(number), rule.rule)
            response = client.open(url, method=method, headers=headers)
            # 405 where another rule has the same path for other methods: Werkzeug checks the
            # method before it converts the id.
            assert response.status_code in (404, 405), f"{method} {url}: {response.status_code}"
            checked += 1
    assert checked > 100  # every route with an id: rides, riders, fleet, quarter, API, admin


@pytest.mark.both_databases
def test_the_largest_id_still_reaches_the_view(app, client, office):
    # 2**31 - 1 fits the column: the view looks it up and finds nothing (its own 404 page).
    response = client.get(f"/buero/fahrten/{MAX_ID}")
    assert response.status_code == 404


# --- NUL characters ------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_a_form_with_a_nul_character_is_refused_and_saves_nothing(app, client, office):
    response = client.post(
        "/buero/ziele/neu", data={"name": "Bad\x00see", "address": "Seeweg 1", "notes": ""}
    )
    assert response.status_code == 400
    assert "unsichtbares Steuerzeichen" in html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Place.id))) == 0
    # The same form without it is saved.
    response = client.post("/buero/ziele/neu", data={"name": "Badesee", "address": "Seeweg 1", "notes": ""})
    assert response.status_code == 302


@pytest.mark.both_databases
def test_a_search_with_a_nul_character_is_refused(client, office):
    for url in ("/buero/buchen?q=Ber%00ta", "/verwaltung/personen?q=a%00", "/verwaltung/protokoll?actor=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "unsichtbares Steuerzeichen" in html(response)


@pytest.mark.both_databases
def test_the_api_refuses_nul_characters_in_json_and_query(app, client, office):
    headers = {"Authorization": f"Bearer {office.token}"}
    with app.app_context():
        area_id = make_area(name="Spielplatz").id
        db.session.commit()
    body = {"area_id": area_id, "title": "Bank", "notes": {"deep": [["x\x00"]]}}
    response = client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_characters"
    response = client.post("/api/v1/tasks", json={"area_id": area_id, "title": "Ba\x00nk"}, headers=headers)
    assert response.get_json()["error"]["code"] == "invalid_characters"
    response = client.get("/api/v1/riders?q=%00", headers=headers)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id))) == 0


# --- days outside 1900–9000 ------------------------------------------------------------------------


@pytest.mark.both_databases
def test_a_day_beyond_the_year_9000_is_a_form_error(client, make_user, login):
    login(make_user(roles=("driver",)))
    for day in ("9999-12-31", "0001-01-01"):
        response = client.get(f"/mein-plan/laufzettel?tag={day}")
        assert response.status_code == 422
        assert "Datum zwischen 1900 und 9000" in html(response)
    assert client.get("/mein-plan/laufzettel?tag=9000-12-31").status_code == 200


def test_the_audit_filter_names_what_it_cannot_search_for(client, office):
    page = html(client.get("/verwaltung/protokoll?start=0001-01-01&end=9999-12-31"))
    assert page.count("Datum zwischen 1900 und 9000") == 2
    page = html(client.get(f"/verwaltung/protokoll?entity_id={10**20}"))
    assert "Diese Nummer gibt es nicht." in page


# --- lists filtered by an id from the query string ------------------------------------------------


@pytest.mark.both_databases
def test_a_task_filter_the_form_refuses_is_not_applied(app, client, office):
    with app.app_context():
        park = make_area(name="Park")
        make_task(area=park, title="Laub rechen")
        db.session.commit()
    response = client.get(f"/quartier/aufgaben?area={10**20}&status=unbekannt")
    page = html(response)
    assert response.status_code == 200
    assert "Laub rechen" in page  # neither filter applied: the active tasks of every area
    assert page.count('class="field-error"') == 2  # both refusals are named at their fields


@pytest.mark.both_databases
def test_the_task_api_answers_422_for_an_area_or_caretaker_that_is_no_id(app, client, office):
    headers = {"Authorization": f"Bearer {office.token}"}
    with app.app_context():
        park = make_area(name="Park")
        make_task(area=park, title="Laub rechen")
        db.session.commit()
        park_id = park.id
    for query, code in (
        (f"area_id={10**20}", "invalid_area_id"),
        ("area_id=Park", "invalid_area_id"),
        (f"caretaker_id={MAX_ID + 1}", "invalid_caretaker_id"),
    ):
        response = client.get(f"/api/v1/tasks?{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == code
    titles = [
        t["title"]
        for t in client.get(f"/api/v1/tasks?area_id={park_id}", headers=headers).get_json()["tasks"]
    ]
    assert titles == ["Laub rechen"]
    assert client.get(f"/api/v1/tasks?area_id={park_id + 1}", headers=headers).get_json()["tasks"] == []


def test_a_resident_asking_for_a_rider_beyond_any_id_gets_not_found(client, make_user, login):
    login(make_user(roles=("resident",)))
    day = open_day_ahead(3).isoformat()
    response = client.get(f"/fahrten/buchen/uhrzeit?rider_id={10**20}&day={day}&duration=60&passengers=1")
    assert response.status_code == 404


# --- a place chosen as only spaces ------------------------------------------------------------------


@pytest.mark.both_databases
def test_a_destination_of_only_spaces_counts_as_none_chosen(app, client, office):
    with app.app_context():
        make_rickshaw(name="Rosi")
        make_driver(name="Fabian Fahrer")
        make_place(name="Stadtpark")
        ride_id = make_ride(start=_ten_oclock(open_day_ahead(2)), destination_text="See").id
        db.session.commit()
    url = f"/buero/fahrten/{ride_id}/bearbeiten"
    response = client.post(
        url, data={"pickup": "Markt 1", "destination_place_id": " ", "destination_text": ""}
    )
    assert response.status_code == 200
    assert "Bitte wählen Sie ein Ziel" in html(response)
    response = client.post(
        url, data={"pickup": "Markt 1", "destination_place_id": " ", "destination_text": "Zoo"}
    )
    assert response.status_code == 302
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        assert (ride.destination_place_id, ride.destination_text) == (None, "Zoo")


def _ten_oclock(day):
    return datetime.combine(day, time(10), tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_json_nested_too_deeply_is_invalid_json(client, office, body):
    headers = {"Authorization": f"Bearer {office.token}", "Content-Type": "application/json"}
    response = client.post("/api/v1/rides", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"
