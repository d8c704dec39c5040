"""All spatial SQL of safety mapping: session areas, storing zones, class results and grids."""

import json
from datetime import date
from functools import lru_cache

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from core.geo import work_srid
from mapping import terms
from mapping.models import MappingSession, PupilMap, Zone


def _srid() -> int:
    return int(work_srid())


def default_area_wkt(db_session: Session, school_id: int, radius_m: float) -> str:
    """A circle of radius_m around a school (built in WORK_SRID metres), as EPSG:4326 WKT."""
    sql = text(f"""
        SELECT ST_AsText(ST_Multi(ST_Transform(
                 ST_Buffer(ST_Transform(location, {_srid()}), :radius, 32), 4326)))
          FROM school WHERE id = :school_id""")  # noqa: S608 (SRID: an int from config)
    return db_session.scalar(sql, {"school_id": school_id, "radius": radius_m})


def area_wkt(db_session: Session, session_id: int) -> str:
    """A session's area as WKT."""
    return db_session.scalar(select(func.ST_AsText(MappingSession.area))
                             .where(MappingSession.id == session_id))


def area_geojson(db_session: Session, session_id: int) -> str:
    """A session's area as GeoJSON geometry text."""
    return db_session.scalar(select(func.ST_AsGeoJSON(MappingSession.area, 6))
                             .where(MappingSession.id == session_id))


def place_geojson(db_session: Session, session_id: int):
    """A session's named places with their geometry as GeoJSON text."""
    return db_session.execute(text("""
        SELECT id, name, ST_AsGeoJSON(area, 6) AS geometry FROM named_place
         WHERE session_id = :session_id ORDER BY name"""), {"session_id": session_id}).all()


def area_km2(db_session: Session, wkt: str) -> float:
    """The area of a polygon in square kilometres (on the spheroid)."""
    return db_session.scalar(text(
        "SELECT ST_Area(geography(ST_GeomFromText(:wkt, 4326))) / 1e6"), {"wkt": wkt})


def school_distance_m(db_session: Session, school_id: int, wkt: str) -> float:
    """How far a polygon is from a school (0 when the school is inside)."""
    return db_session.scalar(text("""
        SELECT ST_Distance(geography(ST_GeomFromText(:wkt, 4326)), geography(location))
          FROM school WHERE id = :school_id"""), {"wkt": wkt, "school_id": school_id})


def place_area_wkt(db_session: Session, place_id: int) -> str:
    """A named place's area as WKT."""
    return db_session.scalar(text("SELECT ST_AsText(area) FROM named_place WHERE id = :id"),
                             {"id": place_id})


def map_count(db_session: Session, session_id: int) -> int:
    """How many pupil maps a session has received."""
    return db_session.scalar(select(func.count()).select_from(PupilMap)
                             .where(PupilMap.session_id == session_id))


def zone_features(db_session: Session, session_id: int):
    """Every zone of a session with its drawn shape and stored area (teacher's view)."""
    return db_session.execute(
        select(Zone, func.ST_AsGeoJSON(func.coalesce(Zone.drawn, Zone.geom), 6).label("drawn"),
               func.ST_AsGeoJSON(Zone.geom, 6).label("area"))
        .where(Zone.session_id == session_id).order_by(Zone.pupil_map_id, Zone.number)).all()


def counts_by(db_session: Session, session_id: int, column: str):
    """How many zones mention each reason/time/suggestion, by kind: (key, kind, zones, pupils)."""
    if column not in ("reasons", "times", "suggestions"):
        raise ValueError(column)
    return db_session.execute(text(f"""
        SELECT value, kind, count(*) AS zones, count(DISTINCT pupil_map_id) AS pupils
          FROM zone, unnest({column}) AS value
         WHERE session_id = :session_id
         GROUP BY value, kind ORDER BY pupils DESC, value"""),  # noqa: S608 (checked name)
        {"session_id": session_id}).all()


def class_grid(db_session: Session, session_id: int, cell_m: float):
    """Hexagons over the session area with the number of pupils marking each safe or unsafe."""
    srid = _srid()
    return db_session.execute(text(f"""
        WITH area AS (SELECT ST_Transform(area, {srid}) AS geom FROM mapping_session
                       WHERE id = :session_id),
             cells AS (SELECT h.geom FROM area, ST_HexagonGrid(:cell, area.geom) AS h
                        WHERE ST_Intersects(h.geom, area.geom)),
             marks AS (SELECT c.geom, z.kind, z.pupil_map_id FROM cells c
                         JOIN zone z ON z.session_id = :session_id
                                    AND ST_Intersects(c.geom, ST_Transform(z.geom, {srid})))
        SELECT ST_AsGeoJSON(ST_Transform(geom, 4326), 6) AS geometry,
               count(DISTINCT pupil_map_id) FILTER (WHERE kind = 'unsafe') AS unsafe,
               count(DISTINCT pupil_map_id) FILTER (WHERE kind = 'safe') AS safe
          FROM marks GROUP BY geom"""),  # noqa: S608 (SRID: an int from config)
        {"session_id": session_id, "cell": cell_m}).all()


