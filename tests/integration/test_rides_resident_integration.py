"""Residents' ride pages: their riders, the booking wizard, their rides, cancelling, and privacy."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from rikscha.extensions import db
from rikscha.notifications.models import OutboxMessage
from rikscha.rides import views_resident
from rikscha.rides.models import Ride, Rider
from tests.factories import make_driver, make_place, make_rickshaw, make_ride, make_rider, make_user

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
TEN = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in Berlin
DAY = "2026-12-02"


@pytest.fixture
def clock(monkeypatch):
    """The pages' clock, fixed at NOW; `clock.set(moment)` moves it."""
    state = SimpleNamespace(now=NOW)
    state.set = lambda moment: setattr(state, "now", moment)
    monkeypatch.setattr(views_resident, "utcnow", lambda: state.now)
    return state


@pytest.fixture
def world(app, clock):
    """One rickshaw, one driver, a place, a resident managing one rider, and another resident."""
    with app.app_context():
        make_rickshaw(name="Rosi")
        make_driver(name="Fabian Fahrer")
        place = make_place(name="Stadtpark", address="Parkallee 1")
        make_place(name="Altes Kino", active=False)
        resident = make_user(name="Bea Bewohner", email="bea@example.org")
        rider = make_rider(manager=resident, name="Otto Oswald", address="Lindenstraße 4", need_blanket=True)
        other = make_user(name="Nora Nachbar", email="nora@example.org")
        foreign = make_rider(manager=other, name="Frau Fremd")
        db.session.commit()
        return SimpleNamespace(
            resident=resident, rider_id=rider.id, place_id=place.id, other=other, foreign_id=foreign.id
        )


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _checked(page: str, value: str) -> bool:
    return re.search(rf'<input checked[^>]*value="{value}"', page) is not None


def _book_args(rider_id, day=DAY, duration=60, passengers=1, **extra):
    return {"rider_id": rider_id, "day": day, "duration": duration, "passengers": passengers, **extra}


def _details(world, **overrides):
    data = _book_args(
        world.rider_id,
        start=TEN.isoformat(),
        pickup="Lindenstraße 4",
        destination_place_id=str(world.place_id),
        destination_text="",
        needs=["blanket"],
        needs_note="",
        notes="Bitte klingeln",
    )
    data.update(overrides)
    return data


def _rides(app, rider_id):
    with app.app_context():
        return db.session.scalars(select(Ride).where(Ride.rider_id == rider_id)).all()


# --- start page and riders ----------------------------------------------------------------------


