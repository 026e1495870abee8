"""Free-time lists reuse a day's plan only while nothing it is built from has changed.

The counter is kept by database triggers, so writes that bypass this process (another worker,
a script, plain SQL on another connection) must invalidate it just like the app's own writes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

import rikscha.api.rides as rides_api
from rikscha.extensions import db
from rikscha.rides.models import Ride
from rikscha.rides.plan_cache import (
    ROSTER_COUNTER,
    cached_roster,
    planning_triggers_paused,
    planning_version,
)
from rikscha.rides.settings import current_settings, ensure_settings
from tests.factories import make_driver, make_rickshaw, make_rider, make_token, make_user
from tests.integration.test_migrations_integration import expected_triggers, triggers
from tests.query_plans import recorded

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
DAY = "2026-12-02"  # Wednesday, open 09:00–18:00
TEN = "2026-12-02T10:00:00+01:00"


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(rides_api, "utcnow", lambda: NOW)
    with app.app_context():
        rickshaw = make_rickshaw(name="Rosi")
        driver = make_driver(name="Dana")
        anna = make_user(name="Anna")
        rider = make_rider(manager=anna, name="Berta")
        token = make_token(anna)
        db.session.commit()
        return SimpleNamespace(rickshaw=rickshaw.id, driver=driver.id, rider=rider.id, token=token)


def free_times(client, token) -> list[str]:
    response = client.get(
        f"/api/v1/availability?date={DAY}&duration=60&passengers=1",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.json
    return [slot["start"] for slot in response.json["slots"]]


def other_worker(app, statement: str, **params) -> None:
    """Plain SQL on a connection of its own, as a second process or a script would write."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def test_every_watched_table_has_its_trigger(app):
    with app.app_context():
        assert triggers(db.engine) == expected_triggers(db.engine.dialect.name)


def test_a_write_bumps_the_version_once_committed(app, world):
    with app.app_context():
        before = planning_version()
        other_worker(app, "UPDATE rickshaws SET seats = 1 WHERE id = :id", id=world.rickshaw)
        db.session.rollback()  # a new transaction sees the other connection's commit
        after = planning_version()
    assert after[0] == before[0] and after[1] > before[1]


def test_rides_leave_the_roster_counter_alone_and_a_driver_change_bumps_both(app, world):
    def versions():
        db.session.rollback()  # a new transaction sees the other connection's commit
        return planning_version(), planning_version(ROSTER_COUNTER)

    with app.app_context():
        plans, roster = versions()
        other_worker(app, "UPDATE rickshaws SET seats = 1 WHERE id = :id", id=world.rickshaw)
        after_rickshaw = versions()
        assert after_rickshaw[0][1] == plans[1] + 1 and after_rickshaw[1] == roster
        other_worker(app, "UPDATE driver_profiles SET first_aid_valid_until = '2030-01-01'")
        after_driver = versions()
        assert after_driver[0][1] == plans[1] + 2 and after_driver[1][1] == roster[1] + 1


def book_at(client, world, start: str):
    return client.post(
        "/api/v1/rides",
        json={
            "rider_id": world.rider,
            "start": start,
            "duration": 30,
            "passengers": 1,
            "destination": "Park",
        },
        headers={"Authorization": f"Bearer {world.token}"},
    )


def test_bookings_reuse_the_roster_until_a_driver_changes(app, client, world):
    assert book_at(client, world, TEN).status_code == 201
    with recorded(app) as statements:
        assert book_at(client, world, "2026-12-02T11:00:00+01:00").status_code == 201
    assert statements and not [s for s in statements if "FROM driver_availability" in s]
    # Another worker takes away the driver's hours: the next booking must see it.
    other_worker(app, "DELETE FROM driver_availability WHERE driver_id = :id", id=world.driver)
    response = book_at(client, world, "2026-12-02T12:00:00+01:00")
    assert response.status_code == 409 and response.json["error"]["code"] == "slot_taken", response.json


def test_the_rosters_of_every_bookable_day_stay_remembered(app, world):
    """Bookings come in for any day up to the horizon (at most 365 days): a round over all of them
    must find each day's roster again, not push the first days out before they come round."""
    days = [date(2026, 12, 2) + timedelta(days=n) for n in range(366)]
    loaded = []
    with app.app_context():
        for day in days + days:
            cached_roster(day, "Europe/Berlin", lambda day=day: loaded.append(day) or ())
    assert loaded == days


