"""Test fixtures: a throwaway PostGIS database per run, migrations once, a rollback per test."""

import os
import re
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import db
from core.app import create_app
from core.extensions import limiter
from core.migrate import upgrade
from mapping import heat_cache

TEST_SECRET = "test-secret-key-" + "x" * 32


def _admin_url() -> str:
    url = os.environ.get("SAFEHAVENS_TEST_ADMIN_URL")
    if not url:
        pytest.exit("SAFEHAVENS_TEST_ADMIN_URL is not set: run the suite with `make test`.", 2)
    return url


def create_database(prefix: str) -> str:
    """Create an empty database next to the admin database and return its URL."""
    admin = make_url(_admin_url())
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by create_database."""
    name = make_url(url).database
    engine = create_engine(make_url(_admin_url()), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url():
    """A fresh database for this test run, migrated to head once."""
    url = create_database("safehavens_test")
    upgrade(url)
    yield url
    drop_database(url)


def make_app(database_url: str, **overrides):
    """An app configured for tests (CSRF and rate limits on, as in production)."""
    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET,
              "TILE_URL": "https://tiles.example.test/{z}/{x}/{y}.png", "LOG_LEVEL": "WARNING",
              # a thread would share the test's one connection; one test covers it on its own
              "OGC_REFRESH_IN_BACKGROUND": False, "PAPER_READ_IN_BACKGROUND": False}
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url):
    """The application under test."""
    return make_app(database_url)


@pytest.fixture
def connection(app):
    """A connection in a transaction that is rolled back after the test."""
    conn = app.extensions["db"]["engine"].connect()
    outer = conn.begin()
    db.bind_to_connection(app, conn)
    limiter.reset()
    heat_cache.clear()  # a rolled-back test's version number comes round again
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def db_session(app, connection):
    """A session in the test's transaction (no app context is held open, so every request
    gets a fresh `g`, as in production)."""
    session = app.extensions["db"]["sessions"]()
    yield session
    session.close()


@pytest.fixture
def client(app, connection):
    """A test client whose requests share the test's transaction."""
    return app.test_client()


@pytest.fixture
def runner(app, connection):
    """A CLI runner for `flask` commands, inside the test's transaction."""
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a page gives this client (as a browser would read it from the form)."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