def test_login_lands_on_my_rides_with_the_resident_menu(client, make_user):
    user = make_user(name="Neu Hier")
    response = client.post("/anmelden", data={"email": user.email, "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/bewohner"
    page = _text(client.get("/bewohner"))
    assert "<h1>Meine Fahrten</h1>" in page
    assert 'href="/fahrten/buchen"' in page and 'href="/fahrgaeste"' in page
    assert "Noch keine Fahrten – jetzt eine Fahrt buchen" in page
    assert "Fahrgast eintragen" in page  # without riders, the first step is adding one


def test_riders_empty_add_and_edit(app, client, make_user, login, clock):
    user = make_user()
    login(user)
    assert "Sie haben noch niemanden eingetragen" in _text(client.get("/fahrgaeste"))
    form = _text(client.get("/fahrgaeste/neu"))
    assert "consent_method" not in form and "Einverständnis zur Speicherung" not in form
    response = client.post("/fahrgaeste/neu", data={"name": "", "address": "", "email": "kaputt"})
    page = _text(response)
    assert response.status_code == 200
    assert "Bitte füllen Sie dieses Feld aus." in page and "gültige E-Mail-Adresse" in page
    response = client.post(
        "/fahrgaeste/neu",
        data={
            "name": "Hilde Huber",
            "phone": "0341 1",
            "address": "Am Markt 2",
            "needs": ["rollator", "companion"],
            "consent_method": "paper",  # ignored: residents always consent online
        },
    )
    assert response.headers["Location"] == "/fahrgaeste"
    with app.app_context():
        rider = db.session.scalar(select(Rider).where(Rider.name == "Hilde Huber"))
        assert rider.consent_method == "online" and rider.consent_at == NOW
        assert [m.id for m in rider.managers] == [user.id]
        rider_id = rider.id
    page = _text(client.get("/fahrgaeste"))
    assert "Hilde Huber" in page and "Rollator oder Gehhilfe mitnehmen, Mit Begleitperson" in page
    edit = _text(client.get(f"/fahrgaeste/{rider_id}"))
    assert 'value="Hilde Huber"' in edit and _checked(edit, "rollator") and not _checked(edit, "blanket")
    response = client.post(
        f"/fahrgaeste/{rider_id}", data={"name": "Hilde Huber", "address": "Am Markt 3", "needs": ["blanket"]}
    )
    assert response.headers["Location"] == "/fahrgaeste"
    with app.app_context():
        rider = db.session.get(Rider, rider_id)
        assert rider.address == "Am Markt 3" and rider.needs() == ["blanket"]
    response = client.post(f"/fahrgaeste/{rider_id}", data={"name": " ", "address": "Am Markt 3"})
    assert "Bitte füllen Sie dieses Feld aus." in _text(response)


def test_adding_a_rider_from_the_wizard_continues_booking(app, client, make_user, login, clock):
    login(make_user())
    page = _text(client.get("/fahrten/buchen"))
    assert "Bevor Sie buchen können" in page and "/fahrgaeste/neu?weiter=buchen" in page
    response = client.post("/fahrgaeste/neu?weiter=buchen", data={"name": "Ich Selbst", "address": "Hof 1"})
    with app.app_context():
        rider_id = db.session.scalar(select(Rider.id).where(Rider.name == "Ich Selbst"))
    assert response.headers["Location"] == f"/fahrten/buchen/tag?rider_id={rider_id}"


# --- the booking wizard -------------------------------------------------------------------------


def test_whole_booking_flow(app, client, world, login):
    login(world.resident)
    # a) only one rider: straight on to the day
    response = client.get("/fahrten/buchen")
    assert response.status_code == 302
    step_b = response.headers["Location"]
    assert step_b == f"/fahrten/buchen/tag?rider_id={world.rider_id}"
    # b) day, duration, party size; the date picker knows lead time and horizon
    page = _text(client.get(step_b))
    assert "Schritt 2 von 4" in page and "Otto Oswald" in page
    assert 'type="date"' in page and 'min="2026-12-02"' in page and 'max="2027-01-30"' in page
    assert '<option selected value="60">60 Minuten</option>' in page
    # c) the free times as links
    page = _text(client.get("/fahrten/buchen/uhrzeit", query_string=_book_args(world.rider_id)))
    assert "Schritt 3 von 4" in page
    assert "09:00 – 10:00 Uhr" in page and "10:00 – 11:00 Uhr" in page and "17:00 – 18:00 Uhr" in page
    link = re.search(r'<a class="slot" href="([^"]+)">10:00 – 11:00 Uhr</a>', page).group(1)
    args = parse_qs(urlsplit(link).query)
    assert datetime.fromisoformat(args["start"][0]) == TEN and args["rider_id"] == [str(world.rider_id)]
    # d) details, pre-filled from the rider; only active places are offered
    page = _text(client.get(link))
    assert "Schritt 4 von 4" in page
    assert 'value="Lindenstraße 4"' in page
    assert _checked(page, "blanket") and not _checked(page, "rollator")
    assert "Stadtpark" in page and "Altes Kino" not in page
    # e) confirm
    response = client.post("/fahrten/buchen/angaben", data=_details(world))
    ride = _rides(app, world.rider_id)[0]
    assert response.headers["Location"] == f"/fahrten/{ride.id}/bestaetigung"
    assert ride.start_at == TEN and ride.booked_via == "online" and ride.booked_by_id == world.resident.id
    assert ride.need_blanket and ride.notes == "Bitte klingeln" and ride.status == "confirmed"
    page = _text(client.get(response.headers["Location"]))
    assert "Ihre Fahrt ist gebucht" in page
    for expected in (
        "Mittwoch, 2. Dezember 2026",
        "10:00 – 11:00 Uhr",
        "60 Minuten",
        "Lindenstraße 4",
        "Stadtpark",
        "Decke gewünscht",
        "Otto Oswald",
        "0123 456789",
        "Strg + P",
        "Bestätigung per E-Mail",
    ):
        assert expected in page, expected
    with app.app_context():
        sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.ride_id == ride.id)).all()
        assert [(m.channel, m.recipient) for m in sent] == [("email", "bea@example.org")]
    # the ride is in "Meine Fahrten"
    page = _text(client.get("/bewohner"))
    assert f'href="/fahrten/{ride.id}"' in page and "bestätigt" in page and "Stadtpark" in page


