"""Heatmap version: a counter bumped by any change to the aggregates, for caches.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 11:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("zone_cell", "session_cell")


def upgrade() -> None:
    op.execute("""
        CREATE TABLE heatmap_state (
            id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            version bigint NOT NULL DEFAULT 0,
            changed_at timestamptz NOT NULL DEFAULT now())""")
    op.execute("INSERT INTO heatmap_state DEFAULT VALUES")
    op.execute("""
        CREATE FUNCTION bump_heatmap_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE heatmap_state SET version = version + 1, changed_at = now();
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"""
            CREATE TRIGGER {table}_changed
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION bump_heatmap_version()""")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION bump_heatmap_version()")
    op.execute("DROP TABLE heatmap_state")
