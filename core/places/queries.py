"""All spatial SQL of places: upserts that locate rows in boroughs, and school searches."""

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.places.models import Borough, School

_UPSERT_BOROUGH = text("""
    INSERT INTO borough (code, name, boundary)
    VALUES (:code, :name, ST_Multi(ST_GeomFromText(:wkt, 4326)))
    ON CONFLICT (code) DO UPDATE
       SET name = EXCLUDED.name, boundary = EXCLUDED.boundary, updated_at = now()
    RETURNING id, (xmax = 0) AS inserted
""")

_UPSERT_WARD = text("""
    INSERT INTO ward (code, name, borough_id, boundary)
    VALUES (:code, :name, :borough_id, ST_Multi(ST_GeomFromText(:wkt, 4326)))
    ON CONFLICT (code) DO UPDATE
       SET name = EXCLUDED.name, borough_id = EXCLUDED.borough_id, boundary = EXCLUDED.boundary
    RETURNING (xmax = 0) AS inserted
""")

_BOROUGH_UNDER_AREA = text("""
    SELECT id FROM borough
     WHERE ST_Covers(boundary, ST_PointOnSurface(ST_GeomFromText(:wkt, 4326)))
     ORDER BY id LIMIT 1
""")

_UPSERT_SCHOOL = text("""
    WITH here AS (
        SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:easting, :northing), 27700), 4326) AS geom
    ), home AS (
        SELECT b.id FROM borough b, here WHERE ST_Covers(b.boundary, here.geom)
         ORDER BY b.id LIMIT 1
    )
    INSERT INTO school (urn, name, type, phase, status, postcode, address, borough_id, location)
    SELECT :urn, :name, :type, :phase, :status, :postcode, :address, home.id, here.geom
      FROM here, home
    ON CONFLICT (urn) DO UPDATE
       SET name = EXCLUDED.name, type = EXCLUDED.type, phase = EXCLUDED.phase,
           status = EXCLUDED.status, postcode = EXCLUDED.postcode, address = EXCLUDED.address,
           borough_id = EXCLUDED.borough_id, location = EXCLUDED.location
    RETURNING (xmax = 0) AS inserted
""")

_UPSERT_POSTCODE = text("""
    INSERT INTO postcode (postcode, location)
    VALUES (:postcode, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ON CONFLICT (postcode) DO UPDATE SET location = EXCLUDED.location
""")

_ASSIGN_POSTCODE_BOROUGHS = text("""
    UPDATE postcode p
       SET borough_id = (SELECT b.id FROM borough b WHERE ST_Covers(b.boundary, p.location)
                          ORDER BY b.id LIMIT 1)
     WHERE p.location && (SELECT ST_Extent(boundary) FROM borough WHERE code = ANY(:codes))
        OR p.borough_id IN (SELECT id FROM borough WHERE code = ANY(:codes))
        OR (:all_postcodes AND p.borough_id IS NULL)
""")


def upsert_borough(db_session: Session, *, code: str, name: str, wkt: str) -> bool:
    """Insert or update a borough by code; True when it was new."""
    return db_session.execute(_UPSERT_BOROUGH, {"code": code, "name": name, "wkt": wkt}
                              ).one().inserted


def upsert_ward(db_session: Session, *, code: str, name: str, borough_id: int, wkt: str) -> bool:
    """Insert or update a ward by code; True when it was new."""
    params = {"code": code, "name": name, "borough_id": borough_id, "wkt": wkt}
    return db_session.execute(_UPSERT_WARD, params).one().inserted


def borough_id_by_code(db_session: Session, code: str) -> int | None:
    """The id of the borough with this code."""
    return db_session.scalar(select(Borough.id).where(Borough.code == code))


def borough_id_under(db_session: Session, wkt: str) -> int | None:
    """The borough that holds a point inside the given area."""
    return db_session.scalar(_BOROUGH_UNDER_AREA, {"wkt": wkt})


def upsert_school(db_session: Session, row) -> bool | None:
    """Insert or update a school by URN, located in its borough; None when in no borough."""
    params = {k: getattr(row, k) for k in ("urn", "name", "type", "phase", "status",
                                           "postcode", "address", "easting", "northing")}
    result = db_session.execute(_UPSERT_SCHOOL, params).one_or_none()
    return None if result is None else result.inserted


