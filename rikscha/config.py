"""Configuration: defaults, overridden by environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unusable (e.g. production without a secret key)."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _secret_key(instance_path: Path, production: bool) -> str:
    """SECRET_KEY from the environment; in development a generated one kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when RIKSCHA_ENV=production.")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance_path: Path) -> dict:
    """Build the configuration dictionary from defaults and RIKSCHA_* / standard variables."""
    production = os.environ.get("RIKSCHA_ENV", "development") == "production"
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'rikscha.sqlite3'}")
    # Heroku-style URLs and plain postgresql:// should use psycopg 3.
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "RIKSCHA_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A server connection can die between requests (restart, failover): one that has been idle
        # this long is pinged before use (rikscha.database). Pinging on every checkout
        # (pool_pre_ping) would cost each request a round trip.
        "DATABASE_PING_AFTER_IDLE_SECONDS": _env_float("RIKSCHA_DATABASE_PING_AFTER_IDLE", 2.0),
        # PostgreSQL's planner cost of a random page read, for this app's sessions (0: leave the
        # server's). Its default, 4, assumes spinning disks: it then hashes all 10 000 riders to
        # name the 200 of a day plan instead of looking them up. 1.1 is the usual value for SSDs
        # and for data that stays cached, which an office's database does.
        "DATABASE_RANDOM_PAGE_COST": _env_float("RIKSCHA_DATABASE_RANDOM_PAGE_COST", 1.1),
        "RIKSCHA_TIMEZONE": os.environ.get("RIKSCHA_TIMEZONE", "Europe/Berlin"),
        "RIKSCHA_OFFICE_NAME": os.environ.get("RIKSCHA_OFFICE_NAME", "Stadtteilbüro"),
        "RIKSCHA_OFFICE_PHONE": os.environ.get("RIKSCHA_OFFICE_PHONE", "0123 456789"),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("de", "en"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _env_int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "rikscha@example.org"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "rikscha"),
        # A moving window: a burst split across a minute boundary still counts as one burst.
        "RATELIMIT_STRATEGY": "moving-window",
        "LOGIN_FAILURE_LIMIT": _env_int("RIKSCHA_LOGIN_FAILURE_LIMIT", 5),
        "LOGIN_FAILURE_WINDOW_MINUTES": _env_int("RIKSCHA_LOGIN_FAILURE_WINDOW", 15),
        "UPLOAD_FOLDER": os.environ.get("RIKSCHA_UPLOAD_FOLDER", str(instance_path / "uploads")),
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 4,
        # argon2id parameters (OWASP recommendation: m=19 MiB, t=2, p=1).
        "ARGON2_TIME_COST": _env_int("RIKSCHA_ARGON2_TIME_COST", 2),
        "ARGON2_MEMORY_COST": _env_int("RIKSCHA_ARGON2_MEMORY_COST", 19 * 1024),
        # Benchmark configuration only: /_bench/hello and the X-Query-Count header (bench/run.py).
        "BENCHMARK_ROUTES": _env_bool("RIKSCHA_BENCHMARK"),
    }