def expired_terms(db_session: Session, older_than) -> list[tuple[int, str]]:
    """(borough id, term) of every borough's term with a pupil map sent before a moment."""
    rows = db_session.execute(select(PupilMap.borough_id, PupilMap.term)
                              .group_by(PupilMap.borough_id, PupilMap.term)
                              .having(func.min(PupilMap.submitted_at) < older_than)
                              .order_by(PupilMap.borough_id, PupilMap.term))
    return [(row.borough_id, row.term) for row in rows]


def delete_term_maps(db_session: Session, borough_id: int, term: str) -> int:
    """Delete a borough's pupil maps of one term (zones, keys and hexagon rows go with them by
    cascade); returns how many maps."""
    return db_session.execute(delete(PupilMap).where(PupilMap.borough_id == borough_id,
                                                     PupilMap.term == term)).rowcount


# --- heatmap aggregates ------------------------------------------------------------------------
# Cells are hexagons of ST_HexagonGrid in WORK_SRID; its (i, j) indices are anchored at the CRS
# origin, so a cell keeps its id across maps, sessions and terms. A zone counts in a cell only
# when their interiors overlap (touching an edge is not marking the cell).

RESOLUTIONS = (50, 100, 150, 250)
FINE_M = 50  # a school's own view only: kept per map in fine_cell (see mapping/fine_cells.py)
ZONE_CELL_RESOLUTIONS = tuple(size for size in RESOLUTIONS if size != FINE_M)


def _work_geom(srid: int, zone: str = "z") -> str:
    """A zone's outline in WORK_SRID: the stored copy, or a fresh transform if WORK_SRID has
    changed since it was written."""
    return (f"CASE WHEN ST_SRID({zone}.work_geom) = {int(srid)} THEN {zone}.work_geom "
            f"ELSE ST_Transform({zone}.geom, {int(srid)}) END")


# The zones are moved to WORK_SRID in a fenced subquery (OFFSET 0) so the planner neither repeats
# ST_Transform per candidate hexagon nor joins pupil_map after the hexagons. A hexagon counts when
# a copy shrunk by 0.01 % round its centre meets the zone (a cheap, prepared ST_Intersects that
# implies overlapping interiors); ST_Relate decides only the rare pairs meeting in that 5 mm band.
_ZONE_CELLS = """
    INSERT INTO zone_cell (resolution, i, j, zone_id, pupil_map_id, session_id, school_id,
                           borough_id, term, year_group, kind, reasons, times)
    SELECT r.res, h.i, h.j, w.zone_id, w.map_id, w.session_id, w.school_id, w.borough_id, w.term,
           w.year_group, w.kind, w.reasons, w.times
      FROM (SELECT z.id AS zone_id, m.id AS map_id, m.session_id, m.school_id, m.borough_id,
                   m.term, m.year_group, z.kind, z.reasons, z.times,
                   {work_geom} AS g
              FROM pupil_map m JOIN zone z ON z.pupil_map_id = m.id
             WHERE {where} OFFSET 0) AS w
      CROSS JOIN unnest(CAST(:resolutions AS int[])) AS r(res)
      CROSS JOIN LATERAL ST_HexagonGrid(r.res, w.g) AS h
     WHERE ST_Intersects(h.geom, w.g)
       AND (ST_Intersects(ST_Scale(h.geom, ST_MakePoint(0.9999, 0.9999), ST_Centroid(h.geom)),
                          w.g)
            OR ST_Relate(h.geom, w.g, 'T********'))
"""

_SESSION_CELLS = """
    INSERT INTO session_cell (resolution, i, j, session_id, school_id, borough_id, term)
    SELECT r.res, h.i, h.j, s.id, s.school_id, s.borough_id, s.term
      FROM mapping_session s
      CROSS JOIN LATERAL (SELECT ST_Transform(s.area, {srid}) AS g) w
      CROSS JOIN unnest(CAST(:resolutions AS int[])) AS r(res)
      CROSS JOIN LATERAL ST_HexagonGrid(r.res, w.g) AS h
     WHERE {where} AND ST_Relate(h.geom, w.g, 'T********')
"""


def add_zone_cells(db_session: Session, *, pupil_map_ids: list[int]) -> None:
    """Record the cells of these pupil maps' zones at the planners' sizes (zone_cell)."""
    srid = _srid()
    sql = _ZONE_CELLS.format(srid=srid, where="m.id = ANY(:ids)", work_geom=_work_geom(srid))
    db_session.execute(text(sql), {"ids": list(pupil_map_ids),
                                   "resolutions": list(ZONE_CELL_RESOLUTIONS)})


