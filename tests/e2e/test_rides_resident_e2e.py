"""A resident books a ride through the wizard and cancels another one, in a real browser."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, expect_heading, login
from tests.factories import open_day_ahead

pytestmark = pytest.mark.e2e

RIDE_PAGE = re.compile(r"/fahrten/(\d+)/bestaetigung$")


def _book(page: Page, rider: str, day: date, check: bool = True) -> int:
    """Walk the wizard from "Meine Fahrten" to the confirmation page; return the ride's id."""
    page.get_by_role("main").get_by_role("link", name="Fahrt buchen").click()
    expect_heading(page, "Für wen möchten Sie eine Fahrt buchen?")
    if check:
        assert_no_axe_violations(page)
    page.get_by_role("link", name=re.compile(rider)).click()

    expect_heading(page, "Wann möchten Sie fahren?")
    if check:
        assert_no_axe_violations(page)
    page.get_by_label("Tag", exact=True).fill(day.isoformat())
    page.get_by_role("button", name="Freie Uhrzeiten anzeigen").click()

    expect_heading(page, "Welche Uhrzeit passt?")
    if check:
        assert_no_axe_violations(page)
    for _ in range(6):  # a fully booked day offers the next days
        if page.locator("a.slot").count():
            break
        expect(page.get_by_text("An diesem Tag ist leider nichts mehr frei")).to_be_visible()
        page.locator(".empty-state .card-links a").first.click()
    page.locator("a.slot").first.click()

    expect_heading(page, "Wohin soll es gehen?")
    if check:
        assert_no_axe_violations(page)
    expect(page.get_by_label("Abholadresse")).to_have_value(re.compile("Lindenstraße 4"))
    page.get_by_label("Ziel aus der Liste").select_option(label="Stadtpark")
    page.get_by_role("button", name="Verbindlich buchen").click()

    expect_heading(page, "Ihre Fahrt ist gebucht")
    expect(page.get_by_role("main")).to_contain_text(rider)
    return int(RIDE_PAGE.search(page.url).group(1))


def test_resident_books_a_ride_and_cancels_another(page: Page, live_server):
    login(page, live_server.url, "bewohner@example.org")
    expect_heading(page, "Meine Fahrten")
    assert_no_axe_violations(page)

    day = open_day_ahead(3)
    booked = _book(page, "Otto Oswald", day)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Stadtpark")
    expect(main).to_contain_text("Drucken")
    assert_no_axe_violations(page)

    # A second ride (for Berta), which is then cancelled; the demo's own rides stay untouched.
    page.get_by_role("link", name="Zu meinen Fahrten").click()
    expect(page.locator(f'a[href="/fahrten/{booked}"]')).to_be_visible()
    other = _book(page, "Berta Bewohner", day, check=False)
    assert other != booked
    page.get_by_role("link", name="Fahrt ansehen oder absagen").click()
    expect(page.get_by_role("heading", name="Fahrt absagen")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Krankheit").check()
    page.get_by_role("button", name="Fahrt absagen").click()

    expect(page.get_by_role("status")).to_have_text("Die Fahrt wurde abgesagt.")
    expect(page.locator(".ride-summary .status")).to_have_text("abgesagt")
    expect(page.get_by_role("button", name="Fahrt absagen")).to_have_count(0)
    assert_no_axe_violations(page)

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Meine Fahrten").click()
    cancelled_row = page.locator("tr", has=page.locator(f'a[href="/fahrten/{other}"]'))
    expect(cancelled_row).to_contain_text("abgesagt")
    booked_row = page.locator("tr", has=page.locator(f'a[href="/fahrten/{booked}"]'))
    expect(booked_row).to_contain_text("bestätigt")
    assert_no_axe_violations(page)