def test_free_text_destination_and_empty_pickup(app, client, world, login):
    login(world.resident)
    response = client.post(
        "/fahrten/buchen/angaben",
        data=_details(
            world, destination_place_id="", destination_text="Zur Tochter, Ringstraße 9", pickup="", needs=[]
        ),
    )
    assert response.status_code == 302
    ride = _rides(app, world.rider_id)[0]
    assert ride.destination == "Zur Tochter, Ringstraße 9" and ride.pickup == "Lindenstraße 4"
    assert not ride.need_blanket


def test_choosing_between_several_riders(app, client, world, login):
    with app.app_context():
        make_rider(manager=world.resident, name="Berta Bewohner")
        db.session.commit()
    login(world.resident)
    page = _text(client.get("/fahrten/buchen"))
    assert "Schritt 1 von 4" in page and "Berta Bewohner" in page and "Otto Oswald" in page
    assert "Frau Fremd" not in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"day": "2026-12-06"}, "An diesem Tag fahren wir nicht."),  # Sunday
        ({"day": "2027-03-01"}, "So weit im Voraus können wir noch nicht planen."),
        ({"day": "2026-11-30"}, "Dieser Zeitpunkt liegt in der Vergangenheit."),
        ({"day": "2026-12-01"}, "mindestens 24 Stunden vorher gebucht werden"),
        ({"day": ""}, "Bitte wählen Sie einen Tag."),
        ({"duration": 45}, "Dauer"),
    ],
)
def test_day_rules_are_shown_on_the_day_field(client, world, login, args, message):
    login(world.resident)
    response = client.get("/fahrten/buchen/uhrzeit", query_string=_book_args(world.rider_id, **args))
    page = _text(response)
    assert response.status_code == 200
    assert "Schritt 2 von 4" in page and 'class="field-error"' in page and message in page
    assert 'class="slot"' not in page


def test_no_free_times_offers_the_next_days(app, client, world, login):
    with app.app_context():  # the only driver is on holiday that Wednesday
        from rikscha.rides.models import DriverAbsence, DriverAvailability

        driver_id = db.session.scalar(select(DriverAvailability.driver_id).limit(1))
        db.session.add(DriverAbsence(driver_id=driver_id, start_date=TEN.date(), end_date=TEN.date()))
        db.session.commit()
    login(world.resident)
    page = _text(client.get("/fahrten/buchen/uhrzeit", query_string=_book_args(world.rider_id)))
    assert "An diesem Tag ist leider nichts mehr frei" in page
    assert "Donnerstag, 3. Dezember 2026" in page and "Freitag, 4. Dezember 2026" in page
    assert "Samstag, 5. Dezember 2026" in page and "Sonntag" not in page
    assert "day=2026-12-03" in page


def test_details_validation_errors_keep_the_choices(app, client, world, login):
    login(world.resident)
    response = client.post(
        "/fahrten/buchen/angaben",
        data=_details(world, destination_place_id="", destination_text="", notes="x" * 501),
    )
    page = _text(response)
    assert response.status_code == 200
    assert "Bitte wählen Sie ein Ziel aus der Liste oder schreiben Sie eines auf." in page
    assert 'aria-invalid="true"' in page and "Schritt 4 von 4" in page
    assert f'name="start" value="{TEN.isoformat()}"' in page
    assert _rides(app, world.rider_id) == []


