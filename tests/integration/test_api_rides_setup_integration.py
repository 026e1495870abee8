"""The setup API: drivers' availability and qualifications, booking settings."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from rikscha.extensions import db
from rikscha.rides.models import (
    BookingSettings,
    DriverAbsence,
    DriverAvailability,
    DriverProfile,
    DriverQualification,
)
from tests.factories import make_token, make_user


@pytest.fixture
def token_for(app, make_user):
    def factory(*roles):
        user = make_user(roles=roles)
        with app.app_context():
            token = make_token(user)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return factory


@pytest.fixture
def office(token_for):
    return token_for("coordinator")


@pytest.fixture
def driver_id(app):
    with app.app_context():
        user = make_user(roles=("driver",), name="Neu Nora")
        db.session.commit()
        return user.id


# --- availability --------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_add_a_weekly_window(app, client, office, driver_id):
    response = client.post(
        f"/api/v1/drivers/{driver_id}/availability",
        headers=office,
        json={"weekday": 2, "start": "09:00", "end": "18:00"},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body == {
        "id": body["id"],
        "driver_id": driver_id,
        "type": "weekly",
        "weekday": 2,
        "start": "09:00",
        "end": "18:00",
    }
    with app.app_context():
        window = db.session.get(DriverAvailability, body["id"])
        assert (window.driver_id, window.weekday, window.start_time, window.end_time) == (
            driver_id,
            2,
            time(9),
            time(18),
        )


@pytest.mark.both_databases
def test_add_a_dated_absence(app, client, office, driver_id):
    response = client.post(
        f"/api/v1/drivers/{driver_id}/availability",
        headers=office,
        json={"absence_from": "2026-12-24", "absence_to": "2026-12-31", "reason": "holiday"},
    )
    assert response.status_code == 201, response.json
    assert response.json["type"] == "absence"
    assert (response.json["absence_from"], response.json["absence_to"]) == ("2026-12-24", "2026-12-31")
    with app.app_context():
        absence = db.session.scalar(select(DriverAbsence))
        assert (absence.start_date, absence.end_date, absence.reason) == (
            date(2026, 12, 24),
            date(2026, 12, 31),
            "holiday",
        )
    # The reason is optional.
    response = client.post(
        f"/api/v1/drivers/{driver_id}/availability",
        headers=office,
        json={"absence_from": "2027-01-05", "absence_to": "2027-01-05"},
    )
    assert response.status_code == 201 and response.json["reason"] == "other"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({}, 422, "validation_failed", "weekday"),
        ({"weekday": 7, "start": "09:00", "end": "10:00"}, 422, "validation_failed", "weekday"),
        ({"weekday": 1, "start": "9 Uhr", "end": "10:00"}, 422, "validation_failed", "start"),
        ({"weekday": 1, "start": "12:00", "end": "10:00"}, 422, "window_empty", "end"),
        ({"absence_from": "2026-12-24"}, 422, "validation_failed", "absence_to"),
        ({"absence_from": "2026-12-24", "absence_to": "2026-12-20"}, 422, "absence_empty", "absence_to"),
        (
            {"absence_from": "2026-12-24", "absence_to": "2026-12-26", "reason": "party"},
            422,
            "validation_failed",
            "reason",
        ),
    ],
)
def test_availability_validation(app, client, office, driver_id, body, status, code, field):
    response = client.post(f"/api/v1/drivers/{driver_id}/availability", headers=office, json=body)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert field in response.json["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(DriverAvailability)) is None
        assert db.session.scalar(select(DriverAbsence)) is None


def test_overlapping_windows_are_refused(client, office, driver_id):
    url = f"/api/v1/drivers/{driver_id}/availability"
    assert (
        client.post(url, headers=office, json={"weekday": 0, "start": "09:00", "end": "12:00"}).status_code
        == 201
    )
    response = client.post(url, headers=office, json={"weekday": 0, "start": "11:00", "end": "13:00"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "window_overlaps"
    assert "überschneidet" in response.json["error"]["message"]


def test_unknown_users_non_drivers_and_bad_bodies(app, client, office):
    with app.app_context():
        resident = make_user(roles=("resident",))
        db.session.commit()
        resident_id = resident.id
    body = {"weekday": 0, "start": "09:00", "end": "12:00"}
    response = client.post("/api/v1/drivers/987654/availability", headers=office, json=body)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    response = client.post(f"/api/v1/drivers/{resident_id}/availability", headers=office, json=body)
    assert response.status_code == 422 and response.json["error"]["code"] == "not_a_driver"
    response = client.post(
        f"/api/v1/drivers/{resident_id}/qualifications", headers=office, json={"rickshaw_kind": "Cruiser"}
    )
    assert response.status_code == 422 and response.json["error"]["code"] == "not_a_driver"
    response = client.post(
        f"/api/v1/drivers/{resident_id}/availability",
        headers=office,
        data="[1]",
        content_type="application/json",
    )
    assert response.status_code in (400, 422)


def test_only_coordinators_may_set_up(client, token_for, driver_id):
    body = {"weekday": 0, "start": "09:00", "end": "12:00"}
    assert client.post(f"/api/v1/drivers/{driver_id}/availability", json=body).status_code == 401
    for roles in (("resident",), ("driver",), ("caretaker",)):
        headers = token_for(*roles)
        assert (
            client.post(f"/api/v1/drivers/{driver_id}/availability", headers=headers, json=body).status_code
            == 403
        )
        assert (
            client.post(
                f"/api/v1/drivers/{driver_id}/qualifications",
                headers=headers,
                json={"rickshaw_kind": "Cruiser"},
            ).status_code
            == 403
        )
        assert client.get("/api/v1/settings", headers=headers).status_code == 403
        assert client.put("/api/v1/settings", headers=headers, json={}).status_code == 403


# --- qualifications ------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_add_a_qualification_with_first_aid(app, client, office, driver_id):
    url = f"/api/v1/drivers/{driver_id}/qualifications"
    response = client.post(
        url,
        headers=office,
        json={
            "rickshaw_kind": "Cruiser",
            "instructed_on": "2026-03-01",
            "first_aid_valid_until": "2028-03-31",
        },
    )
    assert response.status_code == 201, response.json
    assert response.json == {
        "driver_id": driver_id,
        "rickshaw_kind": "Cruiser",
        "instructed_on": "2026-03-01",
        "first_aid_valid_until": "2028-03-31",
    }
    # Again for the same kind: updated, not duplicated; first aid untouched when not given.
    response = client.post(url, headers=office, json={"rickshaw_kind": "Cruiser"})
    assert response.status_code == 201
    assert response.json["instructed_on"] is None and response.json["first_aid_valid_until"] == "2028-03-31"
    with app.app_context():
        assert len(db.session.scalars(select(DriverQualification)).all()) == 1
        assert db.session.get(DriverProfile, driver_id).first_aid_valid_until == date(2028, 3, 31)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rickshaw_kind": " "},
        {"rickshaw_kind": "C" * 81},
        {"rickshaw_kind": "Cargo", "instructed_on": "gestern"},
        {"rickshaw_kind": "Cargo", "first_aid_valid_until": "31.03.2028"},
    ],
)
def test_qualification_validation(app, client, office, driver_id, body):
    response = client.post(f"/api/v1/drivers/{driver_id}/qualifications", headers=office, json=body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    with app.app_context():
        assert db.session.scalar(select(DriverQualification)) is None


# --- settings ------------------------------------------------------------------------------------


def test_get_settings_shows_the_defaults(client, office):
    response = client.get("/api/v1/settings", headers=office)
    assert response.status_code == 200
    body = response.json
    assert body["opening_hours"]["0"] == [["09:00", "18:00"]] and "6" not in body["opening_hours"]
    assert (body["lead_time_hours"], body["horizon_days"], body["durations"]) == (24, 60, [30, 60, 90, 120])
    assert (body["buffer_minutes"], body["cancel_cutoff_hours"], body["closed_days"]) == (15, 2, [])


@pytest.mark.both_databases
def test_put_settings_stores_them(app, client, office):
    new = {
        "opening_hours": {"0": [["14:00", "18:00"], ["09:00", "12:00"]], "5": [["10:00", "14:00"]], "6": []},
        "closed_days": ["2026-12-31", "2026-12-24"],
        "lead_time_hours": 48,
        "horizon_days": 30,
        "durations": [45, 90],
        "buffer_minutes": 10,
        "cancel_cutoff_hours": 3,
        "office_phone": "0341 123",
    }
    response = client.put("/api/v1/settings", headers=office, json=new)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["opening_hours"] == {"0": [["09:00", "12:00"], ["14:00", "18:00"]], "5": [["10:00", "14:00"]]}
    assert body["closed_days"] == ["2026-12-24", "2026-12-31"] and body["durations"] == [45, 90]
    assert (body["lead_time_hours"], body["office_phone"]) == (48, "0341 123")
    assert client.get("/api/v1/settings", headers=office).json == body
    # Fields left out keep their values.
    response = client.put("/api/v1/settings", headers=office, json={"buffer_minutes": 20})
    assert response.status_code == 200
    assert response.json["buffer_minutes"] == 20 and response.json["durations"] == [45, 90]
    with app.app_context():
        assert len(db.session.scalars(select(BookingSettings)).all()) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"opening_hours": []}, "opening_hours"),
        ({"opening_hours": {"7": [["09:00", "18:00"]]}}, "opening_hours"),
        ({"opening_hours": {"0": [["18:00", "09:00"]]}}, "opening_hours"),
        ({"opening_hours": {"0": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "opening_hours"),
        ({"opening_hours": {"0": ["09:00-18:00"]}}, "opening_hours"),
        ({"closed_days": "2026-12-24"}, "closed_days"),
        ({"closed_days": ["2026-02-30"]}, "closed_days"),
        ({"lead_time_hours": -1}, "lead_time_hours"),
        ({"lead_time_hours": 2.5}, "lead_time_hours"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"durations": []}, "durations"),
        ({"durations": [75]}, "durations"),
        ({"buffer_minutes": 500}, "buffer_minutes"),
        ({"cancel_cutoff_hours": "zwei"}, "cancel_cutoff_hours"),
        ({"office_phone": ""}, "office_phone"),
    ],
)
def test_put_settings_validation(app, client, office, body, field):
    response = client.put("/api/v1/settings", headers=office, json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_failed"
    assert field in response.json["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(BookingSettings)) is None


def test_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert paths["/api/v1/drivers/{user_id}/availability"]["post"]["x-roles"] == ["coordinator"]
    schema = paths["/api/v1/drivers/{user_id}/availability"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    assert {"weekday", "start", "end", "absence_from", "absence_to", "reason"} <= set(
        schema["schema"]["properties"]
    )
    assert "post" in paths["/api/v1/drivers/{user_id}/qualifications"]
    assert {"get", "put"} <= set(paths["/api/v1/settings"])
