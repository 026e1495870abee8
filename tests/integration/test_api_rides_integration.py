"""The rides API: riders, free times, booking, lists, cancelling, closing rides, schedule, rickshaws."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

import rikscha.api.rides as rides_api
from rikscha.auth.models import User
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw
from rikscha.rides.models import BookingSettings, Ride, Rider
from rikscha.rides.settings import ensure_settings
from tests.factories import (
    make_driver,
    make_place,
    make_rickshaw,
    make_ride,
    make_rider,
    make_token,
    make_user,
)

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
TEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in Berlin
TEN_LOCAL = "2026-12-02T10:00:00+01:00"


@pytest.fixture
def clock(monkeypatch):
    """The API's clock, set to NOW; tests move it with `clock.now = …`."""
    state = SimpleNamespace(now=NOW)
    monkeypatch.setattr(rides_api, "utcnow", lambda: state.now)
    return state


@pytest.fixture
def world(app, clock):
    """Two rickshaws, two drivers, two residents with a rider each, a coordinator, two places."""
    with app.app_context():
        w = SimpleNamespace()
        w.rosi = make_rickshaw(name="Rosi", odometer_km=10)
        w.lotte = make_rickshaw(name="Lotte", seats=1, odometer_km=900)
        w.dana = make_driver(name="Dana")
        w.fritz = make_driver(name="Fritz")
        w.anna = make_user(name="Anna")
        w.bernd = make_user(name="Bernd")
        w.office = make_user(roles=("coordinator",), name="Büro")
        w.caretaker = make_user(roles=("caretaker",), name="Hausmeisterin")
        w.berta = make_rider(
            manager=w.anna, name="Berta", phone="0341 111", needs_note="Stufe am Eingang", need_rollator=True
        )
        w.otto = make_rider(manager=w.bernd, name="Otto", phone="0341 222")
        w.frieda = make_rider(name="Frieda")  # no account, the office books for her
        w.park = make_place(name="Stadtpark", address="Parkweg 1")
        w.old_place = make_place(name="Alter Ort", active=False)
        tokens = {
            name: make_token(getattr(w, name))
            for name in ("dana", "fritz", "anna", "bernd", "office", "caretaker")
        }
        db.session.commit()
        ids = {name: getattr(w, name).id for name in vars(w)}
    return SimpleNamespace(**ids, token=tokens)


def call(client, method, url, token, json=None):
    headers = {"Authorization": f"Bearer {token}"}
    return client.open(f"/api/v1{url}", method=method, headers=headers, json=json)


def book(client, token, **overrides):
    body = {"start": TEN_LOCAL, "duration": 60, "passengers": 1, "destination": "Café am Markt"}
    body.update(overrides)
    return call(client, "POST", "/rides", token, body)


def ride_on_record(app, rider_id, start=TEN, **extra) -> int:
    with app.app_context():
        ride = make_ride(rider=db.session.get(Rider, rider_id), start=start, **extra)
        db.session.commit()
        return ride.id


def error_code(response) -> str:
    return response.json["error"]["code"]


# --- riders -----------------------------------------------------------------------------------


def test_resident_adds_a_rider_and_manages_it(app, client, world):
    response = call(
        client,
        "POST",
        "/riders",
        world.token["anna"],
        {
            "name": "Hilde",
            "phone": "0341 333",
            "address": "Lindenweg 2",
            "needs": ["rollator", "blanket"],
            "needs_note": "Hört schlecht",
            "consent_method": "phone",
        },
    )
    assert response.status_code == 201, response.json
    rider = response.json
    assert rider["name"] == "Hilde" and rider["needs"] == ["rollator", "blanket"]
    assert rider["consent"]["method"] == "online"  # residents consent online, whatever they send
    assert rider["consent"]["at"].endswith("+01:00")
    assert set(rider) == {"id", "name", "phone", "email", "address", "needs", "needs_note", "consent"}
    names = [r["name"] for r in call(client, "GET", "/riders", world.token["anna"]).json["riders"]]
    assert names == ["Berta", "Hilde"]
    assert call(client, "GET", f"/riders/{rider['id']}", world.token["anna"]).json == rider
    with app.app_context():
        stored = db.session.get(Rider, rider["id"])
        assert [m.id for m in stored.managers] == [world.anna]


