"""Migrations: upgrade, downgrade to base and upgrade again on an empty database; and the
models match the migrations exactly (no autogenerate drift)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, inspect

from core.migrate import downgrade, upgrade
from core.models import metadata
from tests.conftest import create_database, drop_database

TABLES = {"borough", "ward", "school", "postcode", "app_user", "teacher_school",
          "login_session", "api_token", "audit_event", "basemap_source", "basemap_feature"}


@pytest.fixture
def empty_database():
    url = create_database("safehavens_migrations")
    yield url
    drop_database(url)


def _tables(url) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"spatial_ref_sys"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_and_upgrade_again(empty_database):
    upgrade(empty_database)
    assert _tables(empty_database) >= TABLES
    downgrade(empty_database, "base")
    assert _tables(empty_database) == {"alembic_version"}
    upgrade(empty_database)
    assert _tables(empty_database) >= TABLES


def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_object": alembic_helpers.include_object, "compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []
