"""Places over HTTP: the public boroughs/schools API and the schools map page."""

import geojson
from flask import Blueprint, current_app, render_template, request, url_for
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import RAISE

from core import db
from core.maps import MapAssets, add_outline, add_point, base_map, map_parts, text_popup
from core.places import schemas, services
from core.responses import geojson_response, point_feature, wants_geojson

api_blp = ApiBlueprint("places_api", __name__, url_prefix="/api/v1",
                       description="Boroughs and schools (public).")
pages = Blueprint("places", __name__)


def geojson_doc(kind: str) -> dict:
    """OpenAPI: the same 200 answer also comes as GeoJSON when asked for."""
    return {"responses": {"200": {"content": {"application/geo+json": {"schema": {
        "type": "object", "description": f"GeoJSON {kind} (?format=geojson or "
                                         "Accept: application/geo+json)"}}}}}}


def _school_dict(row) -> dict:
    return {**row._asdict(), "lon": round(row.lon, 6), "lat": round(row.lat, 6)}


def _school_feature(row) -> geojson.Feature:
    props = {key: getattr(row, key) for key in schemas.SCHOOL_PROPERTIES}
    return point_feature(row.lon, row.lat, props, feature_id=row.urn)


@api_blp.route("/boroughs")
@api_blp.arguments(schemas.StrictQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.response(200, schemas.Borough(many=True))
@api_blp.doc(**geojson_doc("FeatureCollection"))
def list_boroughs(**_query):
    """Boroughs with their bounding boxes; GeoJSON gives their boundaries."""
    geo = wants_geojson()
    rows = services.boroughs(db_session=db.session(), with_boundary=geo)
    if geo:
        return geojson_response(geojson.FeatureCollection([
            geojson.Feature(geometry=geojson.loads(r.geometry), id=r.code,
                            properties={"code": r.code, "name": r.name}) for r in rows]))
    return [{"code": r.code, "name": r.name, "bbox": [r.west, r.south, r.east, r.north]}
            for r in rows]


@api_blp.route("/schools")
@api_blp.arguments(schemas.SchoolQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.response(200, schemas.SchoolPage)
@api_blp.doc(**geojson_doc("FeatureCollection"))
def list_schools(borough=None, bbox=None, name=None, include_closed=False, limit=100,
                 offset=0, **_rest):
    """Schools, filtered by borough, bounding box and name (open schools unless asked)."""
    rows, total = services.search_schools(
        db_session=db.session(), borough=borough, bbox=bbox, name=name,
        include_closed=include_closed, limit=limit, offset=offset)
    if wants_geojson():
        collection = geojson.FeatureCollection([_school_feature(r) for r in rows])
        collection["numberMatched"], collection["numberReturned"] = total, len(rows)
        return geojson_response(collection)
    return {"items": [_school_dict(r) for r in rows], "total": total, "limit": limit,
            "offset": offset}


@api_blp.route("/schools/<int:urn>")
@api_blp.arguments(schemas.StrictQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.response(200, schemas.School)
@api_blp.doc(**geojson_doc("Feature"))
def get_school(urn: int, **_query):
    """One school by its URN."""
    row = services.school_or_raise(db_session=db.session(), urn=urn)
    if wants_geojson():
        return geojson_response(_school_feature(row))
    return _school_dict(row)


@api_blp.route("/postcodes/<string:postcode>")
@api_blp.arguments(schemas.StrictQuery, location="query", as_kwargs=True, unknown=RAISE)
@api_blp.response(200, schemas.PostcodeLocation)
def locate_postcode(postcode: str, **_query):
    """Where a postcode is (for placing things on a map without a geocoding service)."""
    row = services.locate_postcode(db_session=db.session(), postcode=postcode)
    return {"postcode": row.postcode, "lon": round(row.lon, 6), "lat": round(row.lat, 6),
            "borough": row.borough}


def map_assets() -> MapAssets:
    """Our self-hosted Leaflet files."""
    return MapAssets(leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
                     leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
                     jquery_js=url_for("static", filename="vendor/jquery/jquery.min.js"))


def _schools_map(rows, boroughs=()):
    config = current_app.config
    lats, lons = [r.lat for r in rows], [r.lon for r in rows]
    center = (sum(lats) / len(lats), sum(lons) / len(lons)) if rows else (51.5, -0.1)
    bounds = [[min(lats), min(lons)], [max(lats), max(lons)]] if len(rows) > 1 else None
    fmap = base_map(center=center, zoom=14 if rows else 10, tile_url=config["TILE_URL"],
                    attribution=config["TILE_ATTRIBUTION"], assets=map_assets(), bounds=bounds)
    for borough in boroughs:
        add_outline(fmap, geometry=geojson.loads(borough.geometry), label=borough.name)
    for row in rows:
        link = (url_for("places.school_page", urn=row.urn), "School page")
        add_point(fmap, lat=row.lat, lon=row.lon, label=row.name, kind="school",
                  popup=text_popup(row.name, row.phase or "", row.address or "",
                                   row.postcode or "", link=link))
    return map_parts(fmap)


MAP_LIMIT = 1000


@pages.route("/schools")
def schools_page():
    """A map and a list of schools, searchable by name and borough."""
    name = (request.args.get("name") or "").strip()[:100] or None
    boroughs = services.boroughs(db_session=db.session(), with_boundary=True)
    chosen = request.args.get("borough") or None
    if chosen not in {b.code for b in boroughs}:
        chosen = None
    rows, total = services.search_schools(db_session=db.session(), name=name, borough=chosen,
                                          limit=MAP_LIMIT)
    outlines = [b for b in boroughs if chosen in (None, b.code)]
    return render_template("places/schools.html", schools=rows, total=total, name=name or "",
                           boroughs=boroughs, chosen=chosen, limit=MAP_LIMIT,
                           map=_schools_map(rows, outlines))


@pages.route("/schools/<int:urn>")
def school_page(urn: int):
    """One school's page."""
    row = services.school_or_raise(db_session=db.session(), urn=urn)
    return render_template("places/school.html", school=row, map=_schools_map([row]))
