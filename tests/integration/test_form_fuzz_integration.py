"""Every form of the app, as every demo account, with each field set to values nobody types: no 500.

The demo data gives each role its pages; tests/form_crawler.py follows their links and collects
the forms (one per kind: the same form on every row of a list counts once). Each field then gets
each of HOSTILE in turn, the others keeping what the page offered, and the whole form once gets
HOSTILE[3] everywhere. Any answer is fine except an error of the server: the test client raises
the view's exception, named here with the request that caused it.

This is how huge ids, absurd dates and NUL characters were found to give 500s (see
test_hostile_input_integration.py for what each now answers). PostgreSQL too: it refuses what
SQLite stores (NUL, ids beyond 2**31 - 1, text longer than a column).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from rikscha.database import utcnow
from rikscha.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from rikscha.extensions import db
from tests.form_crawler import FoundForm, crawl, distinct

HOSTILE = ("", " ", "-1", "99999999999999999999", "9999-12-31", "2026-02-30", "ü" * 3000, "a\x00b")
ACCOUNTS = [email for email, *_rest in DEMO_ACCOUNTS]


@pytest.fixture
def demo_app(app):
    """The test app with the demo data (and no login limit: forms may end the session)."""
    app.config.update(RATELIMIT_ENABLED=False)
    with app.app_context():
        load_demo(utcnow())
        db.session.commit()
    return app


def _signed_in(app, email: str | None):
    """A client (signed in unless `email` is None) and its session's CSRF token, valid for every form."""
    client = app.test_client()
    if email is not None:
        response = client.post("/anmelden", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"login as {email}: {response.status_code}"
    return client, client.csrf_token()


def _variants(form: FoundForm):
    yield dict(form.defaults)
    for name in form.names:
        for value in HOSTILE:
            yield {**form.defaults, name: value}
    yield {**form.defaults, **dict.fromkeys(form.names, HOSTILE[3])}


def _send(client, token: str, form: FoundForm, data: dict):
    try:
        if form.method == "get":
            return client.get(form.action.split("?")[0] + "?" + urlencode(data))
        return client.post(form.action, data={**data, "csrf_token": token}, csrf=False)
    except Exception as error:  # noqa: BLE001 - re-raised with the request that caused it
        raise AssertionError(
            f"{form.method.upper()} {form.action} with {data!r:.300} (form on {form.page})"
        ) from error


@pytest.mark.both_databases
@pytest.mark.parametrize("email", [None, *ACCOUNTS], ids=["anonymous", *ACCOUNTS])
def test_every_form_survives_values_nobody_types(demo_app, email):
    client, token = _signed_in(demo_app, email)
    pages, forms = crawl(client)
    forms = distinct(forms)
    assert pages and (forms or email is None)
    sent = 0
    for form in forms:
        for data in _variants(form):
            response = _send(client, token, form, data)
            assert response.status_code < 500, f"{form.method} {form.action}: {response.status_code}"
            sent += 1
            if email is not None and "/anmelden" in response.headers.get("Location", ""):
                client, token = _signed_in(demo_app, email)  # a form that ends the session (logout, password)
    assert sent >= len(forms)
