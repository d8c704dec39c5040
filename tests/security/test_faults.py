"""Faults on a private PostgreSQL: a restart between requests, the database down while a pupil
sends a map, kill -9 right after a 201, and a statement that would never finish. The service
answers 503 with "try again" (never a 500), stores nothing half-way, and keeps what it said
it stored."""

import contextlib
import uuid

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from core import db
from core.accounts.models import User
from core.errors import TOO_SLOW, TRY_AGAIN
from core.extensions import limiter
from mapping import services
from mapping.collect import THANKS
from mapping.models import MappingSession, PupilMap, SubmissionKey, Zone, ZoneCell
from tests.conftest import make_app
from tests.core.accounts.helpers import login
from tests.factories import add_borough, add_school, add_user
from tests.mapping.test_api import good_map, join, send
from tests.security.faults_cluster import faults_cluster

__all__ = ["faults_cluster"]  # the fixture, imported for pytest
TEACHER = "faults-teacher@example.org"
TIMEOUT_MS = 300


@pytest.fixture(scope="module")
def app(faults_cluster) -> Flask:
    """The app on the private cluster, with a short statement timeout (committed data)."""
    app = make_app(faults_cluster.url(), STATEMENT_TIMEOUT_MS=TIMEOUT_MS)
    with app.app_context():
        session = db.session()
        add_borough(session)
        add_school(session)
        add_user(session, "teacher", TEACHER, school_urns=[100001])
        session.commit()
    yield app
    app.extensions["db"]["engine"].dispose()


@pytest.fixture
def cluster(faults_cluster):
    """The private cluster, running again after the test whatever the test did to it."""
    yield faults_cluster
    if not faults_cluster.running():
        faults_cluster.start()


@pytest.fixture
def class_code(app) -> str:
    """The join code of a new open session (each test its own, so counts start at zero)."""
    limiter.reset()
    with app.app_context():
        session = db.session()
        teacher = session.scalars(select(User).where(User.email == TEACHER)).one()
        made = services.create_session(db_session=session, teacher=teacher, school_urn=100001,
                                       class_label="7F", year_group=7)
        return made.join_code


class Pupil:
    """A pupil's browser that joined the class: sends maps as the drawing page does."""

    def __init__(self, app: Flask, code: str):
        self.client = app.test_client()
        self.code = code
        self.token = join(self.client, code)

    def send(self, body, key: str):
        return send(self.client, body, key, code=self.code, token=self.token)


def stored(app, code: str) -> dict:
    """What is committed for this class: maps, zones, used keys and heatmap cells."""
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        session_id = conn.scalar(select(MappingSession.id)
                                 .where(MappingSession.join_code == code))
        maps = select(PupilMap.id).where(PupilMap.session_id == session_id)
        counts = {
            "maps": conn.scalar(select(func.count()).select_from(maps.subquery())),
            "zones": conn.scalar(select(func.count()).where(Zone.session_id == session_id)),
            "keys": conn.scalar(select(func.count())
                                .where(SubmissionKey.session_id == session_id)),
            "cells": conn.scalar(select(func.count())
                                 .where(ZoneCell.pupil_map_id.in_(maps))),
        }
    engine.dispose()
    return counts


def assert_try_again(response, code: str = "unavailable", message: str = TRY_AGAIN) -> None:
    """A 503 JSON answer telling the client to try again."""
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"] == message
    assert "try again" in message.lower()
    assert response.headers["Retry-After"].isdigit()


def test_a_restart_between_requests_goes_unnoticed(app, cluster, class_code):
    pupil = Pupil(app, class_code)
    assert pupil.client.get("/draw").status_code == 200
    pool = app.extensions["db"]["engine"].pool
    assert pool.checkedin() >= 1  # a pooled connection that the restart will cut
    cluster.restart()
    assert pupil.client.get("/draw").status_code == 200  # pool_pre_ping replaced it
    response = pupil.send(good_map(), key=uuid.uuid4().hex)
    assert response.status_code == 201, response.json
    assert stored(app, class_code)["maps"] == 1


