"""Ride pages for the resident role (being built)."""

from rikscha.rides import bp  # noqa: F401
