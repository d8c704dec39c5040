"""Privacy proofs (issue 9): what the database can hold about a pupil, what the logs keep, what
the retention purge deletes, and that nothing a planner can reach gives away a single pupil's
words or shapes, and every planner read is audited."""

import json
import logging
import math
import re
import subprocess
from datetime import date

import mapbox_vector_tile
import pytest
import shapely
from sqlalchemy import func, inspect, select, text

from core import db
from core.audit.models import AuditEvent
from core.geo import transformer
from core.logs import JsonFormatter
from mapping.action_models import HotspotAction
from mapping.models import PupilMap
from mapping.ogc import collections as ogc_collections
from tests.conftest import make_app
from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.conftest import (  # noqa: F401 (the fixture)
    feature,
    move_maps_to_term,
    square,
    teacher,
)
from tests.mapping.test_api import join, world  # noqa: F401 (the fixture)
from tests.mapping.test_api import send as post_map
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (the fixture)
from tests.mapping.test_hotspots import _planted

# --- 1. The schema has no place for anything that identifies a pupil ----------------------------

# Tables at the root of pupil data; every table that references them (directly or through
# another such table) holds pupil data too, so a new pupil table is checked without editing this.
PUPIL_ROOTS = {"pupil_map", "mapping_session"}
KNOWN_PUPIL_TABLES = {"mapping_session", "named_place", "pupil_map", "zone", "submission_key",
                      "zone_cell", "fine_cell", "session_cell", "paper_sheet"}
# Words that, as a part of a column name, would mean storing who or where a pupil is.
IDENTIFYING = re.compile(
    r"(^|_)(ip|ips|inet|addr|address|remote|forwarded|user_?agent|agent|ua|browser|name|"
    r"first|last|surname|forename|full|nick|nickname|device|mac|imei|email|mail|phone|mobile|"
    r"tel|cookie|fingerprint|lat|lon|lng|latitude|longitude|geoloc|geolocation|gps|location|"
    r"position|postcode|home|dob|birth|birthday|age|gender|sex|ethnicity|upn|pupil_no|"
    r"account|login|username|password|token)($|_)")
# Names that match but are not about a pupil, and why.
ALLOWED = {
    # The teacher's name for a place on the class map ("the park"), chosen from the session's
    # area by the teacher, never a person's name and never typed by a pupil.
    ("named_place", "name"),
}
# Every geometry a pupil table may hold, and why none of them is where a pupil is.
ALLOWED_GEOMETRIES = {
    ("mapping_session", "area"),  # the map area the teacher chose (default: 1.5 km round school)
    ("named_place", "area"),  # a place the teacher drew and named
    ("zone", "geom"),  # the place a pupil marked as safe or unsafe (an area, not the pupil)
    ("zone", "drawn"),  # the same mark as drawn (line or point), shown to the teacher only
    ("zone", "work_geom"),  # the same place in metres (WORK_SRID), kept by the database
}


def _pupil_tables(inspector, roots=PUPIL_ROOTS) -> dict[str, list[dict]]:
    """Every table in the live database holding data of the roots (by default: pupil data),
    with its columns."""
    names = inspector.get_table_names()
    refers = {name: {fk["referred_table"] for fk in inspector.get_foreign_keys(name)}
              for name in names}
    found = set(roots)
    while grown := {name for name in names if refers[name] & found} - found:
        found |= grown
    return {name: inspector.get_columns(name) for name in sorted(found)}


def test_no_table_holding_pupil_data_has_a_column_for_who_or_where_the_pupil_is(db_session):
    tables = _pupil_tables(inspect(db_session.connection()))
    assert set(tables) >= KNOWN_PUPIL_TABLES, "the derivation lost a pupil table"
    identifying = [(table, column["name"]) for table, columns in tables.items()
                   for column in columns
                   if IDENTIFYING.search(column["name"].lower())
                   and (table, column["name"]) not in ALLOWED]
    assert identifying == []
    geometries = {(table, column["name"]) for table, columns in tables.items()
                  for column in columns if type(column["type"]).__name__ == "Geometry"}
    assert geometries == ALLOWED_GEOMETRIES
    network = {(table, column["name"]) for table, columns in tables.items()
               for column in columns if type(column["type"]).__name__ in ("INET", "CIDR",
                                                                          "MACADDR")}
    assert network == set()


