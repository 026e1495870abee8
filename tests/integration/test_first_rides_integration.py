"""riders.first_ride_at is kept by the database: whatever writes the rides, it is the start of the
rider's earliest completed ride (checked against a model of the rides kept here)."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, delete, insert, select, text, update

from rikscha.extensions import db
from rikscha.rides import first_rides as first_ride_module
from rikscha.rides.models import Ride, Rider, RideStatus
from rikscha.rides.services import complete_ride
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider

pytestmark = pytest.mark.both_databases

STATUSES = ("requested", "confirmed", "completed", "cancelled", "no_show")
BASE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def first_rides(rider_ids) -> dict[int, datetime | None]:
    rows = db.session.execute(select(Rider.id, Rider.first_ride_at).where(Rider.id.in_(rider_ids)))
    return dict(rows.all())


def test_the_triggers_name_the_completed_status_as_the_app_does():
    assert first_ride_module.COMPLETED == RideStatus.COMPLETED.value


def test_completing_a_booked_ride_sets_it_and_a_later_one_does_not_move_it(app):
    with app.app_context():
        make_rickshaw()
        driver = make_driver()
        rider = make_rider()
        later = make_ride(rider=rider, start=datetime(2026, 11, 18, 10, tzinfo=UTC))
        earlier = make_ride(rider=rider, start=datetime(2026, 11, 16, 10, tzinfo=UTC))
        db.session.commit()
        assert first_rides([rider.id]) == {rider.id: None}

        complete_ride(later, by=driver, km=3.0, now=datetime(2026, 11, 19, tzinfo=UTC))
        db.session.commit()
        assert first_rides([rider.id]) == {rider.id: later.start_at}

        complete_ride(earlier, by=driver, km=2.0, now=datetime(2026, 11, 19, tzinfo=UTC))
        db.session.commit()
        assert first_rides([rider.id]) == {rider.id: earlier.start_at}


def test_a_random_history_of_writes_keeps_every_riders_first_ride(app):
    """Inserts, outcome changes, moves in time and between riders, deletions; several per
    transaction, some rolled back. After every commit each rider's value equals the model's."""
    chance = random.Random(20261121)
    with app.app_context():
        rider_ids = [make_rider().id for _ in range(4)]
        db.session.commit()
        rides: dict[int, tuple[int, int, str]] = {}  # id → (rider, slot, status), as committed
        free_slots = list(range(400))
        chance.shuffle(free_slots)

        def slot_times(slot: int) -> dict:
            # One slot per ride, a day apart: no two rides ever overlap, whatever their rider.
            start = BASE + timedelta(days=slot)
            return {
                "start_at": start,
                "end_at": start + timedelta(hours=1),
                "blocked_from": start - timedelta(minutes=15),
                "blocked_until": start + timedelta(hours=1, minutes=15),
            }

        def expected() -> dict[int, datetime | None]:
            firsts: dict[int, datetime | None] = dict.fromkeys(rider_ids)
            for rider, slot, status in rides.values():
                start = BASE + timedelta(days=slot)
                if status == "completed" and (firsts[rider] is None or start < firsts[rider]):
                    firsts[rider] = start
            return firsts

        operations = {"insert": 0, "status": 0, "move": 0, "rider": 0, "delete": 0}
        for step in range(60):
            pending = dict(rides)
            for _ in range(chance.randint(1, 3)):
                operation = chance.choice(["insert", "insert", "status", "move", "rider", "delete"])
                if operation != "insert" and not pending:
                    operation = "insert"
                operations[operation] += 1
                if operation == "insert":
                    rider, slot, status = chance.choice(rider_ids), free_slots.pop(), chance.choice(STATUSES)
                    ride_id = db.session.execute(
                        insert(Ride)
                        .values(rider_id=rider, pickup="Parkstraße 1", status=status, **slot_times(slot))
                        .returning(Ride.id)
                    ).scalar_one()
                    pending[ride_id] = (rider, slot, status)
                    continue
                ride_id = chance.choice(sorted(pending))
                rider, slot, status = pending[ride_id]
                if operation == "delete":
                    db.session.execute(delete(Ride).where(Ride.id == ride_id))
                    del pending[ride_id]
                    continue
                if operation == "status":
                    status = chance.choice(STATUSES)
                    values = {"status": status}
                elif operation == "move":
                    slot = free_slots.pop()
                    values = slot_times(slot)
                else:
                    rider = chance.choice(rider_ids)
                    values = {"rider_id": rider}
                db.session.execute(update(Ride).where(Ride.id == ride_id).values(**values))
                pending[ride_id] = (rider, slot, status)
            if step % 7 == 6:  # a failed transaction leaves nothing behind
                db.session.rollback()
            else:
                db.session.commit()
                rides = pending
            assert first_rides(rider_ids) == expected(), f"after step {step}"
        # The walk did reach every kind of write, and some rider has a first ride.
        assert min(operations.values()) >= 5, operations
        assert any(value is not None for value in expected().values())


@pytest.mark.postgresql_only
def test_two_transactions_changing_one_riders_rides_each_see_the_others_commit(app):
    """T1 completes the rider's earlier ride; T2, meanwhile, cancels the later completed one.
    T2 must wait for T1 and then count T1's ride: the rider's first ride is T1's, not none."""
    with app.app_context():
        rider = make_rider()
        earlier, later = BASE, BASE + timedelta(days=2)
        ids = [
            db.session.execute(
                insert(Ride)
                .values(
                    rider_id=rider.id,
                    pickup="Parkstraße 1",
                    status=status,
                    start_at=start,
                    end_at=start + timedelta(hours=1),
                    blocked_from=start,
                    blocked_until=start + timedelta(hours=1),
                )
                .returning(Ride.id)
            ).scalar_one()
            for start, status in ((earlier, "confirmed"), (later, "completed"))
        ]
        db.session.commit()
        assert first_rides([rider.id]) == {rider.id: later}
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        first, second = engine.connect(), engine.connect()
        try:
            second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()
            second.commit()
            with first.begin():
                first.execute(update(Ride).where(Ride.id == ids[0]).values(status="completed"))

                def cancel_the_later_ride():
                    with second.begin():
                        second.execute(update(Ride).where(Ride.id == ids[1]).values(status="cancelled"))

                worker = threading.Thread(target=cancel_the_later_ride)
                worker.start()
                waiting = text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")
                for _ in range(500):  # until T2 waits for T1's lock (at most 5 s)
                    with engine.connect() as probe:
                        if probe.execute(waiting, {"pid": second_pid}).scalar() == "Lock":
                            break
                    time.sleep(0.01)
                else:
                    pytest.fail("the second transaction never waited for the first")
            worker.join(timeout=10)
            assert not worker.is_alive()
        finally:
            first.close()
            second.close()
            engine.dispose()
        db.session.expire_all()
        assert first_rides([rider.id]) == {rider.id: earlier}
