"""Writing audit events inside the caller's transaction."""

from __future__ import annotations

from rikscha.audit.models import AuditEvent
from rikscha.database import utcnow
from rikscha.extensions import db


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