def fine_zones(db_session: Session, *, pupil_map_ids: list[int] | None = None,
               first_map: int | None = None, last_map: int | None = None) -> list[tuple]:
    """(zone id, pupil map id, outline as WKB in WORK_SRID) of the zones of these maps, or of
    maps first_map..last_map, in map and zone order."""
    if pupil_map_ids is not None:
        where, params = "z.pupil_map_id = ANY(%(ids)s)", {"ids": list(pupil_map_ids)}
    else:
        where, params = ("z.pupil_map_id BETWEEN %(first)s AND %(last)s",
                         {"first": first_map, "last": last_map})
    sql = f"""
        SELECT z.id, z.pupil_map_id, ST_AsBinary({_work_geom(_srid())}) FROM zone z
         WHERE {where} ORDER BY z.pupil_map_id, z.id"""  # noqa: S608 (SRID: int; fixed where)
    # Straight through psycopg in binary: 100,000 outlines arrive in a quarter of a second.
    with db_session.connection().connection.driver_connection.cursor(binary=True) as cursor:
        return cursor.execute(sql, params).fetchall()


def fine_overlaps(db_session: Session, resolution: int, zone_ids: list[int], ii: list[int],
                  jj: list[int]) -> list[bool]:
    """Whether each zone's interior meets hexagon (i, j)'s, by PostGIS (the pairs too close to
    call in mapping.hex_raster)."""
    if not zone_ids:
        return []
    srid = _srid()
    rows = db_session.execute(text(f"""
        SELECT ST_Relate(ST_SetSRID(ST_Hexagon(:res, p.i, p.j), {srid}), {_work_geom(srid)},
                         'T********') AS meets
          FROM unnest(CAST(:zones AS int[]), CAST(:ii AS int[]), CAST(:jj AS int[]))
               WITH ORDINALITY AS p(zone_id, i, j, n)
          JOIN zone z ON z.id = p.zone_id
         ORDER BY p.n"""),  # noqa: S608 (SRID: an int from config)
        {"res": resolution, "zones": zone_ids, "ii": ii, "jj": jj})
    return [row.meets for row in rows]


_FINE_CELL_COPY = ("COPY fine_cell (pupil_map_id, resolution, zone_ids, i, j) "
                  "FROM STDIN (FORMAT BINARY)")


def copy_fine_cells(db_session: Session, payload: bytes) -> None:
    """Load fine_cell rows given as PostgreSQL binary COPY data (mapping.fine_cells builds it)."""
    with db_session.connection().connection.driver_connection.cursor() as cursor, \
            cursor.copy(_FINE_CELL_COPY) as copy:
        copy.write(payload)


def add_session_cells(db_session: Session, *, session_id: int | None = None) -> None:
    """Record the cells a session's area covers (or every session's)."""
    where = "s.id = :session_id" if session_id is not None else "true"
    sql = _SESSION_CELLS.format(srid=_srid(), where=where)
    db_session.execute(text(sql), {"session_id": session_id, "resolutions": list(RESOLUTIONS)})


def clear_aggregates(db_session: Session) -> None:
    """Forget every zone and session cell (before a rebuild; a trigger empties cell_pupils with
    zone_cell; fine_cells.rebuild clears its own)."""
    db_session.execute(text("TRUNCATE zone_cell, session_cell"))


def clear_fine_cells(db_session: Session) -> None:
    """Forget every map's fine cells."""
    db_session.execute(text("TRUNCATE fine_cell"))


# zone_cell's columns for the fine size, from each map's arrays.
_FINE_ZONE_CELLS = """(
    SELECT f.resolution, c.i, c.j, c.zone_id, m.id AS pupil_map_id, m.session_id, m.school_id,
           m.borough_id, m.term, m.year_group, z.kind, z.reasons, z.times
      FROM fine_cell f
      JOIN pupil_map m ON m.id = f.pupil_map_id
     CROSS JOIN LATERAL unnest(f.zone_ids, f.i, f.j) AS c(zone_id, i, j)
      JOIN zone z ON z.id = c.zone_id)"""


def _cells_from(resolution: int, alias: str = "zone_cell") -> str:
    """Where (zone, cell) rows of a size are read from, with zone_cell's columns."""
    return f"{_FINE_ZONE_CELLS} AS {alias}" if resolution == FINE_M else f"zone_cell AS {alias}"


def defer_cell_pupils(db_session: Session) -> None:
    """Let the rest of this transaction add zone cells without cell_pupils' triggers (a rebuild
    then calls count_cell_pupils once, which is much cheaper than keeping them per batch)."""
    db_session.execute(text("SET LOCAL safehavens.cell_pupils_deferred = 'on'"))


_CELL_PUPILS_KEY = "borough_id, resolution, kind, i, j, term, year_group, school_id"


COUNTED_FROM_M = 100  # cell_pupils keeps the planners' sizes; 50 m views count zone_cell


