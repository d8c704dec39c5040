"""All of the OGC layer's SQL: reading the `ogc` views as the OGC role, and publishing heat
cells and hot spots into the tables behind them."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import (
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from mapping.ogc import collections
from mapping.ogc.crs import Crs
from mapping.ogc.models import Publication, PublishedHeatCell, PublishedHotSpot
from mapping.ogc.params import Bbox

ROLE = "safehavens_ogc"
VIEWS = MetaData(schema="ogc")  # not the app's metadata: migrations create these as views
SQL_TYPES = {"string": String, "integer": Integer, "number": Float, "date": Date}


def _view(collection: collections.Collection) -> Table:
    key_type = String if collection.id_type is str else Integer
    columns = [Column("id", key_type, primary_key=True), Column("geometry", String)]
    columns += [Column(name, SQL_TYPES[attribute.type])  # opening_hours: JSON text in the view
                for name, attribute in collection.attributes.items()]
    return Table(collection.id, VIEWS, *columns)


TABLES = {name: _view(collection) for name, collection in collections.ALL.items()}


def table(collection: collections.Collection) -> Table:
    """The view a collection reads."""
    return TABLES[collection.id]


@contextmanager
def reading_as_ogc(db_session: Session) -> Iterator[None]:
    """Run the enclosed reads as the OGC role, which can read the `ogc` views and nothing else."""
    with db_session.begin_nested():
        db_session.execute(text(f"SET LOCAL ROLE {ROLE}"))
        yield
        db_session.execute(text("RESET ROLE"))


def geometry_json(view: Table, crs: Crs, digits: int) -> ColumnElement:
    """A feature's geometry as GeoJSON text in the CRS asked for (lat, lon for EPSG:4326)."""
    moved = func.ST_Transform(view.c.geometry, crs.srid)
    if crs.lat_first:
        moved = func.ST_FlipCoordinates(moved)
    return func.ST_AsGeoJSON(moved, digits, 0)  # options 0: no "crs" member (RFC 7946)


def _envelope(west: float, south: float, east: float, north: float, srid: int) -> ColumnElement:
    return func.ST_MakeEnvelope(west, south, east, north, srid)


def in_bbox(view: Table, box: Bbox) -> ColumnElement:
    """Features whose geometry meets the box (a lon/lat box may cross the antimeridian)."""
    geometry = func.ST_Transform(view.c.geometry, box.crs.srid)
    if box.west <= box.east:
        return func.ST_Intersects(geometry, _envelope(box.west, box.south, box.east, box.north,
                                                      box.crs.srid))
    return or_(func.ST_Intersects(geometry, _envelope(box.west, box.south, 180, box.north, 4326)),
               func.ST_Intersects(geometry, _envelope(-180, box.south, box.east, box.north,
                                                      4326)))


def intersects_wkt(view: Table, wkt: str, srid: int) -> ColumnElement:
    """Features whose geometry meets a WKT geometry given in a CRS (x, y axis order)."""
    return func.ST_Intersects(func.ST_Transform(view.c.geometry, srid),
                              func.ST_GeomFromText(wkt, srid))


def in_period(view: Table, first: date | None, last: date | None) -> ColumnElement:
    """Features whose term overlaps the inclusive period (open ends allowed)."""
    conditions = []
    if last is not None:
        conditions.append(view.c.term_start <= last)
    if first is not None:
        conditions.append(view.c.term_end >= first)
    return and_(True, *conditions)


def page(db_session: Session, view: Table, where: list[ColumnElement], *, crs: Crs,
         digits: int, limit: int, offset: int) -> list:
    """One page of features, in a stable order, with their geometry as GeoJSON text."""
    columns = [c for c in view.c if c.name != "geometry"]
    query = (select(*columns, geometry_json(view, crs, digits).label("geometry"))
             .where(*where).order_by(view.c.id).limit(limit).offset(offset))
    return db_session.execute(query).all()


def matched(db_session: Session, view: Table, where: list[ColumnElement]) -> int:
    """How many features match."""
    return int(db_session.scalar(select(func.count()).select_from(view).where(*where)))


