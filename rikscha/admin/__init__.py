"""Office administration: people and their roles (settings follow with later features)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/verwaltung")