def count_cell_pupils(db_session: Session) -> None:
    """Count cell_pupils afresh from zone_cell and let its triggers run again."""
    db_session.execute(text("TRUNCATE cell_pupils"))
    db_session.execute(text(f"""
        INSERT INTO cell_pupils ({_CELL_PUPILS_KEY}, pupils)
        SELECT {_CELL_PUPILS_KEY}, count(DISTINCT pupil_map_id) FROM zone_cell
         WHERE resolution >= {COUNTED_FROM_M}
         GROUP BY {_CELL_PUPILS_KEY}"""))  # noqa: S608 (a fixed column list)
    db_session.execute(text("SET LOCAL safehavens.cell_pupils_deferred = 'off'"))


def map_ids(db_session: Session) -> list[int]:
    """Every pupil map id, in order."""
    return list(db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)))


def relaxations(names: list[str]) -> list[frozenset]:
    """Every subset of the active filters' names, in the order of the p0..pN count columns
    (p0: none of them; the last: all of them)."""
    return [frozenset(n for k, n in enumerate(names) if mask >> k & 1)
            for mask in range(1 << len(names))]


def _subset_filters(filters: dict[str, str]) -> list[tuple[frozenset, str]]:
    """Every subset of the active filters, as (names, SQL predicate)."""
    return [(chosen, " AND ".join(["kind = :kind"] + [filters[n] for n in sorted(chosen)]))
            for chosen in relaxations(list(filters))]


FILTER_SQL = {"term": "term = :term", "reason": "CAST(:reason AS text) = ANY(reasons)",
              "time": "CAST(:time AS text) = ANY(times)",
              "years": "year_group BETWEEN :year_from AND :year_to"}


_SCOPE_SQL = """
           AND (CAST(:school_id AS int) IS NULL OR {t}school_id = :school_id)
           AND (CAST(:other_than AS int) IS NULL OR {t}school_id <> :other_than)
           AND (CAST(:ci AS int) IS NULL OR ({t}i = :ci AND {t}j = :cj))"""


def _scope_params(scope: dict | None) -> dict:
    scope = scope or {}
    cell = scope.get("cell") or (None, None)
    return {"school_id": scope.get("school_id"), "other_than": scope.get("other_than"),
            "ci": cell[0], "cj": cell[1]}


def heat_counts(db_session: Session, *, borough_id: int, resolution: int, kind: str,
                filters: dict, scope: dict | None = None):
    """Distinct pupils (and schools) per cell for the asked filters and for every relaxation of
    them, in one pass (mapping.publication uses the relaxations to stop differencing).

    `scope` may hold `school_id` (one school), `other_than` (every school but one) and `cell`
    ((i, j), one cell)."""
    counters = _counted(filters, resolution)
    subsets, columns, full = _count_columns(filters, counters)
    sql = f"""
        SELECT i, j, {columns},
               count(DISTINCT school_id) FILTER (WHERE {full}) AS schools
          FROM {"cell_pupils" if counters else _cells_from(resolution)}
         WHERE borough_id = :borough_id AND resolution = :resolution AND kind = :kind
               {_SCOPE_SQL.format(t="")}
         GROUP BY i, j"""  # noqa: S608 (predicates from FILTER_SQL only)
    params = {"borough_id": borough_id, "resolution": resolution, "kind": kind,
              **_scope_params(scope), **_filter_params(filters)}
    rows = db_session.execute(text(sql), params).all()
    return [s[0] for s in subsets], rows


def _counted(filters: dict, resolution: int) -> bool:
    """Whether cell_pupils can answer: it keeps the sizes from COUNTED_FROM_M, and a map's term,
    year group and school but not which zone gave which reason or time."""
    return resolution >= COUNTED_FROM_M and not set(filters) - {"term", "years"}


def _count_columns(filters: dict, counters: bool = False) -> tuple[list, str, str]:
    """Distinct-pupil columns p0..pN for every relaxation of the filters, and the full predicate
    (summed from cell_pupils with `counters`, else counted over zone_cell)."""
    subsets = _subset_filters({name: FILTER_SQL[name] for name in filters})
    count = "coalesce(sum(pupils) FILTER (WHERE {}), 0)" if counters else \
        "count(DISTINCT pupil_map_id) FILTER (WHERE {})"
    columns = ", ".join(f"{count.format(predicate)} AS p{k}"
                        for k, (_names, predicate) in enumerate(subsets))
    return subsets, columns, subsets[-1][1]


def area_counts(db_session: Session, *, borough_id: int, resolution: int, kind: str,
                filters: dict, cells: list[tuple[int, int]]):
    """Distinct pupils (p0..pN, every relaxation of the filters) and schools over a group of
    cells taken together (a hot-spot area)."""
    _subsets, columns, full = _count_columns(filters)
    sql = f"""
        SELECT {columns}, count(DISTINCT school_id) FILTER (WHERE {full}) AS schools
          FROM {_cells_from(resolution, "z")}
          JOIN unnest(CAST(:ii AS int[]), CAST(:jj AS int[])) AS a(ai, aj)
            ON z.i = a.ai AND z.j = a.aj
         WHERE z.borough_id = :borough_id AND z.resolution = :resolution
           AND z.kind = :kind"""  # noqa: S608 (predicates from FILTER_SQL only)
    params = {"borough_id": borough_id, "resolution": resolution, "kind": kind,
              "ii": [c[0] for c in cells], "jj": [c[1] for c in cells],
              **_filter_params(filters)}
    return db_session.execute(text(sql), params).one()


