"""Reading the audit trail (it is never edited from the app)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from rikscha.audit.models import AuditEvent
from rikscha.auth.models import User
from rikscha.extensions import db


def audit_page(
    *,
    entity: str | None,
    entity_id: int | None,
    actor: str | None,
    start: date | None,
    end: date | None,
    tz: ZoneInfo,
    page: int,
    per_page: int = 100,
) -> tuple[list[AuditEvent], bool]:
    """One page of events, newest first, and whether there is a next page."""
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    if actor:
        pattern = f"%{actor.lower()}%"
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            or_(User.email.like(pattern), User.name.ilike(pattern))
        )
    if start:
        query = query.where(AuditEvent.at >= datetime.combine(start, time(), tzinfo=tz))
    if end:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time(), tzinfo=tz))
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).all()
    return list(rows[:per_page]), len(rows) > per_page
