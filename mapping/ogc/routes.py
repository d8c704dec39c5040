"""GET /ogc/...: OGC API - Features (Parts 1, 2 and 3) over the `ogc` views, JSON or HTML."""

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, json, render_template, request, url_for
from flask_login import current_user

from core import db
from core.errors import OGC_PREFIX
from mapping.ogc import crs as crs_
from mapping.ogc import openapi, params, publishing, service
from mapping.ogc.collections import Collection

ogc = Blueprint("ogc", __name__, url_prefix=OGC_PREFIX)
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
]
READ_ONLY = {"methods": ["GET"], "provide_automatic_options": False}


ogc.teardown_request(publishing.start_pending)


@ogc.before_request
def _refuse_bad_credentials():
    """A token in the address is refused before anything else (it would end up in logs); a
    token that matches nobody is refused, not silently treated as anonymous."""
    params.refuse_tokens(request.args)
    if request.headers.get("Authorization") and not current_user.is_authenticated:
        raise service.challenge()


def _choices() -> list[crs_.Crs]:
    return crs_.supported(current_app.config["WORK_SRID"])


def _html_wanted(args) -> bool:
    wanted = params.wanted_format(args)
    if wanted:
        return wanted == "html"
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML]) == HTML


def _link(href: str, rel: str, media: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": media}
    if title:
        link["title"] = title
    return link


def _self_links(endpoint: str, media: str, **values) -> list[dict]:
    return [_link(url_for(endpoint, _external=True, **values, f="json"), "self", media),
            _link(url_for(endpoint, _external=True, **values, f="html"), "alternate", HTML,
                  "This page as HTML")]


def _link_header(links: list[dict]) -> str:
    """The paging and format links as an HTTP Link header (RFC 8288)."""
    return ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"; type="{link["type"]}"'
                     for link in links
                     if link["rel"] in ("self", "alternate", "next", "prev", QUERYABLES_REL))


def _answer(body: dict, media: str, *, restricted: bool, caller_dependent: bool = False,
            headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), mimetype=media)
    _cache_headers(response, restricted=restricted, caller_dependent=caller_dependent)
    response.headers.update(headers or {})
    return response


def _page(template: str, *, restricted: bool, caller_dependent: bool = False,
          **context) -> Response:
    response = Response(render_template(template, **context), mimetype=HTML)
    _cache_headers(response, restricted=restricted, caller_dependent=caller_dependent)
    return response


def _cache_headers(response: Response, *, restricted: bool, caller_dependent: bool) -> None:
    """Restricted answers are never stored; answers that depend on who asks vary by it."""
    if restricted or (caller_dependent and current_user.is_authenticated):
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response.headers["Cache-Control"] = "public, max-age=60"
    vary = ["Accept"] + (["Authorization", "Cookie"] if restricted or caller_dependent else [])
    response.headers["Vary"] = ", ".join(vary)
    if not restricted:  # web maps elsewhere may read the public layers (never with credentials)
        response.headers["Access-Control-Allow-Origin"] = "*"


@ogc.route("", **READ_ONLY)
@ogc.route("/", **READ_ONLY)
def landing():
    """Links to the API description, the conformance classes and the collections."""
    params.check_known(request.args, params.OTHER)
    links = [
        *_self_links("ogc.landing", JSON),
        _link(url_for("ogc.api", _external=True), "service-desc", openapi.OPENAPI_TYPE,
              "The API definition (OpenAPI 3.0)"),
        _link(url_for("ogc.conformance", _external=True, f="json"), "conformance", JSON,
              "Standards this API meets"),
        _link(url_for("ogc.collections_list", _external=True, f="json"), "data", JSON,
              "The collections"),
    ]
    body = {"title": "Safe Havens OGC API - Features",
            "description": "Safe Havens and schools for anyone; the published heatmap and "
                           "hot spots for police and council planners (with an API token).",
            "links": links}
    if _html_wanted(request.args):
        return _page("ogc/landing.html", restricted=False, body=body)
    return _answer(body, JSON, restricted=False)


@ogc.route("/conformance", **READ_ONLY)
def conformance():
    """The conformance classes this API implements."""
    params.check_known(request.args, params.OTHER)
    body = {"conformsTo": CONFORMANCE}
    if _html_wanted(request.args):
        return _page("ogc/conformance.html", restricted=False, body=body)
    return _answer(body, JSON, restricted=False)


