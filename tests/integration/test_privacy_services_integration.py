"""Privacy services: export, erasure by anonymisation, consent (real database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from rikscha.audit.models import AuditEvent
from rikscha.extensions import db
from rikscha.messages import message_for
from rikscha.notifications.models import OutboxMessage
from rikscha.rides.errors import RideConflict
from rikscha.rides.models import Ride, Rider
from rikscha.rides.privacy import (
    anonymise_rider,
    export_rider,
    months_before,
    record_consent,
    withdraw_consent,
)
from rikscha.rides.services import RideRequest, book_ride, complete_ride
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_user

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday
TEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in Berlin
AFTER = TEN + timedelta(hours=3)


@pytest.fixture
def world(ctx):
    """Two rickshaws and drivers; Berta (managed, one completed + one future ride) and Otto."""
    make_rickshaw(name="Rosi")
    make_rickshaw(name="Emil")
    make_driver(name="Fabian")
    make_driver(name="Dana")
    office = make_user(roles=("coordinator",), name="Kora")
    manager = make_user(name="Maria Manager", email="maria@example.org")
    berta = make_rider(
        manager=manager,
        name="Berta Bewohner",
        email="berta@example.org",
        need_rollator=True,
        needs_note="Hörgerät",
        consent_at=NOW - timedelta(days=30),
        consent_method="phone",
        consent_by_id=office.id,
    )
    otto = make_rider(name="Otto Oswald", needs_note="Otto-Geheimnis")
    done = make_ride(
        rider=berta,
        start=TEN,
        by=manager,
        now=NOW,
        needs=frozenset({"blanket"}),
        needs_note="Decke",
        notes="Klingel defekt",
        destination_text="Café Krause",
    )
    complete_ride(done, by=office, km=7.5, now=TEN + timedelta(hours=2))
    future = make_ride(rider=berta, start=TEN + timedelta(days=1), now=NOW)
    other = make_ride(rider=otto, start=TEN + timedelta(hours=4), now=NOW, destination_text="Ottos Ziel")
    db.session.flush()
    return {
        "office": office,
        "manager": manager,
        "berta": berta,
        "otto": otto,
        "done": done,
        "future": future,
        "other": other,
    }


def test_export_holds_everything_about_the_rider_and_nothing_of_others(world):
    data = export_rider(world["berta"], now=AFTER)
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert data["rider"]["name"] == "Berta Bewohner"
    assert data["rider"]["needs"] == {"flags": ["rollator"], "note": "Hörgerät"}
    assert data["consent"]["method"] == "phone"
    assert data["consent"]["given_by"]["name"] == "Kora"
    assert data["managers"] == [{"name": "Maria Manager", "email": "maria@example.org"}]
    assert [ride["id"] for ride in data["rides"]] == [world["done"].id, world["future"].id]
    first = data["rides"][0]
    assert first["start"] == "2026-12-02T10:00:00+01:00"
    assert first["km"] == 7.5 and first["status"] == "completed"
    assert first["needs"] == {"flags": ["blanket"], "note": "Decke"}
    assert first["destination"] == "Café Krause" and first["booked_via"] == "phone"
    assert first["booked_by"]["name"] == "Maria Manager"
    assert {m["kind"] for m in data["messages"]} == {"confirmation"}
    assert any(e["action"] == "complete" and e["entity"] == "ride" for e in data["audit_events"])
    assert "Otto" not in text and "Ottos Ziel" not in text


def test_anonymise_clears_personal_data_and_keeps_statistics(world):
    berta, otto = world["berta"], world["otto"]
    km_before = db.session.scalar(select(func.sum(Ride.km)))
    result = anonymise_rider(berta, by=world["office"], now=AFTER)
    db.session.commit()
    assert result.rides == 2 and result.cancelled == 1
    rider = db.session.get(Rider, berta.id)
    assert rider.name == f"Anonymisiert #{berta.id}"
    assert (rider.phone, rider.email, rider.address, rider.needs_note, rider.needs()) == ("", "", "", "", [])
    assert rider.managers == [] and rider.anonymised_at == AFTER
    rides = db.session.scalars(select(Ride).where(Ride.rider_id == berta.id).order_by(Ride.start_at)).all()
    assert len(rides) == 2
    done, future = rides
    assert (done.status, done.km, done.start_at) == ("completed", 7.5, TEN)
    assert done.rickshaw_id is not None and done.driver_id is not None
    assert (done.pickup, done.destination_text, done.notes, done.needs_note, done.needs()) == (
        "",
        "",
        "",
        "",
        [],
    )
    assert (future.status, future.cancel_reason, future.cancel_note) == ("cancelled", "rider", "")
    assert db.session.scalar(select(func.sum(Ride.km))) == km_before
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.rider_id == berta.id)
        )
        == 0
    )
    other = db.session.get(Ride, world["other"].id)
    assert other.destination_text == "Ottos Ziel" and other.status == "confirmed"
    assert db.session.get(Rider, otto.id).needs_note == "Otto-Geheimnis"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "anonymise"))
    assert event.entity_id == berta.id and "Berta" not in event.summary
    # Idempotent: a second run changes nothing and records nothing.
    assert anonymise_rider(rider, by=world["office"], now=AFTER + timedelta(hours=1)) is None
    assert rider.anonymised_at == AFTER
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "anonymise")
        )
        == 1
    )


def test_anonymised_rider_cannot_be_booked(world):
    anonymise_rider(world["berta"], by=world["office"], now=AFTER)
    request = RideRequest(
        rider=world["berta"], start=TEN + timedelta(days=2), duration=60, passengers=1, pickup="x"
    )
    with pytest.raises(RideConflict) as caught:
        book_ride(request, by=None, via="phone", now=AFTER, privileged=True)
    assert caught.value.code == "rider_anonymised"


def test_withdrawn_consent_blocks_booking_until_renewed(world):
    berta, office = world["berta"], world["office"]
    assert withdraw_consent(berta, by=office, now=AFTER) is True
    assert withdraw_consent(berta, by=office, now=AFTER + timedelta(hours=1)) is False  # no double entry
    assert (berta.consent_withdrawn_at, berta.consent_withdrawn_by_id) == (AFTER, office.id)
    request = RideRequest(rider=berta, start=TEN + timedelta(days=2), duration=60, passengers=1, pickup="x")
    with pytest.raises(RideConflict) as caught:
        book_ride(request, by=None, via="phone", now=AFTER, privileged=True)
    assert caught.value.code == "consent_withdrawn" and caught.value.status == 409
    export = export_rider(berta, now=AFTER)
    assert export["consent"]["withdrawn_by"]["name"] == "Kora"
    record_consent(berta, method="paper", by=office, now=AFTER + timedelta(hours=2))
    assert berta.consent_withdrawn_at is None and berta.consent_method == "paper"
    assert berta.consent_at == AFTER + timedelta(hours=2)
    assert book_ride(request, by=None, via="phone", now=AFTER, privileged=True).id
    actions = set(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "rider", AuditEvent.entity_id == berta.id)
        )
    )
    assert {"withdraw_consent", "consent"} <= actions


def test_consent_changes_are_refused_for_anonymised_riders(world):
    anonymise_rider(world["berta"], by=world["office"], now=AFTER)
    with pytest.raises(RideConflict):
        withdraw_consent(world["berta"], by=world["office"], now=AFTER)
    with pytest.raises(RideConflict):
        record_consent(world["berta"], method="phone", by=world["office"], now=AFTER)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 12, 1, 8, tzinfo=UTC), 24, datetime(2024, 12, 1, 8, tzinfo=UTC)),
        (datetime(2026, 3, 31, 8, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
    ],
)
def test_months_before(moment, months, expected):
    assert months_before(moment, months) == expected


def test_consent_withdrawn_has_a_german_message(app):
    with app.test_request_context():
        assert "Einverständnis widerrufen" in message_for("consent_withdrawn")
