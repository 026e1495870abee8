"""Privacy in the browser: a coordinator finds a rider's data and the erase confirmation; a resident
sees the download of their riders' data on the profile page. (Read-only: the demo data is shared.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, expect_heading, login

pytestmark = pytest.mark.e2e


def test_coordinator_views_a_riders_data_and_the_erase_step(page: Page, live_server):
    login(page, live_server.url, "koordination@example.org")
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Datenschutz").click()
    expect_heading(page, "Datenschutz")
    assert_no_axe_violations(page)

    page.get_by_label("Name oder Telefonnummer").fill("Frieda")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name="Daten ansehen – Frieda Fröhlich").click()
    expect_heading(page, "Daten von Frieda Fröhlich")
    expect(page.get_by_role("heading", name="Einverständnis", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Alle Fahrten, älteste zuerst")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Löschen (anonymisieren)").first.click()
    expect_heading(page, "Frieda Fröhlich löschen (anonymisieren)")
    expect(
        page.get_by_label("Ja, alle persönlichen Angaben dieser Person endgültig löschen")
    ).not_to_be_checked()
    assert_no_axe_violations(page)


def test_phone_resident_finds_the_download_on_the_profile(phone_page: Page, live_server):
    page = phone_page
    login(page, live_server.url, "bewohner@example.org")
    page.goto(live_server.url + "/profil")
    expect(page.get_by_role("heading", name="Meine Daten")).to_be_visible()
    expect(page.get_by_role("link", name="Daten von Berta Bewohner herunterladen")).to_be_visible()
    assert_no_axe_violations(page)
