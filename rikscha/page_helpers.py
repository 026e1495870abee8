"""What views of long lists prepare once per page instead of once per row."""

from __future__ import annotations

from flask import url_for


def translated(labels: dict) -> dict:
    """Lazy labels translated once for a page that shows them in every row."""
    return {key: str(label) for key, label in labels.items()}


def url_before_id(endpoint: str, key: str) -> str:
    """What url_for(endpoint, key=n) is before n, for routes ending in <int:key>: one url_for for a list."""
    url = url_for(endpoint, **{key: 0})
    if not url.endswith("/0"):
        raise ValueError(f"{endpoint} does not end in <int:{key}>")
    return url[:-1]
