"""The OGC API - Features at /ogc end to end: Part 1 (landing page, conformance, collections,
items with bbox, paging and datetime, single items, GeoJSON and HTML, OpenAPI), Part 2 (crs,
bbox-crs), Part 3 (queryables, CQL2 text filters), tokens and roles, and the database role the
layer reads as."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.accounts import services as accounts
from core.audit.models import AuditEvent
from mapping import terms
from mapping.ogc.models import PublishedHeatCell
from mapping.ogc.queries import ROLE
from tests.mapping.ogc.conftest import (
    HAVEN_GRID,
    OGC_BOROUGH,
    OTHER_BOROUGH,
    api_token_for,
    basic,
    bearer,
)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"
GEOJSON = "application/geo+json"
PUBLIC = ["havens", "schools"]
RESTRICTED = ["heat_cells", "hotspots"]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ITEMS = "/ogc/collections/havens/items"
HEAT = "/ogc/collections/heat_cells/items"


# --- helpers -------------------------------------------------------------------------------------

def ok(response, media: str = GEOJSON) -> dict:
    """The JSON body of a 200 answer of that media type."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == media
    return response.get_json(force=True)


def problem(response, status: int) -> dict:
    """The OGC exception body ({"code", "description"}) of an error answer."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] and body["description"]
    return body


def link(body: dict, rel: str) -> str | None:
    """The href of the body's first link with that rel."""
    return next((item["href"] for item in body["links"] if item["rel"] == rel), None)


def query_of(href: str) -> dict:
    """A link's query parameters, one value each."""
    return {name: values[0] for name, values in parse_qs(urlsplit(href).query).items()}


def ids(body: dict) -> list:
    return [feature["id"] for feature in body["features"]]


def every_page(client, first: str, headers: dict | None = None) -> tuple[list, list[dict]]:
    """Follow next links from `first`; the features of every page and each page's body."""
    features, pages, href = [], [], first
    while href:
        body = ok(client.get(href, headers=headers or {}))
        pages.append(body)
        features += body["features"]
        href = link(body, "next")
        assert len(pages) < 100, "next links never end"
    return features, pages


def haven_ids_inside(west: float, south: float, east: float, north: float, world) -> set[int]:
    """The active grid havens inside a lon/lat box."""
    return {haven_id for haven_id, (lon, lat) in world.active.items()
            if west <= lon <= east and south <= lat <= north}


def to_bng(db_session, lon: float, lat: float) -> tuple[float, float]:
    """A lon/lat point in British National Grid, as PostGIS transforms it."""
    row = db_session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 4326), "
        "27700) AS p"), {"x": lon, "y": lat}).one()
    return float(row[0]), float(row[1])


@pytest.fixture
def planner(db_session, haven_world) -> dict:
    """Bearer headers of a planner of the test borough."""
    return bearer(api_token_for(db_session, "planner", "planner@example.org",
                                borough_code=OGC_BOROUGH))


@pytest.fixture
def heat_planner(db_session, heat_world) -> dict:
    """Bearer headers of a planner of the borough with published heat cells and hot spots."""
    return bearer(api_token_for(db_session, "planner", "planner@example.org",
                                borough_code=OGC_BOROUGH))


# --- Part 1: landing page, conformance, OpenAPI --------------------------------------------------

def test_the_landing_page_links_to_the_api_description_conformance_and_collections(client):
    body = ok(client.get("/ogc"), "application/json")
    assert body["title"]
    rels = {item["rel"]: item for item in body["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["href"].endswith("/ogc/api")
    assert rels["service-desc"]["type"].startswith("application/vnd.oai.openapi+json")
    assert urlsplit(rels["data"]["href"]).path == "/ogc/collections"
    assert urlsplit(rels["conformance"]["href"]).path == "/ogc/conformance"
    assert client.get("/ogc/").status_code == 200


def test_conformance_declares_core_geojson_html_openapi_crs_and_filter_classes(client):
    classes = ok(client.get("/ogc/conformance"), "application/json")["conformsTo"]
    base = "http://www.opengis.net/spec/"
    for suffix in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson",
                   "ogcapi-features-1/1.0/conf/html", "ogcapi-features-1/1.0/conf/oas30",
                   "ogcapi-features-2/1.0/conf/crs", "ogcapi-features-3/1.0/conf/queryables",
                   "ogcapi-features-3/1.0/conf/filter", "cql2/1.0/conf/cql2-text",
                   "cql2/1.0/conf/basic-spatial-functions"):
        assert base + suffix in classes


@pytest.mark.parametrize("path", ["/ogc", "/ogc/conformance", "/ogc/collections",
                                  "/ogc/collections/havens", "/ogc/collections/havens/queryables",
                                  ITEMS])
def test_every_resource_is_an_html_page_when_asked_by_f_or_by_accept(client, haven_world, path):
    by_f = client.get(f"{path}?f=html")
    by_accept = client.get(path, headers={"Accept": "text/html,application/xhtml+xml"})
    for response in (by_f, by_accept):
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        assert "<html" in response.get_data(as_text=True).lower()
    assert client.get(f"{path}?f=json").mimetype != "text/html"
    assert client.get(path, headers={"Accept": "application/json"}).mimetype != "text/html"


def test_an_unknown_format_is_refused(client):
    assert problem(client.get("/ogc/collections?f=xml"), 400)["code"] == "invalid_input"


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: dict, ref: str):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_openapi_document_is_openapi_3_with_only_local_references(client, haven_world):
    response = client.get("/ogc/api")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.oai.openapi+json"
    document = response.get_json(force=True)
    assert document["openapi"].startswith("3.0")
    refs = _refs(document)
    assert refs, "the document uses no $ref at all"
    assert all(ref.startswith("#/") for ref in refs), [r for r in refs if not r.startswith("#/")]
    for ref in refs:
        assert _resolve(document, ref) is not None
    for cid in PUBLIC:
        items = document["paths"][f"/collections/{cid}/items"]["get"]
        names = {_resolve(document, p["$ref"])["name"] for p in items["parameters"]}
        assert {"bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "filter",
                "filter-lang"} <= names