def test_database_down_during_a_submission_is_a_503_and_stores_nothing(app, cluster,
                                                                         class_code):
    pupil = Pupil(app, class_code)
    key = uuid.uuid4().hex
    cluster.stop("immediate")
    down = pupil.send(good_map(), key=key)
    assert_try_again(down)
    cluster.start()
    assert stored(app, class_code) == {"maps": 0, "zones": 0, "keys": 0, "cells": 0}

    again = pupil.send(good_map(), key=key)  # the page re-sends the same body and key
    assert again.status_code == 201, again.json
    assert again.json == {"received": True, "zones": 3, "message": THANKS}
    replay = pupil.send(good_map(), key=key)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    after = stored(app, class_code)
    assert (after["maps"], after["zones"], after["keys"]) == (1, 3, 1)
    assert after["cells"] > 0


def test_staff_pages_while_the_database_is_down_are_a_503_page(app, cluster, class_code):
    teacher = app.test_client()
    assert login(teacher, TEACHER).status_code == 302
    cluster.stop("immediate")
    page = teacher.get("/mapping/")
    api = teacher.get("/api/v1/sessions")
    cluster.start()
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert TRY_AGAIN in page.get_data(as_text=True)
    assert_try_again(api)
    assert teacher.get("/mapping/").status_code == 200  # and it recovers by itself


def test_a_map_answered_201_survives_kill_9_of_postgresql(app, cluster, class_code):
    engine = create_engine(cluster.url())
    with engine.connect() as conn:
        assert conn.scalar(text("SHOW fsync")) == "on"
        assert conn.scalar(text("SHOW synchronous_commit")) == "on"
    engine.dispose()
    pupil = Pupil(app, class_code)
    response = pupil.send(good_map(), key=uuid.uuid4().hex)
    assert response.status_code == 201, response.json
    before = stored(app, class_code)
    assert (before["maps"], before["zones"], before["keys"]) == (1, 3, 1) and before["cells"]

    logged = len(cluster.log.read_text())
    cluster.kill9()
    cluster.start()
    assert "automatic recovery in progress" in cluster.log.read_text()[logged:]
    assert stored(app, class_code) == before
    assert pupil.client.get("/draw").status_code == 200  # the app reconnects by itself


def test_a_statement_slower_than_the_timeout_is_cancelled_in_requests(app, cluster):
    with app.test_request_context("/"):
        with pytest.raises(OperationalError) as raised:
            db.session().execute(text("SELECT pg_sleep(5)"))
        assert raised.value.orig.sqlstate == "57014"  # query_canceled
        assert "statement timeout" in str(raised.value.orig)
        db.close_session()


def test_commands_outside_requests_may_run_longer_than_the_timeout(app, cluster):
    with app.app_context():  # as a `flask` command runs
        assert db.session().scalar(text("SHOW statement_timeout")) == "0"
        db.session().execute(text(f"SELECT pg_sleep({2 * TIMEOUT_MS / 1000})"))
        db.close_session()


def map_ids_used(app) -> int:
    """The pupil_map id sequence (it moves on even when the INSERT is rolled back)."""
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        used = conn.scalar(text("SELECT last_value - (NOT is_called)::int FROM pupil_map_id_seq"))
    engine.dispose()
    return used


@contextlib.contextmanager
def locked(cluster, table: str):
    """Another connection holds an exclusive lock on the table until the block ends."""
    blocker = create_engine(cluster.url()).connect()
    try:
        blocker.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        yield
    finally:
        blocker.rollback()
        blocker.close()


def test_a_submission_stuck_half_way_is_cancelled_with_a_503_and_rolled_back(app, cluster,
                                                                           class_code):
    pupil = Pupil(app, class_code)
    key = uuid.uuid4().hex
    ids_before = map_ids_used(app)
    with locked(cluster, "zone_cell"):  # the map and its zones go in, then the heatmap waits
        stuck = pupil.send(good_map(), key=key)
    assert_try_again(stuck, code="timeout", message=TOO_SLOW)
    assert map_ids_used(app) > ids_before  # the map's row had been written...
    assert stored(app, class_code) == {"maps": 0, "zones": 0, "keys": 0, "cells": 0}  # ...not kept
    assert pupil.send(good_map(), key=key).status_code == 201
    assert stored(app, class_code)["maps"] == 1


def test_a_staff_page_stuck_behind_a_lock_is_a_503_page(app, cluster, class_code):
    teacher = app.test_client()
    assert login(teacher, TEACHER).status_code == 302
    with locked(cluster, "pupil_map"):
        page = teacher.get("/mapping/")  # counts each session's maps: would wait for ever
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "narrower question" in page.get_data(as_text=True)
    assert teacher.get("/mapping/").status_code == 200
