"""The session's user and a token's owner are reused across read-only requests, and every change
to an account, made anywhere, takes effect with the next request (rikscha.auth.user_cache)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from rikscha.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_token, open_day_ahead
from tests.query_plans import recorded

pytestmark = pytest.mark.both_databases

PAGE = "/buero/tagesplan?tag=2026-12-02"  # coordinators only
# A day inside the booking window: a fixed date is refused (422) once it has passed.
API = f"/api/v1/availability?date={open_day_ahead(10)}&duration=60&passengers=1"


def elsewhere(app, statement: str, **params) -> None:
    """Plain SQL on a connection of its own, as another worker, the admin pages or a script write."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def reading(table: str, statements: list[str]) -> list[str]:
    return [statement for statement in statements if f"FROM {table}" in statement]


@pytest.fixture
def olga(app, client, make_user, login):
    user = make_user(roles=("coordinator",), name="Olga Office")
    login(user)
    assert client.get(PAGE).status_code == 200  # the user is remembered from here on
    return user


def test_the_next_page_loads_the_user_without_a_query(app, client, olga):
    with recorded(app) as statements:
        assert client.get(PAGE).status_code == 200
        profile = client.get("/profil").get_data(as_text=True)
    assert "Olga Office" in profile
    assert reading("users", statements) == []


def test_a_form_post_loads_the_user_fresh(app, client, olga):
    with recorded(app) as statements:
        client.post("/sprache", data={"language": "de"})
    assert reading("users", statements) != []


def test_a_role_taken_away_elsewhere_ends_access_with_the_next_request(app, client, olga):
    elsewhere(app, "DELETE FROM user_roles WHERE user_id = :id AND role = 'coordinator'", id=olga.id)
    assert client.get(PAGE).status_code == 403


def test_a_role_given_elsewhere_counts_with_the_next_request(app, client, make_user, login):
    user = make_user(roles=("driver",))
    login(user)
    assert client.get(PAGE).status_code == 403
    elsewhere(app, "INSERT INTO user_roles (user_id, role) VALUES (:id, 'coordinator')", id=user.id)
    assert client.get(PAGE).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE users SET active = false WHERE id = :id",
        "UPDATE users SET session_version = session_version + 1 WHERE id = :id",  # password changed
    ],
    ids=["deactivated", "password changed"],
)
def test_an_account_closed_elsewhere_is_logged_out_with_the_next_request(app, client, olga, change):
    elsewhere(app, change, id=olga.id)
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden")


def test_a_new_name_shows_with_the_next_request(app, client, olga):
    elsewhere(app, "UPDATE users SET name = 'Olga Neu' WHERE id = :id", id=olga.id)
    profile = client.get("/profil").get_data(as_text=True)
    assert "<dd>Olga Neu</dd>" in profile and "Olga Office" not in profile


def test_a_token_revoked_elsewhere_is_refused_with_the_next_request(app, client, make_user):
    user = make_user(roles=("resident",))
    with app.app_context():
        token = make_token(user)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(API, headers=headers).status_code == 200
    with recorded(app) as statements:
        assert client.get(API, headers=headers).status_code == 200
    assert reading("users", statements) == reading("api_tokens", statements) == []  # remembered
    elsewhere(app, "UPDATE api_tokens SET revoked_at = created_at WHERE user_id = :id", id=user.id)
    assert client.get(API, headers=headers).status_code == 401


def test_two_users_never_get_each_others_account(app, make_user):
    first, second = (
        make_user(name="Erste", roles=("coordinator",)),
        make_user(name="Zweite", roles=("driver",)),
    )
    clients = {}
    for user in (first, second):
        clients[user.name] = app.test_client()
        response = clients[user.name].post(
            "/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
    for _ in range(2):  # the second round comes from the cache
        assert clients["Erste"].get(PAGE).status_code == 200
        assert clients["Zweite"].get(PAGE).status_code == 403
        assert "<dd>Erste</dd>" in clients["Erste"].get("/profil").get_data(as_text=True)
        assert "<dd>Zweite</dd>" in clients["Zweite"].get("/profil").get_data(as_text=True)