def test_a_planner_s_openapi_document_describes_the_restricted_collections_with_security(
        client, planner):
    document = ok(client.get("/ogc/api", headers=planner),
                  "application/vnd.oai.openapi+json")
    for cid in RESTRICTED:
        operation = document["paths"][f"/collections/{cid}/items"]["get"]
        assert {"bearerAuth", "basicAuth"} <= {name for entry in operation["security"]
                                                for name in entry}
        assert {"401", "403"} <= set(operation["responses"])
    assert {"bearerAuth", "basicAuth"} <= set(document["components"]["securitySchemes"])


# --- Part 1: collections and queryables ----------------------------------------------------------

def test_anonymous_callers_see_the_public_collections_with_extent_and_crs(client, haven_world):
    body = ok(client.get("/ogc/collections"), "application/json")
    assert [c["id"] for c in body["collections"]] == PUBLIC
    havens = body["collections"][0]
    west = min(lon for lon, _ in HAVEN_GRID)
    north = max(lat for _, lat in HAVEN_GRID)
    assert havens["extent"]["spatial"]["bbox"][0] == pytest.approx(
        [west, min(lat for _, lat in HAVEN_GRID), max(lon for lon, _ in HAVEN_GRID), north],
        abs=1e-6)
    assert havens["crs"][0] == CRS84 and {EPSG4326, BNG} <= set(havens["crs"])
    assert havens["storageCrs"] == CRS84
    assert havens["itemType"] == "feature"
    rels = {(item["rel"], item["type"]) for item in havens["links"]}
    assert {("items", GEOJSON), ("items", "text/html"),
            (QUERYABLES_REL, "application/schema+json")} <= rels


def test_one_collection_is_described_as_in_the_list(client, haven_world):
    listed = ok(client.get("/ogc/collections"), "application/json")["collections"][1]
    single = ok(client.get("/ogc/collections/schools"), "application/json")
    assert single == listed
    assert single["extent"]["spatial"]["bbox"][0] == pytest.approx([0.0, 51.45, 0.008, 51.455],
                                                                   abs=1e-6)


def test_restricted_collections_are_stored_in_british_national_grid_and_have_a_time_extent(
        client, heat_world, heat_planner):
    body = ok(client.get("/ogc/collections", headers=heat_planner), "application/json")
    assert [c["id"] for c in body["collections"]] == PUBLIC + RESTRICTED
    first, last = terms.period(heat_world.term)
    for described in body["collections"][2:]:
        assert described["storageCrs"] == BNG
        assert described["extent"]["temporal"]["interval"] == [
            [f"{first.isoformat()}T00:00:00Z", f"{last.isoformat()}T00:00:00Z"]]
        west, south, east, north = described["extent"]["spatial"]["bbox"][0]
        assert -0.03 < west < east < 0.03 and 51.42 < south < north < 51.48


def test_queryables_are_a_json_schema_of_the_filterable_public_attributes(client, haven_world):
    body = ok(client.get("/ogc/collections/havens/queryables"), "application/schema+json")
    assert body["type"] == "object" and body["$schema"].startswith("https://json-schema.org/")
    assert set(body["properties"]) == {"geometry", "name", "business_type", "address",
                                       "postcode", "borough"}
    assert body["properties"]["geometry"]["format"] == "geometry-point"
    assert body["properties"]["name"]["type"] == "string"


def test_heat_cell_queryables_type_their_numbers_and_dates(client, heat_world, heat_planner):
    body = ok(client.get("/ogc/collections/heat_cells/queryables", headers=heat_planner),
              "application/schema+json")
    props = body["properties"]
    assert props["cell_m"]["type"] == "integer" and props["net"]["type"] == "number"
    assert props["term_start"] == {"title": props["term_start"]["title"], "type": "string",
                                   "format": "date"}


# --- Part 1: items -------------------------------------------------------------------------------

def test_items_are_a_geojson_page_with_counts_time_stamp_and_links(client, haven_world):
    response = client.get(ITEMS)
    body = ok(response)
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == 20 and body["numberReturned"] == 10 == len(body["features"])
    assert TIMESTAMP.match(body["timeStamp"])
    assert ids(body) == sorted(haven_world.active)[:10]
    assert query_of(link(body, "next"))["offset"] == "10"
    assert link(body, "prev") is None
    assert link(body, "collection") and link(body, QUERYABLES_REL)
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    assert 'rel="next"' in response.headers["Link"]
    feature = body["features"][0]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == pytest.approx(
        list(haven_world.active[feature["id"]]), abs=1e-7)