def test_coordinator_adds_riders_by_phone_and_sees_everyone(client, world):
    token = world.token["office"]
    response = call(client, "POST", "/riders", token, {"name": "Gustav", "address": "Am Hang 3"})
    assert response.status_code == 201
    assert response.json["consent"]["method"] == "phone"
    paper = call(
        client, "POST", "/riders", token, {"name": "Ilse", "address": "Ufer 1", "consent_method": "paper"}
    )
    assert paper.json["consent"]["method"] == "paper"
    listing = call(client, "GET", "/riders", token).json
    assert {r["name"] for r in listing["riders"]} == {"Berta", "Otto", "Frieda", "Gustav", "Ilse"}
    assert listing["total"] == 5 and listing["limit"] == 100 and listing["offset"] == 0
    assert [r["name"] for r in call(client, "GET", "/riders?q=ott", token).json["riders"]] == ["Otto"]
    assert [r["name"] for r in call(client, "GET", "/riders?q=222", token).json["riders"]] == ["Otto"]
    page = call(client, "GET", "/riders?limit=2&offset=1", token).json
    assert [r["name"] for r in page["riders"]] == ["Frieda", "Gustav"] and page["total"] == 5
    assert call(client, "GET", f"/riders/{world.otto}", token).json["name"] == "Otto"


def test_residents_never_see_other_residents_riders(client, world):
    anna = world.token["anna"]
    assert [r["name"] for r in call(client, "GET", "/riders", anna).json["riders"]] == ["Berta"]
    assert call(client, "GET", "/riders?q=Otto", anna).json["riders"] == []
    for rider_id in (world.otto, world.frieda, 987654, 10**12):
        response = call(client, "GET", f"/riders/{rider_id}", anna)
        assert response.status_code == 404
        assert error_code(response) == "not_found"


def test_rider_validation_errors(client, world):
    token = world.token["office"]
    response = call(
        client,
        "POST",
        "/riders",
        token,
        {"email": "kaputt", "needs": ["jetpack"], "consent_method": "telepathy"},
    )
    assert response.status_code == 422
    assert error_code(response) == "validation_failed"
    assert set(response.json["error"]["fields"]) == {"name", "address", "email", "needs", "consent_method"}
    assert call(client, "GET", "/riders?q=" + "x" * 101, token).status_code == 422
    for query in ("limit=0", "limit=501", "limit=zehn", "offset=-1"):
        response = call(client, "GET", f"/riders?{query}", token)
        assert response.status_code == 422
        assert error_code(response) in {"invalid_limit", "invalid_offset"}
    response = client.post(
        "/api/v1/riders",
        headers={"Authorization": f"Bearer {token}"},
        data="kein json",
        content_type="application/json",
    )
    assert response.status_code == 400 and error_code(response) == "invalid_json"


# --- availability -----------------------------------------------------------------------------


def test_availability_lists_free_times_with_offsets(client, world):
    response = call(
        client, "GET", "/availability?date=2026-12-02&duration=60&passengers=2", world.token["anna"]
    )
    assert response.status_code == 200
    body = response.json
    assert (body["date"], body["duration"], body["passengers"]) == ("2026-12-02", 60, 2)
    assert body["slots"][0] == {"start": "2026-12-02T09:00:00+01:00", "end": "2026-12-02T10:00:00+01:00"}
    assert body["slots"][-1]["end"] == "2026-12-02T18:00:00+01:00"
    assert (
        call(client, "GET", "/availability?date=2026-12-06&duration=60", world.token["anna"]).json["slots"]
        == []
    )


