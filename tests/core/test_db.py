"""The application's database connections."""

from sqlalchemy import text


def test_connections_run_without_jit(db_session):
    # JIT compiled even one pupil map's cell insert (~100 ms for a 5 ms statement).
    assert db_session.scalar(text("SHOW jit")) == "off"