def area_shapes(db_session: Session, resolution: int,
                groups: list[list[tuple[int, int]]]) -> list[dict]:
    """For each group of cells: its outline (lon/lat GeoJSON text), a point inside it and its
    area in square metres."""
    if not groups:
        return []
    members = [(g, i, j) for g, cells in enumerate(groups) for i, j in cells]
    sql = f"""
        WITH u AS (
            SELECT c.g, ST_Union(ST_Hexagon(:resolution, c.i, c.j)) AS geom
              FROM unnest(CAST(:gg AS int[]), CAST(:ii AS int[]), CAST(:jj AS int[]))
                   AS c(g, i, j)
             GROUP BY c.g)
        SELECT g, ST_AsGeoJSON(ST_Transform(ST_SetSRID(geom, {_srid()}), 4326), 6) AS geometry,
               ST_X(p) AS lon, ST_Y(p) AS lat, ST_Area(geom) AS area_m2
          FROM u, ST_Transform(ST_SetSRID(ST_PointOnSurface(geom), {_srid()}), 4326) AS p
         ORDER BY g"""  # noqa: S608 (SRID: an int from config)
    rows = db_session.execute(text(sql), {"resolution": resolution,
                                          "gg": [m[0] for m in members],
                                          "ii": [m[1] for m in members],
                                          "jj": [m[2] for m in members]})
    return [{"geometry": row.geometry, "lon": row.lon, "lat": row.lat,
             "area_m2": float(row.area_m2)} for row in rows]


def ward_at(db_session: Session, lon: float, lat: float) -> str | None:
    """The name of the ward holding a lon/lat point."""
    return db_session.scalar(text("""
        SELECT name FROM ward
         WHERE ST_Covers(boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
         ORDER BY id LIMIT 1"""), {"lon": lon, "lat": lat})


def nearest_schools(db_session: Session, lon: float, lat: float, limit: int) -> list[dict]:
    """The schools nearest a lon/lat point, with straight-line distance in metres."""
    rows = db_session.execute(text("""
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
        SELECT s.urn, s.name, ST_X(s.location) AS lon, ST_Y(s.location) AS lat,
               ST_Distance(geography(s.location), geography(p.g)) AS distance_m
          FROM school s, p
         ORDER BY distance_m, s.urn
         LIMIT :limit"""), {"lon": lon, "lat": lat, "limit": limit})
    return [{"urn": row.urn, "name": row.name, "lon": row.lon, "lat": row.lat,
             "distance_m": float(row.distance_m)} for row in rows]


def heat_counts_by_school(db_session: Session, *, borough_id: int, resolution: int, kind: str,
                          filters: dict, scope: dict | None = None):
    """Distinct pupils per cell and school for the asked filters (for equal weighting)."""
    predicate = " AND ".join(["kind = :kind"] + [FILTER_SQL[name] for name in sorted(filters)])
    counters = _counted(filters, resolution)
    sql = f"""
        SELECT i, j, school_id,
               {"sum(pupils)" if counters else "count(DISTINCT pupil_map_id)"} AS pupils
          FROM {"cell_pupils" if counters else _cells_from(resolution)}
         WHERE borough_id = :borough_id AND resolution = :resolution AND {predicate}
               {_SCOPE_SQL.format(t="")}
         GROUP BY i, j, school_id"""  # noqa: S608 (predicates from FILTER_SQL only)
    params = {"borough_id": borough_id, "resolution": resolution, "kind": kind,
              **_scope_params(scope), **_filter_params(filters)}
    return {(row.i, row.j, row.school_id): int(row.pupils)
            for row in db_session.execute(text(sql), params)}


_CUBE_DIMENSIONS = ("this_term", "reason", "time_of_day", "band")


def _cube_sets() -> str:
    """Grouping sets: each cell with every subset of (term, reason, time, year band), and each
    cell and school with the term and every subset of the other three."""
    sets = []
    for mask in range(1 << len(_CUBE_DIMENSIONS)):
        chosen = [d for k, d in enumerate(_CUBE_DIMENSIONS) if mask >> k & 1]
        sets.append(["i", "j", *chosen])
        if "this_term" in chosen:
            sets.append(["i", "j", "school_id", *chosen])
    return ", ".join(f"({', '.join(columns)})" for columns in sets)


