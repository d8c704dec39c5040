"""The OGC API's OpenAPI 3.0 document, listing only the collections the caller may read (pure).

Everything is defined here, with local `$ref`s only, so offline validators and clients never
fetch a schema from elsewhere.
"""

from mapping.ogc import params
from mapping.ogc.collections import Collection
from mapping.ogc.params import DEFAULT_LIMIT, MAX_LIMIT

OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"
GEOJSON = "application/geo+json"


def _query(name: str, schema: dict, description: str, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "style": "form", "explode": False, "description": description, **extra}


PARAMETERS = {
    "f": _query("f", {"type": "string", "enum": ["json", "html"]},
                "Answer as JSON (GeoJSON for features) or as an HTML page."),
    "bbox": _query("bbox", {"type": "array", "minItems": 4, "maxItems": 6,
                            "items": {"type": "number"}},
                   "Only features meeting this box: lower corner then upper corner, in the "
                   "axis order of bbox-crs (CRS84: lon, lat)."),
    "bbox-crs": _query("bbox-crs", {"type": "string", "format": "uri"},
                       "The CRS of bbox (default CRS84)."),
    "crs": _query("crs", {"type": "string", "format": "uri"},
                  "The CRS of the answer's geometries (default CRS84)."),
    "limit": _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                              "default": DEFAULT_LIMIT},
                    f"Features per page (larger values are cut to {MAX_LIMIT})."),
    "offset": _query("offset", {"type": "integer", "minimum": 0, "default": 0},
                     "Features to skip (the next link sets it for you)."),
    "datetime": _query("datetime", {"type": "string"},
                       "Only features whose term meets this date, date-time or interval "
                       "(RFC 3339, e.g. 2026-09-01/2026-12-31 or 2026-10-01/..)."),
    "filter": _query("filter", {"type": "string"},
                     "A CQL2 text filter on the queryables, e.g. term = '2026-autumn' AND "
                     "cell_m = 150, or S_INTERSECTS(geometry, BBOX(-0.05, 51.44, -0.01, 51.47))."),
    "filter-lang": _query("filter-lang", {"type": "string", "enum": ["cql2-text"],
                                          "default": "cql2-text"}, "The filter language."),
    "filter-crs": _query("filter-crs", {"type": "string", "format": "uri"},
                         "The CRS of geometries in the filter (default CRS84)."),
    "featureId": {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string"}, "description": "The feature's id."},
}
ITEM_PARAMETERS = list(params.ITEMS)

SCHEMAS = {
    "exception": {"type": "object", "required": ["code"], "properties": {
        "code": {"type": "string"}, "description": {"type": "string"},
        "status": {"type": "integer"}}},
    "link": {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}}},
    "featureCollection": {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"$ref": "#/components/schemas/feature"}},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0}}},
    "feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": {"type": "object", "nullable": True},
        "properties": {"type": "object", "nullable": True},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}}}},
    "document": {"type": "object"},
}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _answer(description: str, media: str, schema: str) -> dict:
    content = {media: {"schema": _ref("schemas", schema)}, "text/html": {"schema":
                                                                        {"type": "string"}}}
    return {"description": description, "content": content}


ERRORS = {
    "400": {"description": "A parameter is unknown or its value is wrong.",
            "content": {"application/json": {"schema": _ref("schemas", "exception")}}},
    "404": {"description": "No such collection or feature.",
            "content": {"application/json": {"schema": _ref("schemas", "exception")}}},
}
RESTRICTED_ERRORS = {
    "401": {"description": "Send your API token (Bearer, or Basic with the token as password).",
            "content": {"application/json": {"schema": _ref("schemas", "exception")}}},
    "403": {"description": "Planners and admins only.",
            "content": {"application/json": {"schema": _ref("schemas", "exception")}}},
}


