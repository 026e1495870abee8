"""Accounts: login, registration, profile, language and API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
