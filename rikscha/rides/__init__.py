"""Rides: riders, booking, assignment, schedules."""

from flask import Blueprint

bp = Blueprint("rides", __name__)
