"""Listing havens: who sees which (public: active only; workers: their borough, any status)."""

from sqlalchemy.orm import Session

from core.errors import Forbidden
from havens import queries
from havens.queries import filtered


def list_havens(*, db_session: Session, user, status=None, borough: str | None = None,
                bbox=None, due_before=None, name=None, limit: int = 200, offset: int = 0):
    """Havens matching filters that this user may list (None: the public), with the total."""
    codes = queries.borough_ids_by_code(db_session)
    borough_id = codes.get(borough, -1) if borough else None
    manager = user is not None and user.is_authenticated and user.role in ("admin", "worker")
    if not manager:
        if status and set(status) != {"active"}:
            raise Forbidden("Only active havens are public.")
        if due_before:
            raise Forbidden("Visit dates are for engagement workers.")
        status = ["active"]
    elif user.role == "worker" and user.borough_id is not None:
        if borough_id not in (None, user.borough_id):
            raise Forbidden("You look after another borough's havens.")
        borough_id = user.borough_id
    query = filtered(status=status, borough_id=borough_id, bbox=bbox, due_before=due_before,
                     name=name)
    return queries.page(db_session, query, limit, offset)
