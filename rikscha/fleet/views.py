"""Fleet pages (being built)."""

from rikscha.fleet import bp  # noqa: F401
