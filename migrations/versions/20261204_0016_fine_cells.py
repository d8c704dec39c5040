"""Fine cells: a pupil map's 50 m hexagons are kept as one row of arrays per map (`fine_cell`)
instead of one zone_cell row per (zone, hexagon), and each zone keeps a copy of its outline in
WORK_SRID (`zone.work_geom`, generated), so the cells can be computed from stored metres.

Only a school's own view reads 50 m cells, always for one school, so unnesting its maps' arrays
is cheap; writing 10,000 rows of arrays instead of 1.7 million rows with three indexes is what
lets a full rebuild at 50 m take about a second. The existing 50 m rows move across unchanged.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:15:00
"""

import os
from collections.abc import Sequence

from alembic import op

# ruff: noqa: S608 (SQL built from the constant below)

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINE_M = 50


def _work_srid() -> int:
    return int(os.environ.get("WORK_SRID", "27700"))


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE zone ADD COLUMN work_geom geometry
            GENERATED ALWAYS AS (ST_Transform(geom, {_work_srid()})) STORED""")
    op.execute("""
        CREATE TABLE fine_cell (
            pupil_map_id integer NOT NULL,
            resolution smallint NOT NULL,
            zone_ids integer[] NOT NULL,
            i integer[] NOT NULL,
            j integer[] NOT NULL,
            CONSTRAINT pk_fine_cell PRIMARY KEY (pupil_map_id, resolution),
            CONSTRAINT fk_fine_cell_pupil_map_id_pupil_map FOREIGN KEY (pupil_map_id)
                REFERENCES pupil_map (id) ON DELETE CASCADE,
            CONSTRAINT ck_fine_cell_same_length CHECK (
                cardinality(zone_ids) = cardinality(i) AND cardinality(i) = cardinality(j)))""")
    op.execute("""
        CREATE TRIGGER fine_cell_changed
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON fine_cell
        FOR EACH STATEMENT EXECUTE FUNCTION bump_heatmap_version()""")
    op.execute(f"""
        INSERT INTO fine_cell (pupil_map_id, resolution, zone_ids, i, j)
        SELECT pupil_map_id, resolution, array_agg(zone_id ORDER BY zone_id, i, j),
               array_agg(i ORDER BY zone_id, i, j), array_agg(j ORDER BY zone_id, i, j)
          FROM zone_cell WHERE resolution = {FINE_M}
         GROUP BY pupil_map_id, resolution""")
    op.execute(f"DELETE FROM zone_cell WHERE resolution = {FINE_M}")


def downgrade() -> None:
    op.execute("""
        INSERT INTO zone_cell (resolution, i, j, zone_id, pupil_map_id, session_id, school_id,
                               borough_id, term, year_group, kind, reasons, times)
        SELECT f.resolution, c.i, c.j, z.id, m.id, m.session_id, m.school_id, m.borough_id,
               m.term, m.year_group, z.kind, z.reasons, z.times
          FROM fine_cell f JOIN pupil_map m ON m.id = f.pupil_map_id
         CROSS JOIN LATERAL unnest(f.zone_ids, f.i, f.j) AS c(zone_id, i, j)
          JOIN zone z ON z.id = c.zone_id""")
    op.execute("DROP TABLE fine_cell")
    op.execute("ALTER TABLE zone DROP COLUMN work_geom")