def test_one_item_has_its_self_and_collection_links(client, haven_world):
    haven_id = sorted(haven_world.active)[3]
    response = client.get(f"{ITEMS}/{haven_id}")
    feature = ok(response)
    assert feature["type"] == "Feature" and feature["id"] == haven_id
    assert feature["properties"]["name"] == "Grid Haven 03"
    assert feature["properties"]["opening_hours"] == "Mo-Fr 08:00-18:00"
    assert urlsplit(link(feature, "self")).path == f"{ITEMS}/{haven_id}"
    assert urlsplit(link(feature, "collection")).path == "/ogc/collections/havens"
    assert response.headers["Content-Crs"] == f"<{CRS84}>"


def test_schools_are_items_whose_id_is_the_urn(client, haven_world):
    body = ok(client.get("/ogc/collections/schools/items"))
    assert ids(body) == [100001, 100002]
    birch = ok(client.get("/ogc/collections/schools/items/100002"))
    assert birch["properties"]["name"] == "Birch Academy"
    assert birch["properties"]["phase"] == "Secondary"


def test_the_items_and_item_pages_show_the_features(client, haven_world):
    page = client.get(f"{ITEMS}?f=html&limit=3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Grid Haven 01" in html and "Grid Haven 02" in html
    assert "3 of 20" in html and "Next page" in html
    single = client.get(f"{ITEMS}/{sorted(haven_world.active)[5]}",
                        headers={"Accept": "text/html"})
    assert single.mimetype == "text/html" and "Grid Haven 05" in single.get_data(as_text=True)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/ogc", "/ogc/api", "/ogc/collections", ITEMS,
                                  f"{ITEMS}/1", "/ogc/collections/heat_cells/items"])
def test_the_api_is_read_only(client, haven_world, method, path):
    response = client.open(path, method=method, json={"name": "x"})
    assert response.status_code == 405
    assert "POST" not in response.headers.get("Allow", "")


def test_head_is_answered_like_get_without_a_body(client, haven_world):
    response = client.head(ITEMS)
    assert response.status_code == 200 and response.mimetype == GEOJSON
    assert response.get_data() == b""


# --- bbox ----------------------------------------------------------------------------------------

BOX = (-0.0125, 51.4435, 0.0005, 51.4505)  # lon/lat: 3 columns x 2 rows of the grid


def test_bbox_in_crs84_keeps_the_features_inside(client, haven_world):
    body = ok(client.get(f"{ITEMS}?bbox={','.join(map(str, BOX))}&limit=100"))
    expected = haven_ids_inside(*BOX, haven_world)
    assert len(expected) == 6
    assert set(ids(body)) == expected and body["numberMatched"] == 6


def test_a_bbox_in_epsg_4326_is_read_as_latitude_then_longitude(client, haven_world):
    west, south, east, north = BOX
    lat_lon = f"{south},{west},{north},{east}"
    body = ok(client.get(f"{ITEMS}?bbox={lat_lon}&bbox-crs={EPSG4326}&limit=100"))
    assert set(ids(body)) == haven_ids_inside(*BOX, haven_world)
    # The same numbers read as lon, lat would be in the Gulf of Guinea: nothing there.
    assert ok(client.get(f"{ITEMS}?bbox={lat_lon}"))["numberMatched"] == 0
    short_form = ok(client.get(f"{ITEMS}?bbox={lat_lon}&bbox-crs=[EPSG:4326]&limit=100"))
    assert set(ids(short_form)) == set(ids(body))


def test_a_bbox_in_british_national_grid(client, db_session, haven_world):
    west, south, east, north = BOX
    x0, y0 = to_bng(db_session, west, south)
    x1, y1 = to_bng(db_session, east, north)
    box = f"{min(x0, x1)},{min(y0, y1)},{max(x0, x1)},{max(y0, y1)}"
    body = ok(client.get(f"{ITEMS}?bbox={box}&bbox-crs={BNG}&limit=100"))
    assert set(ids(body)) == haven_ids_inside(*BOX, haven_world)


def test_a_six_number_bbox_ignores_the_heights(client, haven_world):
    west, south, east, north = BOX
    body = ok(client.get(f"{ITEMS}?bbox={west},{south},-50,{east},{north},900&limit=100"))
    assert set(ids(body)) == haven_ids_inside(*BOX, haven_world)
    flipped = ok(client.get(f"{ITEMS}?bbox={south},{west},0,{north},{east},10"
                            f"&bbox-crs={EPSG4326}&limit=100"))
    assert set(ids(flipped)) == set(ids(body))


@pytest.mark.parametrize("query", [
    f"bbox-crs={CRS84}",  # bbox-crs without bbox
    "bbox=1,2,3", "bbox=1,2,3,4,5", "bbox=a,b,c,d", "bbox=0,51.5,0.1,51.4",  # north < south
    "bbox=0,51,0.1,nan", "bbox=0,-95,1,1", f"bbox=0,51,1,52&bbox-crs={BNG}x",
    "bbox=0,51,1,52&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857",
    "bbox=0,51,1,52&bbox=0,51,1,53",
])
def test_bad_bboxes_are_refused(client, haven_world, query):
    assert problem(client.get(f"{ITEMS}?{query}"), 400)["code"] == "invalid_input"


