"""Ride pages for the driver role (being built)."""

from rikscha.rides import bp  # noqa: F401
