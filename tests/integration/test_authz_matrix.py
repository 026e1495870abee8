"""Every route × every role against the declared expectations in tests/authz/."""

from __future__ import annotations

import pkgutil
import re
from importlib import import_module

import pytest

import tests.authz
from rikscha.extensions import db
from tests.factories import make_token

ROLES = ("anonymous", "resident", "driver", "caretaker", "coordinator")


def declared_expectations() -> dict:
    table: dict = {}
    for module in pkgutil.iter_modules(tests.authz.__path__):
        table.update(import_module(f"tests.authz.{module.name}").EXPECTATIONS)
    return table


def _url(rule) -> str:
    # An id that matches no record: the role check must come before the record is loaded,
    # and no request of the matrix changes the data of the matrix user (e.g. revokes its token).
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "987654", rule.rule)


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_a_declared_expectation(app):
    table = declared_expectations()
    missing = sorted({rule.endpoint for rule, _ in _routes(app)} - set(table))
    assert not missing, f"routes without an entry in tests/authz/: {missing}"
    stale = sorted(set(table) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"expectations for routes that no longer exist: {stale}"


def _allowed(expectation, role: str) -> bool:
    if expectation == "public":
        return True
    if role == "anonymous":
        return False
    return expectation == "any" or role in expectation


@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(app, make_user, role):
    table = declared_expectations()
    client = app.test_client()
    token = None
    if role != "anonymous":
        user = make_user(roles=(role,), email=f"matrix-{role}@example.org")
        with app.app_context():
            token = make_token(user)
            db.session.commit()
        client.post("/anmelden", data={"email": user.email, "password": "correct-horse-battery"})
    failures = []
    for rule, method in _routes(app):
        if rule.endpoint == "static" or rule.endpoint == "auth.logout":
            continue  # logging out mid-matrix would make the rest anonymous
        url = _url(rule)
        is_api = rule.rule.startswith("/api/")
        headers = {"Authorization": f"Bearer {token}"} if (is_api and token) else {}
        kwargs = {"json": {}} if (is_api and method != "GET") else {}
        response = client.open(url, method=method, headers=headers, **kwargs)
        status = response.status_code
        allowed = _allowed(table[rule.endpoint], role)
        location = response.headers.get("Location", "")
        denied = status in (401, 403) or (status == 302 and "/anmelden" in location and not allowed)
        if allowed and (denied or status >= 500):
            failures.append(f"{method} {url}: {role} should be allowed, got {status}")
        if not allowed:
            if role == "anonymous":
                # Pages send people to the login form; the API answers 401.
                ok = status == 401 if is_api else (status == 302 and "/anmelden" in location)
            else:
                ok = status == 403
            if not ok:
                failures.append(f"{method} {url}: {role} should be denied, got {status} {location}")
    assert not failures, "\n".join(failures)
