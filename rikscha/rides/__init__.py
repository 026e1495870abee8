"""Rides: riders, booking, assignment, schedules."""

from flask import Blueprint

bp = Blueprint("rides", __name__)

from rikscha.rides import views_driver, views_feeds, views_office, views_resident  # noqa: E402,F401
