"""Fleet care: rickshaws, stations, maintenance, defects, charging."""

from flask import Blueprint

bp = Blueprint("fleet", __name__, url_prefix="/flotte")
