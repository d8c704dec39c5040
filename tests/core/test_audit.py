"""Every planner (police/council) request is recorded; other roles' reads are not."""

from sqlalchemy import select

from core.audit.models import AuditEvent
from tests.core.accounts.helpers import login
from tests.factories import add_borough, add_user


def test_planner_requests_are_logged_with_path_and_query(client, db_session):
    add_borough(db_session)
    planner = add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    login(client, "planner@example.org")
    client.get("/api/v1/havens?name=corner")
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "access")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.user_id == planner.id and event.borough_id == planner.borough_id
    assert event.detail == {"method": "GET", "path": "/api/v1/havens", "query": "name=corner",
                            "status": 200}


def test_other_roles_reads_are_not_logged_as_access(client, db_session):
    add_user(db_session, "worker", "worker@example.org")
    login(client, "worker@example.org")
    client.get("/api/v1/havens")
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "access")) is None