def filter_cube(db_session: Session, *, borough_id: int, resolution: int, kind: str, term: str,
                bands: dict[str, tuple[int, int]], min_pupils: int):
    """Distinct pupils and schools per cell for one term (and for every term) under every
    combination of one reason, one time of day and one year band, in one pass: what a term's
    heatmap questions count, one query at a time, in `heat_counts`.

    Each row has `grouped`, the names of the dimensions it is for (`this_term`, `reason`,
    `time_of_day`, `band`, `school_id`); a row for `this_term` is kept only for the term
    itself. Rows of the whole cell with fewer than `min_pupils` pupils are left out: no
    question can publish them, nor any question they are a relaxation of."""
    band_params = {}
    for k, (name, (lo, hi)) in enumerate(bands.items()):
        band_params |= {f"band{k}": name, f"lo{k}": lo, f"hi{k}": hi}
    band = " ".join(f"WHEN year_group BETWEEN :lo{k} AND :hi{k} THEN CAST(:band{k} AS text)"
                    for k in range(len(bands)))
    flags = ", ".join(f"GROUPING({d}) AS g_{d}" for d in (*_CUBE_DIMENSIONS, "school_id"))
    sql = f"""
        WITH z AS (
            SELECT i, j, pupil_map_id, school_id, term = :term AS this_term, reasons, times,
                   CASE {band} END AS band
              FROM {_cells_from(resolution)}
             WHERE borough_id = :borough_id AND resolution = :resolution AND kind = :kind)
        SELECT i, j, school_id, this_term, reason, time_of_day, band, {flags},
               count(DISTINCT pupil_map_id) AS pupils, count(DISTINCT school_id) AS schools
          FROM z LEFT JOIN LATERAL unnest(reasons) AS reason ON true
                 LEFT JOIN LATERAL unnest(times) AS time_of_day ON true
         GROUP BY GROUPING SETS ({_cube_sets()})
        HAVING GROUPING(school_id) = 0 OR count(DISTINCT pupil_map_id) >= :min_pupils
        """  # noqa: S608 (fixed column names)
    rows = db_session.execute(text(sql), {
        "borough_id": borough_id, "resolution": resolution, "kind": kind, "term": term,
        "min_pupils": min_pupils, **band_params})
    for row in rows:
        grouped = frozenset(d for d in (*_CUBE_DIMENSIONS, "school_id")
                            if not getattr(row, f"g_{d}"))
        if "this_term" in grouped and not row.this_term:
            continue
        yield grouped, row


def _filter_params(filters: dict) -> dict:
    params = {"term": None, "reason": None, "time": None, "year_from": 0, "year_to": 99}
    params.update({k: v for k, v in filters.items() if k != "years"})
    if "years" in filters:
        params["year_from"], params["year_to"] = filters["years"]
    return params


def coverage(db_session: Session, *, borough_id: int, resolution: int, filters: dict,
             scope: dict | None = None, by_school: bool = False):
    """Pupil maps whose session area covers each cell (who could have marked it), keyed by
    (i, j), or by (i, j, school_id) with `by_school`."""
    group = "c.i, c.j, c.school_id" if by_school else "c.i, c.j"
    sql = f"""
        WITH maps AS (
            SELECT session_id, count(*) AS n FROM pupil_map
             WHERE borough_id = :borough_id
               AND (CAST(:term AS text) IS NULL OR term = :term)
               AND year_group BETWEEN :year_from AND :year_to
             GROUP BY session_id)
        SELECT {group}, sum(maps.n) AS coverage
          FROM session_cell c JOIN maps ON maps.session_id = c.session_id
         WHERE c.borough_id = :borough_id AND c.resolution = :resolution
               {_SCOPE_SQL.format(t="c.")}
         GROUP BY {group}"""  # noqa: S608 (fixed column lists)
    params = {"borough_id": borough_id, "resolution": resolution,
              **_scope_params(scope), **_filter_params(filters)}
    rows = db_session.execute(text(sql), params)
    if by_school:
        return {(row.i, row.j, row.school_id): int(row.coverage) for row in rows}
    return {(row.i, row.j): int(row.coverage) for row in rows}


def hexagon_geojson(db_session: Session, resolution: int, cells: list[tuple[int, int]]):
    """Lon/lat GeoJSON of hexagons by their (i, j) index."""
    if not cells:
        return {}
    sql = f"""
        SELECT c.i, c.j, ST_AsGeoJSON(ST_Transform(ST_SetSRID(
                   ST_Hexagon(:resolution, c.i, c.j), {_srid()}), 4326), 6) AS geometry
          FROM unnest(CAST(:ii AS int[]), CAST(:jj AS int[])) AS c(i, j)"""  # noqa: S608
    rows = db_session.execute(text(sql), {"resolution": resolution,
                                          "ii": [c[0] for c in cells],
                                          "jj": [c[1] for c in cells]})
    return {(row.i, row.j): row.geometry for row in rows}


