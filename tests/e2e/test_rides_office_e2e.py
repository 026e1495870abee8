"""The office books by phone for a new rider without an account and finds the ride in the day plan."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, expect_heading, login
from tests.factories import open_day_ahead

pytestmark = pytest.mark.e2e


def test_coordinator_books_by_phone_for_a_new_rider(page: Page, live_server):
    name = f"Erna Ehrlich {uuid.uuid4().hex[:6]}"
    login(page, live_server.url, "koordination@example.org")
    expect_heading(page, "Übersicht")
    assert_no_axe_violations(page)

    page.get_by_role("main").get_by_role("link", name="Fahrt am Telefon buchen").click()
    expect_heading(page, "Fahrt am Telefon buchen")
    page.get_by_label("Name oder Telefonnummer").fill(name)
    page.get_by_role("button", name="Suchen").click()
    expect(page.get_by_text("Niemand gefunden")).to_be_visible()
    assert_no_axe_violations(page)

    # The search term is already the new rider's name; consent was given on the phone.
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    page.get_by_label("Telefon", exact=True).fill("0341 424242")
    page.get_by_label("Abholadresse").fill("Rosenweg 7, 04177 Leipzig")
    page.get_by_label("Braucht Hilfe beim Einsteigen").check()
    expect(page.get_by_label("am Telefon")).to_be_checked()
    page.get_by_role("button", name="Anlegen und Fahrt buchen").click()

    expect_heading(page, f"Fahrt buchen für {name}")
    assert_no_axe_violations(page)
    page.get_by_label("Tag", exact=True).fill(open_day_ahead(5).isoformat())
    page.get_by_label("Dauer").select_option(label="60 Minuten")
    page.get_by_role("button", name="Freie Zeiten zeigen").click()
    expect(page.get_by_role("heading", name=re.compile("Freie Zeiten am"))).to_be_visible()
    for _ in range(5):  # a fully booked day: try the next one
        if page.locator(".slot-grid input[type=radio]").count():
            break
        page.get_by_role("link", name=re.compile("Nächster Tag")).click()
    assert_no_axe_violations(page)
    slot = page.locator(".slot-grid input[type=radio]").first
    slot.check()
    chosen = page.locator(f"label[for='{slot.get_attribute('id')}']").inner_text().split("–")[0].strip()
    expect(page.get_by_label("Abholadresse")).to_have_value("Rosenweg 7, 04177 Leipzig")
    page.get_by_label("Ziel aus der Liste").select_option(label="Stadtpark")
    page.get_by_role("button", name="Fahrt verbindlich buchen").click()

    expect_heading(page, "Ihre Rikscha-Fahrt")
    main = page.get_by_role("main")
    expect(main).to_contain_text(name)
    expect(main).to_contain_text("Stadtpark")
    expect(main).to_contain_text(f"{chosen}–")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Im Tagesplan ansehen").click()
    expect(page.locator("h1")).to_contain_text("Tagesplan")
    row = page.locator("table.plan-table tr", has_text=name).first
    expect(row).to_contain_text(chosen)
    expect(row).to_contain_text("Rosenweg 7")
    expect(row).to_contain_text("Hilfe beim Einsteigen")
    assert_no_axe_violations(page)

    # The same ride in the plan per driver, one click away; the current view is marked.
    page.get_by_role("link", name="Nach Fahrer:in").click()
    expect(page.get_by_role("link", name="Nach Fahrer:in")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Nach Fahrer:in")).to_be_visible()
    row = page.locator("table.plan-table tr", has_text=name).first
    expect(row).to_contain_text(chosen)
    assert_no_axe_violations(page)
