"""Named baselines: geopandas sjoin + nunique, and a naive spatial join run at query time.

Zones are read already in EPSG:27700 (ST_Transform in the read query), so ours and the baselines
test bit-identical coordinates; hexagons come from the same ST_HexagonGrid.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

ZONES_SQL = "SELECT pupil_map_id, kind, ST_Transform(geom, {srid}) AS geom FROM zone WHERE {where}"
GRID_SQL = """
    SELECT h.i, h.j, h.geom
      FROM ST_HexagonGrid({res}, (SELECT ST_SetSRID(ST_Extent(ST_Transform(geom, {srid}))::geometry,
                                                     {srid}) FROM zone)) AS h"""


def hex_grid(engine: Engine, resolution: int, srid: int = 27700) -> gpd.GeoDataFrame:
    """Every hexagon of the grid over the zones' extent, with its (i, j) (not timed)."""
    grid = gpd.read_postgis(GRID_SQL.format(res=int(resolution), srid=int(srid)), engine,
                            geom_col="geom", crs=srid)
    return grid.reset_index(drop=True)


def geopandas_counts(engine: Engine, grid: gpd.GeoDataFrame, srid: int = 27700,
                     where: str = "true") -> pd.Series:
    """Distinct pupil maps per (kind, i, j), counting a cell only when interiors overlap:
    read zones, sjoin intersects, drop pairs that only touch, groupby + nunique."""
    zones = gpd.read_postgis(ZONES_SQL.format(srid=int(srid), where=where), engine,
                             geom_col="geom", crs=srid)
    pairs = gpd.sjoin(zones, grid, how="inner", predicate="intersects")
    hexes = np.asarray(grid.geometry.array)[pairs["index_right"].to_numpy()]
    overlap = ~shapely.touches(np.asarray(pairs.geometry.array), hexes)
    return pairs[overlap].groupby(["kind", "i", "j"])["pupil_map_id"].nunique()


# The same per-cell figures as heat_counts/coverage, computed from the raw zones at query time.
_NAIVE_GRID = """
    area AS (SELECT ST_SetSRID(ST_Extent(ST_Transform(area, {srid}))::geometry, {srid}) AS g
               FROM mapping_session WHERE borough_id = :borough_id),
    grid AS (SELECT h.i, h.j, h.geom, ST_Expand(ST_Transform(h.geom, 4326), 1e-5) AS probe
               FROM area, ST_HexagonGrid(:resolution, area.g) AS h)"""

NAIVE_COUNTS = """
    WITH {grid},
    marks AS (
        SELECT grid.i, grid.j, z.pupil_map_id, m.school_id
          FROM grid
          JOIN zone z ON z.geom && grid.probe AND z.borough_id = :borough_id AND z.kind = :kind
          JOIN pupil_map m ON m.id = z.pupil_map_id
         WHERE ST_Relate(grid.geom, ST_Transform(z.geom, {srid}), 'T********'))
    SELECT i, j, count(DISTINCT pupil_map_id) AS pupils, count(DISTINCT school_id) AS schools
      FROM marks GROUP BY i, j"""

NAIVE_COVERAGE = """
    WITH {grid},
    maps AS (SELECT session_id, count(*) AS n FROM pupil_map WHERE borough_id = :borough_id
              GROUP BY session_id)
    SELECT grid.i, grid.j, sum(maps.n) AS coverage
      FROM grid
      JOIN mapping_session s ON s.area && grid.probe AND s.borough_id = :borough_id
      JOIN maps ON maps.session_id = s.id
     WHERE ST_Relate(grid.geom, ST_Transform(s.area, {srid}), 'T********')
     GROUP BY grid.i, grid.j"""


def naive_counts(db_session: Session, *, borough_id: int, resolution: int, kind: str,
                 srid: int = 27700) -> dict[tuple[int, int], tuple[int, int]]:
    """(i, j) -> (distinct pupils, distinct schools) marking the cell, from the raw zones."""
    sql = NAIVE_COUNTS.format(grid=_NAIVE_GRID.format(srid=int(srid)), srid=int(srid))
    rows = db_session.execute(text(sql), {"borough_id": borough_id, "resolution": resolution,
                                          "kind": kind})
    return {(r.i, r.j): (r.pupils, r.schools) for r in rows}


def naive_coverage(db_session: Session, *, borough_id: int, resolution: int,
                   srid: int = 27700) -> dict[tuple[int, int], int]:
    """(i, j) -> pupil maps whose session area covers the cell, from the raw session areas."""
    sql = NAIVE_COVERAGE.format(grid=_NAIVE_GRID.format(srid=int(srid)), srid=int(srid))
    rows = db_session.execute(text(sql), {"borough_id": borough_id, "resolution": resolution})
    return {(r.i, r.j): int(r.coverage) for r in rows}
