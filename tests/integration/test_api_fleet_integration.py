"""Fleet API: a rickshaw and its history, stations, maintenance, defects, charging and blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from rikscha.extensions import db
from rikscha.fleet.models import (
    BatteryPack,
    ChargingSession,
    DefectReport,
    MaintenanceRecord,
    Rickshaw,
    Station,
)
from rikscha.fleet.queries import HISTORY_PAGE
from rikscha.rides.models import Ride
from tests.conftest import committed
from tests.factories import make_rickshaw, make_station, make_token
from tests.integration.test_fleet_pages_integration import _two_rickshaws_three_rides

pytestmark = pytest.mark.both_databases


@pytest.fixture
def bearer(app, make_user):
    """bearer(role) -> Authorization header of a new user with that role."""

    def make(*roles, **overrides):
        user = make_user(roles=roles, **overrides)
        with app.app_context():
            token = make_token(user)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def iso(moment: datetime) -> str:
    return moment.isoformat()


def past_window(hours_ago: int = 3, length: int = 2) -> tuple[datetime, datetime]:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    return start, start + timedelta(hours=length)


def test_rickshaw_detail(app, client, bearer):
    r = committed(app, make_rickshaw, name="Rosi", odometer_km=1400, service_interval_km=1500)
    with app.app_context():
        db.session.add(BatteryPack(rickshaw_id=r.id, label="Akku A"))
        db.session.commit()
    response = client.get(f"/api/v1/rickshaws/{r.id}", headers=bearer("driver"))
    assert response.status_code == 200
    body = response.json
    assert body["name"] == "Rosi" and body["service"]["state"] == "due" and body["service"]["km_left"] == 100
    assert body["open_defects"] == 0 and body["last_charge"] is None
    assert body["battery_packs"] == [
        {"id": body["battery_packs"][0]["id"], "label": "Akku A", "active": True}
    ]
    assert client.get(f"/api/v1/rickshaws/{r.id}", headers=bearer("resident")).status_code == 403
    assert client.get(f"/api/v1/rickshaws/{r.id}").status_code == 401
    missing = client.get("/api/v1/rickshaws/987654", headers=bearer("caretaker"))
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_patch_rickshaw(app, client, bearer):
    r = committed(app, make_rickshaw, name="Rosi", odometer_km=1000)
    s = committed(app, make_station, name="Lindenau")
    office = bearer("coordinator")
    url = f"/api/v1/rickshaws/{r.id}"
    response = client.patch(url, json={"capacity_minutes": 300, "home_station_id": s.id}, headers=office)
    assert response.status_code == 200, response.json
    assert response.json["capacity_minutes"] == 300 and response.json["home_station_id"] == s.id
    assert response.json["name"] == "Rosi" and response.json["moved_rides"] == []
    response = client.patch(url, json={"odometer_km": 900}, headers=office)
    assert response.status_code == 422 and response.json["error"]["code"] == "odometer_backwards"
    assert "1000 km" in response.json["error"]["message"] and response.json["error"]["field"] == "odometer_km"
    response = client.patch(url, json={"seats": 5, "status": "kaputt"}, headers=office)
    assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"seats", "status"}
    other = committed(app, make_rickshaw, name="Emil")
    response = client.patch(f"/api/v1/rickshaws/{other.id}", json={"name": "rosi"}, headers=office)
    assert response.status_code == 409 and response.json["error"]["code"] == "name_taken"
    assert client.patch(url, json={"seats": 1}, headers=bearer("caretaker")).status_code == 403
    bad = client.patch(url, data="kein json", headers={**office, "Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_json"
    with app.app_context():
        assert db.session.get(Rickshaw, r.id).odometer_km == 1000


def test_patch_status_grounded_moves_rides(app, client, bearer):
    first_id, _start, morning_id, afternoon_id = _two_rickshaws_three_rides(app)
    response = client.patch(
        f"/api/v1/rickshaws/{first_id}", json={"status": "grounded"}, headers=bearer("coordinator")
    )
    assert response.status_code == 200
    assert response.json["moved_rides"] == [morning_id] and response.json["flagged_rides"] == [afternoon_id]


def test_history(app, client, bearer):
    r = committed(app, make_rickshaw, name="Rosi", odometer_km=100)
    s = committed(app, make_station)
    care = bearer("caretaker")
    start, end = past_window()
    client.post(
        f"/api/v1/rickshaws/{r.id}/charging",
        headers=care,
        json={"station_id": s.id, "start": iso(start), "end": iso(end), "soc_before": 10, "soc_after": 80},
    )
    client.post(
        f"/api/v1/rickshaws/{r.id}/maintenance",
        headers=care,
        json={
            "kind": "inspection",
            "performed_at": iso(end),
            "odometer_km": 120,
            "description": "Inspektion",
        },
    )
    response = client.get(f"/api/v1/rickshaws/{r.id}/history", headers=bearer("driver"))
    assert response.status_code == 200
    body = response.json
    assert [e["kind"] for e in body["entries"]] == ["maintenance", "charging"]
    assert body["entries"][0]["maintenance"]["odometer_km"] == 120
    assert body["entries"][1]["charging"]["soc_after"] == 80
    assert body["entries"][0]["at"].endswith(("+01:00", "+02:00"))
    assert [p["km"] for p in body["odometer"]] == [120, 120]
    assert body["rickshaw"]["service"]["state"] == "ok"
    assert client.get(f"/api/v1/rickshaws/{r.id}/history", headers=bearer("resident")).status_code == 403


def test_history_pages(app, client, bearer):
    r = committed(app, make_rickshaw, name="Rosi", odometer_km=100)
    newest = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with app.app_context():
        for n in range(HISTORY_PAGE + 5):
            db.session.add(
                MaintenanceRecord(
                    rickshaw_id=r.id, kind="cleaning", performed_at=newest - timedelta(hours=n),
                    odometer_km=100, description=f"Eintrag {n}",
                )
            )  # fmt: skip
        db.session.commit()
    url, headers = f"/api/v1/rickshaws/{r.id}/history", bearer("driver")
    first = client.get(url, headers=headers).json
    assert len(first["entries"]) == HISTORY_PAGE and first["older"]["km"] == 100
    second = client.get(url, headers=headers, query_string=first["older"]).json
    assert [e["maintenance"]["description"] for e in second["entries"]] == [
        f"Eintrag {n}" for n in range(HISTORY_PAGE, HISTORY_PAGE + 5)
    ]
    assert second["older"] is None
    for query in ({"before": "gestern", "km": 100}, {"before": first["older"]["before"]}, {"km": 5}):
        response = client.get(url, headers=headers, query_string=query)
        assert response.status_code == 422 and response.json["error"]["code"] == "invalid_history_page"


def test_stations(app, client, bearer):
    office = bearer("coordinator")
    data = {
        "name": "Servicestation Lindenau",
        "address": "Lützner Straße 30",
        "kinds": ["service", "charging"],
        "chargers": 2,
        "opening_notes": "Mo–Fr",
    }
    response = client.post("/api/v1/stations", json=data, headers=office)
    assert response.status_code == 201
    assert response.json["kinds"] == ["service", "charging"] and response.json["chargers"] == 2
    again = client.post("/api/v1/stations", json=data, headers=office)
    assert again.status_code == 409 and again.json["error"]["code"] == "name_taken"
    bad = client.post(
        "/api/v1/stations", json={"name": "Hof", "kinds": ["charging"], "chargers": 0}, headers=office
    )
    assert bad.status_code == 422 and "chargers" in bad.json["error"]["fields"]
    assert client.post("/api/v1/stations", json=data, headers=bearer("caretaker")).status_code == 403
    listed = client.get("/api/v1/stations", headers=bearer("driver"))
    assert [s["name"] for s in listed.json["stations"]] == ["Servicestation Lindenau"]
    assert client.get("/api/v1/stations", headers=bearer("resident")).status_code == 403


def test_maintenance(app, client, bearer):
    r = committed(app, make_rickshaw, odometer_km=500)
    s = committed(app, make_station)
    url = f"/api/v1/rickshaws/{r.id}/maintenance"
    care = bearer("caretaker", name="Hanna")
    data = {
        "kind": "brakes",
        "performed_at": "2026-11-20T10:00:00+01:00",
        "odometer_km": 510,
        "description": "Beläge neu",
        "parts": "Bremsbeläge",
        "cost": 24.5,
        "station_id": s.id,
    }
    response = client.post(url, json=data, headers=care)
    assert response.status_code == 201
    record = response.json["maintenance"]
    assert record["cost"] == 24.5 and record["performed_by"] == "Hanna"
    assert record["performed_at"] == "2026-11-20T10:00:00+01:00"
    assert response.json["rickshaw"]["odometer_km"] == 510
    backwards = client.post(url, json={**data, "odometer_km": 400}, headers=care)
    assert backwards.status_code == 422 and backwards.json["error"]["code"] == "odometer_backwards"
    naive = client.post(
        url, json={**data, "performed_at": "2026-11-20T10:00", "odometer_km": 520}, headers=care
    )
    assert naive.status_code == 422 and "performed_at" in naive.json["error"]["fields"]
    invalid = client.post(url, json={"kind": "polieren", "odometer_km": -1}, headers=care)
    assert invalid.status_code == 422
    assert {"kind", "odometer_km", "performed_at", "description"} <= set(invalid.json["error"]["fields"])
    assert client.post(url, json=data, headers=bearer("driver")).status_code == 403
    assert client.post("/api/v1/rickshaws/987654/maintenance", json=data, headers=care).status_code == 404


def test_defects_and_clearing(app, client, bearer):
    first_id, _start, morning_id, afternoon_id = _two_rickshaws_three_rides(app)
    driver = bearer("driver")
    url = f"/api/v1/rickshaws/{first_id}/defects"
    invalid = client.post(url, json={"severity": "schlimm"}, headers=driver)
    assert invalid.status_code == 422 and {"severity", "description"} <= set(invalid.json["error"]["fields"])
    minor = client.post(url, json={"severity": "minor", "description": "Klingel"}, headers=driver)
    assert (
        minor.status_code == 201
        and minor.json["moved_rides"] == []
        and minor.json["rickshaw"]["status"] == "in_service"
    )
    response = client.post(url, json={"severity": "grounding", "description": "Bremse"}, headers=driver)
    assert response.status_code == 201
    assert response.json["rickshaw"]["status"] == "grounded"
    assert response.json["moved_rides"] == [morning_id] and response.json["flagged_rides"] == [afternoon_id]
    defect_id = response.json["defect"]["id"]
    with app.app_context():
        assert db.session.get(Ride, afternoon_id).needs_attention

    clear = f"/api/v1/defects/{defect_id}/clear"
    assert client.post(clear, json={"note": "neu"}, headers=driver).status_code == 403
    care = bearer("caretaker")
    assert client.post(clear, json={}, headers=care).status_code == 422
    cleared = client.post(clear, json={"note": "Bremse getauscht"}, headers=care)
    assert cleared.status_code == 200 and cleared.json["rickshaw"]["status"] == "in_service"
    assert (
        cleared.json["defect"]["open"] is False and cleared.json["defect"]["clear_note"] == "Bremse getauscht"
    )
    again = client.post(clear, json={"note": "nochmal"}, headers=care)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_cleared"
    assert client.post("/api/v1/defects/987654/clear", json={"note": "x"}, headers=care).status_code == 404
    assert (
        client.post(
            url, json={"severity": "minor", "description": "x"}, headers=bearer("resident")
        ).status_code
        == 403
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(DefectReport.id))) == 2


def test_charging(app, client, bearer):
    s = committed(app, make_station, chargers=1)
    no_power = committed(app, make_station, is_charging=False, chargers=0)
    elsewhere = committed(app, make_station, chargers=2)
    first, second = committed(app, make_rickshaw), committed(app, make_rickshaw)
    start, end = past_window()
    driver = bearer("driver")
    data = {
        "station_id": s.id,
        "start": iso(start),
        "end": iso(end),
        "soc_before": 20,
        "soc_after": 90,
        "energy_kwh": 0.7,
    }
    response = client.post(f"/api/v1/rickshaws/{first.id}/charging", json=data, headers=driver)
    assert response.status_code == 201
    assert response.json["charging"]["energy_kwh"] == 0.7 and response.json["charging"]["station"] == s.name
    for rickshaw_id, change, status, code in (
        (second.id, {}, 422, "station_full"),
        (first.id, {"station_id": elsewhere.id}, 422, "rickshaw_overlap"),
        (second.id, {"station_id": no_power.id}, 422, "not_charging_station"),
        (second.id, {"start": iso(end), "end": iso(start)}, 422, "end_before_start"),
        (second.id, {"soc_before": 90, "soc_after": 10}, 422, "soc_decreased"),
    ):
        result = client.post(
            f"/api/v1/rickshaws/{rickshaw_id}/charging", json={**data, **change}, headers=driver
        )
        assert (result.status_code, result.json["error"]["code"]) == (status, code), change
    invalid = client.post(f"/api/v1/rickshaws/{second.id}/charging", json={"soc_after": 150}, headers=driver)
    assert invalid.status_code == 422 and {"station_id", "start", "end", "soc_before", "soc_after"} <= set(
        invalid.json["error"]["fields"]
    )
    assert (
        client.post(
            f"/api/v1/rickshaws/{second.id}/charging", json=data, headers=bearer("resident")
        ).status_code
        == 403
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(ChargingSession.id))) == 1


def test_blocks(app, client, bearer):
    first_id, start, morning_id, afternoon_id = _two_rickshaws_three_rides(app)
    url = f"/api/v1/rickshaws/{first_id}/blocks"
    office = bearer("coordinator")
    data = {
        "start": iso(start - timedelta(hours=1)),
        "end": iso(start + timedelta(hours=2)),
        "reason": "Werkstatt",
    }
    assert client.post(url, json=data, headers=bearer("caretaker")).status_code == 403
    wrong = client.post(url, json={**data, "end": data["start"]}, headers=office)
    assert wrong.status_code == 422 and "end" in wrong.json["error"]["fields"]
    response = client.post(url, json=data, headers=office)
    assert response.status_code == 201
    assert response.json["moved_rides"] == [morning_id] and response.json["flagged_rides"] == []
    assert response.json["block"]["reason"] == "Werkstatt"
    with app.app_context():
        assert db.session.get(Ride, afternoon_id).rickshaw_id == first_id


def test_openapi_lists_the_fleet_endpoints(client):
    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert set(paths["/api/v1/rickshaws/{rickshaw_id}"]) >= {"get", "patch"}
    for path in (
        "/api/v1/rickshaws/{rickshaw_id}/history",
        "/api/v1/stations",
        "/api/v1/rickshaws/{rickshaw_id}/maintenance",
        "/api/v1/rickshaws/{rickshaw_id}/defects",
        "/api/v1/defects/{defect_id}/clear",
        "/api/v1/rickshaws/{rickshaw_id}/charging",
        "/api/v1/rickshaws/{rickshaw_id}/blocks",
    ):
        assert path in paths, path
    charging = paths["/api/v1/rickshaws/{rickshaw_id}/charging"]["post"]
    schema = charging["requestBody"]["content"]["application/json"]["schema"]
    assert (
        schema["properties"]["start"]["format"] == "date-time" and "rickshaw_id" not in schema["properties"]
    )
    assert charging["x-roles"] == ["driver", "caretaker", "coordinator"]
    assert set(paths["/api/v1/stations"]) == {"get", "post"}


def test_station_rows_unchanged_after_failed_requests(app, client, bearer):
    office = bearer("coordinator")
    client.post("/api/v1/stations", json={"name": "", "kinds": []}, headers=office)
    with app.app_context():
        assert db.session.scalar(select(func.count(Station.id))) == 0
