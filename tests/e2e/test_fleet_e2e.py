"""Fleet care on a phone: a caretaker logs an inspection and a charging session; a driver reports a
grounding defect and the coordinator sees what happened to the rides (then the defect is cleared)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.helpers import assert_no_axe_violations, expect_heading, login

pytestmark = pytest.mark.e2e

NEXT_RIDE = """
SELECT k.name, p.name FROM rides r JOIN rickshaws k ON k.id = r.rickshaw_id JOIN riders p ON p.id = r.rider_id
WHERE r.status IN ('requested', 'confirmed') AND r.start_at > :now AND k.status = 'in_service'
ORDER BY r.start_at LIMIT 1
"""


def _next_ride(live_server) -> tuple[str, str]:
    """(rickshaw, rider) of the next upcoming demo ride, read from the server's database."""
    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as connection:
            now = datetime.now(UTC).replace(tzinfo=None)  # SQLite stores UTC without an offset
            return tuple(connection.execute(text(NEXT_RIDE), {"now": now}).one())
    finally:
        engine.dispose()


def test_caretaker_logs_inspection_and_charging(phone_page: Page, live_server):
    page = phone_page
    login(page, live_server.url, "hausmeister@example.org")
    expect_heading(page, "Meine Aufgaben")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Wartung eintragen").click()
    expect_heading(page, "Wartung eintragen")
    assert_no_axe_violations(page)
    page.get_by_label("Rikscha", exact=True).select_option(label="Rosi")
    page.get_by_label("Inspektion").check()
    page.get_by_label("Kilometerstand").fill("1300")
    page.get_by_label("Was wurde gemacht?").fill("Inspektion: Bremsen, Licht und Kette geprüft.")
    page.get_by_label("Station", exact=True).select_option(label="Servicestation Lindenau")
    page.get_by_role("button", name="Wartung speichern").click()

    expect_heading(page, "Rikscha Rosi")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Die Wartung an „Rosi“ wurde eingetragen.")
    expect(main).to_contain_text("Wartung: Inspektion")
    expect(main.locator(".service-ok")).to_contain_text("in Ordnung")
    expect(page.get_by_role("img", name="Kilometerstand von Rosi")).to_be_visible()
    assert_no_axe_violations(page)

    main.get_by_role("link", name="Ladevorgang eintragen").click()
    expect_heading(page, "Ladevorgang eintragen")
    # The rickshaw came from the link, the station from the maintenance just logged.
    expect(page.get_by_label("Rikscha", exact=True)).to_have_value(page.url.split("rikscha=")[1])
    expect(page.get_by_label("Station", exact=True).locator("option:checked")).to_have_text(
        "Servicestation Lindenau"
    )
    assert_no_axe_violations(page)
    page.get_by_label("Ladestand vorher (%)").fill("30")
    page.get_by_label("Ladestand nachher (%)").fill("100")
    page.get_by_label("Energie in kWh (freiwillig)").fill("0,6")
    page.get_by_role("button", name="Ladevorgang speichern").click()

    expect_heading(page, "Rikscha Rosi")
    expect(page.get_by_role("main")).to_contain_text("Der Ladevorgang für „Rosi“ wurde eingetragen.")
    expect(page.locator(".timeline-charging").first).to_contain_text("30 % → 100 %")
    assert_no_axe_violations(page)


def test_driver_grounds_a_rickshaw_and_the_coordinator_sees_the_rides(new_page, live_server):
    from tests.e2e.conftest import PHONE

    rickshaw, rider = _next_ride(live_server)

    driver = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    login(driver, live_server.url, "fahrer@example.org")
    assert_no_axe_violations(driver)
    driver.get_by_role("navigation").get_by_role("link", name="Mangel melden").click()
    expect_heading(driver, "Mangel an einer Rikscha melden")
    assert_no_axe_violations(driver)
    driver.get_by_label("Rikscha", exact=True).select_option(label=rickshaw)
    driver.get_by_label("Was ist kaputt oder auffällig?").fill("Die Vorderbremse greift kaum noch.")
    driver.get_by_label("Nicht sicher – nicht mehr fahren").check()
    driver.get_by_role("button", name="Mangel melden").click()

    expect_heading(driver, "Was mit den Fahrten passiert ist")
    main = driver.get_by_role("main")
    expect(main).to_contain_text(f"„{rickshaw}“ ist jetzt stillgelegt")
    expect(main).to_contain_text("umgelegt")
    assert_no_axe_violations(driver)

    office = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    login(office, live_server.url, "koordination@example.org")
    expect_heading(office, "Übersicht")
    fleet = office.locator(".fleet-attention")
    expect(fleet).to_contain_text("Stillgelegte Rikschas")
    expect(fleet).to_contain_text(rickshaw)
    expect(fleet).to_contain_text(rider)  # moved (or, if no other rickshaw was free, to be called)
    assert_no_axe_violations(office)

    office.get_by_role("navigation").get_by_role("link", name="Flotte").click()
    expect_heading(office, "Flotte")
    card = office.locator(".fleet-card", has=office.get_by_role("heading", name=rickshaw))
    expect(card).to_contain_text("stillgelegt")
    assert_no_axe_violations(office)

    # Repaired: the coordinator clears the defect and the rickshaw is back in service.
    office.locator("section[aria-labelledby=maengel] li", has_text="Vorderbremse").get_by_role(
        "link", name="Als behoben eintragen"
    ).click()
    expect_heading(office, "Mangel als behoben eintragen")
    assert_no_axe_violations(office)
    office.get_by_label("Was wurde repariert?").fill("Bremszug nachgestellt.")
    office.get_by_role("button", name="Als behoben eintragen").click()
    expect_heading(office, f"Rikscha {rickshaw}")
    expect(office.get_by_role("main")).to_contain_text(f"„{rickshaw}“ ist wieder im Einsatz.")
    assert_no_axe_violations(office)
