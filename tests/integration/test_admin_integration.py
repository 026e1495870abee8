"""Coordinators manage people: list, search, create, edit roles, deactivate, reset password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from rikscha.audit.models import AuditEvent
from rikscha.auth.models import User
from rikscha.extensions import db
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.both_databases


def test_list_and_search(client, make_user, login):
    login(make_user(roles=("coordinator",), name="Koordinatorin"))
    make_user(name="Fritz Fahrer", roles=("driver",), phone="0170 555")
    make_user(name="Berta Bewohner")
    page = client.get("/verwaltung/personen").get_data(as_text=True)
    assert "Fritz Fahrer" in page and "Berta Bewohner" in page
    page = client.get("/verwaltung/personen?q=fritz").get_data(as_text=True)
    assert "Fritz Fahrer" in page and "Berta Bewohner" not in page
    page = client.get("/verwaltung/personen?q=0170").get_data(as_text=True)
    assert "Fritz Fahrer" in page
    page = client.get("/verwaltung/personen?q=niemand").get_data(as_text=True)
    assert "Keine Person gefunden" in page


def test_create_user_shows_temporary_password_that_works(app, client, make_user, login):
    login(make_user(roles=("coordinator",)))
    response = client.post(
        "/verwaltung/personen/neu",
        data={
            "name": "Neue Fahrerin",
            "email": "Neu@Example.org",
            "phone": "",
            "roles": ["driver", "caretaker"],
            "active": "y",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    password = re.search(r'<code id="temporary-password">([^<]+)</code>', page).group(1)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
        assert user.roles == ["caretaker", "driver"]
        assert user.must_change_password
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.entity_id == user.id)
        )
    other = app.test_client()
    assert other.post("/anmelden", data={"email": "neu@example.org", "password": password}).status_code == 302


def test_create_user_validation(client, make_user, login):
    login(make_user(roles=("coordinator",), email="k@example.org"))
    response = client.post("/verwaltung/personen/neu", data={"name": "", "email": "kein-at", "roles": []})
    page = response.get_data(as_text=True)
    assert "Bitte füllen Sie dieses Feld aus." in page
    assert "gültige E-Mail-Adresse" in page
    assert "mindestens eine Rolle" in page
    response = client.post(
        "/verwaltung/personen/neu", data={"name": "X", "email": "K@example.org", "roles": ["driver"]}
    )
    assert "schon vergeben" in response.get_data(as_text=True)
    response = client.post(
        "/verwaltung/personen/neu", data={"name": "X", "email": "x@example.org", "roles": ["king"]}
    )
    assert "nur aus den angebotenen Möglichkeiten" in response.get_data(as_text=True)


def test_edit_roles_and_deactivate_ends_sessions(app, client, make_user, login):
    coordinator = make_user(roles=("coordinator",))
    person = make_user(roles=("resident",))
    theirs = app.test_client()
    theirs.post("/anmelden", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert theirs.get("/bewohner").status_code == 200
    login(coordinator)
    response = client.post(
        f"/verwaltung/personen/{person.id}",
        data={
            "name": person.name,
            "email": person.email,
            "phone": "",
            "roles": ["driver"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(User, person.id)
        assert stored.roles == ["driver"]
        assert stored.active is False
    assert theirs.get("/fahrer").status_code == 302  # logged out
    assert "stimmen nicht" in theirs.post(
        "/anmelden", data={"email": person.email, "password": DEFAULT_PASSWORD}
    ).get_data(as_text=True)


def test_coordinator_cannot_lock_themself_out(app, client, make_user, login):
    coordinator = make_user(roles=("coordinator",))
    login(coordinator)
    response = client.post(
        f"/verwaltung/personen/{coordinator.id}",
        data={
            "name": coordinator.name,
            "email": coordinator.email,
            "roles": ["resident"],
            "active": "y",
        },
    )
    assert "nicht selbst" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, coordinator.id).roles == ["coordinator"]


def test_unknown_user_is_404(client, make_user, login):
    login(make_user(roles=("coordinator",)))
    response = client.get("/verwaltung/personen/4242")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)