def upsert_postcodes(db_session: Session, batch: list[dict]) -> None:
    """Insert or update a batch of postcodes ({postcode, lon, lat})."""
    if batch:
        db_session.execute(_UPSERT_POSTCODE, batch)


def assign_postcode_boroughs(db_session: Session, codes: list[str],
                             all_postcodes: bool = False) -> None:
    """Recompute the borough of postcodes in (or formerly in) the given boroughs."""
    db_session.execute(_ASSIGN_POSTCODE_BOROUGHS, {"codes": codes, "all_postcodes": all_postcodes})


def postcode_location(db_session: Session, postcode: str):
    """A postcode with its lon/lat and borough code, if imported."""
    return db_session.execute(text("""
        SELECT p.postcode, ST_X(p.location) AS lon, ST_Y(p.location) AS lat, b.code AS borough
          FROM postcode p LEFT JOIN borough b ON b.id = p.borough_id
         WHERE p.postcode = :postcode"""), {"postcode": postcode}).one_or_none()


def boroughs(db_session: Session, with_boundary: bool = False):
    """Every borough with its bounding box (and boundary as GeoJSON when asked)."""
    columns = [Borough.code, Borough.name,
               func.ST_XMin(Borough.boundary).label("west"),
               func.ST_YMin(Borough.boundary).label("south"),
               func.ST_XMax(Borough.boundary).label("east"),
               func.ST_YMax(Borough.boundary).label("north")]
    if with_boundary:
        columns.append(func.ST_AsGeoJSON(Borough.boundary, 6).label("geometry"))
    return db_session.execute(select(*columns).order_by(Borough.name)).all()


def _school_columns():
    return [School.urn, School.name, School.phase, School.type, School.status, School.address,
            School.postcode, Borough.code.label("borough"),
            func.ST_X(School.location).label("lon"), func.ST_Y(School.location).label("lat")]


def search_schools(db_session: Session, *, borough: str | None, bbox, name: str | None,
                   include_closed: bool, limit: int, offset: int):
    """Schools matching the filters, by name, with the total count before paging."""
    query = select(*_school_columns()).join(Borough, Borough.id == School.borough_id)
    if borough:
        query = query.where(Borough.code == borough)
    if bbox:
        query = query.where(School.location.ST_Intersects(
            func.ST_MakeEnvelope(bbox[0], bbox[1], bbox[2], bbox[3], 4326)))
    if name:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(School.name.ilike(f"%{escaped}%", escape="\\"))
    if not include_closed:
        query = query.where(func.coalesce(School.status, "").notilike("closed%"))
    total = db_session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db_session.execute(query.order_by(School.name, School.urn).limit(limit)
                              .offset(offset)).all()
    return rows, total


def school_by_urn(db_session: Session, urn: int):
    """One school with its borough code and lon/lat."""
    query = select(*_school_columns()).join(Borough, Borough.id == School.borough_id)
    return db_session.execute(query.where(School.urn == urn)).one_or_none()


def existing_postcodes(db_session: Session, postcodes: list[str]) -> set[str]:
    """Which of these postcodes are already imported."""
    rows = db_session.execute(text("SELECT postcode FROM postcode WHERE postcode = ANY(:codes)"),
                              {"codes": postcodes})
    return {row.postcode for row in rows}


_OUTLINES_IN = """
    WITH frame AS (SELECT ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, {srid}) AS w)
    SELECT kind, name, ST_AsBinary(ST_Intersection(ST_Transform(boundary, {srid}), frame.w)) AS wkb
      FROM (SELECT 'borough' AS kind, name, boundary FROM borough
            UNION ALL SELECT 'ward', name, boundary FROM ward) AS outline, frame
     WHERE boundary && ST_Transform(frame.w, 4326)
       AND ST_Intersects(ST_Transform(boundary, {srid}), frame.w)
     ORDER BY kind DESC, name
"""


def outlines_in(db_session: Session, bounds: tuple[float, float, float, float], srid: int):
    """Borough and ward boundaries inside a frame given in `srid`, clipped to it and in it,
    as (kind, name, WKB) rows: wards first, then boroughs."""
    minx, miny, maxx, maxy = bounds
    sql = text(_OUTLINES_IN.format(srid=int(srid)))  # an int from config
    return db_session.execute(sql, {"minx": minx, "miny": miny, "maxx": maxx,
                                    "maxy": maxy}).all()
