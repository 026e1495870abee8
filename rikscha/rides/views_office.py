"""Ride pages for the office role (being built)."""

from rikscha.rides import bp  # noqa: F401
