"""With RATELIMIT_STORAGE_URI on Redis, request limits hold across gunicorn worker processes."""

from __future__ import annotations

import uuid

import pytest

from tests.server import Browserless, flask_cli, running_server, server_env
from tests.services import REDIS_URL, unavailable


@pytest.fixture
def redis_url():
    try:
        import redis

        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        unavailable("Redis", str(error))
    yield REDIS_URL
    connection.flushdb()
    connection.close()


def test_login_post_limit_is_shared_by_all_workers(redis_url, tmp_path):
    env = server_env(
        f"sqlite:///{tmp_path / 'rl.sqlite3'}",
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
    )
    flask_cli(env, "db", "upgrade")
    with running_server(env, workers=3) as base:
        # Fresh connections land on different workers; only a shared counter stops the 31st.
        statuses = [
            Browserless(base).post_form("/anmelden", {"email": f"x{i}@b.de", "password": "x"})[0]
            for i in range(31)
        ]
    assert 429 not in statuses[:30], statuses
    assert statuses[30] == 429