@ogc.route("/api", **READ_ONLY)
def api():
    """The OpenAPI 3.0 document, listing only the collections the caller may read."""
    params.check_known(request.args, ())
    document = openapi.document(url_for("ogc.landing", _external=True).rstrip("/"),
                                service.visible(current_user))
    return _answer(document, openapi.OPENAPI_TYPE, restricted=False, caller_dependent=True)


def _describe(found: Collection, extent: dict) -> dict:
    cid = found.id
    choices = _choices()
    described = {
        "id": cid, "title": found.title, "description": found.description,
        "keywords": list(found.keywords), "itemType": "feature", "extent": extent,
        "crs": [c.uri for c in choices],
        "storageCrs": crs_.epsg(current_app.config["WORK_SRID"]).uri if found.in_work_crs
        else crs_.CRS84_URI,
        "links": [
            *_self_links("ogc.collection", JSON, collection_id=cid),
            _link(url_for("ogc.items", collection_id=cid, _external=True, f="json"), "items",
                  GEOJSON, "The features as GeoJSON"),
            _link(url_for("ogc.items", collection_id=cid, _external=True, f="html"), "items",
                  HTML, "The features as HTML"),
            _link(url_for("ogc.queryables", collection_id=cid, _external=True, f="json"),
                  QUERYABLES_REL, SCHEMA_JSON,
                  "Attributes a filter may use"),
            _link(url_for("ogc.schema", collection_id=cid, _external=True, f="json"),
                  SCHEMA_REL, SCHEMA_JSON, "The features' attributes and their types"),
            _link(url_for("ogc.feature_schema", collection_id=cid, _external=True),
                  "describedby", SCHEMA_JSON, "A JSON Schema of one feature"),
        ],
    }
    return described


def _collection_reader(collection_id: str) -> service.Reader:
    found = service.collection_for(current_user, collection_id)
    return service.reader(db.session(), current_user, found)


@ogc.route("/collections", **READ_ONLY)
def collections_list():
    """The collections the caller may read (anonymous callers see the public ones only)."""
    params.check_known(request.args, params.OTHER)
    described = []
    for found in service.visible(current_user):
        found_reader = service.reader(db.session(), current_user, found)
        described.append(_describe(found, service.extent(db.session(), found_reader)))
    body = {"links": _self_links("ogc.collections_list", JSON), "collections": described}
    if _html_wanted(request.args):
        return _page("ogc/collections.html", restricted=False, caller_dependent=True, body=body)
    return _answer(body, JSON, restricted=False, caller_dependent=True)


@ogc.route("/collections/<collection_id>", **READ_ONLY)
def collection(collection_id: str):
    """One collection: what it holds, its extent, CRSs and links."""
    params.check_known(request.args, params.OTHER)
    found = _collection_reader(collection_id)
    body = _describe(found.collection, service.extent(db.session(), found))
    restricted = found.collection.restricted
    if _html_wanted(request.args):
        return _page("ogc/collection.html", restricted=restricted, body=body,
                     collection=found.collection)
    return _answer(body, JSON, restricted=restricted)


def _json_schema(found: Collection, endpoint: str, attributes: dict, *,
                 with_id: bool) -> dict:
    """A JSON Schema of a collection's features: the geometry and the given attributes."""
    properties = {"geometry": {"format": found.geometry, "x-ogc-role": "primary-geometry"}}
    if with_id:
        properties["id"] = {"type": "string" if found.id_type is str else "integer",
                            "x-ogc-role": "id", "title": "Id"}
    for name, attribute in attributes.items():
        schema = {"type": "string", "format": "date"} if attribute.type == "date" \
            else {"type": attribute.type}
        properties[name] = {"title": attribute.title, **schema}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": url_for(endpoint, collection_id=found.id, _external=True),
            "type": "object", "title": found.title, "properties": properties,
            "additionalProperties": False}


def _schema_answer(collection_id: str, endpoint: str, *, queryable_only: bool,
                   heading: str) -> Response:
    params.check_known(request.args, params.OTHER)
    found = service.collection_for(current_user, collection_id)
    attributes = found.queryables() if queryable_only else found.attributes
    body = _json_schema(found, endpoint, attributes, with_id=not queryable_only)
    if _html_wanted(request.args):
        return _page("ogc/schema.html", restricted=found.restricted, body=body,
                     collection=found, heading=heading, for_filters=queryable_only)
    return _answer(body, SCHEMA_JSON, restricted=found.restricted)


@ogc.route("/collections/<collection_id>/queryables", **READ_ONLY)
def queryables(collection_id: str):
    """The attributes a CQL2 filter may use, as a JSON Schema."""
    return _schema_answer(collection_id, "ogc.queryables", queryable_only=True,
                          heading="What a filter may use")


