"""Security headers, cookies, CSRF, error pages."""

from __future__ import annotations

from sqlalchemy import func, select

from rikscha.auth.models import User
from rikscha.extensions import db


def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/anmelden", "/api/v1/openapi.json", "/gibt-es-nicht"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client, make_user, login):
    response = login(make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookie_is_secure(tmp_path, monkeypatch):
    from rikscha import create_app

    monkeypatch.setenv("RIKSCHA_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    with app.app_context():
        db.engine.dispose()


def test_form_without_csrf_token_is_rejected_and_saves_nothing(app, client):
    response = client.post(
        "/registrieren",
        csrf=False,
        data={
            "name": "Ohne Token",
            "email": "ohne@example.org",
            "password": "ein-sicheres-passwort",
            "password_repeat": "ein-sicheres-passwort",
            "consent": "y",
        },
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_expired_csrf_token_reshows_the_form_with_input(app, client):
    response = client.post(
        "/registrieren",
        data={
            "csrf_token": "abgelaufen",
            "name": "Erika Muster",
            "email": "erika@example.org",
            "phone": "0341 99",
            "password": "ein-sicheres-passwort",
            "password_repeat": "ein-sicheres-passwort",
            "consent": "y",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Das Formular war zu lange geöffnet" in page
    assert 'value="Erika Muster"' in page and 'value="erika@example.org"' in page
    assert 'name="csrf_token"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_german_error_pages(app, client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404 and "Seite nicht gefunden" in response.get_data(as_text=True)
    response = client.put("/anmelden")
    assert response.status_code == 405 and "Nicht möglich" in response.get_data(as_text=True)
    response = client.post("/anmelden", data={"email": "x" * (7 * 1024 * 1024)})
    assert response.status_code == 413 and "Datei zu groß" in response.get_data(as_text=True)


def test_unexpected_error_gives_german_500_and_rolls_back(app, make_user):
    def explode():
        from rikscha.auth.services import create_user

        create_user(
            email="halb@example.org", name="Halb", password="ein-sicheres-passwort", roles=["resident"]
        )
        raise RuntimeError("boom")

    app.add_url_rule("/_explode", "explode", explode)
    client = app.test_client()
    response = client.get("/_explode")
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_rate_limit_on_login_posts(app, client):
    statuses = [
        client.post("/anmelden", data={"email": f"a{i}@b.de", "password": "x"}).status_code for i in range(32)
    ]
    assert statuses[-1] == 429
    assert "Zu viele Anfragen" in client.post(
        "/anmelden", data={"email": "a@b.de", "password": "x"}
    ).get_data(as_text=True)