def test_every_time_kept_with_a_pupil_s_map_is_to_the_hour_only(db_session):
    with_maps = _pupil_tables(inspect(db_session.connection()), roots={"pupil_map"})
    assert {"zone", "submission_key", "zone_cell", "fine_cell"} <= set(with_maps)
    times = {(table, c["name"]): c["default"] or "" for table, columns in with_maps.items()
             for c in columns if "TIMESTAMP" in str(c["type"]).upper()}
    assert ("submission_key", "created_at") in times
    exact = [column for column, default in times.items() if "date_trunc('hour'" not in default]
    assert exact == [], "a time stored with a pupil's map could pick out the pupil"


def test_the_pupil_map_records_its_time_to_the_hour_only(db_session):
    columns = {c["name"]: c for c in inspect(db_session.connection()).get_columns("pupil_map")}
    times = [name for name, c in columns.items() if "TIMESTAMP" in str(c["type"]).upper()]
    assert times == ["submitted_at"]
    assert "date_trunc('hour'" in columns["submitted_at"]["default"]


# --- 2. Logs and stored rows never hold a pupil's address or browser ----------------------------

ADDRESS, FORWARDED, AGENT = "203.0.113.77", "198.51.100.23", "PrivacyProbe/9.9 (pupil tablet)"


def _rows_containing(db_session, needle: str) -> list[str]:
    """Tables (public schema) with a row whose text contains the needle."""
    tables = db_session.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
    return [name for name in tables if db_session.scalar(text(
        f'SELECT count(*) FROM "{name}" t WHERE t::text LIKE :needle'),  # noqa: S608
        {"needle": f"%{needle}%"})]


def test_a_pupils_visit_leaves_no_address_or_browser_in_logs_or_database(
        database_url, connection, db_session, world, caplog):  # noqa: F811
    # Behind one trusted proxy the forwarded address *is* the client's address.
    proxied = make_app(database_url, TRUSTED_PROXIES=1, LOG_LEVEL="DEBUG")
    db.bind_to_connection(proxied, connection)
    browser = proxied.test_client()
    browser.environ_base.update({"REMOTE_ADDR": ADDRESS, "HTTP_X_FORWARDED_FOR": FORWARDED,
                                 "HTTP_USER_AGENT": AGENT})
    with caplog.at_level(logging.DEBUG):
        token = join(browser, world.code)
        sent = post_map(browser, {"type": "FeatureCollection",
                                  "features": [feature(square(100, 100))]},
                        code=world.code, token=token)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    requests = [r for r in caplog.records if r.name == "safehavens.request"]
    assert {r.fields["path"] for r in requests} >= {f"/j/{world.code}", "/draw",
                                                    f"/api/v1/sessions/{world.code}/maps"}
    for record in caplog.records:
        written = JsonFormatter().format(record) + repr(vars(record))
        assert not [s for s in (ADDRESS, FORWARDED, AGENT) if s in written], written
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(PupilMap)) == 1
    for needle in (ADDRESS, FORWARDED, AGENT, "PrivacyProbe"):
        assert _rows_containing(db_session, needle) == []


# --- 3. Retention ---------------------------------------------------------------------------------

def _count(db_session, table: str) -> int:
    return db_session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def _heat_ids(client, **query) -> set[str]:
    answer = client.get("/api/v1/heatmap", query_string={"cell": 150, **query})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {f["id"] for f in answer.json["features"]}