def test_availability_for_coordinators_includes_the_lead_time(client, world, clock):
    clock.now = TEN - timedelta(hours=3)
    query = "/availability?date=2026-12-02&duration=30"
    resident = [s["start"] for s in call(client, "GET", query, world.token["anna"]).json["slots"]]
    office = [s["start"] for s in call(client, "GET", query, world.token["office"]).json["slots"]]
    assert TEN_LOCAL not in resident
    assert TEN_LOCAL in office


AVAILABILITY_ERRORS = [
    ("duration=60", "invalid_date"),
    ("date=2.12.2026&duration=60", "invalid_date"),
    ("date=0001-01-01&duration=60", "invalid_date"),
    ("date=9999-12-31&duration=60", "invalid_date"),
    ("date=2026-12-02", "invalid_duration"),
    ("date=2026-12-02&duration=lang", "invalid_duration"),
    ("date=2026-12-02&duration=45", "invalid_duration"),
    ("date=2026-12-02&duration=60&passengers=3", "invalid_passengers"),
    ("date=2026-12-02&duration=60&passengers=zwei", "invalid_passengers"),
    ("date=2026-12-02&duration=60&passengers=0", "invalid_passengers"),
]


def test_availability_rejects_bad_parameters(client, world):
    for query, code in AVAILABILITY_ERRORS:
        response = call(client, "GET", f"/availability?{query}", world.token["anna"])
        assert (response.status_code, error_code(response)) == (422, code), query
        assert response.json["error"]["message"]


# --- booking ----------------------------------------------------------------------------------


def test_resident_books_a_ride_for_their_rider(app, client, world):
    response = book(
        client, world.token["anna"], rider_id=world.berta, destination=world.park, notes="Bitte klingeln"
    )
    assert response.status_code == 201, response.json
    ride = response.json
    assert ride["status"] == "confirmed"
    assert (ride["start"], ride["end"]) == (TEN_LOCAL, "2026-12-02T11:00:00+01:00")
    assert ride["rider_id"] == world.berta
    assert ride["rickshaw"] == {"id": world.rosi, "name": "Rosi"}  # lowest odometer
    assert ride["driver"]["id"] in {world.dana, world.fritz}
    assert ride["destination"] == {"place_id": world.park, "name": "Stadtpark", "address": "Parkweg 1"}
    assert ride["pickup"].startswith("Parkstraße")  # the rider's address
    assert ride["needs"] == ["rollator"] and ride["needs_note"] == "Stufe am Eingang"  # the rider's
    assert ride["passengers"] == 1 and ride["duration"] == 60
    with app.app_context():
        stored = db.session.get(Ride, ride["id"])
        assert stored.booked_via == "api" and stored.booked_by_id == world.anna
        assert stored.notes == "Bitte klingeln"


def test_booking_accepts_any_offset_and_every_destination_form(app, client, world):
    token = world.token["office"]
    utc = book(
        client,
        token,
        rider_id=world.frieda,
        start="2026-12-02T09:00:00Z",
        destination={"place_id": world.park},
        pickup="Bahnhof",
        needs=["blanket"],
        needs_note="",
    )
    assert utc.status_code == 201, utc.json
    assert utc.json["start"] == TEN_LOCAL
    assert utc.json["destination"]["name"] == "Stadtpark"
    assert (utc.json["pickup"], utc.json["needs"], utc.json["needs_note"]) == ("Bahnhof", ["blanket"], "")
    tokyo = book(client, token, rider_id=world.otto, start="2026-12-02T18:00:00+09:00", destination="See")
    assert tokyo.status_code == 201, tokyo.json
    assert tokyo.json["start"] == TEN_LOCAL
    assert tokyo.json["destination"] == {"place_id": None, "name": "See", "address": ""}