@ogc.route("/collections/<collection_id>/schema", **READ_ONLY)
def schema(collection_id: str):
    """Every attribute of the features with its type, so GIS clients need not guess a column's
    type from a first page of empty values."""
    return _schema_answer(collection_id, "ogc.schema", queryable_only=False,
                          heading="Attributes and their types")


@ogc.route("/collections/<collection_id>/feature-schema", **READ_ONLY)
def feature_schema(collection_id: str):
    """A JSON Schema of one GeoJSON feature of the collection (the `describedby` link), from
    which GDAL, and so QGIS and ogr2ogr, take each column's type."""
    params.check_known(request.args, params.OTHER)
    params.wanted_format(request.args)
    found = service.collection_for(current_user, collection_id)
    flat = _json_schema(found, "ogc.feature_schema", found.attributes, with_id=False)
    attributes = {name: value for name, value in flat["properties"].items()
                  if name != "geometry"}
    body = {"$schema": flat["$schema"], "$id": flat["$id"], "title": found.title,
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string" if found.id_type is str else "integer"},
                "geometry": {"type": "object"},
                "properties": {"type": "object", "properties": attributes},
                "links": {"type": "array"}}}
    return _answer(body, SCHEMA_JSON, restricted=found.restricted)


def _page_links(cid: str, query: params.ItemsQuery, returned: int, total: int) -> list[dict]:
    kept = {name: value for name, value in request.args.items()
            if name not in ("offset", "f", "limit")}
    here = {**kept, "limit": query.limit}

    def at(offset: int, media_format: str) -> str:
        return url_for("ogc.items", collection_id=cid, _external=True, **here,
                       offset=offset, f=media_format)

    links = [_link(at(query.offset, "json"), "self", GEOJSON),
             _link(at(query.offset, "html"), "alternate", HTML, "This page as HTML")]
    if query.offset + returned < total:
        links.append(_link(at(query.offset + query.limit, "json"), "next", GEOJSON,
                           "Next page"))
    if query.offset > 0:
        links.append(_link(at(max(query.offset - query.limit, 0), "json"), "prev", GEOJSON,
                           "Previous page"))
    links.append(_link(url_for("ogc.collection", collection_id=cid, _external=True, f="json"),
                       "collection", JSON, "The collection"))
    links.append(_link(url_for("ogc.queryables", collection_id=cid, _external=True, f="json"),
                       QUERYABLES_REL, SCHEMA_JSON, "Attributes a filter may use"))
    return links


@ogc.route("/collections/<collection_id>/items", **READ_ONLY)
def items(collection_id: str):
    """A page of features matching bbox, datetime and filter, in the CRS asked for."""
    found = _collection_reader(collection_id)
    query = params.items_query(request.args, _choices())
    features, total = service.items(db.session(), found, query)
    cid = found.collection.id
    for feature in features:
        feature["links"] = [_link(url_for("ogc.item", collection_id=cid,
                                          feature_id=feature["id"], _external=True, f="json"),
                                  "self", GEOJSON)]
    body = {"type": "FeatureCollection", "features": features,
            "links": _page_links(cid, query, len(features), total),
            "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "numberMatched": total, "numberReturned": len(features)}
    restricted = found.collection.restricted
    if _html_wanted(request.args):
        return _page("ogc/items.html", restricted=restricted, body=body,
                     collection=found.collection, query=query)
    return _answer(body, GEOJSON, restricted=restricted,
                   headers={"Content-Crs": crs_.header_value(query.crs),
                            "Link": _link_header(body["links"])})


@ogc.route("/collections/<collection_id>/items/<feature_id>", **READ_ONLY)
def item(collection_id: str, feature_id: str):
    """One feature, in the CRS asked for."""
    found = _collection_reader(collection_id)
    wanted_crs = params.item_crs(request.args, _choices())
    feature = service.item(db.session(), found, feature_id, wanted_crs)
    cid = found.collection.id
    feature["links"] = [
        *_self_links("ogc.item", GEOJSON, collection_id=cid, feature_id=feature_id),
        _link(url_for("ogc.collection", collection_id=cid, _external=True, f="json"),
              "collection", JSON, "The collection")]
    restricted = found.collection.restricted
    if _html_wanted(request.args):
        return _page("ogc/item.html", restricted=restricted, feature=feature,
                     collection=found.collection)
    return _answer(feature, GEOJSON, restricted=restricted,
                   headers={"Content-Crs": crs_.header_value(wanted_crs)})