def terms_with_maps(db_session: Session, borough_id: int) -> list[str]:
    """Terms in which a borough has pupil maps, newest first."""
    found = db_session.scalars(text("SELECT DISTINCT term FROM pupil_map WHERE borough_id = :b"),
                               {"b": borough_id})
    return sorted(found, key=terms.chronological, reverse=True)


TILE_PROPERTIES = {"pupils": "int", "coverage": "int", "rate": "float8", "unsafe": "int",
                   "safe": "int", "net": "float8"}


def heat_tile(db_session: Session, *, resolution: int, cells: list[dict], z: int, x: int,
              y: int) -> bytes:
    """A Mapbox vector tile (layer 'heatmap') of published cells that touch tile z/x/y, with
    their cell index and published numbers (a number a cell lacks is left out)."""
    # One JSON parameter: psycopg adapts Python lists to arrays element by element, which cost
    # more than the tile's SQL.
    keys = ("i", "j", *TILE_PROPERTIES)
    rows = json.dumps([{key: c.get(key) for key in keys} for c in cells])
    params = {"res": resolution, "z": z, "x": x, "y": y, "cells": rows}
    return bytes(db_session.scalar(_heat_tile_sql(_srid()), params) or b"")


@lru_cache(maxsize=4)
def _heat_tile_sql(srid: int):
    columns = ", ".join(f"{name} {kind}" for name, kind in TILE_PROPERTIES.items())
    return text(f"""
        WITH cells AS (
            SELECT * FROM json_to_recordset(CAST(:cells AS json)) AS c(i int, j int, {columns})),
        shapes AS (
            SELECT c.*, ST_Transform(ST_SetSRID(ST_Hexagon(:res, c.i, c.j), {srid}), 3857)
                       AS geom
              FROM cells c),
        tile AS (
            SELECT ST_AsMVTGeom(s.geom, ST_TileEnvelope(:z, :x, :y)) AS geom, s.i, s.j,
                   {", ".join(f"s.{name}" for name in TILE_PROPERTIES)}
              FROM shapes s WHERE s.geom && ST_TileEnvelope(:z, :x, :y, margin => 0.02))
        SELECT ST_AsMVT(tile.*, 'heatmap') FROM tile""")  # noqa: S608 (fixed names; SRID: int)


def borough_bounds(db_session: Session, borough_id: int):
    """A borough's outline as GeoJSON text and its bounding box."""
    return db_session.execute(text("""
        SELECT ST_AsGeoJSON(boundary, 6) AS geometry, ST_XMin(boundary) AS west,
               ST_YMin(boundary) AS south, ST_XMax(boundary) AS east, ST_YMax(boundary) AS north
          FROM borough WHERE id = :id"""), {"id": borough_id}).one()


def report_points(db_session: Session, borough_id: int) -> dict[str, list[dict]]:
    """A borough's schools and active Safe Havens as name, lon, lat (for report maps)."""
    sql = """
        SELECT 'schools' AS layer, name, ST_X(location) AS lon, ST_Y(location) AS lat
          FROM school WHERE borough_id = :b
        UNION ALL
        SELECT 'havens', name, ST_X(location), ST_Y(location)
          FROM haven WHERE borough_id = :b AND status = 'active'
         ORDER BY 1, 2"""
    points: dict[str, list[dict]] = {"schools": [], "havens": []}
    for row in db_session.execute(text(sql), {"b": borough_id}):
        points[row.layer].append({"name": row.name, "lon": row.lon, "lat": row.lat})
    return points


def answer_counts(db_session: Session, *, borough_id: int, kind: str, column: str,
                  term: str | None, school_id: int | None = None,
                  other_than: int | None = None):
    """Pupils (and schools) giving each answer (`reasons` or `times`) for a kind of place, plus
    the row '*' for pupils who marked any place of that kind."""
    if column not in ("reasons", "times"):
        raise ValueError(column)
    sql = f"""
        SELECT CASE WHEN GROUPING(v.value) = 1 THEN '*' ELSE v.value END AS value,
               count(DISTINCT m.id) AS pupils,
               count(DISTINCT m.school_id) AS schools
          FROM zone z JOIN pupil_map m ON m.id = z.pupil_map_id
          LEFT JOIN LATERAL unnest(z.{column}) AS v(value) ON true
         WHERE m.borough_id = :b AND z.kind = :kind
           AND (CAST(:term AS text) IS NULL OR m.term = :term)
           AND (CAST(:school_id AS int) IS NULL OR m.school_id = :school_id)
           AND (CAST(:other_than AS int) IS NULL OR m.school_id <> :other_than)
         GROUP BY ROLLUP (v.value)"""  # noqa: S608 (column checked above)
    rows = db_session.execute(text(sql), {"b": borough_id, "kind": kind, "term": term,
                                          "school_id": school_id, "other_than": other_than})
    return {row.value: (int(row.pupils), int(row.schools)) for row in rows
            if row.value is not None}