def test_booking_conflicts_are_409_with_a_code(client, world):
    office = world.token["office"]
    assert book(client, office, rider_id=world.berta).status_code == 201
    assert book(client, office, rider_id=world.otto).status_code == 201
    taken = book(client, office, rider_id=world.frieda, start="2026-12-02T10:30:00+01:00")
    assert taken.status_code == 409 and error_code(taken) == "slot_taken"
    assert taken.json["error"]["message"]
    busy = book(client, office, rider_id=world.berta, start="2026-12-02T15:00:00+01:00", duration=120)
    assert busy.status_code == 201
    again = book(client, office, rider_id=world.berta, start="2026-12-02T16:00:00+01:00")
    assert again.status_code == 409 and error_code(again) == "rider_busy"


def test_no_capacity_when_no_rickshaw_has_the_seats(app, client, world):
    with app.app_context():
        db.session.get(Rickshaw, world.rosi).status = "grounded"
        db.session.commit()
    response = book(client, world.token["anna"], rider_id=world.berta, passengers=2)
    assert response.status_code == 409 and error_code(response) == "no_capacity"


BOOKING_ERRORS = [
    ({"start": "2026-12-02T18:30:00+01:00"}, "outside_hours"),
    ({"start": "2026-12-02T10:05:00+01:00"}, "outside_hours"),
    ({"start": "2026-12-01T08:00:00+01:00"}, "in_past"),
    ({"start": "2027-03-01T10:00:00+01:00"}, "too_far"),
    ({"start": "2026-12-06T10:00:00+01:00"}, "closed_day"),
    ({"duration": 45}, "invalid_duration"),
    ({"duration": "eine Stunde"}, "invalid_duration"),
    ({"passengers": 3}, "invalid_passengers"),
    ({"passengers": "viele"}, "invalid_passengers"),
    ({"start": "2026-12-02T10:00:00"}, "invalid_start"),
    ({"start": "2026-12-02"}, "invalid_start"),
    ({"start": "morgen um zehn"}, "invalid_start"),
    ({"start": None}, "invalid_start"),
    ({"start": "0001-01-01T00:00:00+01:00"}, "invalid_start"),
    ({"destination": ""}, "validation_failed"),
    ({"destination": None}, "validation_failed"),
    ({"needs": ["jetpack"]}, "validation_failed"),
    ({"pickup": "x" * 301}, "validation_failed"),
    ({"rider_id": None}, "validation_failed"),
    ({"rider_id": 10**12}, "validation_failed"),
    ({"start": "kaputt", "passengers": "x"}, "validation_failed"),
    ({"destination": 987654}, "unknown_place"),
    ({"destination": {"place_id": "Stadtpark"}}, "unknown_place"),
    ({"destination": ["Stadtpark"]}, "unknown_place"),
]


