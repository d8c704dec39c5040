"""Who the HTTP workloads act as: a planner with an API token, a teacher with open class
sessions; made through the app's own services, removed afterwards with all they left behind."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import text

from bench.synthetic import BOROUGH_CODE
from core import db
from core.accounts import services as accounts
from mapping import services as mapping

PLANNER = "bench-planner@bench.safehavens.test"
TEACHER = "bench-teacher@bench.safehavens.test"
SCHOOL_URN = 990_001  # bench.synthetic's first school


@dataclass
class Staff:
    """The planner's API token and the open sessions' join codes."""

    token: str
    join_codes: list[str]
    session_ids: list[int]


def _create(app: Flask, classes: int) -> Staff:
    with app.app_context():
        s = db.session()
        password = secrets.token_urlsafe(18)
        accounts.create_user(db_session=s, email=PLANNER, password=password, role="planner",
                             borough_code=BOROUGH_CODE)
        _token, secret = accounts.create_api_token(db_session=s, email=PLANNER, label="bench")
        sessions = []
        if classes:
            teacher = accounts.create_user(db_session=s, email=TEACHER, password=password,
                                           role="teacher", school_urns=[SCHOOL_URN])
            sessions = [mapping.create_session(db_session=s, teacher=teacher,
                                               school_urn=SCHOOL_URN, class_label=f"B{k + 1}",
                                               year_group=8, expected_pupils=30)
                        for k in range(classes)]
        return Staff(secret, [m.join_code for m in sessions], [m.id for m in sessions])


def remove(app: Flask) -> None:
    """Delete the bench staff, their sessions (pupil maps and cells cascade) and audit rows."""
    with app.app_context():
        s = db.session()
        ids = list(s.scalars(text("SELECT id FROM app_user WHERE email IN (:p, :t)"),
                             {"p": PLANNER, "t": TEACHER}))
        if ids:
            s.execute(text("DELETE FROM mapping_session WHERE teacher_id = ANY(:ids)"),
                      {"ids": ids})
            s.execute(text("""
                DELETE FROM audit_event
                 WHERE user_id = ANY(:ids)
                    OR (object_type = 'user' AND object_id = ANY(CAST(:ids AS text[])))
                    OR (object_type = 'api_token' AND object_id IN (
                        SELECT CAST(id AS text) FROM api_token WHERE user_id = ANY(:ids)))"""),
                      {"ids": ids})
            s.execute(text("DELETE FROM app_user WHERE id = ANY(:ids)"), {"ids": ids})
            s.commit()


@contextmanager
def staff(app: Flask, classes: int = 3) -> Iterator[Staff]:
    """A planner token and `classes` open sessions for the block (leftovers of a killed run
    are removed first)."""
    remove(app)
    try:
        yield _create(app, classes)
    finally:
        remove(app)
