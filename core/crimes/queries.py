"""All spatial SQL of recorded crime: idempotent batch upserts placed in boroughs, and counts
per hexagon of the heatmap grid."""

import math
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.geo import work_srid

COLUMNS = ("import_key", "crime_id", "month", "crime_type", "reported_by", "falls_within",
           "location", "lsoa_code", "lsoa_name", "last_outcome", "context")
_TYPES = {"month": "date"}

# Each row goes to the borough that covers its point (the lowest id if two do); rows in no
# borough are left out, and the caller counts them from what RETURNING did not give back.
_UPSERT = """
    WITH incoming AS (
        SELECT * FROM unnest({arrays}, CAST(:lon AS float8[]), CAST(:lat AS float8[]))
                   AS r({names}, lon, lat)),
    placed AS (
        SELECT r.*, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS geom FROM incoming r),
    homed AS (
        SELECT p.*, (SELECT b.id FROM borough b WHERE ST_Covers(b.boundary, p.geom)
                      ORDER BY b.id LIMIT 1) AS borough_id
          FROM placed p)
    INSERT INTO crime ({names}, borough_id, geom)
    SELECT {names}, borough_id, geom FROM homed WHERE borough_id IS NOT NULL
    ON CONFLICT (import_key) DO UPDATE SET {updates}
    RETURNING import_key, (xmax = 0) AS inserted
"""


def upsert_crimes(db_session: Session, rows: list) -> dict[str, bool]:
    """Insert or update rows (unique import keys) in the borough under each; answers
    {import_key: inserted} for the rows that lie in a borough."""
    if not rows:
        return {}
    names = ", ".join(COLUMNS)
    arrays = ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'text')}[])" for c in COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*COLUMNS[1:], "borough_id", "geom"))
    sql = _UPSERT.format(arrays=arrays, names=names, updates=updates)
    params = {c: [getattr(row, c) for row in rows] for c in (*COLUMNS, "lon", "lat")}
    result = db_session.execute(text(sql), params)  # fixed column names only
    return {row.import_key: row.inserted for row in result}


# The hexagon holding a point is the one whose centre is nearest (hexagons are the Voronoi
# cells of their centres). ST_Hexagon(size, i, j) is centred at x = 1.5 size i,
# y = sqrt(3) size j, half a row higher in odd columns, so only the columns i0 = floor(x / 1.5
# size) and i0 + 1 can hold the nearest centre, each at its nearest row. A point exactly on an
# edge or corner is equally near two or three centres: it goes to the lower row (south), then
# to the column i0 (west), so it counts once. Plain arithmetic, no hexagon built per point.
# `points` gives x and y in WORK_SRID (fenced by OFFSET 0, so each point is transformed once)
# and the columns named in `keep`.
_CELL_OF_POINT = """
    SELECT {keep}, CASE WHEN da <= db THEN i0 ELSE i0 + 1 END AS i,
           CASE WHEN da <= db THEN ja ELSE jb END AS j
      FROM (SELECT n.*, xa ^ 2 + (ya - :row_m * ja) ^ 2 AS da,
                   xb ^ 2 + (yb - :row_m * jb) ^ 2 AS db
              FROM (SELECT c.*, ceil(ya / :row_m - 0.5)::int AS ja,
                           ceil(yb / :row_m - 0.5)::int AS jb
                      FROM (SELECT {keep}, i0, x - :col_m * i0 AS xa, x - :col_m * (i0 + 1) AS xb,
                                   y - :row_m / 2 * abs(i0 % 2) AS ya,
                                   y - :row_m / 2 * (1 - abs(i0 % 2)) AS yb
                              FROM (SELECT p.*, floor(p.x / :col_m)::int AS i0
                                      FROM ({points}) AS p) AS s) AS c) AS n) AS d
"""

_CRIME_POINTS = """
    SELECT ST_X(w.g) AS x, ST_Y(w.g) AS y, w.location
      FROM (SELECT ST_Transform(geom, {srid}) AS g, location FROM crime
             WHERE borough_id = :borough_id AND month = ANY(CAST(:months AS date[]))
               AND (CAST(:crime_type AS text) IS NULL OR crime_type = :crime_type)) AS w
    OFFSET 0
"""


def _grid(size_m: int) -> dict:
    """The grid's column spacing and row height in metres, for _CELL_OF_POINT."""
    return {"col_m": 1.5 * size_m, "row_m": math.sqrt(3) * size_m}


def counts_by_cell(db_session: Session, *, borough_id: int, size_m: int, months: list[date],
                   crime_type: str | None):
    """Crimes per hexagon (i, j) of the grid for the months (and type), with the place name
    most often given for them: rows (i, j, crimes, place)."""
    points = _CRIME_POINTS.format(srid=int(work_srid()))
    cells = _CELL_OF_POINT.format(keep="location", points=points)
    sql = f"""
        SELECT i, j, count(*) AS crimes, mode() WITHIN GROUP (ORDER BY location) AS place
          FROM ({cells}) AS cells GROUP BY i, j"""  # noqa: S608 (fixed SQL; SRID: an int)
    return db_session.execute(text(sql), {
        "borough_id": borough_id, "months": list(months), "crime_type": crime_type,
        **_grid(size_m)}).all()


def cell_of_work_point(db_session: Session, size_m: int, x: float, y: float) -> tuple[int, int]:
    """The (i, j) of the hexagon holding a point given in WORK_SRID metres."""
    points = "SELECT CAST(:x AS float8) AS x, CAST(:y AS float8) AS y, 0 AS one"
    row = db_session.execute(text(_CELL_OF_POINT.format(keep="one", points=points)),
                             {"x": x, "y": y, **_grid(size_m)}).one()
    return row.i, row.j


def months_with_crimes(db_session: Session, *, borough_id: int,
                       months: list[date]) -> list[date]:
    """Which of these months have any recorded crime in the borough."""
    return list(db_session.scalars(text("""
        SELECT DISTINCT month FROM crime
         WHERE borough_id = :borough_id AND month = ANY(CAST(:months AS date[]))
         ORDER BY month"""), {"borough_id": borough_id, "months": list(months)}))
