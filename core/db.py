"""Database engine and the session each request owns."""

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table, with predictable constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, statement_timeout_ms: int = 0) -> Engine:
    """Create an engine that notices dropped connections (pool_pre_ping), with JIT off and
    every statement cancelled after statement_timeout_ms (0: no limit)."""
    # PostGIS functions such as ST_HexagonGrid carry huge cost estimates, so PostgreSQL's JIT
    # compiles even a one-map insert (~100 ms of LLVM work for a 5 ms statement). Short web
    # requests never gain from JIT.
    options = f"-c jit=off -c statement_timeout={int(statement_timeout_ms)}"
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"options": options})


def init_app(app: Flask) -> None:
    """Create the engine and session factory and close each request's session at teardown."""
    url = app.config["DATABASE_URL"]
    engine = make_engine(url, app.config["STATEMENT_TIMEOUT_MS"]) if url else None
    sessions = sessionmaker(bind=engine)
    event.listen(sessions, "after_begin", _no_timeout_outside_requests)
    app.extensions["db"] = {"engine": engine, "sessions": sessions}
    app.teardown_appcontext(_close_session)


def _no_timeout_outside_requests(_session, _transaction, connection: Connection) -> None:
    # STATEMENT_TIMEOUT_MS bounds web requests; `flask` commands (imports, rebuilds) and
    # background copies may rightly run longer, so their transactions lift it.
    if not has_request_context():
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")


def bind_to_connection(app: Flask, connection: Connection) -> None:
    """Make every session join an outer transaction (tests roll it back at the end)."""
    app.extensions["db"]["sessions"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint"
    )


def engine() -> Engine:
    """The application's engine."""
    return current_app.extensions["db"]["engine"]


def session() -> Session:
    """The session of the current request or command, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db"]["sessions"]()
    return g.db_session


def close_session() -> None:
    """Close the current request's or command's session now (the next use opens a new one)."""
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def _close_session(_exc: BaseException | None) -> None:
    close_session()
