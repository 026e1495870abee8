"""Public pages and each role's start page."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from rikscha.home import views  # noqa: E402,F401
