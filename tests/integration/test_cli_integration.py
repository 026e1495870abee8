"""The flask CLI: users create, tokens create, demo (idempotent)."""

from __future__ import annotations

from sqlalchemy import func, select

from rikscha.auth.models import User
from rikscha.extensions import db


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create(app):
    result = _run(
        app,
        "users",
        "create",
        "--email",
        "Neu@Example.org",
        "--name",
        "Neu",
        "--role",
        "driver",
        "--role",
        "caretaker",
        "--password",
        "ein-sicheres-passwort",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
        assert user.roles == ["caretaker", "driver"]
    again = _run(
        app,
        "users",
        "create",
        "--email",
        "neu@example.org",
        "--name",
        "X",
        "--role",
        "driver",
        "--password",
        "ein-sicheres-passwort",
    )
    assert again.exit_code != 0 and "email_taken" in again.output
    short = _run(
        app,
        "users",
        "create",
        "--email",
        "b@example.org",
        "--name",
        "X",
        "--role",
        "driver",
        "--password",
        "kurz",
    )
    assert short.exit_code != 0 and "weak_password" in short.output
    bad_role = _run(
        app,
        "users",
        "create",
        "--email",
        "c@example.org",
        "--name",
        "X",
        "--role",
        "king",
        "--password",
        "ein-sicheres-passwort",
    )
    assert bad_role.exit_code != 0


def test_tokens_create_prints_the_token_last(app, client, make_user):
    user = make_user(roles=("coordinator",))
    result = app.test_cli_runner().invoke(args=["tokens", "create", user.email])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("rk_")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json["email"] == user.email
    assert _run(app, "tokens", "create", "niemand@example.org").exit_code != 0


def test_demo_is_idempotent_and_its_accounts_log_in(app, client):
    first = _run(app, "demo")
    assert first.exit_code == 0, first.output
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    assert _run(app, "demo").exit_code == 0
    with app.app_context():
        again = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    assert counts == again
    assert counts["users"] >= 4 and counts["rides"] >= 3
    for email, path in (
        ("koordination@example.org", "/koordination"),
        ("fahrer@example.org", "/fahrer"),
        ("hausmeister@example.org", "/hausmeister"),
        ("bewohner@example.org", "/bewohner"),
    ):
        response = client.post("/anmelden", data={"email": email, "password": "rikscha-demo"})
        assert response.headers["Location"] == path
        client.post("/abmelden")
