"""All spatial SQL of the haven registry: locating, nearest, duplicates, due lists, prospects."""

from datetime import date
from functools import lru_cache

from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from core.geo import work_srid
from core.places.models import Borough, School, Ward
from havens.models import Haven


def point(lon: float, lat: float):
    """A lon/lat point expression (EPSG:4326)."""
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def _geog(expression):
    return func.geography(expression)


def _work(expression):
    """The geometry in WORK_SRID metres. The SRID is written into the SQL, not bound, so the
    planner can match the expression indexes on haven (see models.Haven)."""
    return func.ST_Transform(expression, literal_column(str(int(work_srid()))))


def borough_at(db_session: Session, lon: float, lat: float) -> Borough | None:
    """The borough that covers a point."""
    return db_session.scalar(select(Borough).where(
        func.ST_Covers(Borough.boundary, point(lon, lat))).order_by(Borough.id).limit(1))


def lon_lat(db_session: Session, haven_id: int) -> tuple[float, float]:
    """Where a haven is."""
    row = db_session.execute(select(func.ST_X(Haven.location), func.ST_Y(Haven.location))
                             .where(Haven.id == haven_id)).one()
    return row[0], row[1]


def locations(db_session: Session, haven_ids: list[int]) -> dict[int, tuple[float, float]]:
    """Lon/lat of several havens."""
    rows = db_session.execute(select(Haven.id, func.ST_X(Haven.location),
                                     func.ST_Y(Haven.location)).where(Haven.id.in_(haven_ids)))
    return {row[0]: (row[1], row[2]) for row in rows}


def havens_near(db_session: Session, lon: float, lat: float, radius_m: float,
                exclude_id: int | None = None) -> list[Haven]:
    """Havens within a radius (metres), any status."""
    query = select(Haven).where(func.ST_DWithin(_work(Haven.location),
                                                _work(point(lon, lat)), radius_m))
    if exclude_id is not None:
        query = query.where(Haven.id != exclude_id)
    return list(db_session.scalars(query))


def nearest_active(db_session: Session, lon: float, lat: float, limit: int):
    """Active havens nearest a point, with straight-line distance in metres (index-assisted:
    ordered in WORK_SRID metres, distance reported on the spheroid)."""
    here = point(lon, lat)
    distance = func.ST_Distance(_geog(Haven.location), _geog(here)).label("distance_m")
    query = (select(Haven, distance, func.ST_X(Haven.location).label("lon"),
                    func.ST_Y(Haven.location).label("lat"))
             .where(Haven.status == "active")
             .order_by(_work(Haven.location).op("<->")(_work(here))).limit(limit))
    return db_session.execute(query).all()


_NEAREST_PUBLIC = """
    SELECT h.id, h.name, h.business_type, h.address, h.postcode,
           CAST(h.opening_hours AS text) AS opening_hours,
           (SELECT b.code FROM borough b WHERE b.id = h.borough_id) AS borough,
           ST_X(h.location) AS lon, ST_Y(h.location) AS lat,
           ST_Distance(geography(h.location),
                       geography(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))) AS distance_m
      FROM haven h
     WHERE h.status = 'active'
     ORDER BY ST_Transform(h.location, {srid})
              <-> ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), {srid})
     LIMIT :limit
"""


@lru_cache(maxsize=4)
def _nearest_public_sql(srid: int):
    return text(_NEAREST_PUBLIC.format(srid=srid))


def nearest_public(db_session: Session, lon: float, lat: float, limit: int):
    """What the public finder shows of the active havens nearest a point, in one statement:
    public columns, opening hours as stored JSON text, borough code, lon/lat and distance in
    metres (ordered as nearest_active, by the KNN index)."""
    sql = _nearest_public_sql(int(work_srid()))  # an int from config
    return db_session.execute(sql, {"lon": lon, "lat": lat, "limit": limit}).all()


def filtered(*, status=None, borough_id=None, bbox=None, due_before: date | None = None,
             name: str | None = None) -> Select:
    """A select of havens matching list filters."""
    query = select(Haven)
    if status:
        query = query.where(Haven.status.in_(status))
    if borough_id is not None:
        query = query.where(Haven.borough_id == borough_id)
    if bbox:
        query = query.where(Haven.location.ST_Intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    if due_before:
        query = query.where(Haven.next_visit_due <= due_before)
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Haven.name.ilike(f"%{escaped}%", escape="\\"))
    return query


def page(db_session: Session, query: Select, limit: int, offset: int):
    """One page of a haven query (by name) with the total count."""
    total = db_session.scalar(select(func.count()).select_from(query.subquery()))
    havens = list(db_session.scalars(query.order_by(Haven.name, Haven.id)
                                     .limit(limit).offset(offset)))
    return havens, total


def due(db_session: Session, *, due_by: date, borough_id: int | None,
        near: tuple[float, float] | None):
    """Active or lapsed havens due by a date, nearest first (from `near`) or by ward and date."""
    ward = (select(Ward.name).where(func.ST_Covers(Ward.boundary, Haven.location))
            .order_by(Ward.id).limit(1).scalar_subquery().label("ward"))
    columns = [Haven, ward]
    if near:
        columns.append(func.ST_Distance(_geog(Haven.location), _geog(point(*near)))
                       .label("distance_m"))
    query = (select(*columns).where(Haven.status.in_(("active", "lapsed")),
                                    Haven.next_visit_due <= due_by))
    if borough_id is not None:
        query = query.where(Haven.borough_id == borough_id)
    order = ([text("distance_m")] if near
             else [text("ward NULLS LAST"), Haven.next_visit_due, Haven.name])
    return db_session.execute(query.order_by(*order)).all()


_LAPSE = text("""
    UPDATE haven
       SET status = 'lapsed', status_reason = :reason, status_changed_on = :today,
           updated_at = now()
     WHERE status = 'active' AND next_visit_due < :cutoff
    RETURNING id, borough_id, name
""")


def lapse_overdue(db_session: Session, *, cutoff: date, today: date, reason: str):
    """Mark active havens whose visit was due before the cutoff as lapsed; returns them."""
    return db_session.execute(_LAPSE, {"cutoff": cutoff, "today": today, "reason": reason}).all()


_PROSPECTS_NEAR_SCHOOLS = """
    SELECT s.urn, s.name AS school, p.id, p.name, p.business_type, p.address, p.postcode,
           round(ST_Distance(geography(p.location), geography(s.location))) AS distance_m
      FROM school s
      CROSS JOIN LATERAL (
            SELECT h.* FROM haven h
             WHERE h.status = 'prospect'
               AND ST_DWithin(ST_Transform(h.location, {srid}), ST_Transform(s.location, {srid}),
                              :radius_m)
             ORDER BY ST_Transform(h.location, {srid}) <-> ST_Transform(s.location, {srid})
             LIMIT :per_school) p
     WHERE s.borough_id = :borough_id
       AND coalesce(s.status, '') NOT ILIKE 'closed%'
     ORDER BY s.name, distance_m
"""


def prospects_near_schools(db_session: Session, *, borough_id: int, per_school: int,
                           radius_m: float):
    """For each open school of a borough, the nearest prospects (not yet havens) within a radius."""
    params = {"borough_id": borough_id, "per_school": per_school, "radius_m": radius_m}
    sql = text(_PROSPECTS_NEAR_SCHOOLS.format(srid=int(work_srid())))  # an int from config
    return db_session.execute(sql, params).all()


def school_location(db_session: Session, urn: int) -> tuple[float, float] | None:
    """Lon/lat of a school."""
    row = db_session.execute(select(func.ST_X(School.location), func.ST_Y(School.location))
                             .where(School.urn == urn)).one_or_none()
    return None if row is None else (row[0], row[1])