def _operation(summary: str, operation_id: str, parameters: list[str], answer: dict,
               restricted: bool, tags: list[str]) -> dict:
    operation = {"summary": summary, "operationId": operation_id, "tags": tags,
                 "parameters": [_ref("parameters", name) for name in parameters],
                 "responses": {"200": answer, **ERRORS}}
    if restricted:
        operation["security"] = [{"bearerAuth": []}, {"basicAuth": []}]
        operation["responses"].update(RESTRICTED_ERRORS)
    return operation


def _collection_paths(collection: Collection) -> dict:
    cid, tags = collection.id, [collection.title]
    restricted = collection.restricted
    return {
        f"/collections/{cid}": {"get": _operation(
            f"About {collection.title}", f"describe_{cid}", ["f"],
            _answer("The collection", "application/json", "document"), restricted, tags)},
        f"/collections/{cid}/queryables": {"get": _operation(
            f"Attributes a filter on {collection.title} may use", f"queryables_{cid}", ["f"],
            _answer("A JSON Schema of the queryables", "application/schema+json", "document"),
            restricted, tags)},
        f"/collections/{cid}/schema": {"get": _operation(
            f"Every attribute of {collection.title} with its type", f"schema_{cid}", ["f"],
            _answer("A JSON Schema of the features' attributes", "application/schema+json",
                    "document"), restricted, tags)},
        f"/collections/{cid}/feature-schema": {"get": _operation(
            f"A JSON Schema of one GeoJSON feature of {collection.title}",
            f"feature_schema_{cid}", [],
            {"description": "A JSON Schema of one feature", "content": {
                "application/schema+json": {"schema": _ref("schemas", "document")}}},
            restricted, tags)},
        f"/collections/{cid}/items": {"get": _operation(
            f"Features of {collection.title}", f"items_{cid}", ITEM_PARAMETERS,
            _answer("A page of features", GEOJSON, "featureCollection"), restricted, tags)},
        f"/collections/{cid}/items/{{featureId}}": {"get": _operation(
            f"One feature of {collection.title}", f"item_{cid}", ["featureId", *params.ITEM],
            _answer("The feature", GEOJSON, "feature"), restricted, tags)},
    }


def document(base_url: str, collections: list[Collection]) -> dict:
    """The OpenAPI document for these collections, served from base_url (the /ogc root)."""
    server = ["Server"]
    paths = {
        "/": {"get": _operation("Landing page", "landing", ["f"],
                                _answer("Links to everything", "application/json", "document"),
                                False, server)},
        "/conformance": {"get": _operation(
            "Conformance classes", "conformance", ["f"],
            _answer("The standards this API meets", "application/json", "document"), False,
            server)},
        "/api": {"get": {"summary": "This document", "operationId": "api", "tags": server,
                         "responses": {"200": {"description": "OpenAPI 3.0", "content": {
                             OPENAPI_TYPE: {"schema": _ref("schemas", "document")}}}}}},
        "/collections": {"get": _operation(
            "The collections you may read", "collections", ["f"],
            _answer("The collections", "application/json", "document"), False, server)},
    }
    for collection in collections:
        paths.update(_collection_paths(collection))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Safe Havens OGC API - Features", "version": "1.0.0",
                 "description": "Safe Havens, schools and, for planners, the published "
                                "heatmap and hot spots, for GIS tools such as QGIS and "
                                "ArcGIS Pro. Pupils' own drawings are never published.",
                 "license": {"name": "Open Government Licence v3.0 (schools: DfE register)",
                             "url": "https://www.nationalarchives.gov.uk/doc/"
                                    "open-government-licence/version/3/"}},
        "servers": [{"url": base_url}],
        "tags": [{"name": name} for name in server + [c.title for c in collections]],
        "paths": paths,
        "components": {
            "parameters": PARAMETERS, "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"},
                                "basicAuth": {"type": "http", "scheme": "basic",
                                              "description": "Any user name; the API token "
                                                             "as the password."}}},
    }
