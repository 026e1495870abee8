"""Quarter pages (being built)."""

from rikscha.quarter import bp  # noqa: F401