def test_the_purge_deletes_expired_maps_with_everything_derived_from_them_and_keeps_the_rest(
        app, db_session, classes, runner):  # noqa: F811
    _planted(app, db_session, classes)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.add(HotspotAction(borough_id=classes[0].borough_id, action="Extra patrols",
                                 starts_on=date.today(), cell_m=150, significance="hot_95",
                                 rank=1, area="SRID=4326;MULTIPOLYGON(((0 51.45,0.001 51.45,"
                                 "0.001 51.451,0 51.45)))",
                                 location="SRID=4326;POINT(0.0005 51.4502)"))
    db_session.commit()
    planner = app.test_client()
    assert login(planner, "planner@example.org").status_code == 302
    maps = db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)).all()
    expired, kept = maps[:-3], maps[-3:]
    days = app.config["PUPIL_DATA_RETENTION_DAYS"]
    old_term = move_maps_to_term(db_session, expired, days_ago=days + 1)
    published = _heat_ids(planner, term=old_term)
    assert published, "the planted maps publish cells"
    sessions, coverage = _count(db_session, "mapping_session"), _count(db_session, "session_cell")

    result = runner.invoke(args=["mapping", "purge-expired"])
    assert result.exit_code == 0, result.output
    assert f"{len(expired)} pupil map(s) deleted from terms with maps older than {days} days" \
        in result.output
    db_session.expire_all()
    # the raw maps past the period are gone, with their zones, words, keys and hexagons
    assert db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)).all() == kept
    for table in ("zone", "submission_key", "zone_cell", "fine_cell"):
        left = db_session.scalars(text(
            f"SELECT DISTINCT pupil_map_id FROM {table} ORDER BY 1")).all()  # noqa: S608
        assert left == kept, table
    # and the per-cell counts now count only the maps kept
    pairs = """SELECT count(*) FROM (SELECT DISTINCT borough_id, resolution, kind, i, j,
                      pupil_map_id FROM zone_cell WHERE resolution >= 100) AS pairs"""
    assert db_session.scalar(text("SELECT coalesce(sum(pupils), 0) FROM cell_pupils")) == \
        db_session.scalar(text(pairs)) > 0
    # the classes, the coverage of their map areas and planners' actions are kept
    assert (_count(db_session, "mapping_session"), _count(db_session, "session_cell")) \
        == (sessions, coverage)
    assert _count(db_session, "hotspot_action") == 1
    purge = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "mapping.purge")).one()
    assert purge.detail == {"deleted": len(expired), "retention_days": days,
                            "kept": [{"borough_id": classes[0].borough_id, "term": old_term}],
                            "paper_sheets": 0}
    # the aggregates are kept: the expired term's published heatmap is as it was (every
    # question about a kept term is checked in tests/mapping/test_retention.py), while the
    # three maps left are far below the threshold
    assert _heat_ids(planner, term=old_term) == published
    assert _heat_ids(planner) == set()


# --- 4. Planners never see a pupil's words or shapes, and every read is audited -----------------

MARK = "ZQXPUPILWORDS"
IDEA = "ZQXPUPILIDEA"
SKIP = {"/static/<path:filename>"}
# Public routes planners' pages load (schools and havens on the heatmap), beyond their own.
ALSO = (("/api/v1/schools", {"format": "geojson", "limit": 1000}),
        ("/api/v1/havens", {"format": "geojson", "limit": 2000}))
HEAT_VARIANTS = ({}, {"kind": "safe"}, {"kind": "net"}, {"reason": "dark"},
                 {"time": "evening"}, {"year": "years_7_9"}, {"weighting": "schools"})


def _roles(view) -> tuple | None:
    """The roles a roles_required guard lets in, read from the decorated view's closure."""
    seen = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        cells = dict(zip((getattr(view, "__code__", None) and view.__code__.co_freevars) or (),
                         view.__closure__ or (), strict=False))
        if "roles" in cells:
            return cells["roles"].cell_contents
        view = getattr(view, "__wrapped__", None)
    return None