# --- crs (Part 2) --------------------------------------------------------------------------------

def test_features_come_in_the_crs_asked_for_with_the_content_crs_header(
        client, db_session, haven_world):
    haven_id = sorted(haven_world.active)[7]
    lon, lat = haven_world.active[haven_id]
    as_4326 = client.get(f"{ITEMS}/{haven_id}?crs={EPSG4326}")
    assert ok(as_4326)["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-7)
    assert as_4326.headers["Content-Crs"] == f"<{EPSG4326}>"
    as_bng = client.get(f"{ITEMS}?crs={BNG}&limit=100")
    assert as_bng.headers["Content-Crs"] == f"<{BNG}>"
    feature = next(f for f in ok(as_bng)["features"] if f["id"] == haven_id)
    assert feature["geometry"]["coordinates"] == pytest.approx(to_bng(db_session, lon, lat),
                                                               abs=1e-5)
    as_crs84 = client.get(f"{ITEMS}/{haven_id}?crs={CRS84}")
    assert ok(as_crs84)["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-7)


def test_crs_may_be_given_as_a_safe_curie_or_https_uri(client, haven_world):
    for value in ("[EPSG:27700]", BNG.replace("http://", "https://")):
        assert client.get(f"{ITEMS}?crs={value}").headers["Content-Crs"] == f"<{BNG}>"


@pytest.mark.parametrize("path", [f"{ITEMS}?crs=EPSG:3857", f"{ITEMS}/1?crs=urn:bad",
                                  f"{ITEMS}?filter=name='x'&filter-crs=[EPSG:3857]"])
def test_an_unsupported_crs_is_refused(client, haven_world, path):
    assert problem(client.get(path), 400)["field"] in ("crs", "filter-crs")


def test_restricted_layers_in_british_national_grid_are_exact_hexagons(
        client, heat_world, heat_planner):
    body = ok(client.get(HEAT, query_string={"crs": BNG, "filter": "cell_m = 100", "limit": 5},
                         headers=heat_planner))
    assert body["numberReturned"] == 5
    for feature in body["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert len(ring) == 7 and ring[0] == ring[-1]
        xs, ys = [x for x, _ in ring], [y for _, y in ring]
        assert min(xs) > 500_000 and max(ys) < 200_000
        # a 100 m hexagon (flat or pointy) is 200 m across one way, about 173 m the other
        assert sorted([max(xs) - min(xs), max(ys) - min(ys)]) == pytest.approx(
            [173.205, 200], abs=0.01)


# --- paging and limits ---------------------------------------------------------------------------

def test_paging_through_every_page_gives_each_feature_once(client, haven_world):
    features, pages = every_page(client, f"{ITEMS}?limit=3")
    assert len(pages) == 7
    assert [p["numberReturned"] for p in pages] == [3] * 6 + [2]
    found = [f["id"] for f in features]
    assert len(found) == len(set(found)) == pages[0]["numberMatched"] == 20
    assert set(found) == set(haven_world.active)
    assert query_of(link(pages[-1], "prev"))["offset"] == "15"


def test_next_links_carry_the_filter_bbox_and_crs(client, haven_world):
    west, south, east, north = -0.013, 51.441, 0.013, 51.451  # the grid's first three rows
    query = urlencode({"filter": "business_type = 'shop'", "bbox": f"{west},{south},{east},{north}",
                       "crs": BNG, "limit": 2})
    first = ok(client.get(f"{ITEMS}?{query}"))
    carried = query_of(link(first, "next"))
    assert carried["filter"] == "business_type = 'shop'"
    assert carried["bbox"] == f"{west},{south},{east},{north}"
    assert carried["crs"] == BNG and carried["limit"] == "2" and carried["offset"] == "2"
    features, pages = every_page(client, f"{ITEMS}?{query}")
    expected = {h for h in haven_ids_inside(west, south, east, north, haven_world)
                if h not in _pharmacies(haven_world)}
    assert {f["id"] for f in features} == expected and len(features) == len(expected) == 11
    assert {p["numberMatched"] for p in pages} == {11}
    assert all(f["geometry"]["coordinates"][0] > 500_000 for f in features)  # still BNG


def _pharmacies(world) -> set[int]:
    return {haven_id for n, haven_id in enumerate(sorted(world.active)) if n % 4 == 0}


def test_an_offset_past_the_end_is_an_empty_page(client, haven_world):
    body = ok(client.get(f"{ITEMS}?offset=500"))
    assert body["numberReturned"] == 0 and body["numberMatched"] == 20
    assert link(body, "next") is None


def test_a_huge_limit_is_cut_to_ten_thousand(client, haven_world):
    body = ok(client.get(f"{ITEMS}?limit=99999999999"))
    assert body["numberReturned"] == 20
    assert query_of(link(body, "self"))["limit"] == "10000"


@pytest.mark.parametrize("query", ["limit=0", "limit=-5", "limit=abc", "limit=", "limit=2.5",
                                   "offset=-1", "offset=x", "limit=5&limit=6"])
def test_bad_limits_and_offsets_are_refused(client, haven_world, query):
    body = problem(client.get(f"{ITEMS}?{query}"), 400)
    assert body["field"] in ("limit", "offset")


# --- datetime ------------------------------------------------------------------------------------

def _day(value: date) -> str:
    return value.isoformat()


def test_datetime_keeps_features_whose_term_meets_it(client, heat_world, heat_planner):
    first, last = terms.period(heat_world.term)
    everything = ok(client.get(f"{HEAT}?limit=1", headers=heat_planner))["numberMatched"]
    assert everything > 0
    before, after = first - timedelta(days=1), last + timedelta(days=1)
    expected = {
        _day(first + timedelta(days=20)): everything,
        f"{_day(first + timedelta(days=3))}T10:30:00Z": everything,
        _day(before): 0,
        f"{_day(before - timedelta(days=30))}/{_day(before)}": 0,
        f"{_day(before)}/{_day(first)}": everything,  # inclusive: the term's first day meets it
        f"../{_day(before)}": 0,
        f"../{_day(first)}": everything,
        f"{_day(after)}/..": 0,
        f"{_day(last)}/..": everything,
        "../..": everything,
        f"{_day(before)}T23:30:00-02:00/..": everything,  # 01:30 UTC on the first day
    }
    for value, matched in expected.items():
        body = ok(client.get(HEAT, query_string={"datetime": value, "limit": 1},
                             headers=heat_planner))
        assert body["numberMatched"] == matched, value


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-10-01T10:00:00",
                                   "2026-12-01/2026-09-01", "..", "2026-09-01/2026-10-01/2026-11",
                                   ""])
def test_bad_datetimes_are_refused(client, haven_world, value):
    body = problem(client.get(ITEMS, query_string={"datetime": value}), 400)
    assert body["field"] == "datetime"


# --- filters (Part 3) ----------------------------------------------------------------------------

def test_a_cql2_text_filter_compares_public_attributes(client, haven_world):
    pharmacies = ok(client.get(ITEMS, query_string={
        "filter": "business_type = 'pharmacy'", "filter-lang": "cql2-text", "limit": 100}))
    assert set(ids(pharmacies)) == _pharmacies(haven_world)
    teens = ok(client.get(ITEMS, query_string={"filter": "name LIKE 'Grid Haven 1%'",
                                               "limit": 100}))
    assert teens["numberMatched"] == 10
    both = ok(client.get(ITEMS, query_string={
        "filter": "name LIKE 'Grid Haven 1%' AND NOT business_type = 'pharmacy'"}))
    assert both["numberMatched"] == 8  # 12 and 16 are pharmacies


def test_s_intersects_filters_by_geometry_in_the_filter_crs(client, haven_world):
    west, south, east, north = BOX
    expected = haven_ids_inside(*BOX, haven_world)
    by_box = ok(client.get(ITEMS, query_string={
        "filter": f"S_INTERSECTS(geometry, BBOX({west}, {south}, {east}, {north}))",
        "limit": 100}))
    assert set(ids(by_box)) == expected
    polygon = (f"POLYGON(({south} {west}, {south} {east}, {north} {east}, {north} {west}, "
               f"{south} {west}))")
    by_lat_lon = ok(client.get(ITEMS, query_string={
        "filter": f"S_INTERSECTS(geometry, {polygon})", "filter-crs": EPSG4326, "limit": 100}))
    assert set(ids(by_lat_lon)) == expected
    lat_lon_box = ok(client.get(ITEMS, query_string={
        "filter": f"S_INTERSECTS(geometry, BBOX({south}, {west}, {north}, {east}))",
        "filter-crs": EPSG4326, "limit": 100}))
    assert set(ids(lat_lon_box)) == expected


def test_s_intersects_in_british_national_grid(client, db_session, haven_world):
    west, south, east, north = BOX
    x0, y0 = to_bng(db_session, west, south)
    x1, y1 = to_bng(db_session, east, north)
    body = ok(client.get(ITEMS, query_string={
        "filter": f"S_INTERSECTS(geometry, BBOX({min(x0, x1)}, {min(y0, y1)}, {max(x0, x1)}, "
                  f"{max(y0, y1)})) AND business_type = 'shop'",
        "filter-crs": BNG, "limit": 100}))
    assert set(ids(body)) == haven_ids_inside(*BOX, haven_world) - _pharmacies(haven_world)
    assert body["numberMatched"] == 5  # of the six, Grid Haven 12 is a pharmacy


def test_filters_on_restricted_layers_pick_a_term_and_cell_size(client, heat_world, heat_planner):
    body = ok(client.get(HEAT, query_string={
        "filter": f"term = '{heat_world.term}' AND cell_m = 150", "limit": 10000},
        headers=heat_planner))
    assert body["numberMatched"] > 0
    assert {(f["properties"]["term"], f["properties"]["cell_m"]) for f in body["features"]} \
        == {(heat_world.term, 150)}
    everything = ok(client.get(f"{HEAT}?limit=1", headers=heat_planner))["numberMatched"]
    assert body["numberMatched"] < everything


@pytest.mark.parametrize("filter_text", ["colour = 'red'", "opening_hours = 'Mo-Fr'",
                                         "status = 'prospect'", "phone = '020 7946 0999'",
                                         "name = ", "name = 5", "S_CROSSES(geometry, "
                                         "POINT(0 51))"])
def test_filters_on_unknown_attributes_or_that_cannot_be_read_are_refused(
        client, haven_world, filter_text):
    body = problem(client.get(ITEMS, query_string={"filter": filter_text}), 400)
    assert body["field"] == "filter"


@pytest.mark.parametrize("query", [{"filter": "name = 'x'", "filter-lang": "cql2-json"},
                                   {"filter": "   "}, {"filter-crs": CRS84},
                                   {"filter-lang": "cql-text"}])
def test_bad_filter_parameters_are_refused(client, haven_world, query):
    problem(client.get(ITEMS, query_string=query), 400)


# --- unknown parameters, collections and features ------------------------------------------------

@pytest.mark.parametrize("path", ["/ogc?limit=5", "/ogc/conformance?x=1", "/ogc/api?x=1",
                                  "/ogc/collections?bbox=0,0,1,1",
                                  "/ogc/collections/havens?limit=1",
                                  "/ogc/collections/havens/queryables?filter=x",
                                  f"{ITEMS}?colour=red", f"{ITEMS}?Limit=5",
                                  f"{ITEMS}/1?limit=1", f"{ITEMS}/1?bbox=0,0,1,1"])
def test_unknown_query_parameters_are_refused(client, haven_world, path):
    body = problem(client.get(path), 400)
    assert body["code"] == "invalid_input"


@pytest.mark.parametrize("path", ["/ogc/collections/pupils", "/ogc/collections/pupils/items",
                                  "/ogc/collections/HAVENS/items/1",
                                  "/ogc/collections/pupil_map/queryables"])
def test_an_unknown_collection_is_a_json_404(client, haven_world, path):
    assert problem(client.get(path), 404)["code"] == "not_found"


@pytest.mark.parametrize("feature_id", ["999999", "0", "-1", "abc", "1.5", "1e3",
                                        "99999999999999999999"])
def test_an_unknown_feature_is_a_json_404(client, haven_world, feature_id):
    assert problem(client.get(f"{ITEMS}/{feature_id}"), 404)["code"] == "not_found"


def test_a_feature_is_found_by_its_own_id_only(client, haven_world):
    # int() reads "+7", "07", "0_7" and " 7" as 7: each would be a second address of feature 7
    haven_id = sorted(haven_world.active)[0]
    assert ok(client.get(f"{ITEMS}/{haven_id}"))["id"] == haven_id
    written = str(haven_id)
    for alias in (f"0_{written}", f"+{written}", f"0{written}", f"%20{written}"):
        problem(client.get(f"{ITEMS}/{alias}"), 404)


def test_an_unknown_heat_cell_is_a_json_404(client, heat_world, heat_planner):
    for feature_id in ("2026-autumn:100:0:0", "nonsense", "all:50:1:1"):
        problem(client.get(f"{HEAT}/{feature_id}", headers=heat_planner), 404)


def test_an_unknown_page_asked_for_as_html_is_an_html_404(client, haven_world):
    response = client.get("/ogc/collections/pupils?f=html")
    assert response.status_code == 404 and response.mimetype == "text/html"


# --- who may read what ---------------------------------------------------------------------------

RESTRICTED_PATHS = ["/ogc/collections/heat_cells", HEAT, f"{HEAT}/all:150:1:1",
                    "/ogc/collections/heat_cells/queryables", "/ogc/collections/hotspots",
                    "/ogc/collections/hotspots/items", "/ogc/collections/hotspots/items/all:150:1"]


@pytest.mark.parametrize("path", RESTRICTED_PATHS)
def test_anonymous_callers_are_asked_for_a_bearer_or_basic_token(client, haven_world, path):
    response = client.get(path)
    assert problem(response, 401)["code"] == "unauthenticated"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and "Basic" in challenge


def test_anonymous_lists_and_openapi_hold_only_the_public_collections(client, haven_world):
    listed = ok(client.get("/ogc/collections"), "application/json")
    assert [c["id"] for c in listed["collections"]] == PUBLIC
    document = ok(client.get("/ogc/api"), "application/vnd.oai.openapi+json")
    collections = {path.split("/")[2] for path in document["paths"]
                   if path.startswith("/collections/")}
    assert collections == set(PUBLIC)


def test_a_bearer_token_and_basic_with_the_token_as_password_both_open_heat_cells(
        client, db_session, heat_world):
    secret = api_token_for(db_session, "planner", borough_code=OGC_BOROUGH)
    by_bearer = ok(client.get(f"{HEAT}?limit=5", headers=bearer(secret)))
    for headers in (basic(secret), basic(secret, user=""), basic(secret, user="ArcGIS Pro")):
        by_basic = ok(client.get(f"{HEAT}?limit=5", headers=headers))
        assert ids(by_basic) == ids(by_bearer) and by_basic["numberReturned"] == 5


def test_basic_authentication_is_only_for_the_ogc_api(client, db_session, heat_world):
    secret = api_token_for(db_session, "planner", borough_code=OGC_BOROUGH)
    assert client.get("/api/v1/heatmap", headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/heatmap", headers=basic(secret)).status_code == 401


TOKEN_NAMES = ["token", "access_token", "api_key", "apikey", "key", "password", "TOKEN"]


def test_a_token_in_the_address_is_refused_even_when_it_is_valid(client, db_session, haven_world):
    secret = api_token_for(db_session, "planner", borough_code=OGC_BOROUGH)
    for path in ["/ogc", "/ogc/collections", ITEMS, f"{ITEMS}/1", "/ogc/collections/heat_cells",
                 "/ogc/collections/heat_cells/queryables", "/ogc/api"]:
        for name in TOKEN_NAMES:
            response = client.get(path, query_string={name: secret})
            assert "Authorization" in problem(response, 400)["description"], (path, name)
    # even with the token also in the header, the address is refused
    headers = bearer(secret)
    assert client.get(HEAT, query_string={"token": secret}, headers=headers).status_code == 400


def test_a_token_in_the_address_of_restricted_features_is_refused_not_challenged(
        client, db_session, haven_world):
    # A GIS user who pastes the token into the layer's address must be told to move it into
    # the header (400), not be asked for a token they think they sent (401).
    secret = api_token_for(db_session, "planner", borough_code=OGC_BOROUGH)
    for path in [HEAT, f"{HEAT}/all:150:1:1", "/ogc/collections/hotspots/items"]:
        response = client.get(path, query_string={"access_token": secret})
        assert "Authorization" in problem(response, 400)["description"], path


@pytest.mark.parametrize("headers", [{"Authorization": "Bearer not-a-real-token"},
                                     {"Authorization": "Basic bm90OnJlYWw="},  # not:real
                                     {"Authorization": "Basic %%%not-base64"},
                                     {"Authorization": "Bearer "}])
@pytest.mark.parametrize("path", [ITEMS, HEAT, "/ogc/collections"])
def test_a_wrong_token_is_refused_with_401_even_for_public_layers(
        client, haven_world, headers, path):
    response = client.get(path, headers=headers)
    problem(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_revoked_token_is_refused(client, db_session, haven_world):
    secret = api_token_for(db_session, "planner", "revoked@example.org",
                           borough_code=OGC_BOROUGH)
    assert client.get(HEAT, headers=bearer(secret)).status_code == 200
    user = accounts.get_by_email(db_session=db_session, email="revoked@example.org")
    for token in accounts.user_tokens(db_session=db_session, user_id=user.id):
        accounts.revoke_api_token(db_session=db_session, token_id=token.id)
    assert client.get(HEAT, headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize("role", ["worker", "teacher"])
def test_other_staff_are_forbidden_the_restricted_collections(
        client, db_session, haven_world, role):
    scope = {"school_urns": [100001]} if role == "teacher" else {}
    headers = bearer(api_token_for(db_session, role, **scope))
    for path in RESTRICTED_PATHS:
        assert problem(client.get(path, headers=headers), 403)["code"] == "forbidden", path
    assert ok(client.get(ITEMS, headers=headers))["numberMatched"] == 20
    listed = ok(client.get("/ogc/collections", headers=headers), "application/json")
    assert [c["id"] for c in listed["collections"]] == PUBLIC
    document = ok(client.get("/ogc/api", headers=headers), "application/vnd.oai.openapi+json")
    assert not [path for path in document["paths"] if "heat_cells" in path or "hotspots" in path]


def test_restricted_answers_are_never_stored_and_vary_by_authorization(
        client, heat_world, heat_planner):
    first = ok(client.get(f"{HEAT}?limit=1", headers=heat_planner))["features"][0]
    for path in ["/ogc/collections/heat_cells", f"{HEAT}?limit=2", f"{HEAT}?limit=2&f=html",
                 f"{HEAT}/{first['id']}", f"{HEAT}/{first['id']}?f=html",
                 "/ogc/collections/heat_cells/queryables", "/ogc/collections/hotspots/items",
                 "/ogc/collections", "/ogc/collections?f=html", "/ogc/api"]:
        response = client.get(path, headers=heat_planner)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "Authorization" in [v.strip() for v in response.headers["Vary"].split(",")], path


def test_public_answers_may_be_cached(client, haven_world):
    response = client.get(ITEMS)
    assert "public" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]


def test_a_planner_sees_only_their_own_borough_and_an_admin_sees_every_borough(
        client, db_session, heat_world):
    own = bearer(api_token_for(db_session, "planner", borough_code=OGC_BOROUGH))
    other = bearer(api_token_for(db_session, "planner", borough_code=OTHER_BOROUGH))
    admin = bearer(api_token_for(db_session, "admin"))
    mine = ok(client.get(f"{HEAT}?limit=10000", headers=own))
    assert mine["numberMatched"] > 0
    assert {f["properties"]["borough"] for f in mine["features"]} == {OGC_BOROUGH}
    theirs = ok(client.get(f"{HEAT}?limit=10000", headers=other))
    assert theirs["numberMatched"] == 0
    assert ok(client.get("/ogc/collections/hotspots/items", headers=other))["numberMatched"] == 0
    assert ok(client.get("/ogc/collections/hotspots/items", headers=own))["numberMatched"] > 0
    problem(client.get(f"{HEAT}/{mine['features'][0]['id']}", headers=other), 404)
    other_extent = ok(client.get("/ogc/collections/heat_cells", headers=other),
                      "application/json")["extent"]["spatial"]["bbox"]
    assert other_extent == [[-180.0, -90.0, 180.0, 90.0]]  # nothing to show
    # A cell published in the other borough (and up to date there) is the admin's too.
    other_id = db_session.scalar(text("SELECT id FROM borough WHERE code = :c"),
                                 {"c": OTHER_BOROUGH})
    db_session.execute(text("""
        INSERT INTO ogc_publication (borough_id, collection, version, refreshed_at)
        SELECT :b, 'heat_cells', version, now() FROM heatmap_state WHERE id = 1
        ON CONFLICT (borough_id, collection) DO UPDATE SET version = EXCLUDED.version"""),
                       {"b": other_id})
    db_session.add(PublishedHeatCell(
        borough_id=other_id, term="2025-spring", cell_m=250, i=1, j=2,
        term_start=date(2025, 1, 1), term_end=date(2025, 3, 31), unsafe_pupils=10,
        safe_pupils=None, coverage=20, unsafe_rate=0.5, safe_rate=None, net=0.5,
        geometry="SRID=27700;POLYGON((520000 180000, 520100 180000, 520100 180100, "
                 "520000 180000))"))
    db_session.commit()
    everything = ok(client.get(f"{HEAT}?limit=10000", headers=admin))
    assert everything["numberMatched"] == mine["numberMatched"] + 1
    assert "2025-spring:250:1:2" in ids(everything)
    assert ids(ok(client.get(f"{HEAT}?limit=10000", headers=other))) == ["2025-spring:250:1:2"]
    assert "2025-spring:250:1:2" not in ids(ok(client.get(f"{HEAT}?limit=10000", headers=own)))


def test_every_planner_read_is_in_the_audit_log(client, db_session, heat_world, heat_planner):
    paths = [f"{HEAT}?limit=3", "/ogc/collections/hotspots", ITEMS, "/ogc/collections"]
    for path in paths:
        assert client.get(path, headers=heat_planner).status_code == 200
    user = accounts.get_by_email(db_session=db_session, email="planner@example.org")
    events = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access", AuditEvent.user_id == user.id)
        .order_by(AuditEvent.id)).all()
    seen = [(e.detail["path"], e.detail["query"], e.detail["status"]) for e in events]
    assert seen == [(HEAT, "limit=3", 200), ("/ogc/collections/hotspots", "", 200),
                    (ITEMS, "", 200), ("/ogc/collections", "", 200)]
    assert {e.borough_id for e in events} == {heat_world.borough_id}


def test_a_planner_read_with_basic_authentication_is_audited_too(
        client, db_session, heat_world):
    secret = api_token_for(db_session, "planner", "basic@example.org", borough_code=OGC_BOROUGH)
    assert client.get(f"{HEAT}?limit=1", headers=basic(secret)).status_code == 200
    user = accounts.get_by_email(db_session=db_session, email="basic@example.org")
    paths = db_session.scalars(select(AuditEvent.detail["path"].astext).where(
        AuditEvent.action == "access", AuditEvent.user_id == user.id)).all()
    assert paths == [HEAT]


# --- the database role the layer reads as --------------------------------------------------------

RAW_TABLES = ["haven", "haven_visit", "school", "borough", "pupil_map", "zone", "zone_cell",
              "fine_cell", "session_cell", "mapping_session", "app_user", "api_token",
              "audit_event",
              "published_heat_cell", "published_hotspot", "ogc_publication", "heatmap_state"]


def _as_ogc_role(db_session, sql: str):
    """Run one statement as the OGC role in a savepoint that is always rolled back."""
    nested = db_session.begin_nested()
    try:
        db_session.execute(text(f"SET LOCAL ROLE {ROLE}"))
        return db_session.execute(text(sql)).all()
    finally:
        nested.rollback()


@pytest.mark.parametrize("table", RAW_TABLES)
def test_the_ogc_role_cannot_read_raw_tables(db_session, table):
    with pytest.raises(DBAPIError) as raised:
        _as_ogc_role(db_session, f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
    assert raised.value.orig.sqlstate == "42501"  # insufficient_privilege
    assert "permission denied" in str(raised.value.orig)


def test_the_ogc_role_may_read_no_table_outside_the_ogc_schema(db_session):
    readable = db_session.scalars(text("""
        SELECT schemaname || '.' || tablename FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'ogc')
           AND tablename <> 'spatial_ref_sys'
           AND has_table_privilege(:role, quote_ident(schemaname) || '.'
                                   || quote_ident(tablename), 'SELECT')"""),
                                {"role": ROLE}).all()
    assert readable == []


@pytest.mark.parametrize("view", ["havens", "schools", "heat_cells", "hotspots"])
def test_the_ogc_role_can_read_the_ogc_views_but_not_change_them(db_session, haven_world, view):
    rows = _as_ogc_role(db_session, f"SELECT count(*) FROM ogc.{view}")  # noqa: S608
    assert rows[0][0] == {"havens": 20, "schools": 2}.get(view, 0)
    for privilege, allowed in (("SELECT", True), ("INSERT", False), ("UPDATE", False),
                               ("DELETE", False), ("TRUNCATE", False)):
        assert db_session.scalar(text("SELECT has_table_privilege(:r, :v, :p)"),
                                 {"r": ROLE, "v": f"ogc.{view}", "p": privilege}) is allowed
