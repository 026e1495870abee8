"""Two requests saving the same name at the same moment: the second gets the clear "taken" error, not a 500.

Each service checks that a name (an e-mail address) is free before saving it. On PostgreSQL two
requests can both pass that check – a double click on "Registrieren" does it – and the unique
constraint refuses the second insert. The race is made certain here, not left to timing: the
first "request" saves and flushes but does not commit; the second runs in another thread on a
second app instance (another server process), finds the name free, and its insert waits for the
first transaction – which this test sees in pg_stat_activity before it lets the first commit.

SQLite needs no such test: a writing request holds the write lock from its first statement
(BEGIN IMMEDIATE), so the second one's check already sees the first one's row.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from rikscha.auth.services import EmailTaken, create_user
from rikscha.domain import DomainError
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw
from rikscha.fleet.services import add_battery_pack, save_rickshaw, save_station
from rikscha.quarter.services import save_area
from rikscha.rides.models import Place
from rikscha.rides.office_services import create_place, update_place
from tests.factories import make_place
from tests.pg_waits import waits_for_a_lock

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _user():
    return create_user(
        email="doppelt@example.org", name="Doppelt", password="ein-sicheres-passwort", roles=["resident"]
    )


def _area():
    return save_area(None, by=None, name="Spielplatz Nord", kind="playground")


def _place():
    return create_place(name="Stadtpark", address="Parkweg 1", notes="", by=None)


def _rickshaw():
    values = {"name": "Emil", "kind": "Cruiser", "seats": 2, "odometer_km": 0, "capacity_minutes": 480}
    return save_rickshaw(None, by=None, now=NOW, **values)


def _station():
    return save_station(
        None,
        by=None,
        name="Ladestation Mitte",
        address="Markt 1",
        kinds=["charging"],
        chargers=2,
        opening_notes="",
    )


def _battery_pack():
    return add_battery_pack(db.session.scalars(select(Rickshaw)).one(), label="Akku A", by=None)


_TO_RENAME: list[str] = []  # filled by _places_to_rename


def _places_to_rename():
    make_place(name="Markt")
    make_place(name="Bahnhof")
    _TO_RENAME[:] = ["Markt", "Bahnhof"]


def _rename_a_place():
    # The first request renames "Markt", the second "Bahnhof": both to the same new name.
    place = db.session.scalars(select(Place).where(Place.name == _TO_RENAME.pop(0))).one()
    update_place(place, name="Stadtpark", address=place.address, notes="", by=None)


SAVES = {  # what the two requests save, what exists before, and the error the second one gets
    "user": (_user, None, EmailTaken),
    "area": (_area, None, DomainError),
    "place": (_place, None, DomainError),
    "place renamed": (_rename_a_place, _places_to_rename, DomainError),
    "rickshaw": (_rickshaw, None, DomainError),
    "station": (_station, None, DomainError),
    "battery pack": (_battery_pack, _rickshaw, DomainError),
}


@pytest.mark.postgresql_only
@pytest.mark.parametrize("kind", list(SAVES))
def test_the_second_of_two_simultaneous_saves_of_a_name_is_told_it_is_taken(
    app, make_app, database_url, kind
):
    save, before, taken = SAVES[kind]
    if before is not None:
        with app.app_context():
            before()
            db.session.commit()
    other = make_app()
    outcome: dict[str, object] = {}

    def second_request():
        with other.app_context():
            try:
                save()
                db.session.commit()
                outcome["answer"] = "saved"
            except taken as error:
                db.session.rollback()
                outcome["answer"] = error.code
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                outcome["answer"] = repr(error)

    with app.app_context():
        save()  # flushed, not committed: the row holds the name, invisible to others
        thread = threading.Thread(target=second_request)
        thread.start()
        waited = waits_for_a_lock(database_url)
        db.session.commit()
    thread.join(timeout=30)
    assert waited, "the second save never waited for the first one's row"
    assert outcome.get("answer") in {"email_taken", "area_name_taken", "place_name_taken", "name_taken"}, (
        outcome
    )
