"""The office's ride pages: phone booking, all rides, day plan, call list, settings, places, drivers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from rikscha.audit.models import AuditEvent
from rikscha.auth.models import User
from rikscha.extensions import db
from rikscha.fleet.models import Rickshaw
from rikscha.forms import wtforms_catalog
from rikscha.notifications.models import OutboxMessage
from rikscha.rides.models import (
    BookingSettings,
    DriverAbsence,
    DriverAvailability,
    DriverProfile,
    DriverQualification,
    Place,
    Ride,
    Rider,
)
from tests.factories import (
    make_driver,
    make_place,
    make_rickshaw,
    make_ride,
    make_rider,
    make_user,
    open_day_ahead,
)

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def office(make_user, login):
    user = make_user(roles=("coordinator",), name="Kora Koordination")
    login(user)
    return user


@pytest.fixture
def fleet(app):
    """One rickshaw, one driver (available every day 08–19) and one place."""
    with app.app_context():
        rickshaw = make_rickshaw(name="Rosi")
        driver = make_driver(name="Fabian Fahrer")
        place = make_place(name="Stadtpark")
        db.session.commit()
        return SimpleNamespace(rickshaw_id=rickshaw.id, driver_id=driver.id, place_id=place.id)


def add(app, build, **overrides):
    with app.app_context():
        record = build(**overrides)
        db.session.commit()
        return record.id


def ride_at(app, start, **overrides) -> int:
    return add(app, make_ride, start=start, **overrides)


def html(response) -> str:
    return response.get_data(as_text=True)


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/buero/buchen",
        "/buero/fahrten",
        "/buero/tagesplan",
        "/buero/anrufliste",
        "/buero/einstellungen",
        "/buero/ziele",
        "/buero/fahrerinnen",
    ],
)
def test_pages_are_for_coordinators_only(app, client, make_user, login, path):
    assert client.get(path).status_code == 302  # anonymous: to the login form
    login(make_user(roles=("resident", "driver")))
    assert client.get(path).status_code == 403


def test_unknown_records_are_404(client, office):
    for path in (
        "/buero/buchen/987654",
        "/buero/fahrten/987654",
        "/buero/fahrten/987654/bearbeiten",
        "/buero/fahrten/987654/bestaetigung",
        "/buero/ziele/987654",
        "/buero/fahrerinnen/987654",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/buero/anrufliste/987654/erledigt").status_code == 404


# --- booking by phone ----------------------------------------------------------------------------


@pytest.mark.both_databases
def test_search_finds_riders_by_name_and_phone(app, client, office):
    add(app, make_rider, name="Frieda Fröhlich", phone="0341 200003")
    add(app, make_rider, name="Otto Oswald", phone="0341 999")
    page = html(client.get("/buero/buchen?q=Frieda"))
    assert "Frieda Fröhlich" in page and "Otto Oswald" not in page
    page = html(client.get("/buero/buchen?q=200003"))
    assert "Frieda Fröhlich" in page and 'href="tel:0341200003"' in page
    page = html(client.get("/buero/buchen?q=Niemand"))
    assert "Niemand gefunden" in page
    # The search term prefills the new-rider form: a name as the name …
    assert 'value="Niemand"' in page


def test_new_rider_form_offers_phone_consent_and_prefills_a_searched_number(client, office):
    page = html(client.get("/buero/buchen?q=0341 55 66"))
    assert 'value="0341 55 66"' in page
    assert (
        '<input checked id="consent_method-1" name="consent_method" required type="radio" value="phone">'
        in page
    )


@pytest.mark.both_databases
def test_create_rider_on_the_spot(app, client, office):
    response = client.post(
        "/buero/buchen",
        data={
            "name": "Hanna Hausmann",
            "phone": "0341 77",
            "address": "Gartenweg 3",
            "consent_method": "phone",
            "needs": ["rollator"],
            "needs_note": "langsam gehen",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        rider = db.session.scalar(select(Rider).where(Rider.name == "Hanna Hausmann"))
        assert rider.consent_method == "phone" and rider.consent_by_id == office.id
        assert rider.managers == [] and rider.need_rollator
    assert response.headers["Location"].endswith(f"/buero/buchen/{rider.id}")


def test_create_rider_validation(app, client, office):
    response = client.post("/buero/buchen", data={"name": " ", "address": "", "consent_method": "phone"})
    assert response.status_code == 200
    assert "Bitte füllen Sie dieses Feld aus." in html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Rider.id))) == 0


@pytest.mark.both_databases
def test_book_by_phone_from_free_times_to_confirmation(app, client, office, fleet):
    rider_id = add(app, make_rider, name="Frieda Fröhlich", address="Abendrot 12", need_blanket=True)
    day = open_day_ahead(2)
    url = f"/buero/buchen/{rider_id}?day={day.isoformat()}&duration=60&passengers=1"
    page = html(client.get(url))
    ten = at(day, 10)
    assert f'value="{ten.isoformat()}"' in page
    assert 'value="Abendrot 12"' in page  # pickup defaults to the rider's address
    response = client.post(
        url,
        data={
            "start": ten.isoformat(),
            "destination_place_id": str(fleet.place_id),
            "pickup": "",
            "needs": ["blanket"],
            "notes": "Tochter ruft an",
        },
    )
    assert response.status_code == 302, html(response)
    with app.app_context():
        ride = db.session.scalar(select(Ride))
        assert (ride.start_at, ride.duration_minutes, ride.booked_via) == (ten, 60, "phone")
        assert ride.booked_by_id == office.id and ride.pickup == "Abendrot 12" and ride.need_blanket
        assert ride.rickshaw_id == fleet.rickshaw_id and ride.driver_id == fleet.driver_id
        # On the phone already: no call-list entry for the confirmation.
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert response.headers["Location"].endswith(f"/buero/fahrten/{ride.id}/bestaetigung")
    page = html(client.get(response.headers["Location"]))
    assert "Frieda Fröhlich" in page and "Stadtpark" in page and "Rosi" in page
    assert f"/buero/tagesplan?tag={day.isoformat()}" in page


@pytest.mark.both_databases
def test_office_may_book_inside_the_lead_time(app, client, office, fleet):
    with app.app_context():
        from rikscha.rides.settings import ensure_settings

        ensure_settings().lead_time_hours = 24 * 14
        db.session.commit()
    rider_id = add(app, make_rider)
    day = open_day_ahead(2)
    url = f"/buero/buchen/{rider_id}?day={day.isoformat()}&duration=30&passengers=1"
    assert at(day, 11).isoformat() in html(client.get(url))
    response = client.post(url, data={"start": at(day, 11).isoformat(), "destination_text": "Zum Arzt"})
    assert response.status_code == 302


@pytest.mark.both_databases
def test_booking_errors_land_on_the_fields(app, client, office, fleet):
    day = open_day_ahead(2)
    ride_at(app, at(day, 10))  # the only rickshaw and driver are busy 09:45–11:15
    rider_id = add(app, make_rider)
    url = f"/buero/buchen/{rider_id}?day={day.isoformat()}&duration=60&passengers=1"
    page = html(client.post(url, data={"destination_text": "See"}))
    assert "Bitte wählen Sie eine Uhrzeit." in page
    page = html(client.post(url, data={"start": at(day, 10).isoformat(), "destination_text": "See"}))
    assert "schon vergeben" in page
    page = html(client.post(url, data={"start": at(day, 14).isoformat()}))
    assert "Bitte wählen Sie ein Ziel" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Ride.id))) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("day=2026-13-01&duration=60&passengers=1", "Bitte wählen Sie einen Tag."),
        ("day=9999-12-31&duration=60&passengers=1", "zwischen 1900 und 9000"),
        ("day={day}&duration=45&passengers=1", "Keine gültige Auswahl"),
        ("day={day}&duration=60&passengers=3", "Keine gültige Auswahl"),
    ],
)
def test_slot_query_validation(app, client, office, fleet, query, message):
    rider_id = add(app, make_rider)
    response = client.get(f"/buero/buchen/{rider_id}?" + query.format(day=open_day_ahead(2).isoformat()))
    assert response.status_code == 200
    assert message in html(response)
    assert "Freie Zeiten am" not in html(response)


def test_no_free_time_shows_an_empty_state_and_day_links(app, client, office):
    rider_id = add(app, make_rider)  # no rickshaw, no driver
    day = open_day_ahead(2)
    page = html(client.get(f"/buero/buchen/{rider_id}?day={day.isoformat()}&duration=60&passengers=1"))
    assert "keine Zeit mehr frei" in page
    assert f"day={(day + timedelta(days=1)).isoformat()}" in page


def test_anonymised_riders_cannot_be_booked(app, client, office):
    rider_id = add(app, make_rider, anonymised_at=datetime.now(UTC))
    assert client.get(f"/buero/buchen/{rider_id}").status_code == 404


# --- all rides -----------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_ride_list_shows_upcoming_by_default_and_filters(app, client, office, fleet):
    day = open_day_ahead(2)
    upcoming = ride_at(app, at(day, 10), rider=None)
    with app.app_context():
        past = Ride(
            rider=make_rider(name="Vergangen Vera"),
            start_at=at(day, 10) - timedelta(days=20),
            end_at=at(day, 11) - timedelta(days=20),
            blocked_from=at(day, 10) - timedelta(days=20),
            blocked_until=at(day, 11) - timedelta(days=20),
            pickup="x",
            status="completed",
        )
        db.session.add(past)
        db.session.commit()
    page = html(client.get("/buero/fahrten"))
    assert f"/buero/fahrten/{upcoming}" in page and "Vergangen Vera" not in page
    page = html(client.get("/buero/fahrten?start=2000-01-01&status=completed"))
    assert "Vergangen Vera" in page and f'/buero/fahrten/{upcoming}"' not in page
    page = html(
        client.get(f"/buero/fahrten?start={day.isoformat()}&end={(day - timedelta(days=1)).isoformat()}")
    )
    assert "Das Ende darf nicht vor dem Anfang liegen." in page
    assert client.get("/buero/fahrten?start=0001-01-01&end=9999-12-31").status_code == 200


@pytest.mark.both_databases
def test_ride_detail_shows_everything(app, client, office, fleet):
    rider_id = add(app, make_rider, name="Berta Bewohner", phone="0341 200001", need_rollator=True)
    with app.app_context():
        ride = make_ride(
            rider=db.session.get(Rider, rider_id),
            start=at(open_day_ahead(2), 10),
            by=db.session.merge(office),
            notes="Klingel defekt",
            needs=frozenset({"rollator"}),
        )
        db.session.commit()
        ride_id = ride.id
    page = html(client.get(f"/buero/fahrten/{ride_id}"))
    for text in (
        "Berta Bewohner",
        'href="tel:0341200001"',
        "Rollator",
        "Rosi",
        "Fabian Fahrer",
        "am Telefon",
        "von Kora Koordination",
        "Klingel defekt",
        "bestätigt",
        "Verlauf",
        "gebucht",
    ):
        assert text in page, text


@pytest.mark.both_databases
def test_edit_ride_details_notifies_only_when_pickup_or_destination_change(app, client, office, fleet):
    ride_id = ride_at(app, at(open_day_ahead(2), 10), destination_text="See")
    url = f"/buero/fahrten/{ride_id}/bearbeiten"
    assert 'value="See"' in html(client.get(url))
    response = client.post(url, data={"pickup": "Markt 1", "destination_text": "See", "notes": "mit Hund"})
    assert response.status_code == 302
    response = client.post(
        url, data={"pickup": "Markt 1", "destination_text": "See", "notes": "ohne Hund", "needs": ["blanket"]}
    )
    assert response.status_code == 302
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        assert (ride.pickup, ride.notes, ride.need_blanket) == ("Markt 1", "ohne Hund", True)
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        assert kinds == ["change"]  # one call for the new pickup, none for the note
    assert "Bitte wählen Sie ein Ziel" in html(client.post(url, data={"pickup": "Markt 1"}))


def test_cancelled_rides_cannot_be_edited_reassigned_or_cancelled_again(app, client, office, fleet):
    ride_id = ride_at(app, at(open_day_ahead(2), 10))
    assert client.post(f"/buero/fahrten/{ride_id}/absagen", data={"reason": "illness"}).status_code == 302
    for action in ("bearbeiten", "zuteilen", "absagen"):
        response = client.get(f"/buero/fahrten/{ride_id}/{action}")
        assert response.status_code == 302 and response.headers["Location"].endswith(
            f"/buero/fahrten/{ride_id}"
        )


@pytest.mark.both_databases
def test_reassign_offers_only_eligible_pairs(app, client, office, fleet):
    day = open_day_ahead(2)
    with app.app_context():
        emil = make_rickshaw(name="Emil", odometer_km=99999)
        cargo = make_rickshaw(name="Lotte", kind="Cargo", seats=1)
        dana = make_driver(name="Dana Fahrerin")
        make_driver(name="Abwesend Anton", weekdays=())  # no availability: never offered
        db.session.commit()
        emil_id, cargo_id, dana_id = emil.id, cargo.id, dana.id
    ride_id = ride_at(app, at(day, 10))
    url = f"/buero/fahrten/{ride_id}/zuteilen"
    page = html(client.get(url))
    assert "Emil (Cruiser) – Dana Fahrerin" in page and "Rosi (Cruiser) – Fabian Fahrer" in page
    assert "Lotte" not in page and "Abwesend Anton" not in page
    assert "Nicht mehr frei" not in page
    response = client.post(url, data={"pair": f"{cargo_id}-{dana_id}"})
    assert "nicht mehr frei" in html(response)
    response = client.post(url, data={"pair": f"{emil_id}-{dana_id}"})
    assert response.status_code == 302
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        assert (ride.rickshaw_id, ride.driver_id) == (emil_id, dana_id)
        assert db.session.scalar(select(OutboxMessage.kind)) == "change"


@pytest.mark.both_databases
def test_reassign_with_many_free_pairs_offers_a_rickshaw_first(app, client, office, fleet):
    from rikscha.rides.views_office import PAIRS_IN_ONE_LIST

    with app.app_context():
        for n in range(7):
            make_rickshaw(name=f"Rikscha {n}")
            make_driver(name=f"Fahrerin {n}")
        db.session.commit()
        lotte_id = make_rickshaw(name="Lotte").id
        db.session.commit()
    ride_id = ride_at(app, at(open_day_ahead(2), 10))
    url = f"/buero/fahrten/{ride_id}/zuteilen"
    page = html(client.get(url))
    # 8 rickshaws × 8 drivers, less the ride's own pair: more than one list should hold.
    assert 8 * 8 - 1 > PAIRS_IN_ONE_LIST
    assert 'type="radio"' not in page and "Zuerst die Rikscha wählen" in page
    assert "Lotte (Cruiser)</a> – 8 Personen frei" in page
    page = html(client.get(f"{url}?rikscha={lotte_id}"))
    assert page.count('type="radio"') == 8 and page.count("Lotte (Cruiser) – ") == 8
    assert "Rikscha 0 (Cruiser)" not in page and "Andere Rikscha wählen" in page
    with app.app_context():
        dana_id = db.session.scalar(select(User.id).where(User.name == "Fahrerin 3"))
    response = client.post(url, data={"pair": f"{lotte_id}-{dana_id}"})
    assert response.status_code == 302
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        assert (ride.rickshaw_id, ride.driver_id) == (lotte_id, dana_id)
    # A rickshaw that is not free at that time, or no number at all: the rickshaws again.
    for query in ("rikscha=987654", "rikscha=Lotte"):
        assert "Zuerst die Rikscha wählen" in html(client.get(f"{url}?{query}"))


@pytest.mark.both_databases
def test_cancel_a_ride_with_a_reason(app, client, office, fleet):
    ride_id = ride_at(app, at(open_day_ahead(2), 10), rider=None)
    url = f"/buero/fahrten/{ride_id}/absagen"
    assert "keine E-Mail-Adresse" in html(client.get(url))
    response = client.post(url, data={"reason": "vehicle", "note": "Reifen platt"})
    assert response.status_code == 302
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        assert (ride.status, ride.cancel_reason, ride.cancel_note) == ("cancelled", "vehicle", "Reifen platt")
        message = db.session.scalar(select(OutboxMessage))
        assert (message.kind, message.channel) == ("cancellation", "phone")
    assert "der Anruf steht auf der Anrufliste" in html(client.get(f"/buero/fahrten/{ride_id}"))


def test_cancel_form_validation(app, client, office, fleet):
    ride_id = ride_at(app, at(open_day_ahead(2), 10))
    response = client.post(f"/buero/fahrten/{ride_id}/absagen", data={"reason": "bogus"})
    assert response.status_code == 200 and "Keine gültige Auswahl" in html(response)
    with app.app_context():
        assert db.session.get(Ride, ride_id).status == "confirmed"


def test_wtforms_messages_follow_the_language_and_are_read_once_per_language(
    app, client, office, fleet, monkeypatch
):
    # Flask-WTF read and parsed WTForms' catalog anew for every request that needed a message.
    ride_id = ride_at(app, at(open_day_ahead(2), 10))
    catalogs_read = []
    read = Translations.load.__func__

    def counted(cls, dirname=None, locales=None, domain=None):
        if domain == "wtforms":
            catalogs_read.append(str(locales[0]))
        return read(cls, dirname, locales, domain)

    monkeypatch.setattr(Translations, "load", classmethod(counted))
    wtforms_catalog.cache_clear()
    for language, message in (("de", "Keine gültige Auswahl"), ("en", "Not a valid choice")):
        client.post("/sprache", data={"language": language})
        for _ in range(3):
            response = client.post(f"/buero/fahrten/{ride_id}/absagen", data={"reason": "bogus"})
            assert response.status_code == 200 and message in html(response)
    assert catalogs_read == ["de", "en"]


@pytest.mark.both_databases
def test_weather_cancels_every_ride_in_the_window_after_a_confirmation(app, client, office, fleet):
    day = open_day_ahead(2)
    with app.app_context():
        make_rickshaw(name="Emil")
        make_driver(name="Dana Fahrerin")
        db.session.commit()
    with_mail = ride_at(app, at(day, 12), rider=None)
    with app.app_context():
        db.session.get(Ride, with_mail).rider.email = "frieda@example.org"
        db.session.commit()
    by_phone = ride_at(app, at(day, 12))
    later = ride_at(app, at(day, 17))
    query = f"day={day.isoformat()}&start_time=11:00&end_time=16:00&reason=weather&note=Sturm"
    page = html(client.get(f"/buero/absagen?{query}"))
    assert "Ja, diese 2 Fahrten absagen" in page
    assert f"/buero/fahrten/{later}" not in page
    # Without the confirmation's CSRF token nothing happens.
    client.post(f"/buero/absagen?{query}", csrf=False)
    with app.app_context():
        assert db.session.get(Ride, by_phone).status == "confirmed"
    response = client.post(f"/buero/absagen?{query}")
    assert response.status_code == 200
    page = html(response)
    assert "2 Fahrten am" in page
    assert "1 Fahrgast bekommt eine E-Mail." in page and "1 Fahrgast steht auf der Anrufliste." in page
    with app.app_context():
        statuses = {
            r.id: (r.status, r.cancel_reason, r.cancel_note) for r in db.session.scalars(select(Ride))
        }
    assert statuses[with_mail] == statuses[by_phone] == ("cancelled", "weather", "Sturm")
    assert statuses[later][0] == "confirmed"


def test_weather_form_validation(client, office):
    page = html(client.get("/buero/absagen"))
    assert "Betroffene Fahrten anzeigen" in page and "Bitte wählen Sie einen Tag." not in page
    page = html(client.get("/buero/absagen?day=2026-12-02&start_time=16:00&end_time=11:00&reason=weather"))
    assert "Das Ende muss nach dem Anfang liegen." in page and "Ja, diese" not in page
    page = html(client.get("/buero/absagen?day=0001-01-01&start_time=00:00&end_time=01:00&reason=weather"))
    assert "zwischen 1900 und 9000" in page
    assert client.post("/buero/absagen").status_code == 200  # nothing asked: the form again


# --- day plan and call list ----------------------------------------------------------------------


@pytest.mark.both_databases
def test_day_plan_groups_by_rickshaw_and_driver_and_flags(app, client, office, fleet):
    day = open_day_ahead(2)
    with app.app_context():
        make_rickshaw(name="Emil")
        make_driver(name="Dana Fahrerin")
        db.session.commit()
    first = ride_at(app, at(day, 10))
    second = ride_at(app, at(day, 10, 30))
    with app.app_context():
        flagged = db.session.get(Ride, second)
        flagged.needs_attention = True
        flagged.rickshaw_id = None
        db.session.commit()
        first_name = db.session.get(Ride, first).rider.name
    page = html(client.get(f"/buero/tagesplan?tag={day.isoformat()}"))
    assert "Nach Rikscha" in page and f"tag={day.isoformat()}&amp;nach=fahrer" in page
    assert "Fahrten der Rikscha Rosi" in page and "Emil <span" in page and "Keine Fahrten" in page
    assert "Fahrten von" not in page  # one grouping at a time
    assert first_name in page and "Ohne Rikscha oder Fahrer:in" in page
    assert 'class="attention-row"' in page and "Bitte kümmern" in page
    # Retired rickshaws are left out, unless they still have rides that day.
    with app.app_context():
        make_rickshaw(name="Otto Ausgemustert", status="retired")
        db.session.get(Rickshaw, fleet.rickshaw_id).status = "retired"
        db.session.commit()
    retired = html(client.get(f"/buero/tagesplan?tag={day.isoformat()}"))
    assert "Otto Ausgemustert" not in retired
    assert "Fahrten der Rikscha Rosi" in retired and "nicht im Einsatz" in retired
    with app.app_context():
        make_driver(name="Ida Ohnefahrt")  # created after the bookings: no ride that day
        db.session.commit()
        drivers = {db.session.get(Ride, ride_id).driver.name for ride_id in (first, second)}
    by_driver = html(client.get(f"/buero/tagesplan?tag={day.isoformat()}&nach=fahrer"))
    assert "Fahrten der Rikscha" not in by_driver
    assert all(f"Fahrten von {name}" in by_driver for name in drivers)
    # Drivers without rides that day get no empty table, only their name in one list.
    assert "Fahrten von Ida Ohnefahrt" not in by_driver
    idle = by_driver.split("Ohne Fahrten an diesem Tag", 1)[1]
    assert "Ida Ohnefahrt" in idle and not any(name in idle for name in drivers)
    assert by_driver.count(first_name) == 1 and "Bitte kümmern" in by_driver
    unknown = html(client.get(f"/buero/tagesplan?tag={day.isoformat()}&nach=quatsch"))
    assert "Fahrten der Rikscha Rosi" in unknown
    assert f"tag={(day - timedelta(days=1)).isoformat()}" in page
    assert f"tag={(day + timedelta(days=1)).isoformat()}" in page
    other_day = html(client.get(f"/buero/tagesplan?tag={(day + timedelta(days=1)).isoformat()}"))
    assert first_name not in other_day and "Keine Fahrten an diesem Tag." in other_day


def test_day_plan_defaults_to_today_and_survives_bad_input(client, office):
    today = datetime.now(BERLIN).date()
    assert f"tag={(today + timedelta(days=1)).isoformat()}" in html(client.get("/buero/tagesplan"))
    response = client.get("/buero/tagesplan?tag=morgen")
    assert response.status_code == 200 and "Kein gültiges Datum" in html(response)
    assert client.get("/buero/tagesplan?tag=9999-12-31").status_code == 200


@pytest.mark.both_databases
def test_call_list_and_ticking_off(app, client, office, fleet):
    day = open_day_ahead(2)
    ride_id = ride_at(app, at(day, 10))
    with app.app_context():
        ride = db.session.get(Ride, ride_id)
        rider_name, phone = ride.rider.name, ride.rider.phone
        older = OutboxMessage(
            kind="change",
            channel="phone",
            recipient="0341 1",
            recipient_name="Alt Anna",
            subject="Ihre Rikscha-Fahrt wurde geändert",
            body="…",
            ride_id=ride.id,
            created_at=datetime.now(UTC) - timedelta(days=1),
        )
        email = OutboxMessage(
            kind="change", channel="email", recipient="x@example.org", subject="E-Mail", body="…"
        )
        db.session.add_all([older, email])
        db.session.commit()
        older_id, email_id = older.id, email.id
    client.post(f"/buero/fahrten/{ride_id}/absagen", data={"reason": "weather"})
    page = html(client.get("/buero/anrufliste"))
    assert page.index("Alt Anna") < page.index(rider_name)
    assert f'href="tel:{phone.replace(" ", "")}"' in page and "Ihre Rikscha-Fahrt wurde abgesagt" in page
    assert client.post(f"/buero/anrufliste/{email_id}/erledigt").status_code == 404
    client.post(f"/buero/anrufliste/{older_id}/erledigt", csrf=False)
    with app.app_context():
        assert db.session.get(OutboxMessage, older_id).sent_at is None
    assert client.post(f"/buero/anrufliste/{older_id}/erledigt").status_code == 302
    with app.app_context():
        done = db.session.get(OutboxMessage, older_id)
        assert done.sent_at is not None and done.done_by_id == office.id
    page = html(client.get("/buero/anrufliste"))
    assert '<th scope="row">Alt Anna</th>' not in page and f'<th scope="row">{rider_name}</th>' in page
    assert "schon als erledigt" in html(
        client.post(f"/buero/anrufliste/{older_id}/erledigt", follow_redirects=True)
    )


def test_empty_call_list(client, office):
    assert "Keine offenen Anrufe." in html(client.get("/buero/anrufliste"))


# --- settings ------------------------------------------------------------------------------------


def _settings_form(**overrides):
    data = {f"opens_{n}": "09:00" for n in range(6)} | {f"closes_{n}": "18:00" for n in range(6)}
    data |= {
        "opens_6": "",
        "closes_6": "",
        "closed_days": "24.12.2026\n2026-12-31",
        "durations": ["30", "90"],
        "lead_time_hours": "48",
        "horizon_days": "30",
        "buffer_minutes": "10",
        "cancel_cutoff_hours": "3",
        "office_phone": "0341 123",
    }
    data.update(overrides)
    return data


def test_settings_page_shows_the_current_settings(client, office):
    page = html(client.get("/buero/einstellungen"))
    assert 'id="opens_0" name="opens_0" required' not in page
    assert 'name="opens_0" type="time" value="09:00"' in page
    assert 'name="opens_6" type="time" value=""' in page
    assert "Montag von" in page and "Sonntag bis" in page


@pytest.mark.both_databases
def test_settings_are_saved_and_audited(app, client, office):
    response = client.post("/buero/einstellungen", data=_settings_form(opens_5="10:00", closes_5="14:00"))
    assert response.status_code == 302, html(response)
    with app.app_context():
        settings = db.session.scalar(select(BookingSettings))
        assert settings.opening_hours["5"] == [["10:00", "14:00"]] and "6" not in settings.opening_hours
        assert settings.closed_days == ["2026-12-24", "2026-12-31"]
        assert (settings.lead_time_hours, settings.horizon_days, settings.durations) == (48, 30, [30, 90])
        assert (settings.buffer_minutes, settings.cancel_cutoff_hours, settings.office_phone) == (
            10,
            3,
            "0341 123",
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "booking_settings"))
        assert event.actor_id == office.id and "lead_time_hours" in event.summary
    page = html(client.get("/buero/einstellungen"))
    assert "24.12.2026\n31.12.2026" in page and 'value="10:00"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_0": ""}, "Bitte beide Uhrzeiten angeben"),
        ({"closes_0": "08:00"}, "Das Ende muss nach dem Anfang liegen."),
        ({"opens_1": "25:00"}, "Bitte geben Sie eine Uhrzeit wie 09:30 an."),
        ({"closed_days": "24.12.2026\n31.02.2026"}, "„31.02.2026“ ist kein Datum"),
        ({"durations": []}, "Bitte wählen Sie mindestens eine Dauer."),
        ({"durations": ["75"]}, "Bitte wählen Sie nur aus den angebotenen Möglichkeiten."),
        ({"lead_time_hours": "-1"}, "Bitte eine Zahl von 0 bis 336."),
        ({"horizon_days": "viele"}, "Bitte geben Sie eine ganze Zahl an."),
        ({"office_phone": ""}, "Bitte füllen Sie dieses Feld aus."),
    ],
)
def test_settings_validation(app, client, office, overrides, message):
    response = client.post("/buero/einstellungen", data=_settings_form(**overrides))
    assert response.status_code == 200
    assert message in html(response)
    with app.app_context():
        assert db.session.scalar(select(BookingSettings)) is None


@pytest.mark.both_databases
def test_saved_opening_hours_change_the_free_times(app, client, office, fleet):
    day = open_day_ahead(2)
    data = _settings_form(
        **{
            f"opens_{day.weekday()}": "14:00",
            f"closes_{day.weekday()}": "16:00",
            "lead_time_hours": "0",
            "closed_days": "",
        }
    )
    assert client.post("/buero/einstellungen", data=data).status_code == 302
    rider_id = add(app, make_rider)
    page = html(client.get(f"/buero/buchen/{rider_id}?day={day.isoformat()}&duration=30&passengers=1"))
    assert at(day, 14).isoformat() in page and at(day, 10).isoformat() not in page


# --- places --------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_places_can_be_added_edited_and_deactivated(app, client, office, fleet):
    assert "Stadtpark" in html(client.get("/buero/ziele"))
    response = client.post("/buero/ziele/neu", data={"name": "Kulkwitzer See", "address": "Seeweg 2"})
    assert response.status_code == 302
    assert "gibt es schon" in html(client.post("/buero/ziele/neu", data={"name": "stadtpark"}))
    with app.app_context():
        lake_id = db.session.scalar(select(Place.id).where(Place.name == "Kulkwitzer See"))
    assert 'value="Seeweg 2"' in html(client.get(f"/buero/ziele/{lake_id}"))
    response = client.post(
        f"/buero/ziele/{lake_id}", data={"name": "Kulki", "address": "Seeweg 2a", "notes": "Steg"}
    )
    assert response.status_code == 302
    assert "gibt es schon" in html(client.post(f"/buero/ziele/{lake_id}", data={"name": "Stadtpark"}))
    assert client.post(f"/buero/ziele/{lake_id}/deaktivieren").status_code == 302
    rider_id = add(app, make_rider)
    booking = html(
        client.get(f"/buero/buchen/{rider_id}?day={open_day_ahead(2).isoformat()}&duration=60&passengers=1")
    )
    assert (
        f'<option value="{fleet.place_id}">Stadtpark' in booking
        and f'<option value="{lake_id}">' not in booking
    )
    assert client.post(f"/buero/ziele/{lake_id}/aktivieren").status_code == 302
    with app.app_context():
        lake = db.session.get(Place, lake_id)
        assert (lake.name, lake.address, lake.notes, lake.active) == ("Kulki", "Seeweg 2a", "Steg", True)


def test_place_validation_and_empty_list(client, office):
    assert "Noch keine Ziele." in html(client.get("/buero/ziele"))
    assert "Bitte füllen Sie dieses Feld aus." in html(client.post("/buero/ziele/neu", data={"name": ""}))


# --- drivers -------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_driver_list_explains_who_gets_no_rides(app, client, office, fleet):
    add(app, make_user, roles=("driver",), name="Neu Nora")
    page = html(client.get("/buero/fahrerinnen"))
    assert "Fabian Fahrer" in page and "Neu Nora" in page
    assert "keine Einweisung" in page and "keine Zeiten eingetragen" in page
    assert "Erste Hilfe fehlt oder ist abgelaufen" in page


@pytest.mark.both_databases
def test_driver_page_manages_windows_absences_qualifications_and_first_aid(app, client, office, fleet):
    with app.app_context():
        make_rickshaw(name="Lotte", kind="Cargo", seats=1)
        db.session.commit()
    nora = add(app, make_user, roles=("driver",), name="Neu Nora")
    base = f"/buero/fahrerinnen/{nora}"
    page = html(client.get(base))
    assert "Bekommt zurzeit keine Fahrten" in page and '<option value="Cargo">' in page
    assert (
        client.post(
            f"{base}/zeiten", data={"weekday": "0", "start_time": "09:00", "end_time": "13:00"}
        ).status_code
        == 302
    )
    page = html(
        client.post(f"{base}/zeiten", data={"weekday": "0", "start_time": "12:00", "end_time": "15:00"})
    )
    assert "überschneidet sich" in page
    page = html(
        client.post(f"{base}/zeiten", data={"weekday": "1", "start_time": "15:00", "end_time": "12:00"})
    )
    assert "Das Ende muss nach dem Anfang liegen." in page
    response = client.post(
        f"{base}/abwesenheiten", data={"start_date": "2026-12-01", "end_date": "2026-11-01", "reason": "sick"}
    )
    assert "Der letzte Tag darf nicht vor dem ersten liegen." in html(response)
    assert (
        client.post(
            f"{base}/abwesenheiten",
            data={"start_date": "2099-07-01", "end_date": "2099-07-14", "reason": "holiday"},
        ).status_code
        == 302
    )
    assert "Keine gültige Auswahl" in html(
        client.post(f"{base}/einweisungen", data={"rickshaw_kind": "Boot"})
    )
    assert (
        client.post(
            f"{base}/einweisungen", data={"rickshaw_kind": "Cargo", "instructed_on": "2026-01-15"}
        ).status_code
        == 302
    )
    assert client.post(f"{base}/einweisungen", data={"rickshaw_kind": "Cruiser"}).status_code == 302
    assert client.post(f"{base}/erste-hilfe", data={"first_aid_valid_until": "2099-03-31"}).status_code == 302
    assert "Alles vollständig" in html(client.get(base))
    with app.app_context():
        window = db.session.scalar(select(DriverAvailability).where(DriverAvailability.driver_id == nora))
        absence = db.session.scalar(select(DriverAbsence).where(DriverAbsence.driver_id == nora))
        kinds = db.session.scalars(
            select(DriverQualification.rickshaw_kind).where(DriverQualification.driver_id == nora)
        ).all()
        assert (window.weekday, window.start_time, window.end_time) == (0, time(9), time(13))
        assert (absence.start_date, absence.reason) == (date(2099, 7, 1), "holiday")
        assert sorted(kinds) == ["Cargo", "Cruiser"]
        assert db.session.get(DriverProfile, nora).first_aid_valid_until == date(2099, 3, 31)
        window_id, absence_id = window.id, absence.id
    assert client.post(f"{base}/zeiten/{window_id}/loeschen").status_code == 302
    assert client.post(f"{base}/abwesenheiten/{absence_id}/loeschen").status_code == 302
    assert client.post(f"{base}/einweisungen/Cargo/loeschen").status_code == 302
    with app.app_context():
        assert db.session.get(DriverAvailability, window_id) is None
        assert db.session.get(DriverAbsence, absence_id) is None
        assert db.session.scalars(
            select(DriverQualification.rickshaw_kind).where(DriverQualification.driver_id == nora)
        ).all() == ["Cruiser"]


def test_other_drivers_records_and_non_drivers_are_404(app, client, office, fleet):
    resident = add(app, make_user, roles=("resident",))
    assert client.get(f"/buero/fahrerinnen/{resident}").status_code == 404
    assert client.post(f"/buero/fahrerinnen/{resident}/zeiten", data={}).status_code == 404
    nora = add(app, make_user, roles=("driver",))
    with app.app_context():
        fabian_window = db.session.scalar(
            select(DriverAvailability.id).where(DriverAvailability.driver_id == fleet.driver_id)
        )
    assert client.post(f"/buero/fahrerinnen/{nora}/zeiten/{fabian_window}/loeschen").status_code == 404
    with app.app_context():
        assert db.session.get(DriverAvailability, fabian_window) is not None


def test_calls_without_a_ride_stay_on_the_call_list(app):
    from datetime import UTC, datetime

    from rikscha.notifications.models import OutboxMessage
    from rikscha.rides.office_services import pending_calls

    now = datetime(2026, 12, 1, tzinfo=UTC)
    with app.app_context():
        db.session.add(
            OutboxMessage(
                kind="change",
                channel="phone",
                recipient="0341 1",
                subject="s",
                body="b",
                due_at=now,
                created_at=now,
            )
        )
        db.session.flush()
        assert [(m.recipient, ride) for m, ride in pending_calls(now)] == [("0341 1", None)]
