"""Who may read which collection, and reading features from the `ogc` views as the OGC role."""

import json
import re
from dataclasses import dataclass
from datetime import date

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.auth import has_role
from core.errors import Forbidden, NotFound, Unauthenticated
from core.places.models import Borough
from havens import hours
from mapping.ogc import collections, filters, publishing, queries
from mapping.ogc.crs import CRS84_URI, Crs
from mapping.ogc.params import ItemsQuery

CHALLENGE = 'Bearer realm="Safe Havens OGC API", Basic realm="Safe Havens OGC API"'
READERS = ("planner",)  # and admins
MAX_ID = 2**31 - 1
PLAIN_ID = re.compile(r"^[1-9][0-9]{0,9}$")


def may_read(user, collection: collections.Collection) -> bool:
    """Whether the user may read the collection (restricted ones: planners and admins)."""
    return not collection.restricted or has_role(user, *READERS)


def visible(user) -> list[collections.Collection]:
    """The collections the user may read, in a fixed order."""
    return [c for c in collections.ALL.values() if may_read(user, c)]


def challenge() -> Unauthenticated:
    """A 401 that tells GIS clients to send the token (ArcGIS sends it only when asked)."""
    return Unauthenticated("Send your API token: Authorization: Bearer <token>, or Basic with "
                           "the token as the password.", headers={"WWW-Authenticate": CHALLENGE})


def collection_for(user, collection_id: str) -> collections.Collection:
    """The collection, if it exists and the user may read it (401 anonymous, 403 others)."""
    found = collections.ALL.get(collection_id)
    if found is None:
        raise NotFound(f"There is no collection called {collection_id[:60]!r}.")
    if not may_read(user, found):
        if not user.is_authenticated:
            raise challenge()
        raise Forbidden("Heat cells and hot spots are for police and council planners.")
    return found


@dataclass(frozen=True)
class Reader:
    """A caller's view of one collection: which boroughs' rows."""

    collection: collections.Collection
    borough_ids: list[int]  # the boroughs whose restricted rows the caller sees
    borough_codes: list[str] | None  # None: every borough

    @property
    def view(self):
        """The `ogc` view this collection reads."""
        return queries.table(self.collection)

    def scope(self) -> list:
        """Conditions limiting rows to the caller's boroughs."""
        if self.borough_codes is None:
            return []
        return [self.view.c.borough.in_(self.borough_codes)]


def reader(db_session: Session, user, collection: collections.Collection) -> Reader:
    """The caller's reader: a planner sees their own borough's restricted rows, admins all."""
    if not collection.restricted:
        return Reader(collection, [], None)
    if user.role == "planner":
        borough = db_session.get(Borough, user.borough_id)
        return Reader(collection, [borough.id], [borough.code])
    ids = list(db_session.scalars(select(Borough.id).order_by(Borough.id)))
    return Reader(collection, ids, None)


def publish_if_stale(db_session: Session, found: Reader) -> None:
    """Bring the published copy of a restricted collection up to date for the caller."""
    if found.collection.id in publishing.PUBLISHED:
        for borough_id in found.borough_ids:
            publishing.ensure_current(db_session, borough_id, found.collection.id)


def digits(crs: Crs) -> int:
    """Decimals kept: 7 for degrees (about 1 cm), 6 for metres."""
    return 7 if crs.srid == 4326 else 6


def _filter_clause(found: Reader, text: str, filter_crs: Crs):
    view = found.view
    queryables = found.collection.queryables()

    def intersects(geometry: shapely.Geometry):
        if filter_crs.lat_first:
            geometry = shapely.transform(geometry, lambda coords: coords[:, ::-1])
        return queries.intersects_wkt(view, geometry.wkt, filter_crs.srid)

    return filters.to_clause(text, columns={name: view.c[name] for name in queryables},
                             types={name: a.type for name, a in queryables.items()},
                             intersects=intersects)


def conditions(found: Reader, query: ItemsQuery) -> list:
    """Everything a request asks for, plus the caller's borough scope."""
    view = found.view
    where = found.scope()
    if query.bbox is not None:
        where.append(queries.in_bbox(view, query.bbox))
    if query.period is not None and found.collection.temporal:
        where.append(queries.in_period(view, *query.period))
    if query.filter is not None:
        where.append(_filter_clause(found, query.filter, query.filter_crs))
    return where


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def feature(collection: collections.Collection, row) -> dict:
    """A view row as a GeoJSON feature (links are added by the caller)."""
    values = row._mapping
    properties = {name: _plain(values[name]) for name in collection.attributes}
    if "opening_hours" in properties:
        properties["opening_hours"] = hours.to_osm(hours.from_json(values["opening_hours"]))
    return {"type": "Feature", "id": values["id"], "geometry": json.loads(values["geometry"]),
            "properties": properties}


def items(db_session: Session, found: Reader, query: ItemsQuery) -> tuple[list[dict], int]:
    """One page of features and how many match in all."""
    where = conditions(found, query)  # a bad filter is refused before any publishing
    publish_if_stale(db_session, found)
    with queries.reading_as_ogc(db_session):
        total = queries.matched(db_session, found.view, where)
        rows = queries.page(db_session, found.view, where, crs=query.crs,
                            digits=digits(query.crs), limit=query.limit, offset=query.offset)
    return [feature(found.collection, row) for row in rows], total


def item(db_session: Session, found: Reader, feature_id: str, crs: Crs) -> dict:
    """One feature by id, or 404."""
    key = feature_id
    if found.collection.id_type is int:  # one spelling per feature: no "+7", "07" or " 7"
        key = int(feature_id) if PLAIN_ID.match(feature_id) else None
        if key is not None and key > MAX_ID:  # ids are positive PostgreSQL integers
            key = None
    publish_if_stale(db_session, found)
    row = None
    if key is not None:
        where = [*found.scope(), found.view.c.id == key]
        with queries.reading_as_ogc(db_session):
            row = queries.one(db_session, found.view, where, crs=crs, digits=digits(crs))
    if row is None:
        raise NotFound(f"There is no feature {feature_id[:60]!r} in {found.collection.id}.")
    return feature(found.collection, row)


def extent(db_session: Session, found: Reader) -> dict:
    """The collection's extent as the caller sees it: lon/lat box and, if any, time span."""
    publish_if_stale(db_session, found)
    with queries.reading_as_ogc(db_session):
        box, interval = queries.extent(db_session, found.view, found.scope(),
                                       found.collection.temporal)
    described = {"spatial": {"bbox": [box or [-180.0, -90.0, 180.0, 90.0]],
                             "crs": CRS84_URI}}
    if found.collection.temporal:
        described["temporal"] = {"interval": [interval or [None, None]],
                                 "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return described
