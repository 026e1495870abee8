"""Writing audit events inside the caller's transaction."""

from __future__ import annotations

import logging

from flask import has_request_context, request
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from rikscha.audit.models import AuditEvent
from rikscha.database import exclusive_writes, utcnow
from rikscha.extensions import db

logger = logging.getLogger(__name__)


def record_event(actor, action: str, entity: str, entity_id: int | None, summary: str = "") -> None:
    """Add an audit event; it commits (or rolls back) together with the change it describes."""
    db.session.add(
        AuditEvent(
            at=utcnow(),
            actor_id=getattr(actor, "id", None),
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary[:500],
        )
    )


def record_view(
    actor, entity: str, entity_id: int | None, summary: str = "", *, action: str = "view_needs"
) -> None:
    """Record that `actor` looked at health-related needs (or exported a record) on a page.

    Pages are GET requests, which on SQLite run in a deferred read transaction; writing in that
    transaction later could fail with "database is locked" when others write. So the event is
    written at once in its own short transaction on its own connection. A failure is logged and
    never breaks the page. Form posts are not recorded: a form shown again with errors displays
    what was just typed, and the GET that showed the stored needs was recorded already.
    """
    if has_request_context() and request.method not in ("GET", "HEAD"):
        return
    values = {
        "at": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "summary": summary[:500],
    }
    try:
        # A deliberate write within a read-only request (rikscha.database.reads_only).
        with exclusive_writes(), db.engine.begin() as connection:
            connection.execute(insert(AuditEvent.__table__).values(**values))
    except SQLAlchemyError:
        logger.exception("could not record %s of %s %s", action, entity, entity_id)