def test_booking_rule_and_input_errors_are_422(app, client, world):
    for overrides, code in BOOKING_ERRORS:
        response = book(client, world.token["anna"], **{"rider_id": world.berta, **overrides})
        assert (response.status_code, error_code(response)) == (422, code), (overrides, response.json)
        assert response.json["error"]["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Ride.id))) == 0


def test_inactive_place_is_unknown(client, world):
    response = book(client, world.token["anna"], rider_id=world.berta, destination=world.old_place)
    assert response.status_code == 422 and error_code(response) == "unknown_place"


def test_too_soon_for_residents_but_not_for_the_office(client, world, clock):
    clock.now = TEN - timedelta(hours=3)
    response = book(client, world.token["anna"], rider_id=world.berta)
    assert response.status_code == 422 and error_code(response) == "too_soon"
    assert "24 Stunden" in response.json["error"]["message"]
    assert book(client, world.token["office"], rider_id=world.berta).status_code == 201


def test_booking_for_a_rider_one_may_not_see_is_404(client, world):
    for rider_id in (world.otto, world.frieda, 987654):
        response = book(client, world.token["anna"], rider_id=rider_id)
        assert response.status_code == 404 and error_code(response) == "not_found"


# --- lists and single rides -------------------------------------------------------------------


@pytest.fixture
def rides(app, world):
    """Berta (Anna's) at 10:00 on Wednesday, Otto (Bernd's) at 10:00, Frieda on Thursday."""
    berta = ride_on_record(app, world.berta, needs=frozenset({"rollator"}), needs_note="Stufe am Eingang")
    otto = ride_on_record(app, world.otto)
    frieda = ride_on_record(app, world.frieda, start=TEN + timedelta(days=1))
    with app.app_context():
        drivers = {r.id: r.driver_id for r in db.session.scalars(select(Ride))}
    return SimpleNamespace(berta=berta, otto=otto, frieda=frieda, drivers=drivers)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [r["id"] for r in response.json["rides"]]


def test_residents_see_only_their_riders_rides(client, world, rides):
    anna, bernd = world.token["anna"], world.token["bernd"]
    assert _ids(call(client, "GET", "/rides", anna)) == [rides.berta]
    assert _ids(call(client, "GET", "/rides", bernd)) == [rides.otto]
    assert call(client, "GET", f"/rides/{rides.berta}", anna).json["rider"]["name"] == "Berta"
    for ride_id in (rides.otto, rides.frieda, 987654, 10**12):
        response = call(client, "GET", f"/rides/{ride_id}", anna)
        assert response.status_code == 404 and error_code(response) == "not_found"


def test_drivers_see_their_own_rides_and_coordinators_all(client, world, rides):
    for name in ("dana", "fritz"):
        driver_id = getattr(world, name)
        own = sorted(ride_id for ride_id, d in rides.drivers.items() if d == driver_id)
        assert sorted(_ids(call(client, "GET", "/rides", world.token[name]))) == own
        for ride_id in set(rides.drivers) - set(own):
            assert call(client, "GET", f"/rides/{ride_id}", world.token[name]).status_code == 404
    listing = call(client, "GET", "/rides", world.token["office"])
    assert _ids(listing) == sorted([rides.berta, rides.otto]) + [rides.frieda]
    assert listing.json["total"] == 3


def test_ride_list_filters_and_pages(client, world, rides):
    office = world.token["office"]
    assert _ids(call(client, "GET", "/rides?from=2026-12-03", office)) == [rides.frieda]
    assert len(_ids(call(client, "GET", "/rides?to=2026-12-02", office))) == 2
    assert _ids(
        call(client, "GET", "/rides?from=2026-12-03T09:00:00%2B01:00&to=2026-12-03T11:00:00Z", office)
    ) == [rides.frieda]
    assert _ids(call(client, "GET", "/rides?from=2026-12-03T10:00:01%2B01:00", office)) == []
    assert _ids(call(client, "GET", "/rides?status=cancelled", office)) == []
    assert len(_ids(call(client, "GET", "/rides?status=confirmed", office))) == 3
    page = call(client, "GET", "/rides?limit=1&offset=2", office).json
    assert [r["id"] for r in page["rides"]] == [rides.frieda]
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 2)


RIDE_LIST_ERRORS = [
    ("from=gestern", "invalid_from"),
    ("from=2026-12-02T10:00:00", "invalid_from"),
    ("from=0001-01-01", "invalid_from"),
    ("to=2026-13-01", "invalid_to"),
    ("to=9999-12-31", "invalid_to"),
    ("status=lost", "invalid_status"),
    ("limit=1000", "invalid_limit"),
    ("offset=minus", "invalid_offset"),
]


def test_ride_list_rejects_bad_parameters(client, world):
    for query, code in RIDE_LIST_ERRORS:
        response = call(client, "GET", f"/rides?{query}", world.token["office"])
        assert (response.status_code, error_code(response)) == (422, code), query


# --- cancelling -------------------------------------------------------------------------------


