"""A spam trap for the public report form that needs no JavaScript and no outside service.

The form carries a signed issue time; a submission that comes back faster than a person could
fill it in, with a forged or very old stamp, or with the hidden honeypot field filled, is refused.
"""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, Signer

MIN_SECONDS = 3
MAX_AGE_SECONDS = 24 * 60 * 60
_SALT = "quarter-report-form"


def _signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt=_SALT)


def issue_form_token(secret_key: str, now: datetime) -> str:
    """A token stating when the form was handed out (whole seconds since the epoch, signed)."""
    return _signer(secret_key).sign(str(int(now.timestamp()))).decode()


def form_token_problem(secret_key: str, token: str | None, now: datetime) -> str | None:
    """None if `token` is genuine and between MIN_SECONDS and MAX_AGE_SECONDS old, else a code."""
    if not token:
        return "form_token_missing"
    try:
        issued = int(_signer(secret_key).unsign(token.encode()).decode())
    except (BadSignature, ValueError, UnicodeError):
        return "form_token_invalid"
    age = now.timestamp() - issued
    if age < MIN_SECONDS:
        return "form_too_fast"
    if age > MAX_AGE_SECONDS:
        return "form_token_expired"
    return None
