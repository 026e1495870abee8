"""Privacy pages: a rider's data page and JSON, consent, anonymisation, residents' exports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from rikscha.audit.models import AuditEvent
from rikscha.extensions import db
from rikscha.rides.models import Ride, Rider
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, open_day_ahead

pytestmark = pytest.mark.both_databases

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def office(make_user, login):
    user = make_user(roles=("coordinator",), name="Kora Koordination")
    login(user)
    return user


@pytest.fixture
def riders(app, make_user):
    """Berta (managed by Maria, one future ride) and Otto (managed by someone else)."""
    maria = make_user(name="Maria Manager", email="maria@example.org")
    other = make_user(name="Olaf Other")
    with app.app_context():
        make_rickshaw()
        make_driver()
        berta = make_rider(manager=maria, name="Berta Bewohner", needs_note="Hörgerät", need_rollator=True)
        otto = make_rider(manager=other, name="Otto Oswald", needs_note="Otto-Geheimnis")
        ride = make_ride(rider=berta, start=at(open_day_ahead(3), 10), destination_text="Café Krause")
        db.session.commit()
        return {"maria": maria, "other": other, "berta": berta.id, "otto": otto.id, "ride": ride.id}


def html(response) -> str:
    return response.get_data(as_text=True)


def events(app, action: str, rider_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action,
                    AuditEvent.entity == "rider",
                    AuditEvent.entity_id == rider_id,
                )
            )
        )


def test_search_lists_riders_and_links_to_their_page(client, office, riders):
    page = html(client.get("/verwaltung/datenschutz?q=Berta"))
    assert "Berta Bewohner" in page and "Otto" not in page
    assert f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}" in page
    assert "Keine Fahrgäste gefunden" in html(client.get("/verwaltung/datenschutz?q=Niemand"))


def test_rider_page_shows_everything_and_records_the_view(app, client, office, riders):
    response = client.get(f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}")
    assert response.status_code == 200
    page = html(response)
    for text in (
        "Berta Bewohner",
        "Hörgerät",
        "Maria Manager",
        "maria@example.org",
        "Café Krause",
        "Widerruf eintragen",
    ):
        assert text in page
    assert "Otto" not in page
    [event] = events(app, "view_needs", riders["berta"])
    assert event.summary == "privacy page" and "Hörgerät" not in event.summary


def test_json_export_for_the_office(app, client, office, riders):
    response = client.get(f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["rider"]["name"] == "Berta Bewohner"
    assert [ride["id"] for ride in data["rides"]] == [riders["ride"]]
    assert "Otto" not in response.get_data(as_text=True)
    assert len(events(app, "export", riders["berta"])) == 1


def test_unknown_riders_are_404(client, office):
    for url in (
        "/verwaltung/datenschutz/fahrgaeste/987654",
        "/verwaltung/datenschutz/fahrgaeste/987654/export.json",
        "/verwaltung/datenschutz/fahrgaeste/987654/anonymisieren",
    ):
        assert client.get(url).status_code == 404
    assert client.post("/verwaltung/datenschutz/fahrgaeste/987654/widerruf").status_code == 404


def test_withdraw_and_renew_consent(app, client, office, riders):
    url = f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}"
    response = client.post(f"{url}/widerruf")
    assert response.status_code == 302
    page = html(client.get(url))
    assert "Kora Koordination" in page and "Angaben jetzt löschen" in page
    with app.app_context():
        rider = db.session.get(Rider, riders["berta"])
        assert rider.consent_withdrawn_at is not None and rider.consent_withdrawn_by_id == office.id
    # Renewed consent needs a method.
    assert client.post(f"{url}/einverstaendnis", data={}).status_code == 422
    assert client.post(f"{url}/einverstaendnis", data={"method": "paper"}).status_code == 302
    with app.app_context():
        rider = db.session.get(Rider, riders["berta"])
        assert rider.consent_withdrawn_at is None and rider.consent_method == "paper"


def test_withdrawal_without_csrf_changes_nothing(app, client, office, riders):
    client.post(f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}/widerruf", csrf=False)
    with app.app_context():
        assert db.session.get(Rider, riders["berta"]).consent_withdrawn_at is None


def test_anonymise_needs_confirmation_then_erases(app, client, office, riders):
    url = f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}/anonymisieren"
    page = html(client.get(url))
    assert "Eine künftige Fahrt wird abgesagt." in page
    response = client.post(url, data={})
    assert response.status_code == 200 and "Bitte bestätigen Sie" in html(response)
    with app.app_context():
        assert db.session.get(Rider, riders["berta"]).anonymised_at is None
    response = client.post(url, data={"confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        rider = db.session.get(Rider, riders["berta"])
        assert rider.anonymised_at is not None and rider.name == f"Anonymisiert #{rider.id}"
        ride = db.session.get(Ride, riders["ride"])
        assert ride.status == "cancelled" and ride.destination_text == ""
    # Gone from searches; a second attempt only says so.
    assert "Anonymisiert #" not in html(client.get("/verwaltung/datenschutz"))
    assert client.get(url).status_code == 302
    assert client.post(url, data={"confirm": "y"}).status_code == 302
    assert len(events(app, "anonymise", riders["berta"])) == 1


def test_residents_export_only_their_own_riders(app, client, login, riders):
    login(riders["maria"])
    profile = html(client.get("/profil"))
    assert "Meine Daten" in profile and "Daten von Berta Bewohner herunterladen" in profile
    assert "Otto" not in profile
    response = client.get(f"/verwaltung/meine-daten/fahrgaeste/{riders['berta']}.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    assert data["rider"]["needs"]["note"] == "Hörgerät"
    assert client.get(f"/verwaltung/meine-daten/fahrgaeste/{riders['otto']}.json").status_code == 404
    assert client.get("/verwaltung/meine-daten/fahrgaeste/987654.json").status_code == 404
    assert client.get(f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}").status_code == 403


def test_profile_without_riders_shows_an_empty_state(client, login, make_user):
    login(make_user(name="Neu"))
    assert "Sie betreuen noch keine Fahrgäste." in html(client.get("/profil"))


@pytest.mark.parametrize("role", ["driver", "caretaker", "resident"])
def test_privacy_pages_are_for_coordinators(client, login, make_user, riders, role):
    login(make_user(roles=(role,)))
    assert client.get("/verwaltung/datenschutz").status_code == 403
    assert client.get(f"/verwaltung/datenschutz/fahrgaeste/{riders['berta']}/export.json").status_code == 403