def test_details_without_a_valid_time_go_back(client, world, login):
    login(world.resident)
    response = client.get("/fahrten/buchen/angaben", query_string=_book_args(world.rider_id, start="gestern"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/fahrten/buchen/tag?")
    response = client.post("/fahrten/buchen/angaben", data=_details(world, start="2026-12-02T10:00"))
    assert response.headers["Location"] == f"/fahrten/buchen/tag?rider_id={world.rider_id}"


def test_slot_taken_between_steps(app, client, world, login):
    login(world.resident)
    link_page = _text(client.get("/fahrten/buchen/uhrzeit", query_string=_book_args(world.rider_id)))
    assert "10:00 – 11:00 Uhr" in link_page
    with app.app_context():  # somebody else is faster (by phone, for another rider)
        make_ride(start=TEN, now=NOW)
        db.session.commit()
    response = client.post("/fahrten/buchen/angaben", data=_details(world))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/fahrten/buchen/uhrzeit?")
    page = _text(client.get(response.headers["Location"]))
    assert "Diese Zeit ist leider schon vergeben." in page and "Schritt 3 von 4" in page
    assert "10:00 – 11:00 Uhr" not in page
    assert _rides(app, world.rider_id) == []
    with app.app_context():
        assert (
            db.session.scalar(select(OutboxMessage).where(OutboxMessage.rider_id == world.rider_id)) is None
        )


def test_rider_busy_is_explained(app, client, world, login):
    with app.app_context():
        make_rickshaw()
        make_driver()
        make_ride(rider=db.session.get(Rider, world.rider_id), start=TEN + timedelta(minutes=30), now=NOW)
        db.session.commit()
    login(world.resident)
    response = client.post("/fahrten/buchen/angaben", data=_details(world), follow_redirects=True)
    assert "Für diese Person ist zu dieser Zeit schon eine Fahrt gebucht." in _text(response)
    assert len(_rides(app, world.rider_id)) == 1


# --- rides: list, detail, cancel ------------------------------------------------------------------


def _ride_for(app, world, start=TEN):
    with app.app_context():
        ride = make_ride(
            rider=db.session.get(Rider, world.rider_id), start=start, now=NOW, destination_text="Zum Markt"
        )
        db.session.commit()
        return ride.id


def test_my_rides_lists_upcoming_and_past(app, client, world, login, clock):
    upcoming = _ride_for(app, world)
    past = _ride_for(app, world, start=TEN + timedelta(days=1))
    foreign_ride = None
    with app.app_context():
        foreign_ride = make_ride(
            rider=db.session.get(Rider, world.foreign_id),
            start=TEN + timedelta(hours=3),
            now=NOW,
            destination_text="Geheim",
        ).id
        db.session.commit()
    clock.set(TEN + timedelta(hours=5))  # the first ride is over, the second tomorrow
    login(world.resident)
    page = _text(client.get("/bewohner"))
    upcoming_part, past_part = page.split("Vergangene und abgesagte Fahrten", 1)
    assert f'/fahrten/{past}"' in upcoming_part and "Donnerstag, 3. Dezember 2026" in upcoming_part
    assert f'/fahrten/{upcoming}"' in past_part
    assert "Geheim" not in page and f'/fahrten/{foreign_ride}"' not in page
    assert "<caption" in page and 'scope="col"' in page


def test_cancel_before_the_cutoff(app, client, world, login, clock):
    ride_id = _ride_for(app, world)
    login(world.resident)
    page = _text(client.get(f"/fahrten/{ride_id}"))
    assert "Fahrt absagen" in page and "Zum Markt" in page
    reasons = re.findall(r'name="reason"[^>]*value="(\w+)"|value="(\w+)"[^>]*name="reason"', page)
    assert sorted(a or b for a, b in reasons) == ["illness", "other", "rider", "weather"]
    assert "Mittwoch, 2. Dezember 2026, 08:00" in page  # the cut-off, 2 hours before
    response = client.post(f"/fahrten/{ride_id}/absagen", data={"reason": "illness", "note": "erkältet"})
    assert response.headers["Location"] == f"/fahrten/{ride_id}"
    page = _text(client.get(response.headers["Location"]))
    assert "Die Fahrt wurde abgesagt." in page and "abgesagt" in page and "Krankheit" in page
    assert f'action="/fahrten/{ride_id}/absagen"' not in page
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        assert ride.status == "cancelled" and ride.cancel_reason == "illness" and ride.cancelled_at == NOW
    page = _text(client.get("/bewohner"))
    assert "abgesagt" in page.split("Vergangene und abgesagte Fahrten", 1)[1]


def test_residents_cannot_use_the_office_reasons(app, client, world, login):
    ride_id = _ride_for(app, world)
    login(world.resident)
    response = client.post(f"/fahrten/{ride_id}/absagen", data={"reason": "vehicle"})
    assert response.status_code == 200 and 'class="field-error"' in _text(response)
    assert _rides(app, world.rider_id)[0].status == "confirmed"


def test_after_the_cutoff_the_page_says_call_the_office(app, client, world, login, clock):
    ride_id = _ride_for(app, world)
    clock.set(TEN - timedelta(minutes=90))
    login(world.resident)
    page = _text(client.get(f"/fahrten/{ride_id}"))
    assert "Diese Fahrt beginnt bald. Bitte rufen Sie im Stadtteilbüro an:" in page
    assert 'href="tel:0123456789"' in page
    assert "/absagen" not in page
    response = client.post(f"/fahrten/{ride_id}/absagen", data={"reason": "rider"}, follow_redirects=True)
    assert "Bitte rufen Sie im Stadtteilbüro an, um sie abzusagen." in _text(response)
    assert _rides(app, world.rider_id)[0].status == "confirmed"


def test_other_residents_riders_and_rides_are_not_found(app, client, world, login):
    with app.app_context():
        foreign_ride = make_ride(rider=db.session.get(Rider, world.foreign_id), start=TEN, now=NOW).id
        db.session.commit()
    login(world.resident)
    foreign = world.foreign_id
    assert client.get(f"/fahrgaeste/{foreign}").status_code == 404
    assert client.post(f"/fahrgaeste/{foreign}", data={"name": "X", "address": "Y"}).status_code == 404
    assert client.get("/fahrten/buchen/tag", query_string={"rider_id": foreign}).status_code == 404
    assert client.get("/fahrten/buchen/uhrzeit", query_string=_book_args(foreign)).status_code == 404
    assert (
        client.get(
            "/fahrten/buchen/angaben", query_string=_book_args(foreign, start=TEN.isoformat())
        ).status_code
        == 404
    )
    response = client.post(
        "/fahrten/buchen/angaben",
        data=_details(world, rider_id=foreign, start=(TEN + timedelta(hours=3)).isoformat()),
    )
    assert response.status_code == 404
    assert client.get(f"/fahrten/{foreign_ride}").status_code == 404
    assert client.get(f"/fahrten/{foreign_ride}/bestaetigung").status_code == 404
    assert client.post(f"/fahrten/{foreign_ride}/absagen", data={"reason": "rider"}).status_code == 404
    assert client.get("/fahrten/987654").status_code == 404
    assert client.get("/fahrten/buchen/tag").status_code == 404
    assert "Frau Fremd" not in _text(client.get("/fahrgaeste"))
    with app.app_context():
        assert db.session.get(Ride, foreign_ride).status == "confirmed"
        assert len(db.session.scalars(select(Ride)).all()) == 1


def test_other_roles_are_turned_away(client, world, make_user, login):
    login(make_user(roles=("driver",)))
    assert client.get("/bewohner").status_code == 403
    assert client.get("/fahrten/buchen").status_code == 403


def test_confirmation_without_any_email_says_the_office_calls(app, client, world, login):
    ride_id = _ride_for(app, world)
    login(world.resident)
    assert "Bestätigung per E-Mail" in _text(client.get(f"/fahrten/{ride_id}/bestaetigung"))
    with app.app_context():  # neither the rider nor the managing person has an address
        from rikscha.auth.models import User

        db.session.get(User, world.resident.id).email = ""
        db.session.commit()
    page = _text(client.get(f"/fahrten/{ride_id}/bestaetigung"))
    assert "Bestätigung per E-Mail" not in page
    assert "Wenn sich an der Fahrt etwas ändert, ruft das Stadtteilbüro Sie an." in page
