"""Quarter caretakers: areas, tasks and rounds, work logs, residents' problem reports."""

from flask import Blueprint

bp = Blueprint("quarter", __name__, url_prefix="/quartier")
