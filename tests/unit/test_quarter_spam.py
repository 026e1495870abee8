"""The report form's spam trap: a signed issue time, refused when too fast, forged or stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rikscha.quarter.spam import MAX_AGE_SECONDS, MIN_SECONDS, form_token_problem, issue_form_token

KEY = "secret-key"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "problem"),
    [
        (0, "form_too_fast"),
        (MIN_SECONDS - 1, "form_too_fast"),
        (MIN_SECONDS, None),
        (600, None),
        (MAX_AGE_SECONDS, None),
        (MAX_AGE_SECONDS + 1, "form_token_expired"),
    ],
)
def test_age_of_the_form(age, problem):
    token = issue_form_token(KEY, NOW - timedelta(seconds=age))
    assert form_token_problem(KEY, token, NOW) == problem


@pytest.mark.parametrize(
    "token",
    ["", None, "1764061200", "1764061200.forged", "nonsense.with.dots", "ä.ö"],
)
def test_missing_or_forged_tokens(token):
    assert form_token_problem(KEY, token, NOW) in ("form_token_missing", "form_token_invalid")


def test_token_from_another_key_is_invalid():
    token = issue_form_token("other-key", NOW - timedelta(seconds=60))
    assert form_token_problem(KEY, token, NOW) == "form_token_invalid"


def test_changed_time_breaks_the_signature():
    token = issue_form_token(KEY, NOW - timedelta(seconds=60))
    stamp, signature = token.split(".", 1)
    forged = f"{int(stamp) - 3600}.{signature}"
    assert form_token_problem(KEY, forged, NOW) == "form_token_invalid"