def test_manager_cancels_until_the_cutoff(client, world, rides, clock):
    anna = world.token["anna"]
    clock.now = TEN - timedelta(hours=1)
    late = call(client, "POST", f"/rides/{rides.berta}/cancel", anna, {"reason": "illness"})
    assert late.status_code == 409 and error_code(late) == "too_late_to_cancel"
    clock.now = TEN - timedelta(hours=3)
    response = call(
        client, "POST", f"/rides/{rides.berta}/cancel", anna, {"reason": "illness", "note": "Erkältet"}
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled" and response.json["cancel_reason"] == "illness"
    again = call(client, "POST", f"/rides/{rides.berta}/cancel", anna, {"reason": "rider"})
    assert again.status_code == 409 and error_code(again) == "invalid_transition"


def test_coordinator_cancels_any_time(client, world, rides, clock):
    clock.now = TEN - timedelta(minutes=10)
    response = call(
        client, "POST", f"/rides/{rides.otto}/cancel", world.token["office"], {"reason": "weather"}
    )
    assert response.status_code == 200 and response.json["status"] == "cancelled"


def test_cancel_needs_a_valid_reason(client, world, rides):
    for body in ({}, {"reason": ""}, {"reason": "langeweile"}, {"reason": "rider", "note": "x" * 301}):
        response = call(client, "POST", f"/rides/{rides.berta}/cancel", world.token["anna"], body)
        assert response.status_code == 422
        assert error_code(response) == ("validation_failed" if "note" in body else "invalid_reason")


def test_others_cannot_cancel(app, client, world, rides):
    response = call(client, "POST", f"/rides/{rides.berta}/cancel", world.token["bernd"], {"reason": "rider"})
    assert response.status_code == 404
    # A resident who also drives sees the ride they drive, but only its rider's manager may cancel it.
    driver_id = rides.drivers[rides.otto]
    with app.app_context():
        db.session.get(User, driver_id).set_roles(["driver", "resident"])
        db.session.commit()
    token = world.token["dana" if driver_id == world.dana else "fritz"]
    response = call(client, "POST", f"/rides/{rides.otto}/cancel", token, {"reason": "rider"})
    assert response.status_code == 403 and error_code(response) == "forbidden"
    with app.app_context():
        assert db.session.get(Ride, rides.otto).status == "confirmed"


# --- completing and no-show -------------------------------------------------------------------


def _driver_token(world, rides, ride_id, *, other=False):
    driver_id = rides.drivers[ride_id]
    mine = "dana" if driver_id == world.dana else "fritz"
    return world.token[({"dana", "fritz"} - {mine}).pop() if other else mine]


def test_driver_completes_their_ride_with_km(app, client, world, rides, clock):
    token = _driver_token(world, rides, rides.berta)
    early = call(client, "POST", f"/rides/{rides.berta}/complete", token, {"km": 4.5})
    assert early.status_code == 409 and error_code(early) == "invalid_transition"
    clock.now = TEN + timedelta(hours=1, minutes=5)
    response = call(client, "POST", f"/rides/{rides.berta}/complete", token, {"km": 4.5})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "completed" and response.json["km"] == 4.5
    again = call(client, "POST", f"/rides/{rides.berta}/complete", token, {"km": 4.5})
    assert again.status_code == 409 and error_code(again) == "invalid_transition"
    with app.app_context():
        assert db.session.get(Rickshaw, db.session.get(Ride, rides.berta).rickshaw_id).odometer_km in {14, 15}


def test_a_driver_cannot_close_someone_elses_ride(client, world, rides, clock):
    clock.now = TEN + timedelta(hours=2)
    other = _driver_token(world, rides, rides.berta, other=True)
    for action, body in (("complete", {"km": 3}), ("no-show", None)):
        response = call(client, "POST", f"/rides/{rides.berta}/{action}", other, body)
        assert response.status_code == 404 and error_code(response) == "not_found"
    assert (
        call(client, "POST", f"/rides/{rides.berta}/complete", world.token["anna"], {"km": 3}).status_code
        == 403
    )


def test_complete_needs_valid_km(client, world, rides, clock):
    clock.now = TEN + timedelta(hours=2)
    token = _driver_token(world, rides, rides.berta)
    for body in ({}, {"km": -1}, {"km": 201}, {"km": "weit"}):
        response = call(client, "POST", f"/rides/{rides.berta}/complete", token, body)
        assert response.status_code == 422 and error_code(response) == "invalid_km"


def test_no_show_by_the_driver_or_the_office(client, world, rides, clock):
    clock.now = TEN + timedelta(minutes=20)
    token = _driver_token(world, rides, rides.berta)
    response = client.post(
        f"/api/v1/rides/{rides.berta}/no-show", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.json["status"] == "no_show"
    office = call(client, "POST", f"/rides/{rides.otto}/no-show", world.token["office"])
    assert office.status_code == 200 and office.json["status"] == "no_show"
    future = call(client, "POST", f"/rides/{rides.frieda}/no-show", world.token["office"])
    assert future.status_code == 409 and error_code(future) == "invalid_transition"


# --- the driver's schedule --------------------------------------------------------------------


def test_schedule_shows_the_drivers_rides_with_what_they_need(app, client, world, rides, clock):
    token = _driver_token(world, rides, rides.berta)
    body = call(client, "GET", "/schedule", token).json
    assert body["from"] == "2026-12-01T00:00:00+01:00" and body["to"] == "2026-12-08T00:00:00+01:00"
    entry = next(r for r in body["rides"] if r["id"] == rides.berta)
    assert entry["rider"] == {"name": "Berta", "phone": "0341 111"}
    assert entry["start"] == TEN_LOCAL and entry["passengers"] == 1
    assert entry["needs"] == ["rollator"] and entry["needs_note"] == "Stufe am Eingang"
    assert entry["pickup"] and entry["destination"]["name"] == ""
    assert "email" not in entry["rider"] and "notes" not in entry
    mine = {ride_id for ride_id, d in rides.drivers.items() if d == rides.drivers[rides.berta]}
    assert {r["id"] for r in body["rides"]} == mine
    thursday = call(client, "GET", "/schedule?from=2026-12-03&to=2026-12-03", token).json
    assert {r["id"] for r in thursday["rides"]} == mine & {rides.frieda}
    clock.now = TEN - timedelta(hours=5)
    call(client, "POST", f"/rides/{rides.berta}/cancel", world.token["office"], {"reason": "weather"})
    assert rides.berta not in {r["id"] for r in call(client, "GET", "/schedule", token).json["rides"]}
    later = call(client, "GET", "/schedule?from=2026-12-10", token).json
    assert later["rides"] == [] and later["to"] == "2026-12-17T00:00:00+01:00"
    bad = call(client, "GET", "/schedule?to=Freitag", token)
    assert bad.status_code == 422 and error_code(bad) == "invalid_to"


# --- rickshaws --------------------------------------------------------------------------------


def test_coordinator_adds_and_lists_rickshaws(app, client, world):
    token = world.token["office"]
    response = call(
        client,
        "POST",
        "/rickshaws",
        token,
        {
            "name": "Emil",
            "kind": "Cruiser",
            "seats": 2,
            "odometer_km": 0,
            "capacity_minutes": 300,
            "service_interval_km": 500,
        },
    )
    assert response.status_code == 201, response.json
    assert response.json == {
        "id": response.json["id"],
        "name": "Emil",
        "kind": "Cruiser",
        "seats": 2,
        "status": "in_service",
        "odometer_km": 0,
        "capacity_minutes": 300,
        "service_interval_km": 500,
        "service_interval_days": None,
    }
    names = [r["name"] for r in call(client, "GET", "/rickshaws", token).json["rickshaws"]]
    assert names == ["Emil", "Lotte", "Rosi"]
    taken = call(client, "POST", "/rickshaws", token, {"name": "emil", "kind": "Cargo"})
    assert taken.status_code == 409 and error_code(taken) == "name_taken"


def test_rickshaw_validation(app, client, world):
    response = call(
        client,
        "POST",
        "/rickshaws",
        world.token["office"],
        {
            "name": "",
            "kind": "Cargo",
            "seats": 3,
            "odometer_km": -1,
            "capacity_minutes": 0,
            "status": "flying",
            "service_interval_days": 0,
        },
    )
    assert response.status_code == 422 and error_code(response) == "validation_failed"
    assert set(response.json["error"]["fields"]) == {
        "name",
        "seats",
        "odometer_km",
        "capacity_minutes",
        "status",
        "service_interval_days",
    }
    with app.app_context():
        assert db.session.scalar(select(func.count(Rickshaw.id))) == 2


# --- the OpenAPI document ---------------------------------------------------------------------


def test_every_rides_endpoint_is_documented(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    expected = {
        "/api/v1/riders": {"get", "post"},
        "/api/v1/riders/{rider_id}": {"get"},
        "/api/v1/availability": {"get"},
        "/api/v1/rides": {"get", "post"},
        "/api/v1/rides/{ride_id}": {"get"},
        "/api/v1/rides/{ride_id}/cancel": {"post"},
        "/api/v1/rides/{ride_id}/complete": {"post"},
        "/api/v1/rides/{ride_id}/no-show": {"post"},
        "/api/v1/schedule": {"get"},
        "/api/v1/rickshaws": {"get", "post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
    booking = paths["/api/v1/rides"]["post"]
    schema = booking["requestBody"]["content"]["application/json"]["schema"]
    assert {"rider_id", "start", "duration", "passengers", "pickup", "destination", "needs", "notes"} <= set(
        schema["properties"]
    )
    assert set(schema["required"]) == {"rider_id", "start", "duration", "destination"}
    assert booking["x-roles"] == ["resident", "coordinator"]
    query = {p["name"] for p in paths["/api/v1/availability"]["get"]["parameters"]}
    assert query == {"date", "duration", "passengers"}
    assert {p["name"] for p in paths["/api/v1/rides"]["get"]["parameters"]} >= {
        "from",
        "to",
        "status",
        "limit",
    }
    assert paths["/api/v1/schedule"]["get"]["x-roles"] == ["driver"]
    assert "requestBody" in paths["/api/v1/rickshaws"]["post"]


def test_settings_change_the_api_answers(app, client, world):
    with app.app_context():
        settings = ensure_settings()
        settings.durations = [30, 45]
        db.session.commit()
        assert db.session.scalar(select(func.count(BookingSettings.id))) == 1
    assert (
        call(client, "GET", "/availability?date=2026-12-02&duration=45", world.token["anna"]).status_code
        == 200
    )
    response = book(client, world.token["anna"], rider_id=world.berta, duration=60)
    assert response.status_code == 422 and error_code(response) == "invalid_duration"


def test_lists_take_a_fixed_number_of_queries(app, client, world, rides):
    def statements(url: str) -> int:
        """Of a request to a warm worker (the first one may load the token's owner: user_cache)."""
        assert call(client, "GET", url, world.token["office"]).status_code == 200
        seen = []
        with app.app_context():
            engine = db.engine

        def count(*_args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert call(client, "GET", url, world.token["office"]).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    before = {url: statements(url) for url in ("/rides", "/riders")}
    for n in range(4):
        rider = call(
            client, "POST", "/riders", world.token["office"], {"name": f"Neu {n}", "address": "Weg 1"}
        )
        ride_on_record(app, rider.json["id"], start=TEN + timedelta(days=2, hours=n * 2))
    assert {url: statements(url) for url in before} == before