def planner_rules(app) -> list:
    """Every GET route a planner may call: guarded for planners, or the OGC API."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.rule not in SKIP
                   and ("planner" in (_roles(app.view_functions[rule.endpoint]) or ())
                        or rule.rule.startswith("/ogc"))), key=lambda rule: rule.rule)


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


class Sample:
    """Concrete URLs for each planner route, from the data in the database."""

    def __init__(self, client, db_session, term: str, action_id: int):
        heat = client.get("/api/v1/heatmap", query_string={"cell": 150}).json["features"]
        assert heat, "the fixture publishes cells"
        self.cells = [f["id"].split(":") for f in heat[:4]]
        self.points = [shapely.from_geojson(json.dumps(f["geometry"])).centroid
                       for f in heat[:4]]
        self.term, self.action_id = term, action_id
        self.features = {}
        for collection in ogc_collections.ALL:
            items = client.get(f"/ogc/collections/{collection}/items",
                               query_string={"limit": 3}).json["features"]
            self.features[collection] = [str(f["id"]) for f in items]

    def urls(self, rule) -> list[str]:
        """Every URL this test calls for the rule (a new argument name fails the test)."""
        path = rule.rule
        queries = [{}]
        if "heatmap" in path or path.startswith(("/mapping/perception", "/api/v1/crime")):
            queries = [*HEAT_VARIANTS[:2], {"term": self.term}]
            if path in ("/api/v1/heatmap", "/mapping/heatmap") or path.startswith("/tiles"):
                queries = [*HEAT_VARIANTS, {"term": self.term}]
            if path.startswith(("/mapping/perception", "/api/v1/crime")):
                queries = [{}, {"term": self.term}]
        if path.startswith(("/mapping/hotspots", "/api/v1/heatmap/cells")):
            queries = [{}, {"term": self.term}]
            if path.startswith("/mapping/hotspots/") and not path.startswith(
                    "/mapping/hotspots/export"):
                queries = [{}]
        if path == "/mapping/hotspots/actions/new":
            queries = [{"rank": 1}, {"rank": 2}]
        if path == "/api/v1/heatmap/cell":
            queries = [{"lon": p.x, "lat": p.y, "cell": 150} for p in self.points]
        arguments = [{}]
        names = set(rule.arguments)
        if names == {"fmt"}:
            arguments = [{"fmt": fmt} for fmt in sorted(rule._converters["fmt"].items)]
        elif names == {"z", "x", "y"}:
            arguments = [dict(zip("zxy", _tile(p.x, p.y, z), strict=True))
                         for p in self.points[:2] for z in (13, 14, 16)]
        elif names == {"cell", "i", "j"}:
            arguments = [dict(zip(("cell", "i", "j"), c, strict=True)) for c in self.cells]
        elif names == {"action_id"}:
            arguments = [{"action_id": self.action_id}]
        elif names == {"collection_id"}:
            arguments = [{"collection_id": c} for c in ogc_collections.ALL]
        elif names == {"collection_id", "feature_id"}:
            arguments = [{"collection_id": c, "feature_id": f}
                         for c, ids in self.features.items() for f in ids]
        else:
            assert not names, f"no sample values for {path} {sorted(names)}: add them here"
        urls = []
        for values in arguments:
            built = path
            for name, value in values.items():
                built = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), built)
            for query in queries:
                urls.append((built, query))
        return urls


def _pupil_shapes(db_session) -> tuple[list, list[re.Pattern]]:
    """Every pupil zone as a shapely geometry, and a pattern for each of its vertices as
    text (lon then lat, any separator, any further digits)."""
    rows = db_session.execute(text(
        "SELECT ST_AsGeoJSON(geom, 6) AS geom, ST_AsGeoJSON(drawn, 6) AS drawn FROM zone")).all()
    shapes, patterns = [], set()
    for row in rows:
        for written in (row.geom, row.drawn):
            if written:
                shape = shapely.from_geojson(written)
                shapes.append(shape)
                for lon, lat in shapely.get_coordinates(shape):
                    number = [re.escape(f"{v:.6f}".rstrip("0")) for v in (lon, lat)]
                    patterns.add(rf"{number[0]}\d*[,\s\]\[]+{number[1]}\d*")
    return shapes, [re.compile(p) for p in sorted(patterns)]


def _words(response, tmp_path) -> str:
    """What a person or program could read in an answer."""
    kind = response.mimetype
    if kind == "application/pdf":
        path = tmp_path / "answer.pdf"
        path.write_bytes(response.data)
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                              text=True).stdout
    if kind == "application/vnd.mapbox-vector-tile":
        return json.dumps(mapbox_vector_tile.decode(response.data))
    if kind == "image/png":
        return ""
    return response.get_data(as_text=True)


def _geometries(body) -> list[dict]:
    """Every GeoJSON geometry in a parsed JSON answer."""
    if isinstance(body, dict):
        found = [body] if "coordinates" in body and "type" in body else []
        return found + [g for value in body.values() for g in _geometries(value)]
    if isinstance(body, list):
        return [g for value in body for g in _geometries(value)]
    return []


def _is_hexagon(geometry: dict, cell_m: int) -> bool:
    """A regular hexagon with edges of cell_m metres (to the 6 decimals of the answer)."""
    ring = shapely.get_coordinates(shapely.from_geojson(json.dumps(geometry)))
    x, y = transformer(4326, 27700).transform(ring[:, 0], ring[:, 1])
    edges = [((x[k + 1] - x[k]) ** 2 + (y[k + 1] - y[k]) ** 2) ** 0.5 for k in range(len(x) - 1)]
    return geometry["type"] == "Polygon" and len(edges) == 6 \
        and all(abs(edge - cell_m) < 1 for edge in edges)


@pytest.fixture
def planner_world(app, db_session, classes):  # noqa: F811
    """Planted maps whose every zone carries (approved) pupil words, and a planner."""
    _planted(app, db_session, classes)
    db_session.execute(text(
        "UPDATE zone SET comment = :mark || id, comment_state = 'approved', "
        "suggestions = array_append(suggestions, 'other'), suggestion_other = :idea || id, "
        "other_state = 'approved'"), {"mark": MARK, "idea": IDEA})
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    action = HotspotAction(borough_id=classes[0].borough_id, action="Extra patrols",
                           starts_on=date.today(), cell_m=150, significance="hot_95", rank=1,
                           area="SRID=4326;MULTIPOLYGON(((0 51.45,0.001 51.45,0.001 51.451,"
                           "0 51.45)))", location="SRID=4326;POINT(0.0005 51.4502)")
    db_session.add(action)
    db_session.commit()
    return classes, action.id


def test_every_planner_route_shows_no_pupil_words_or_shapes_and_is_audited(
        app, db_session, planner_world, tmp_path):
    sessions, action_id = planner_world
    planner = app.test_client()
    assert login(planner, "planner@example.org").status_code == 302
    planner_id = db_session.scalar(text("SELECT id FROM app_user WHERE role = 'planner'"))
    sample = Sample(planner, db_session, sessions[0].term, action_id)
    shapes, vertices = _pupil_shapes(db_session)
    assert len(shapes) > 100 and len(vertices) > 100
    published = {tuple(map(int, c.split(":")[1:])) for c in _heat_ids(planner)}
    calls = [(url, query) for rule in planner_rules(app) for url, query in sample.urls(rule)]
    calls += list(ALSO)
    calls = list({(url, json.dumps(query, sort_keys=True)): (url, query)
                  for url, query in calls}.values())
    statuses = []
    for url, query in calls:
        before = db_session.scalar(select(func.max(AuditEvent.id))) or 0
        answer = planner.get(url, query_string=query)
        where = f"{url} {query}"
        statuses.append(answer.status_code)
        assert answer.status_code == 200 or (
            url == "/mapping/hotspots/compare" and answer.status_code in (400, 404, 422)
            and "term" in answer.get_data(as_text=True)), (where, answer.status_code)
        audited = db_session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
        assert [(e.action, e.user_id, e.detail["path"]) for e in audited] == [
            ("access", planner_id, url)], where
        words = _words(answer, tmp_path)
        assert MARK not in words and IDEA not in words, where
        assert not any(pattern.search(words) for pattern in vertices), where
        if answer.is_json or answer.mimetype == "application/geo+json":
            for geometry in _geometries(json.loads(answer.get_data(as_text=True))):
                shape = shapely.from_geojson(json.dumps(geometry))
                assert not any(shape.geom_type == zone.geom_type
                               and shape.hausdorff_distance(zone) < 1e-5 for zone in shapes), \
                    where
        if url == "/api/v1/heatmap" and not query:
            assert {tuple(map(int, f["id"].split(":")[1:])) for f in answer.json["features"]} \
                == published
        if url.startswith("/api/v1/heatmap") or url == "/ogc/collections/heat_cells/items":
            for found in answer.json.get("features") or [answer.json]:
                if found.get("geometry"):
                    cell_m = found.get("properties", {}).get("cell_m") or 150
                    assert _is_hexagon(found["geometry"], cell_m), where
        if answer.mimetype == "application/vnd.mapbox-vector-tile":
            layers = mapbox_vector_tile.decode(answer.data)
            assert set(layers) <= {"heatmap"}, where
            for found in layers.get("heatmap", {}).get("features", []):
                counts = [v for k, v in found["properties"].items()
                          if k in ("pupils", "unsafe", "safe", "coverage")]
                assert all(v % 5 == 0 for v in counts), where
    assert statuses.count(200) >= len(calls) - 1  # all but the term comparison
    assert len(calls) >= 100
    # The same checks do see a pupil's words and shapes where they belong: with their teacher.
    own = app.test_client()
    assert login(own, "teacher@example.org").status_code == 302
    for page in ("results", "show"):
        words = own.get(f"/mapping/sessions/{sessions[0].id}/{page}").get_data(as_text=True)
        assert any(pattern.search(words) for pattern in vertices), page
    assert MARK in own.get(f"/mapping/sessions/{sessions[0].id}/results").get_data(as_text=True)
