"""Privacy pages (being built)."""

from rikscha.admin import bp  # noqa: F401
