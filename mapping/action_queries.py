"""The spatial SQL of hot-spot actions: listing a borough's actions and finding those near a
school."""

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.geo import work_srid

_COLUMNS = """a.id, a.borough_id, a.created_at, a.action, a.starts_on, a.ends_on, a.status,
              a.ward, a.peak_time, a.term, a.years, a.cell_m, a.significance, a.rank,
              ST_X(a.location) AS lon, ST_Y(a.location) AS lat"""


def borough_actions(db_session: Session, borough_id: int) -> list:
    """A borough's actions, newest first, with their point and outline (WKT)."""
    return db_session.execute(text(f"""
        SELECT {_COLUMNS}, ST_AsText(a.area) AS wkt
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
    srid = int(work_srid())
    return db_session.execute(text(f"""
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g),
             box AS (SELECT ST_Transform(ST_Expand(ST_Transform(p.g, {srid}), :radius + 10),
                                         4326) AS g FROM p)
        SELECT {_COLUMNS},
               ST_Distance(geography(a.location), geography(p.g)) AS distance_m
          FROM hotspot_action a, p, box
         WHERE a.location && box.g
           AND ST_DWithin(geography(a.location), geography(p.g), :radius)
           AND COALESCE(a.ends_on, CASE WHEN a.status = 'done' THEN a.starts_on END,
                        DATE '9999-12-31') >= :since
         ORDER BY a.starts_on DESC, a.id DESC"""),  # noqa: S608 (SRID: an int from config)
        {"lon": lon, "lat": lat, "radius": radius_m, "since": shown_since}).all()
