"""Accounts: login, registration, profile, language and API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from rikscha.auth import views  # noqa: E402,F401  (registers the routes on bp)
