"""Report pages (being built)."""

from rikscha.reports import bp  # noqa: F401