def test_listing_free_times_reads_the_counters_once(app, client, world):
    """A plan built for free times keys its roster on the counters the request read at its start."""
    free_times(client, world.token)  # the token's owner is remembered from here on
    other_worker(app, "UPDATE rickshaws SET seats = seats WHERE id = :id", id=world.rickshaw)  # plan stale
    with recorded(app) as statements:
        free_times(client, world.token)
    assert any("FROM rickshaws" in s for s in statements)  # the plan was built anew (the roster reused)
    assert len([s for s in statements if "FROM planning_changes" in s]) == 1


def test_a_write_rolled_back_changes_nothing(app, world):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        before = planning_version()
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text("UPDATE rickshaws SET seats = 1 WHERE id = :id"), {"id": world.rickshaw})
            transaction.rollback()
        engine.dispose()
        db.session.rollback()
        assert planning_version() == before


def test_free_times_follow_writes_from_other_connections(app, client, world):
    first = free_times(client, world.token)
    assert TEN in first
    assert free_times(client, world.token) == first  # the same plan, reused

    # Another worker books 10:00 with the only rickshaw and driver.
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        connection.execute(
            Ride.__table__.insert().values(
                rider_id=world.rider,
                passengers=1,
                status="confirmed",
                pickup="Weg 1",
                destination_text="Park",
                start_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
                end_at=datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
                blocked_from=datetime(2026, 12, 2, 8, 45, tzinfo=UTC),
                blocked_until=datetime(2026, 12, 2, 10, 15, tzinfo=UTC),
                rickshaw_id=world.rickshaw,
                driver_id=world.driver,
            )
        )
    engine.dispose()
    booked = free_times(client, world.token)
    assert TEN not in booked and len(booked) < len(first)

    # A script takes the rickshaw out of service: nothing is free any more.
    other_worker(app, "UPDATE rickshaws SET status = 'grounded' WHERE id = :id", id=world.rickshaw)
    assert free_times(client, world.token) == []

    # … and back: the day is as after the booking again.
    other_worker(app, "UPDATE rickshaws SET status = 'in_service' WHERE id = :id", id=world.rickshaw)
    assert free_times(client, world.token) == booked


def test_free_times_follow_the_apps_own_booking_and_settings(app, client, world):
    assert TEN in free_times(client, world.token)
    response = client.post(
        "/api/v1/rides",
        json={"rider_id": world.rider, "start": TEN, "duration": 60, "passengers": 1, "destination": "Park"},
        headers={"Authorization": f"Bearer {world.token}"},
    )
    assert response.status_code == 201, response.json
    assert TEN not in free_times(client, world.token)
    # The driver's only qualification is withdrawn: nobody can drive the rickshaw.
    other_worker(app, "DELETE FROM driver_qualifications WHERE driver_id = :id", id=world.driver)
    assert free_times(client, world.token) == []


def footer_phone(client) -> str:
    page = client.get("/anmelden").get_data(as_text=True)
    return page.split('href="tel:', 1)[1].split('"', 1)[0]


def test_pages_follow_settings_changed_elsewhere_and_here(app, client, world):
    with app.app_context():
        ensure_settings().office_phone = "0711 111"
        db.session.commit()
    assert footer_phone(client) == "0711111"
    assert footer_phone(client) == "0711111"  # the same snapshot, reused
    other_worker(app, "UPDATE booking_settings SET office_phone = '0711 222'")
    assert footer_phone(client) == "0711222"
    # A request that changes the settings reads them fresh and leaves the snapshot alone.
    with app.test_request_context("/", method="POST"):
        assert current_settings().office_phone == "0711 222"
        ensure_settings().office_phone = "0711 333"
        db.session.commit()
    assert footer_phone(client) == "0711333"


def test_a_paused_bulk_load_counts_once_and_the_triggers_come_back(app, world):
    with app.app_context():
        before = planning_version()
        with db.engine.begin() as connection, planning_triggers_paused(connection):
            for seats in (1, 2, 1):
                connection.execute(
                    text("UPDATE rickshaws SET seats = :s WHERE id = :id"), {"s": seats, "id": world.rickshaw}
                )
        db.session.rollback()
        assert planning_version() == (before[0], before[1] + 1)
        other_worker(app, "UPDATE rickshaws SET seats = 2 WHERE id = :id", id=world.rickshaw)
        db.session.rollback()
        assert planning_version() == (before[0], before[1] + 2)
        assert triggers(db.engine) == expected_triggers(db.engine.dialect.name)
