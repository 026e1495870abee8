"""Calendar feeds: creating, showing once, renewing and revoking the secret URL; the feed's content."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from rikscha.extensions import db
from rikscha.rides.models import CalendarFeed, Ride
from tests.factories import make_driver, make_rickshaw, make_ride, make_rider, make_user

pytestmark = pytest.mark.both_databases

NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # Tuesday 09:30 in Berlin
_FEED_URL = re.compile(
    r'<code class="token" id="feed-url">(http://localhost/kalender/([A-Za-z0-9_-]{40,})\.ics)</code>'
)


def berlin(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC) - timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock(app, monkeypatch):
    monkeypatch.setattr("rikscha.rides.views_feeds.utcnow", lambda: NOW)


@pytest.fixture
def world(app):
    with app.app_context():
        make_rickshaw()
        driver = make_driver(name="Fiona Fahrer")
        manager = make_user(roles=("resident",), name="Rita Angehörige")
        mother = make_rider(
            manager=manager, name="Mutter Mahler", phone="0341 555", needs_note="nicht zeigen"
        )
        stranger = make_rider(name="Fremde Frau")

        def ride(rider, start, **extra):
            return make_ride(rider=rider, start=start, **extra)

        rides = {
            "soon": ride(
                mother,
                berlin(date(2026, 12, 2), 10),
                needs=frozenset({"blanket"}),
                needs_note="Zweite Klingel",
            ),
            "cancelled": ride(stranger, berlin(date(2026, 12, 3), 10)),
            "past": ride(stranger, berlin(date(2026, 11, 20), 10)),
            "too_old": ride(stranger, berlin(date(2026, 11, 10), 10)),
            "too_far": ride(stranger, berlin(date(2027, 3, 8), 10)),
            "unmanaged": ride(stranger, berlin(date(2026, 12, 4), 10)),
        }
        rides["cancelled"].status = "cancelled"
        other = make_driver(name="Otto Anders")
        rides["unmanaged"].driver_id = other.id
        db.session.commit()
        for user in (driver, manager):
            db.session.refresh(user)
        return {"driver": driver, "manager": manager, "rides": {key: ride.id for key, ride in rides.items()}}


def _create(client) -> tuple[str, str]:
    response = client.post("/kalender-abo/neu")
    assert response.status_code == 302 and response.headers["Location"].endswith("/kalender-abo")
    page = client.get("/kalender-abo").get_data(as_text=True)
    match = _FEED_URL.search(page)
    assert match, page
    assert f'href="webcal://localhost/kalender/{match.group(2)}.ics"' in page
    return match.group(1), match.group(2)


def _parse(body: bytes) -> list[dict]:
    """A strict-enough RFC 5545 reader: CRLF only, ≤ 75 octets per line, balanced components."""
    assert body.endswith(b"\r\n")
    raw_lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in raw_lines)
    assert all(len(line) <= 75 for line in raw_lines)
    lines: list[str] = []
    for line in raw_lines:
        text = line.decode()
        if text.startswith(" "):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    events, current, depth = [], None, 0
    for line in lines:
        if line.startswith("BEGIN:"):
            depth += 1
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
        if line.startswith("END:"):
            depth -= 1
    assert depth == 0
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS"} <= set(event)
    return events


def test_driver_creates_a_feed_shown_once_and_stored_as_hash(client, app, world, login):
    login(world["driver"])
    page = client.get("/kalender-abo").get_data(as_text=True)
    assert "<h1>Kalender-Abo</h1>" in page and "noch kein Kalender-Abo" in page
    url, token = _create(client)
    assert "nur einmal angezeigt" in client.get("/kalender-abo").get_data(as_text=True)
    again = client.get("/kalender-abo").get_data(as_text=True)
    assert token not in again and "Ihr Kalender-Abo ist eingerichtet" in again
    with app.app_context():
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert feed.user_id == world["driver"].id and feed.revoked_at is None


def test_driver_feed_content(client, world, login):
    login(world["driver"])
    url, token = _create(client)
    client.post("/abmelden")  # the token alone is the credential
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    events = _parse(response.data)
    rides = world["rides"]
    by_uid = {event["UID"]: event for event in events}
    assert set(by_uid) == {f"ride-{rides[k]}@rikscha" for k in ("soon", "cancelled", "past")}
    assert by_uid[f"ride-{rides['cancelled']}@rikscha"]["STATUS"] == "CANCELLED"
    soon = by_uid[f"ride-{rides['soon']}@rikscha"]
    assert soon["STATUS"] == "CONFIRMED"
    assert soon["DTSTART"] == "20261202T090000Z" and soon["DTEND"] == "20261202T100000Z"
    assert soon["SUMMARY"] == "Rikscha: Mutter Mahler"
    assert "Telefon: 0341 555" in soon["DESCRIPTION"] and "Decke gewünscht" in soon["DESCRIPTION"]
    assert "Zweite Klingel" in soon["DESCRIPTION"] and "nicht zeigen" not in soon["DESCRIPTION"]


def test_manager_feed_shows_the_managed_riders_rides(client, world, login):
    login(world["manager"])
    page = client.get("/profil").get_data(as_text=True)
    assert 'href="/kalender-abo"' in page
    _url, token = _create(client)
    events = _parse(client.get(f"/kalender/{token}.ics").data)
    assert [event["UID"] for event in events] == [f"ride-{world['rides']['soon']}@rikscha"]
    assert events[0]["SUMMARY"] == "Rikscha-Fahrt Mutter Mahler"
    # The family sees when and where, not the driver's working notes.
    assert "Telefon" not in events[0]["DESCRIPTION"] and "Zweite Klingel" not in events[0]["DESCRIPTION"]


def test_renewing_replaces_the_old_url_and_revoking_ends_it(client, app, world, login):
    login(world["driver"])
    _url, first = _create(client)
    _url, second = _create(client)
    assert first != second
    assert client.get(f"/kalender/{first}.ics").status_code == 404
    assert client.get(f"/kalender/{second}.ics").status_code == 200
    response = client.post("/kalender-abo/beenden")
    assert response.status_code == 302
    assert "Das Kalender-Abo ist beendet." in client.get("/kalender-abo").get_data(as_text=True)
    assert client.get(f"/kalender/{second}.ics").status_code == 404
    # Ending it again changes nothing and says nothing wrong.
    assert client.post("/kalender-abo/beenden").status_code == 302
    with app.app_context():
        assert all(feed.revoked_at is not None for feed in db.session.scalars(select(CalendarFeed)))


def test_posts_need_csrf(client, app, world, login):
    login(world["driver"])
    client.post("/kalender-abo/neu", csrf=False)
    with app.app_context():
        assert db.session.scalar(select(CalendarFeed)) is None


@pytest.mark.parametrize("token", ["unbekannt", "x" * 43, "a" * 300])
def test_unknown_tokens_are_404(client, world, token):
    assert client.get(f"/kalender/{token}.ics").status_code == 404


def test_a_token_with_a_nul_character_is_a_bad_request(client, world):
    assert client.get("/kalender/%00.ics").status_code == 400  # refused before the lookup (input_guard)


def test_feed_of_a_deactivated_user_stops(client, app, world, login):
    login(world["driver"])
    _url, token = _create(client)
    with app.app_context():
        db.session.merge(world["driver"]).active = False
        db.session.commit()
    assert client.get(f"/kalender/{token}.ics").status_code == 404


def test_other_roles_and_anonymous(client, make_user, login):
    assert client.get("/kalender-abo").status_code == 302
    caretaker = make_user(roles=("caretaker",))
    login(caretaker)
    assert client.get("/kalender-abo").status_code == 403
    assert client.post("/kalender-abo/neu").status_code == 403
    assert 'href="/kalender-abo"' not in client.get("/profil").get_data(as_text=True)


def test_feed_survives_multiline_notes(client, app, world, login):
    with app.app_context():
        db.session.get(Ride, world["rides"]["soon"]).needs_note = (
            "Zeile eins\r\nZeile zwei; mit Komma, " + "x" * 120
        )
        db.session.commit()
    login(world["driver"])
    _url, token = _create(client)
    events = _parse(client.get(f"/kalender/{token}.ics").data)
    soon = next(e for e in events if e["UID"] == f"ride-{world['rides']['soon']}@rikscha")
    assert "Zeile eins\\nZeile zwei\\; mit Komma\\, xxx" in soon["DESCRIPTION"]
