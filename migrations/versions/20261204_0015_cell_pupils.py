"""Cell pupil counters: distinct pupil maps per cell, kind, term, year group and school, kept
exact by statement triggers on zone_cell, so a heatmap without a reason or time filter sums a few
rows instead of counting distinct maps over every (zone, cell) row.

zone_cell rows now hang off their pupil map (the cascade and the triggers' look-ups use one
index led by the map) instead of their zone: zones are only ever deleted with their map.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:00:00
"""

from collections.abc import Sequence

from alembic import op

# ruff: noqa: S608 (SQL built from the fixed column lists below)

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "borough_id, resolution, kind, i, j, term, year_group, school_id"
MATCH = " AND ".join(f"t.{c} = d.{c}" for c in KEY.split(", "))
SAME_PAIR = " AND ".join(f"z.{c} = c.{c}" for c in ("pupil_map_id", "resolution", "i", "j",
                                                   "kind", "borough_id", "term", "year_group",
                                                   "school_id"))
# Planners' cell sizes only: 50 m is a school's own view, which counts its own zone_cell rows.
COUNTED = "resolution >= 100"

# Apply per-key deltas `d` (positive: pupils added; negative: pupils gone).
APPLY = f"""
    grown AS (
        INSERT INTO cell_pupils AS t ({KEY}, pupils)
        SELECT {KEY}, delta FROM d WHERE delta > 0 ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET pupils = t.pupils + excluded.pupils),
    emptied AS (
        DELETE FROM cell_pupils t USING d WHERE d.delta < 0 AND {MATCH} AND t.pupils + d.delta <= 0)
    UPDATE cell_pupils t SET pupils = t.pupils + d.delta
      FROM d WHERE d.delta < 0 AND {MATCH} AND t.pupils + d.delta > 0"""

# A (cell key, pupil map) pair counts once while it has any zone_cell row. For each pair the
# statement touched: rows now (`now`), and rows before = now - added + removed; the counter moves
# by (now > 0) - (before > 0). Exact for any insert, update or delete, whole maps or not.
EXACT = f"""
    WITH changed AS (
        SELECT {KEY}, pupil_map_id, sum(added) AS added, sum(removed) AS removed
          FROM ({{rows}}) AS r
         WHERE {COUNTED}
         GROUP BY {KEY}, pupil_map_id),
    counted AS (
        SELECT c.*, (SELECT count(*) FROM zone_cell z WHERE {SAME_PAIR}) AS now
          FROM changed c),
    d AS (
        SELECT {KEY}, sum((now > 0)::int - (now - added + removed > 0)::int) AS delta
          FROM counted GROUP BY {KEY}),
    {APPLY}"""

# The usual cases, without a look-up per pair: every row of the maps came in this statement (a
# new map), or no row of them is left (a deleted map): each map counts +1 or -1 where it is.
WHOLE_MAPS = f"""
    WITH d AS (
        SELECT {KEY}, {{sign}} count(DISTINCT pupil_map_id) AS delta
          FROM {{rows}} WHERE {COUNTED} GROUP BY {KEY}),
    {APPLY}"""
MAPS_ROWS = "(SELECT count(*) FROM zone_cell WHERE pupil_map_id IN " \
    "(SELECT DISTINCT pupil_map_id FROM {rows}))"

ADDED = f"SELECT {KEY}, pupil_map_id, 1 AS added, 0 AS removed FROM new_rows"
REMOVED = f"SELECT {KEY}, pupil_map_id, 0 AS added, 1 AS removed FROM old_rows"

# aggregates.rebuild sets this for its transaction and counts everything once at the end.
DEFERRED = "current_setting('safehavens.cell_pupils_deferred', true) = 'on'"

FUNCTIONS = {
    "cell_pupils_added": f"""
        IF {MAPS_ROWS.format(rows="new_rows")} = (SELECT count(*) FROM new_rows) THEN
            {WHOLE_MAPS.format(sign="", rows="new_rows")};
        ELSE
            {EXACT.format(rows=ADDED)};
        END IF""",
    "cell_pupils_removed": f"""
        IF {MAPS_ROWS.format(rows="old_rows")} = 0 THEN
            {WHOLE_MAPS.format(sign="-", rows="old_rows")};
        ELSE
            {EXACT.format(rows=REMOVED)};
        END IF""",
    "cell_pupils_updated": EXACT.format(rows=f"{ADDED} UNION ALL {REMOVED}"),
}
TRIGGERS = {"cell_pupils_added": "INSERT", "cell_pupils_removed": "DELETE",
            "cell_pupils_updated": "UPDATE"}
TABLES = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
          "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}

COUNT_ALL = f"""
    INSERT INTO cell_pupils ({KEY}, pupils)
    SELECT {KEY}, count(DISTINCT pupil_map_id) FROM zone_cell WHERE {COUNTED} GROUP BY {KEY}"""


def upgrade() -> None:
    op.drop_constraint("fk_zone_cell_zone_id_zone", "zone_cell", type_="foreignkey")
    op.drop_index("ix_zone_cell_zone_id", table_name="zone_cell")
    op.create_index("ix_zone_cell_map", "zone_cell",
                    ["pupil_map_id", "resolution", "i", "j", "kind"])
    op.create_foreign_key("fk_zone_cell_pupil_map_id_pupil_map", "zone_cell", "pupil_map",
                          ["pupil_map_id"], ["id"], ondelete="CASCADE")
    op.execute(f"""
        CREATE TABLE cell_pupils (
            borough_id integer NOT NULL, resolution smallint NOT NULL,
            kind varchar(8) NOT NULL, i integer NOT NULL, j integer NOT NULL,
            term varchar(12) NOT NULL, year_group smallint NOT NULL, school_id integer NOT NULL,
            pupils integer NOT NULL,
            CONSTRAINT ck_cell_pupils_pupils CHECK (pupils > 0),
            CONSTRAINT pk_cell_pupils PRIMARY KEY ({KEY}) INCLUDE (pupils))""")
    for name, body in FUNCTIONS.items():
        op.execute(f"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {DEFERRED} THEN RETURN NULL; END IF;
                {body};
                RETURN NULL;
            END $$""")
        event = TRIGGERS[name]
        op.execute(f"""
            CREATE TRIGGER {name} AFTER {event} ON zone_cell
            REFERENCING {TABLES[event]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()""")
    op.execute("""
        CREATE FUNCTION cell_pupils_cleared() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE cell_pupils;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER cell_pupils_cleared AFTER TRUNCATE ON zone_cell
        FOR EACH STATEMENT EXECUTE FUNCTION cell_pupils_cleared()""")
    op.execute(COUNT_ALL)


def downgrade() -> None:
    for name in (*FUNCTIONS, "cell_pupils_cleared"):
        op.execute(f"DROP TRIGGER {name} ON zone_cell")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute("DROP TABLE cell_pupils")
    op.drop_constraint("fk_zone_cell_pupil_map_id_pupil_map", "zone_cell", type_="foreignkey")
    op.drop_index("ix_zone_cell_map", table_name="zone_cell")
    op.execute("DELETE FROM zone_cell c WHERE NOT EXISTS (SELECT 1 FROM zone WHERE id = c.zone_id)")
    op.create_index("ix_zone_cell_zone_id", "zone_cell", ["zone_id"])
    op.create_foreign_key("fk_zone_cell_zone_id_zone", "zone_cell", "zone", ["zone_id"], ["id"],
                          ondelete="CASCADE")
