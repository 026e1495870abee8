"""Consistent backups of the SQLite database while the app keeps running."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from rikscha.domain import DomainError


class BackupNotSupported(DomainError):
    code = "backup_not_supported"


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Copy the live database into `target` with SQLite's online backup API; returns its size.

    Writers may keep working meanwhile: the backup API copies a consistent snapshot.
    """
    if engine.dialect.name != "sqlite":
        raise BackupNotSupported()
    target = target.resolve()
    if target.exists():
        raise DomainError("backup_target_exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(target) as destination:
            raw.driver_connection.backup(destination, pages=256)
        destination.close()
    finally:
        raw.close()
    return target.stat().st_size
