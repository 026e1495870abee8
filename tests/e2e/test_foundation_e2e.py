"""The foundation in a real browser: public pages, login per role, registration, user admin,
language switch, keyboard use, small screens and login throttling, each page checked with axe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    DEMO_PASSWORD,
    assert_no_axe_violations,
    create_user,
    expect_heading,
    login,
    page_width,
    unique_email,
)

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
EN_CATALOG = REPO_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"

ROLE_START_PAGES = [
    pytest.param("koordination@example.org", "/koordination", "Übersicht", id="coordinator"),
    pytest.param("fahrer@example.org", "/fahrer", "Mein Plan", id="driver"),
    pytest.param("hausmeister@example.org", "/hausmeister", "Meine Aufgaben", id="caretaker"),
    pytest.param("bewohner@example.org", "/bewohner", "Meine Fahrten", id="resident"),
]


def _path_is(path: str) -> re.Pattern:
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?(#.*)?$")


def _english_for(msgid: str) -> str | None:
    """The English translation of `msgid` if the catalog has a usable (non-fuzzy) one."""
    if not EN_CATALOG.exists():
        return None
    from babel.messages.pofile import read_po

    with EN_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    message = catalog.get(msgid)
    if message is None or message.fuzzy or not message.string:
        return None
    return message.string


def test_anonymous_public_pages(page: Page, live_server):
    page.goto("/")
    expect_heading(page, "Rikscha-Fahrten im Quartier")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_no_axe_violations(page)

    page.get_by_role("main").get_by_role("link", name="Anmelden").click()
    expect(page).to_have_url(_path_is("/anmelden"))
    expect_heading(page, "Anmelden")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Jetzt ein Konto anlegen").click()
    expect(page).to_have_url(_path_is("/registrieren"))
    expect_heading(page, "Konto anlegen")
    assert_no_axe_violations(page)

    response = page.goto("/diese-seite-gibt-es-nicht")
    assert response is not None and response.status == 404
    expect_heading(page, "Seite nicht gefunden")
    expect(page.get_by_role("link", name="Zur Startseite")).to_be_visible()
    assert_no_axe_violations(page)


@pytest.mark.parametrize(("email", "start_path", "heading"), ROLE_START_PAGES)
def test_each_role_lands_on_its_start_page(page: Page, live_server, email, start_path, heading):
    login(page, live_server.url, email)
    expect(page).to_have_url(_path_is(start_path))
    expect_heading(page, heading)
    expect(page.get_by_role("status").filter(has_text="Willkommen")).to_be_visible()
    nav = page.get_by_role("navigation", name="Hauptmenü")
    expect(nav.get_by_role("link", name=heading)).to_have_attribute("aria-current", "page")
    assert_no_axe_violations(page)

    nav.get_by_role("link", name="Mein Konto").click()
    expect(page).to_have_url(_path_is("/profil"))
    expect_heading(page, "Mein Konto")
    expect(page.get_by_role("main")).to_contain_text(email)
    assert_no_axe_violations(page)

    # Another role's start page is not for this user.
    other = "/bewohner" if start_path != "/bewohner" else "/koordination"
    response = page.goto(other)
    assert response is not None and response.status == 403
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(_path_is("/"))
    expect(page.get_by_role("status")).to_contain_text("Sie sind abgemeldet.")
    page.goto(start_path)
    expect(page).to_have_url(re.compile(rf"/anmelden\?next=(/|%2F){start_path[1:]}$"))


def test_coordinator_creates_a_user_who_then_sets_a_password(page: Page, new_page, live_server):
    login(page, live_server.url, "koordination@example.org")
    expect(page).to_have_url(_path_is("/koordination"))

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Personen").click()
    expect(page).to_have_url(_path_is("/verwaltung/personen"))
    expect_heading(page, "Personen")
    expect(page.get_by_role("table")).to_contain_text("bewohner@example.org")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Neue Person anlegen").click()
    expect_heading(page, "Neue Person anlegen")
    assert_no_axe_violations(page)

    # Sending it empty shows the errors first.
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page)

    email = unique_email("neu")
    page.get_by_label("Name", exact=True).fill("Nora Neu")
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Telefon", exact=True).fill("0151 2223334")
    page.get_by_role("group", name="Rollen").get_by_label("Fahrer:in").check()
    page.get_by_role("button", name="Speichern").click()

    expect_heading(page, "Vorläufiges Passwort für Nora Neu")
    expect(page.get_by_role("main")).to_contain_text(email)
    temporary = page.locator("#temporary-password").inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", temporary), temporary
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Zurück zur Liste").click()
    expect(page.get_by_role("table")).to_contain_text(email)
    page.get_by_role("searchbox", name="Name, E-Mail oder Telefon").fill("Nora Neu")
    page.get_by_role("button", name="Suchen").click()
    expect(page.get_by_role("table").locator("tbody tr")).to_have_count(1)
    assert_no_axe_violations(page)
    page.get_by_role("table").get_by_role("link", name="Nora Neu").click()
    expect_heading(page, "Nora Neu")
    expect(page.get_by_role("group", name="Rollen").get_by_label("Fahrer:in")).to_be_checked()
    assert_no_axe_violations(page)

    # The new person logs in with the temporary password and must choose their own.
    newcomer = new_page()
    login(newcomer, live_server.url, email, temporary)
    expect(newcomer).to_have_url(_path_is("/profil"))
    expect(newcomer.get_by_role("status")).to_contain_text("Bitte legen Sie jetzt ein eigenes Passwort fest.")
    newcomer.get_by_label("Bisheriges Passwort", exact=True).fill(temporary)
    newcomer.get_by_label("Neues Passwort", exact=True).fill("ein-eigenes-passwort")
    newcomer.get_by_label("Neues Passwort wiederholen", exact=True).fill("ein-eigenes-passwort")
    newcomer.get_by_role("button", name="Passwort ändern").click()
    expect(newcomer.get_by_role("status")).to_contain_text("Ihr Passwort ist geändert.")
    assert_no_axe_violations(newcomer)

    # An API key: shown once, listed, and revocable, all on the profile page.
    newcomer.get_by_label("Wofür ist der Schlüssel?", exact=True).fill("Tabelle im Büro")
    newcomer.get_by_role("button", name="Schlüssel erstellen").click()
    expect(newcomer.locator("#new-token")).to_have_text(re.compile(r"^rk_\S{20,}$"))
    assert_no_axe_violations(newcomer)
    newcomer.get_by_role("button", name=re.compile(r"^Widerrufen\s*:\s*Tabelle im Büro$")).click()
    expect(newcomer.get_by_role("status")).to_contain_text("Der Zugangsschlüssel ist widerrufen.")
    expect(newcomer.get_by_text("Sie haben noch keine Zugangsschlüssel.")).to_be_visible()


def test_registration_of_a_resident(page: Page, live_server):
    email = unique_email("neu-bewohner")
    page.goto("/registrieren")
    page.get_by_label("Ihr Name", exact=True).fill("Rita Registriert")
    page.get_by_label("E-Mail-Adresse", exact=True).fill(email)
    page.get_by_label("Telefon (freiwillig)", exact=True).fill("0151 9998887")
    page.get_by_label("Passwort", exact=True).fill("sicheres-passwort-1")
    page.get_by_label("Passwort wiederholen", exact=True).fill("sicheres-passwort-2")
    page.get_by_label("Ich bin einverstanden").check()
    page.get_by_role("button", name="Konto anlegen").click()

    # Shown again, with the error on the field and in the summary at the top.
    expect(page).to_have_url(_path_is("/registrieren"))
    mismatch = "Die beiden Passwörter stimmen nicht überein."
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text(mismatch)
    expect(summary.get_by_role("link")).to_have_attribute("href", "#password_repeat")
    repeat = page.get_by_label("Passwort wiederholen", exact=True)
    expect(repeat).to_have_attribute("aria-invalid", "true")
    expect(repeat).to_have_attribute("aria-describedby", re.compile(r"\bpassword_repeat-error\b"))
    expect(page.locator("#password_repeat-error")).to_have_text(mismatch)
    expect(page.get_by_label("Passwort", exact=True)).not_to_have_attribute("aria-invalid", "true")
    # What was typed (except passwords) is still there.
    expect(page.get_by_label("Ihr Name", exact=True)).to_have_value("Rita Registriert")
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(email)
    assert_no_axe_violations(page)

    summary.get_by_role("link").click()
    expect(repeat).to_be_focused()

    page.get_by_label("Passwort", exact=True).fill("sicheres-passwort-1")
    repeat.fill("sicheres-passwort-1")
    page.get_by_label("Ich bin einverstanden").check()
    page.get_by_role("button", name="Konto anlegen").click()

    expect(page).to_have_url(_path_is("/bewohner"))
    expect_heading(page, "Meine Fahrten")
    expect(page.get_by_role("status")).to_contain_text("Ihr Konto ist angelegt.")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    assert_no_axe_violations(page)


def test_language_switch_in_the_header(page: Page, live_server):
    page.goto("/anmelden")
    html = page.locator("html")
    german = page.get_by_role("button", name="Deutsch")
    english = page.get_by_role("button", name="English")
    expect(html).to_have_attribute("lang", "de")
    expect(german).to_have_attribute("aria-pressed", "true")
    expect(english).to_have_attribute("aria-pressed", "false")

    english.click()
    expect(page).to_have_url(_path_is("/anmelden"))
    expect(html).to_have_attribute("lang", "en")
    expect(english).to_have_attribute("aria-pressed", "true")
    expect(german).to_have_attribute("aria-pressed", "false")
    translated = _english_for("Anmelden")
    if translated is not None:
        expect_heading(page, translated)
    assert_no_axe_violations(page)

    # The choice stays for the rest of the visit.
    page.goto("/")
    expect(html).to_have_attribute("lang", "en")

    german.click()
    expect(page).to_have_url(_path_is("/"))
    expect(html).to_have_attribute("lang", "de")
    expect(german).to_have_attribute("aria-pressed", "true")
    expect(english).to_have_attribute("aria-pressed", "false")
    expect_heading(page, "Rikscha-Fahrten im Quartier")
    assert_no_axe_violations(page)


@pytest.mark.parametrize("path", ["/", "/anmelden"])
def test_skip_link_is_first_and_jumps_to_main(page: Page, live_server, path):
    page.goto(path)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_no_axe_violations(page)

    page.keyboard.press("Enter")
    main = page.locator("main#inhalt")
    expect(main).to_be_focused()
    expect(page).to_have_url(_path_is(path + "#inhalt"))
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_small_screen_320px(new_page, live_server):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/")
    expect_heading(page, "Rikscha-Fahrten im Quartier")
    assert page_width(page) <= 320
    assert_no_axe_violations(page)

    page.get_by_role("main").get_by_role("link", name="Anmelden").click()
    assert page_width(page) <= 320
    assert_no_axe_violations(page)
    page.get_by_label("E-Mail-Adresse", exact=True).fill("bewohner@example.org")
    page.get_by_label("Passwort", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()

    expect(page).to_have_url(_path_is("/bewohner"))
    expect_heading(page, "Meine Fahrten")
    assert page_width(page) <= 320
    assert_no_axe_violations(page)


def test_phone_profile_page(phone_page: Page, live_server):
    login(phone_page, live_server.url, "hausmeister@example.org")
    expect(phone_page).to_have_url(_path_is("/hausmeister"))
    phone_page.get_by_role("link", name="Mein Konto").tap()
    expect_heading(phone_page, "Mein Konto")
    assert page_width(phone_page) <= 390
    assert_no_axe_violations(phone_page)


def test_login_is_throttled_after_five_failures(page: Page, live_server):
    email = unique_email("gesperrt")
    password = "richtiges-passwort"
    create_user(live_server, email=email, name="Gerd Gesperrt", roles=["resident"], password=password)

    for _attempt in range(5):
        login(page, live_server.url, email, "falsches-passwort")
        expect(page).to_have_url(_path_is("/anmelden"))
        expect(page.locator("#password-error")).to_have_text("E-Mail-Adresse oder Passwort stimmen nicht.")
    assert_no_axe_violations(page)

    login(page, live_server.url, email, password)
    expect(page).to_have_url(_path_is("/anmelden"))
    expect(page.locator("#password-error")).to_contain_text("Zu viele Fehlversuche")
    expect(page.get_by_label("Passwort", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_contain_text("Zu viele Fehlversuche")
    # Typed e-mail is kept so the person need not type it again.
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(email)
    assert_no_axe_violations(page)