def one(db_session: Session, view: Table, where: list[ColumnElement], *, crs: Crs,
        digits: int):
    """The one matching feature, or None."""
    rows = page(db_session, view, where, crs=crs, digits=digits, limit=1, offset=0)
    return rows[0] if rows else None


def extent(db_session: Session, view: Table, where: list[ColumnElement],
           temporal: bool) -> tuple[list[float] | None, list[str | None] | None]:
    """The lon/lat bounding box of the matching features, and their first and last days."""
    box = func.ST_Extent(func.ST_Transform(view.c.geometry, 4326))
    columns = [func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)]
    if temporal:
        columns += [func.min(view.c.term_start), func.max(view.c.term_end)]
    row = db_session.execute(select(*columns).select_from(view).where(*where)).one()
    bbox = None if row[0] is None else [round(float(v), 6) for v in row[:4]]
    interval = None
    if temporal:
        interval = [None if v is None else f"{v.isoformat()}T00:00:00Z" for v in row[4:6]]
    return bbox, interval


# --- publishing (as the app's own role) --------------------------------------------------------

def publication(db_session: Session, borough_id: int, collection: str) -> Publication | None:
    """The borough's publication record for a collection, locked until the transaction ends;
    None while another transaction holds it (it is being rebuilt)."""
    db_session.execute(text("""
        INSERT INTO ogc_publication (borough_id, collection, version, refreshed_at)
        VALUES (:b, :c, -1, now()) ON CONFLICT DO NOTHING"""),
                       {"b": borough_id, "c": collection})
    return db_session.scalars(select(Publication).where(
        Publication.borough_id == borough_id, Publication.collection == collection)
        .with_for_update(skip_locked=True)).one_or_none()


def publication_state(db_session: Session, borough_id: int, collection: str):
    """The borough's publication record for a collection (version, refreshed_at), unlocked."""
    return db_session.execute(select(Publication.version, Publication.refreshed_at).where(
        Publication.borough_id == borough_id, Publication.collection == collection)
    ).one_or_none()


def replace_heat_cells(db_session: Session, borough_id: int, rows: list[dict],
                       work_srid: int) -> None:
    """Replace a borough's published cells; each row names its cell by size and (i, j)."""
    db_session.execute(delete(PublishedHeatCell).where(PublishedHeatCell.borough_id == borough_id))
    if not rows:
        return
    db_session.execute(text(f"""
        INSERT INTO published_heat_cell (borough_id, term, cell_m, i, j, term_start, term_end,
               unsafe_pupils, safe_pupils, coverage, unsafe_rate, safe_rate, net, geometry)
        SELECT :borough_id, :term, :cell_m, :i, :j, :term_start, :term_end, :unsafe_pupils,
               :safe_pupils, :coverage, :unsafe_rate, :safe_rate, :net,
               ST_SetSRID(ST_Hexagon(:cell_m, :i, :j), {int(work_srid)})"""),
        [{"borough_id": borough_id, **row} for row in rows])


def replace_hotspots(db_session: Session, borough_id: int, rows: list[dict],
                     work_srid: int) -> None:
    """Replace a borough's published hot-spot areas; each outline is the union of its cells."""
    db_session.execute(delete(PublishedHotSpot).where(PublishedHotSpot.borough_id == borough_id))
    if not rows:
        return
    db_session.execute(text(f"""
        INSERT INTO published_hotspot (borough_id, term, cell_m, rank, term_start, term_end,
               confidence, peak_z, pupils, schools, top_reasons, peak_time, visits, cells,
               area_ha, ward, nearest_haven, haven_distance_m, haven_open_at_peak, geometry)
        SELECT :borough_id, :term, :cell_m, :rank, :term_start, :term_end, :confidence, :peak_z,
               :pupils, :schools, :top_reasons, :peak_time, :visits, :cells, :area_ha, :ward,
               :nearest_haven, :haven_distance_m, :haven_open_at_peak,
               ST_Multi(ST_Union(ST_SetSRID(ST_Hexagon(:cell_m, c.i, c.j), {int(work_srid)})))
          FROM unnest(CAST(:ii AS int[]), CAST(:jj AS int[])) AS c(i, j)"""),  # noqa: S608
        [{"borough_id": borough_id, **row} for row in rows])
