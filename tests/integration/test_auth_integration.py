"""Login, logout, registration, profile, language and the failed-login limit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from rikscha.auth.models import LoginFailure, User
from rikscha.database import utcnow
from rikscha.extensions import db
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.both_databases


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_lands_each_role_on_its_start_page(client, make_user):
    for role, path in (
        ("coordinator", "/koordination"),
        ("driver", "/fahrer"),
        ("caretaker", "/hausmeister"),
        ("resident", "/bewohner"),
    ):
        user = make_user(roles=(role,))
        response = client.post("/anmelden", data={"email": user.email.upper(), "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == path
        assert client.get(path).status_code == 200
        client.post("/abmelden")


def test_several_roles_land_on_the_most_capable_start_page(client, make_user, login):
    user = make_user(roles=("resident", "driver"))
    assert login(user).headers["Location"] == "/fahrer"


def test_wrong_password_shows_german_error_and_keeps_email(client, make_user):
    user = make_user()
    response = client.post("/anmelden", data={"email": user.email, "password": "falsch-falsch"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "E-Mail-Adresse oder Passwort stimmen nicht." in page
    assert f'value="{user.email}"' in page
    assert 'aria-invalid="true"' in page


def test_login_starts_a_new_session(client, make_user):
    user = make_user()
    client.get("/")
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    client.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        first_sid = session["sid"]
    client.post("/abmelden")
    client.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    with client.session_transaction() as session:
        assert session["sid"] != first_sid


def test_logout_ends_the_session(client, make_user, login):
    login(make_user(roles=("driver",)))
    assert client.post("/abmelden").status_code == 302
    response = client.get("/fahrer")
    assert response.status_code == 302
    assert "/anmelden" in response.headers["Location"]


def test_open_redirect_after_login_is_refused(client, make_user):
    user = make_user()
    response = client.post(
        "/anmelden",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "next": "https://evil.example/x"},
    )
    assert response.headers["Location"] == "/bewohner"
    client.post("/abmelden")
    response = client.post(
        "/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD, "next": "/profil"}
    )
    assert response.headers["Location"] == "/profil"


def test_deactivated_user_cannot_log_in(app, client, make_user):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = client.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert "stimmen nicht" in response.get_data(as_text=True)


def test_registration_creates_a_resident_with_consent(app, client):
    response = client.post(
        "/registrieren",
        data={
            "name": "Erika Muster",
            "email": "Erika@Example.org",
            "phone": "0341 1234",
            "password": "ein-sicheres-passwort",
            "password_repeat": "ein-sicheres-passwort",
            "consent": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/bewohner"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "erika@example.org"))
        assert user.roles == ["resident"]
        assert user.consent_at is not None
        assert user.password_hash.startswith("$argon2id$")


def test_registration_errors_are_shown_on_their_fields(app, client, make_user):
    existing = make_user(email="schon@example.org")
    response = client.post(
        "/registrieren",
        data={
            "name": " ",
            "email": existing.email.upper(),
            "password": "kurz",
            "password_repeat": "anders",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte füllen Sie dieses Feld aus." in page
    assert "mindestens 10 Zeichen" in page
    assert "stimmen nicht überein" in page
    assert "Ohne Ihr Einverständnis" in page
    response = client.post(
        "/registrieren",
        data={
            "name": "Zweite",
            "email": existing.email.upper(),
            "password": "ein-sicheres-passwort",
            "password_repeat": "ein-sicheres-passwort",
            "consent": "y",
        },
    )
    assert "schon ein Konto" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_password_change_ends_other_sessions(app, make_user):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    response = first.post(
        "/profil/passwort",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": "ganz-neues-passwort",
            "password_repeat": "ganz-neues-passwort",
        },
    )
    assert response.status_code == 302
    assert first.get("/profil").status_code == 200
    assert second.get("/profil").status_code == 302  # the other session was logged out
    fresh = app.test_client()
    assert (
        fresh.post("/anmelden", data={"email": user.email, "password": "ganz-neues-passwort"}).status_code
        == 302
    )


def test_password_change_with_wrong_current_password(client, make_user, login):
    login(make_user())
    response = client.post(
        "/profil/passwort",
        data={
            "current_password": "nicht-richtig",
            "password": "ganz-neues-passwort",
            "password_repeat": "ganz-neues-passwort",
        },
    )
    assert response.status_code == 200
    assert "Das bisherige Passwort stimmt nicht." in response.get_data(as_text=True)


def test_language_switch_for_anonymous_and_logged_in(app, client, make_user, login):
    client.post("/sprache", data={"language": "en", "next": "/anmelden"})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    user = make_user()
    login(user)
    client.post("/sprache", data={"language": "de", "next": "/profil"})
    assert '<html lang="de">' in client.get("/profil").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).language == "de"
    response = client.post("/sprache", data={"language": "fr"})
    assert response.status_code == 302  # refused choice: nothing changes
    assert '<html lang="de">' in client.get("/").get_data(as_text=True)


def test_english_catalog_translates_the_ui(client):
    client.post("/sprache", data={"language": "en"})
    page = client.get("/anmelden").get_data(as_text=True)
    assert "Log in" in page
    assert "Passwort" not in page


def test_required_fields_are_marked_in_the_chosen_language(client):
    # "Pflichtfeld" once stood in a template Babel could not read, and stayed German in English.
    assert "(Pflichtfeld)" in client.get("/registrieren").get_data(as_text=True)
    client.post("/sprache", data={"language": "en"})
    page = client.get("/registrieren").get_data(as_text=True)
    assert "(required)" in page
    assert "Pflichtfeld" not in page


def test_five_failures_block_the_account_for_fifteen_minutes(app, client, make_user):
    user = make_user()
    for _ in range(5):
        client.post("/anmelden", data={"email": user.email, "password": "falsch-falsch"})
    response = client.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert "Zu viele Fehlversuche" in response.get_data(as_text=True)
    assert response.status_code == 200
    # Once the failures are older than the window, the right password works again.
    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    assert (
        client.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginFailure.id))) == 0


def test_failure_limit_is_shared_between_server_processes(app, make_user, make_app):
    """Two app instances on one database stand for two worker processes."""
    user = make_user()
    other = make_app()
    first, second = app.test_client(), other.test_client()
    for attempt in range(5):
        (first if attempt % 2 else second).post(
            "/anmelden", data={"email": user.email, "password": "falsch-falsch"}
        )
    response = first.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert "Zu viele Fehlversuche" in response.get_data(as_text=True)
    response = second.post("/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert "Zu viele Fehlversuche" in response.get_data(as_text=True)


def test_temporary_password_must_be_changed(app, client, make_user, login):
    coordinator = make_user(roles=("coordinator",))
    person = make_user(roles=("driver",))
    login(coordinator)
    page = client.post(f"/verwaltung/personen/{person.id}/passwort").get_data(as_text=True)
    import re

    password = re.search(r'<code id="temporary-password">([^<]+)</code>', page).group(1)
    client.post("/abmelden")
    response = client.post("/anmelden", data={"email": person.email, "password": password})
    assert response.headers["Location"] == "/profil"
    assert "eigenes Passwort" in client.get("/profil").get_data(as_text=True)


def test_dates_follow_the_language_though_formatted_days_are_remembered(app):
    from flask_babel import force_locale

    from rikscha.i18n import format_day

    day = date(2026, 11, 21)
    with app.test_request_context("/"):
        for _ in range(2):  # the second round answers from the process-wide memory
            with force_locale("de"):
                assert format_day(day) == "Samstag, 21. November 2026"
                assert format_day(day, "EEE, d. MMM") == "Sa., 21. Nov."
            with force_locale("en"):
                assert format_day(day) == "Saturday, November 21, 2026"
