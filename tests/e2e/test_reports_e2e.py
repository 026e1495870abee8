"""The office's figures: the dashboard, a funders' report with its chart and CSV, a volunteer statement."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, expect_heading, login

pytestmark = pytest.mark.e2e


def test_coordinator_dashboard_report_csv_and_volunteer_statement(page: Page, live_server):
    year = str(datetime.now(ZoneInfo("Europe/Berlin")).year)
    login(page, live_server.url, "koordination@example.org")
    expect_heading(page, "Übersicht")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Fahrten heute")).to_be_visible()
    expect(main.get_by_role("heading", name="Was Ihre Aufmerksamkeit braucht")).to_be_visible()
    expect(main.get_by_role("heading", name="Anrufliste")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("navigation").get_by_role("link", name="Berichte").click()
    expect(page.locator("h1")).to_contain_text("Bericht für Fördergeber")
    assert_no_axe_violations(page)
    page.get_by_label("Zeitraum", exact=True).select_option(label="Jahr")
    page.get_by_label("Jahr", exact=True).fill(year)
    page.get_by_role("button", name="Bericht anzeigen").click()
    expect_heading(page, f"Bericht für Fördergeber: {year}")
    chart = page.get_by_role("img", name="Diagramm: Fahrten nach Ergebnis")
    expect(chart).to_be_visible()
    expect(page.get_by_role("table", name="Fahrten nach Ergebnis")).to_be_visible()
    # The demo's two past rides were driven by the demo driver.
    expect(page.get_by_role("table", name="Stunden je Fahrer:in (abgeschlossene Fahrten)")).to_contain_text(
        "Fabian Fahrer"
    )
    assert_no_axe_violations(page)

    link = page.get_by_role("link", name="Als CSV-Datei herunterladen")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    body = response.body()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Abschnitt", "Zeile", "Spalte", "Wert"] and rows[1][3] == year
    assert any(row[:3] == ["Kennzahlen", "Fahrten abgeschlossen", "Wert"] for row in rows)

    page.goto(live_server.url + "/koordination")
    page.get_by_role("link", name="Ehrenamtsnachweis ausstellen").click()
    expect_heading(page, "Ehrenamtsnachweis")
    assert_no_axe_violations(page)
    page.get_by_label("Person").select_option(label="Fabian Fahrer")
    page.get_by_label("Zeitraum", exact=True).select_option(label="Jahr")
    page.get_by_label("Jahr", exact=True).fill(year)
    page.get_by_role("button", name="Nachweis anzeigen").click()
    statement = page.locator("article.statement")
    expect(statement).to_contain_text("Fabian Fahrer")
    expect(statement).to_contain_text("Unterschrift")
    expect(page.get_by_role("table", name="Geleistete Stunden nach Monat")).to_contain_text("Summe")
    assert_no_axe_violations(page)
