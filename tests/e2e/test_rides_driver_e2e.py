"""The driver on a phone: sees a ride in "Mein Plan", subscribes to the calendar feed, finishes the ride."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, expect_heading, login, page_width

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]

# The demo's rides lie days ahead; a ride that has started is put straight into the server's database.
_STARTED_RIDE = """
import sys
from datetime import timedelta

from rikscha import create_app

app = create_app()
with app.app_context():
    from sqlalchemy import select

    from rikscha.auth.models import User
    from rikscha.database import utcnow
    from rikscha.extensions import db
    from rikscha.fleet.models import Rickshaw
    from rikscha.rides.models import Ride, Rider

    driver = db.session.scalar(select(User).where(User.email == "fahrer@example.org"))
    rickshaw = db.session.scalar(select(Rickshaw).where(Rickshaw.name == "Lotte"))
    rider = Rider(name=sys.argv[1], phone="0341 777888", address="Kirchplatz 2, 04177 Leipzig",
                  consent_method="phone", managers=[])
    start = utcnow() - timedelta(minutes=20)
    db.session.add(Ride(rider=rider, passengers=1, start_at=start, end_at=start + timedelta(hours=1),
                        blocked_from=start - timedelta(minutes=15), blocked_until=start + timedelta(minutes=75),
                        pickup=rider.address, destination_text="Stadtpark", need_blanket=True,
                        status="confirmed", rickshaw_id=rickshaw.id, driver_id=driver.id, booked_via="phone"))
    db.session.commit()
"""


def _add_started_ride(live_server, rider_name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _STARTED_RIDE, rider_name],
        cwd=REPO_ROOT,
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_driver_sees_the_plan_subscribes_and_completes_a_ride(phone_page: Page, live_server):
    page = phone_page
    name = f"Erika Ersttest {uuid.uuid4().hex[:4]}"
    _add_started_ride(live_server, name)

    login(page, live_server.url, "fahrer@example.org")
    expect(page).to_have_url(re.compile(r"/fahrer$"))
    expect_heading(page, "Mein Plan")
    card = page.locator(".ride-card").filter(has_text=name)
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="0341 777888")).to_have_attribute("href", "tel:0341777888")
    expect(card.get_by_role("link", name=re.compile("^Auf der Karte zeigen"))).to_have_attribute(
        "href", "https://www.openstreetmap.org/search?query=Kirchplatz%202%2C%2004177%20Leipzig"
    )
    expect(card).to_contain_text("Decke gewünscht")
    assert page_width(page) <= 390
    assert_no_axe_violations(page)

    # The calendar feed: the secret address is shown once and serves text/calendar.
    page.get_by_role("link", name="Kalender-Abo für mein Handy").click()
    expect_heading(page, "Kalender-Abo")
    assert_no_axe_violations(page)
    page.get_by_role(
        "button", name=re.compile("^(Kalender-Adresse erstellen|Neue Adresse erstellen)$")
    ).click()
    feed_url = page.locator("#feed-url").inner_text().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/kalender/[\w-]{40,}\.ics", feed_url), feed_url
    assert page_width(page) <= 390
    assert_no_axe_violations(page)
    feed = page.request.get(feed_url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text().startswith("BEGIN:VCALENDAR\r\n") and f"SUMMARY:Rikscha: {name}" in feed.text()

    # Finishing the started ride with the kilometres.
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Mein Plan").click()
    card.get_by_role("link", name="Fahrt abschließen").click()
    expect_heading(page, f"Fahrt mit {name}")
    assert_no_axe_violations(page)
    page.get_by_label("Gefahrene Kilometer", exact=True).fill("7.5")
    page.get_by_role("button", name="Als erledigt speichern").click()
    expect(page).to_have_url(re.compile(r"/fahrer$"))
    expect(page.get_by_role("status")).to_contain_text(
        f"Die Fahrt mit {name} ist als erledigt gespeichert (7.5 km)"
    )
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Laufzettel für heute").click()
    expect_heading(page, "Laufzettel")
    assert page_width(page) <= 390
    assert_no_axe_violations(page)

    page.goto("/mein-plan/verfuegbarkeit")
    expect_heading(page, "Meine Zeiten und Abwesenheiten")
    expect(page.get_by_role("main")).to_contain_text("Montag: 08:30–18:30 Uhr")
    assert page_width(page) <= 390
    assert_no_axe_violations(page)
