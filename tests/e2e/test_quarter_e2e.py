"""The quarter in a real browser: an anonymous report becomes a caretaker's task, done on a phone,
and the reporter's status page says "erledigt". Every page visited is checked with axe."""

from __future__ import annotations

import io
import re
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_no_axe_violations, expect_heading, login, page_width

pytestmark = pytest.mark.e2e


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def test_report_to_task_to_done(page: Page, new_page, phone_page: Page, live_server):
    text = f"Die Kette der großen Schaukel ist gerissen ({uuid.uuid4().hex[:6]})."
    title = f"Schaukelkette ersetzen {uuid.uuid4().hex[:4]}"
    today = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()

    # A resident without an account reports from the landing page.
    page.goto("/")
    page.get_by_role("link", name="Schaden melden").click()
    opened = time.monotonic()
    expect_heading(page, "Etwas im Quartier melden")
    assert_no_axe_violations(page)
    page.get_by_label("Etwas ist kaputt oder gefährlich").check()
    page.get_by_label("Wo?").select_option(label="Spielplatz Lindenpark")
    page.get_by_label("Was ist los?").fill(text)
    page.get_by_label("Ihr Name (freiwillig)").fill("Karla Kontakt")
    page.get_by_label("Telefon (freiwillig)").fill("0341 777777")
    # The spam trap refuses forms sent back within three seconds; a person takes longer anyway.
    page.wait_for_timeout(max(0, 3300 - int((time.monotonic() - opened) * 1000)))
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.get_by_text("Vielen Dank! Ihre Meldung ist eingegangen.")).to_be_visible()
    expect(page.locator("h1")).to_have_text(re.compile(r"Ihre Meldung Nr\. \d+"))
    assert_no_axe_violations(page)
    report_number = re.search(r"Nr\. (\d+)", page.locator("h1").inner_text()).group(1)
    status_url = page.url.split("?")[0]
    expect(page.locator('[aria-current="step"]')).to_contain_text("eingegangen")

    # The office turns the report into a task for the caretaker.
    office = new_page()
    login(office, live_server.url, "koordination@example.org")
    office.get_by_role("navigation", name="Hauptmenü").get_by_role(
        "link", name="Meldungen", exact=True
    ).click()
    expect_heading(office, "Meldungen aus dem Quartier")
    assert_no_axe_violations(office)
    office.get_by_role("link", name=f"Nr. {report_number}", exact=True).click()
    expect_heading(office, f"Meldung Nr. {report_number}")
    expect(office.get_by_text("0341 777777")).to_be_visible()  # contact data: for the office
    assert_no_axe_violations(office)
    office.get_by_role("link", name="Als Auftrag anlegen").click()
    expect_heading(office, f"Auftrag aus Meldung Nr. {report_number}")
    assert_no_axe_violations(office)
    office.get_by_label("Titel").fill(title)
    office.get_by_label("Fällig am").fill(today)
    office.get_by_label("Hanna Hausmeister").check()
    office.get_by_role("button", name="Auftrag anlegen").click()
    expect_heading(office, title)
    assert_no_axe_violations(office)

    # The caretaker, on a phone outdoors, works it off.
    login(phone_page, live_server.url, "hausmeister@example.org")
    expect_heading(phone_page, "Meine Aufgaben")
    assert_no_axe_violations(phone_page)
    today_section = phone_page.locator(
        "section", has=phone_page.get_by_role("heading", name=re.compile("^Heute"))
    )
    today_section.get_by_role("link", name=re.compile(re.escape(title))).click()
    expect_heading(phone_page, title)
    expect(phone_page.get_by_text(text)).to_be_visible()
    expect(phone_page.get_by_text("0341 777777")).to_have_count(0)  # not for caretakers
    assert_no_axe_violations(phone_page)
    phone_page.get_by_role("button", name="Beginnen").click()
    expect(phone_page.locator(".quarter-status")).to_contain_text("in Arbeit")
    phone_page.get_by_label("Arbeitszeit in Minuten").fill("25")
    phone_page.get_by_label("Was wurde gemacht? (freiwillig)").fill("Neue Kette montiert.")
    phone_page.get_by_label("Fotos (freiwillig, höchstens 3)").set_input_files(
        [{"name": "kette.png", "mimeType": "image/png", "buffer": _png()}]
    )
    phone_page.get_by_role("button", name="Arbeit eintragen").click()
    expect(phone_page.get_by_text("Ihre Arbeit ist eingetragen.")).to_be_visible()
    expect(phone_page.get_by_text("25 Minuten")).to_be_visible()
    expect(phone_page.get_by_role("img", name="Foto 1 zum Nachweis")).to_be_visible()
    assert page_width(phone_page) <= 390  # no sideways scrolling
    assert_no_axe_violations(phone_page)
    phone_page.get_by_role("button", name="Erledigt").click()
    expect(phone_page.locator(".quarter-status")).to_contain_text("erledigt")
    assert_no_axe_violations(phone_page)

    # The reporter's secret link shows the outcome.
    page.goto(status_url)
    expect_heading(page, f"Ihre Meldung Nr. {report_number}")
    expect(page.locator('[aria-current="step"]')).to_contain_text("erledigt")
    expect(page.get_by_text("Karla Kontakt")).to_have_count(0)
    assert_no_axe_violations(page)
