"""All spatial SQL of safety mapping: session areas, storing zones, class results and grids."""

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.geo import work_srid
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


def expired_map_ids(db_session: Session, older_than) -> list[int]:
    """Pupil maps submitted before a moment."""
    return list(db_session.scalars(select(PupilMap.id).where(PupilMap.submitted_at < older_than)))
