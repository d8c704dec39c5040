"""Database engine and the session each request owns."""

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine
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


def make_engine(url: str) -> Engine:
    """Create an engine that notices dropped connections (pool_pre_ping), with JIT off."""
    # PostGIS functions such as ST_HexagonGrid carry huge cost estimates, so PostgreSQL's JIT
    # compiles even a one-map insert (~100 ms of LLVM work for a 5 ms statement). Short web
    # requests never gain from JIT.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"options": "-c jit=off"})


def init_app(app: Flask) -> None:
    """Create the engine and session factory and close each request's session at teardown."""
    url = app.config["DATABASE_URL"]
    engine = make_engine(url) if url else None
    app.extensions["db"] = {"engine": engine, "sessions": sessionmaker(bind=engine)}
    app.teardown_appcontext(_close_session)


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
