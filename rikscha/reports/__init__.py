"""The office's figures: dashboard, reports for funders, volunteer hours statements."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/berichte")
