"""Calendar feeds (being built)."""

from rikscha.rides import bp  # noqa: F401
