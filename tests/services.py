"""Reaching the local PostgreSQL and Redis: skip cleanly when absent, fail when CI requires them."""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_ADMIN_URL = os.environ.get("RIKSCHA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RIKSCHA_TEST_REDIS", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    return os.environ.get("RIKSCHA_REQUIRE_SERVICES") == "1"


def unavailable(what: str, reason: str):
    """Skip (on a developer's machine without the service) or fail (in CI, where it must exist)."""
    message = f"{what} not reachable: {reason}"
    if services_required():
        pytest.fail(message + " (RIKSCHA_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