def pupils_taking_part(db_session: Session, *, borough_id: int, term: str | None,
                       school_id: int | None = None, other_than: int | None = None):
    """Pupil maps and schools in scope: (maps, schools)."""
    row = db_session.execute(text("""
        SELECT count(*) AS maps, count(DISTINCT school_id) AS schools FROM pupil_map
         WHERE borough_id = :b AND (CAST(:term AS text) IS NULL OR term = :term)
           AND (CAST(:school_id AS int) IS NULL OR school_id = :school_id)
           AND (CAST(:other_than AS int) IS NULL OR school_id <> :other_than)"""),
        {"b": borough_id, "term": term, "school_id": school_id, "other_than": other_than}).one()
    return int(row.maps), int(row.schools)


def cell_at(db_session: Session, resolution: int, lon: float, lat: float) -> tuple[int, int]:
    """The (i, j) of the hexagon holding a lon/lat point."""
    row = db_session.execute(text(f"""
        WITH p AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), {_srid()})
                          AS g)
        SELECT h.i, h.j FROM p, ST_HexagonGrid(:res, ST_Expand(p.g, 1)) AS h
         ORDER BY ST_Distance(ST_Centroid(h.geom), p.g) LIMIT 1"""),  # noqa: S608 (SRID: int)
        {"lon": lon, "lat": lat, "res": resolution}).one()
    return row.i, row.j


def aggregates_version(db_session: Session) -> int:
    """A number that changes whenever any heatmap aggregate changes (a trigger bumps it)."""
    return int(db_session.scalar(text("SELECT version FROM heatmap_state WHERE id = 1")))


# --- hot-spot actions ---------------------------------------------------------------------------

_ACTION_COLUMNS = """a.id, a.borough_id, a.created_at, a.action, a.starts_on, a.ends_on, a.status,
              a.ward, a.peak_time, a.term, a.years, a.cell_m, a.significance, a.rank,
              ST_X(a.location) AS lon, ST_Y(a.location) AS lat"""


def borough_actions(db_session: Session, borough_id: int) -> list:
    """A borough's actions, newest first, with their point and outline (WKT)."""
    return db_session.execute(text(f"""
        SELECT {_ACTION_COLUMNS}, ST_AsText(a.area) AS wkt
          FROM hotspot_action a
         WHERE a.borough_id = :borough_id
         ORDER BY a.created_at DESC, a.id DESC"""),  # noqa: S608 (a fixed column list)
        {"borough_id": borough_id}).all()


def actions_near(db_session: Session, lon: float, lat: float, radius_m: float,
                 shown_since: date) -> list:
    """Actions whose point is within radius_m of lon/lat and whose end (see actions.py) is on or
    after shown_since, newest first, with the distance in metres. The box around the point
    (work CRS metres, with a margin for the projection's scale) lets the GiST index on the
    point do the first cut."""
    srid = _srid()
    return db_session.execute(text(f"""
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g),
             box AS (SELECT ST_Transform(ST_Expand(ST_Transform(p.g, {srid}), :radius + 10),
                                         4326) AS g FROM p)
        SELECT {_ACTION_COLUMNS},
               ST_Distance(geography(a.location), geography(p.g)) AS distance_m
          FROM hotspot_action a, p, box
         WHERE a.location && box.g
           AND ST_DWithin(geography(a.location), geography(p.g), :radius)
           AND COALESCE(a.ends_on, CASE WHEN a.status = 'done' THEN a.starts_on END,
                        DATE '9999-12-31') >= :since
         ORDER BY a.starts_on DESC, a.id DESC"""),  # noqa: S608 (SRID: an int from config)
        {"lon": lon, "lat": lat, "radius": radius_m, "since": shown_since}).all()


_SCHOOLS_FOR_PRINT = """
    SELECT s.id, s.urn, s.name, s.borough_id, ST_AsGeoJSON(s.location) AS location,
           ST_X(ST_Transform(s.location, {srid})) AS x, ST_Y(ST_Transform(s.location, {srid})) AS y,
           m.radius_m, m.exported_fingerprint, m.exported_at, b.code AS borough_code
      FROM school s
      JOIN borough b ON b.id = s.borough_id
      LEFT JOIN school_haven_map m ON m.school_id = s.id
     WHERE coalesce(s.status, '') NOT ILIKE 'closed%'
       AND (CAST(:borough_id AS integer) IS NULL OR s.borough_id = :borough_id)
       AND (CAST(:urns AS integer[]) IS NULL OR s.urn = ANY(:urns))
     ORDER BY s.name, s.urn
"""


def schools_for_print(db_session: Session, *, borough_id: int | None = None,
                      urns: list[int] | None = None):
    """Open schools (of a borough, or by URN) with their place in WORK_SRID metres and their
    haven-map settings and last export."""
    sql = text(_SCHOOLS_FOR_PRINT.format(srid=_srid()))  # an int from config
    return db_session.execute(sql, {"borough_id": borough_id, "urns": urns}).all()