_UPSERT_PROSPECT = text("""
    INSERT INTO haven (borough_id, name, business_type, address, postcode, location,
                       opening_hours, status, source, source_id, status_changed_on,
                       sticker_displayed, sells_knives, responsible_retailer_signed)
    SELECT b.id, :name, :business_type, :address, :postcode, ST_SetSRID(ST_MakePoint(:lon, :lat),
           4326), CAST(:opening_hours AS jsonb), 'prospect', :source, :source_id, :today,
           false, false, false
      FROM borough b
     WHERE ST_Covers(b.boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
     ORDER BY b.id LIMIT 1
    ON CONFLICT (source, source_id) DO UPDATE
       SET name = EXCLUDED.name, business_type = EXCLUDED.business_type,
           address = EXCLUDED.address, postcode = EXCLUDED.postcode,
           location = EXCLUDED.location, borough_id = EXCLUDED.borough_id, updated_at = now()
    RETURNING (xmax = 0) AS inserted
""")


def upsert_prospect(db_session: Session, params: dict) -> bool | None:
    """Insert or update a business by its source id; None when it is in no borough."""
    row = db_session.execute(_UPSERT_PROSPECT, params).one_or_none()
    return None if row is None else row.inserted


_BOROUGH_IDS = text("SELECT code, id FROM borough")  # every planner's request asks


def borough_ids_by_code(db_session: Session) -> dict[str, int]:
    """Borough ids by code."""
    return dict(db_session.execute(_BOROUGH_IDS).all())


_ACTIVE_NEAR_SHAPE = """
    WITH g AS (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:shape), 4326), {srid}) AS w)
    SELECT h.id, h.name, h.address, h.postcode, h.opening_hours,
           ST_X(ST_Transform(h.location, {srid})) AS x, ST_Y(ST_Transform(h.location, {srid})) AS y,
           round(ST_Distance(ST_Transform(h.location, {srid}), g.w)) AS distance_m
      FROM haven h, g
     WHERE h.status = 'active' AND ST_DWithin(ST_Transform(h.location, {srid}), g.w, :radius_m)
     ORDER BY distance_m, h.id
     LIMIT :limit
"""


def active_near_shape(db_session: Session, shape_geojson: str, radius_m: float,
                      limit: int | None = None):
    """Active havens within a distance (metres, WORK_SRID) of a lon/lat GeoJSON geometry,
    nearest first, with their place (x, y) in WORK_SRID; at most `limit` when given."""
    sql = text(_ACTIVE_NEAR_SHAPE.format(srid=int(work_srid())))  # an int from config
    return db_session.execute(sql, {"shape": shape_geojson, "radius_m": radius_m,
                                    "limit": limit}).all()


_PROSPECTS_NEAR = """
    WITH g AS (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:shape), 4326), {srid}) AS w)
    SELECT h.id, h.name, h.business_type, h.address, h.postcode, h.opening_hours,
           round(ST_Distance(ST_Transform(h.location, {srid}), g.w)) AS distance_m
      FROM haven h, g
     WHERE h.status = 'prospect' AND ST_DWithin(ST_Transform(h.location, {srid}), g.w, :radius_m)
     ORDER BY distance_m, h.id
     LIMIT :limit
"""


def prospects_near_shape(db_session: Session, shape_geojson: str, radius_m: float, limit: int):
    """The prospects (not yet havens) nearest a lon/lat GeoJSON geometry, within a distance."""
    sql = text(_PROSPECTS_NEAR.format(srid=int(work_srid())))  # an int from config
    return db_session.execute(sql, {"shape": shape_geojson, "radius_m": radius_m,
                                    "limit": limit}).all()


def open_schools(db_session: Session, borough_id: int):
    """A borough's open schools with their location as GeoJSON, by name."""
    return db_session.execute(text("""
        SELECT urn, name, ST_AsGeoJSON(location) AS location FROM school
         WHERE borough_id = :b AND coalesce(status, '') NOT ILIKE 'closed%'
         ORDER BY name, urn"""), {"b": borough_id}).all()

