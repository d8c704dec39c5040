"""Recording audit events."""

from sqlalchemy.orm import Session

from core.audit.models import AuditEvent


def record(*, db_session: Session, action: str, user_id: int | None = None,
           object_type: str | None = None, object_id=None, borough_id: int | None = None,
           detail: dict | None = None) -> AuditEvent:
    """Add an audit event to the session (committed with the caller's transaction)."""
    event = AuditEvent(action=action, user_id=user_id, object_type=object_type,
                       object_id=None if object_id is None else str(object_id),
                       borough_id=borough_id, detail=detail or {})
    db_session.add(event)
    return event
