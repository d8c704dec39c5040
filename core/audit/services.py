"""Recording audit events."""

import logging

from flask import request
from flask_login import current_user
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import db
from core.audit.models import AuditEvent

log = logging.getLogger(__name__)


def record(*, db_session: Session, action: str, user_id: int | None = None,
           object_type: str | None = None, object_id=None, borough_id: int | None = None,
           detail: dict | None = None) -> AuditEvent:
    """Add an audit event to the session (committed with the caller's transaction)."""
    event = AuditEvent(action=action, user_id=user_id, object_type=object_type,
                       object_id=None if object_id is None else str(object_id),
                       borough_id=borough_id, detail=detail or {})
    db_session.add(event)
    return event


# The row record() would add, as one Core statement built once: every tile a planner's map
# asks for writes one, and the ORM's unit of work cost more than the rest of the request.
_ACCESS = insert(AuditEvent.__table__)


def log_planner_access(response):
    """Record every request a planner (police or council) makes: rule 8 of DESIGN.md."""
    user = current_user
    if getattr(user, "is_authenticated", False) and user.role == "planner" \
            and not request.path.startswith("/static/"):
        try:
            db.session().connection().execute(_ACCESS, {
                "action": "access", "user_id": user.id, "object_type": "request",
                "object_id": None, "borough_id": user.borough_id,
                "detail": {"method": request.method, "path": request.path,
                           "query": request.query_string.decode(errors="replace")[:500],
                           "status": response.status_code}})
            db.session().commit()
        except SQLAlchemyError:
            db.session().rollback()
            log.exception("could not record a planner's access")
    return response
