"""GDAL, as QGIS and ogr2ogr use it, reads every collection of the live OGC API: Debian's
ogrinfo/ogr2ogr (GDAL 3.6, lon/lat only) and the GDAL 3.7+ bundled with pyogrio, which reads
each collection in its storage CRS (EPSG:27700 for heat cells: the exact hexagons).

GDAL always runs in a subprocess: the live server is single-threaded in this process, and GDAL
holds the GIL while it waits for an answer, so an in-process read would never be answered."""

import json
import os
import re
import subprocess
import sys

import pytest
import shapely
from sqlalchemy import text

from tests.mapping.ogc.conftest import BOROUGH

PUBLIC = ["havens", "schools"]
ALL = ["havens", "schools", "heat_cells", "hotspots"]
STRING_IDS = {"heat_cells", "hotspots"}  # GDAL keeps string ids as an `id` field
TIMEOUT = 120


def _env() -> dict:
    """This environment without proxies (GDAL's curl would send 127.0.0.1 to them)."""
    return {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}


def _auth_options(auth: str, token: str | None) -> list[str]:
    """GDAL configuration options sending the API token as GIS users set it up."""
    if auth == "basic":
        return ["--config", "GDAL_HTTP_AUTH", "BASIC", "--config", "GDAL_HTTP_USERPWD",
                f"qgis:{token}"]
    if auth == "bearer":
        return ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"]
    return []


def _gdal(program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    run = subprocess.run([program, *args], env=_env(), capture_output=True, text=True,
                         timeout=TIMEOUT, check=False)
    if check:
        assert run.returncode == 0, \
            f"{program} {' '.join(args)} failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    return run


def _layers(live_server: str, options: list[str]) -> list[str]:
    """The layers `ogrinfo -so` lists, in order."""
    output = _gdal("ogrinfo", "-ro", "-so", *options, f"OAPIF:{live_server}/ogc").stdout
    return re.findall(r"^\d+: (\w+) \(", output, re.MULTILINE)


def _api_features(client, collection: str, token: str | None) -> dict:
    """Every feature of a collection as the API gives it (CRS84), by id."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = client.get(f"/ogc/collections/{collection}/items?limit=10000", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["numberReturned"] == body["numberMatched"]
    return {feature["id"]: feature for feature in body["features"]}


def _ogr2ogr_features(live_server: str, collection: str, options: list[str], tmp_path) -> dict:
    """Every feature GDAL 3.6 reads from a collection (following the next links), by id."""
    out = tmp_path / f"{collection}.geojson"
    _gdal("ogr2ogr", "-preserve_fid", "-f", "GeoJSON", str(out), *options,
          f"OAPIF:{live_server}/ogc", collection)
    features = json.loads(out.read_text())["features"]
    ids = [f["properties"]["id"] if collection in STRING_IDS else f["id"] for f in features]
    assert len(ids) == len(set(ids)), f"GDAL read some {collection} twice: {sorted(ids)}"
    return dict(zip(ids, features, strict=True))


# --- Listing the collections (Debian's ogrinfo) ----------------------------------------------


def test_anonymous_gdal_lists_only_havens_and_schools(live_server, public_places):
    assert _layers(live_server, []) == PUBLIC


@pytest.mark.parametrize("auth", ["basic", "bearer"])
def test_gdal_with_an_api_token_lists_every_collection(live_server, public_places,
                                                       planner_token, auth):
    assert _layers(live_server, _auth_options(auth, planner_token)) == ALL


def test_gdal_with_a_wrong_token_is_refused_not_served_as_anonymous(live_server, public_places):
    run = _gdal("ogrinfo", "-ro", "-so", *_auth_options("bearer", "not-a-token"),
                f"OAPIF:{live_server}/ogc", check=False)
    assert run.returncode != 0, f"ogrinfo opened the API with a wrong token:\n{run.stdout}"
    assert "HTTP error code : 401" in run.stderr, run.stderr


# --- Reading every feature (Debian's ogr2ogr) ------------------------------------------------


@pytest.mark.parametrize(("auth", "collections"), [("anonymous", PUBLIC), ("basic", ALL),
                                                   ("bearer", ALL)],
                         ids=["anonymous", "basic", "bearer"])
def test_gdal_reads_every_feature_of_every_collection_it_lists(
        live_server, client, public_places, planted, planner_token, tmp_path, auth,
        collections):
    token = None if auth == "anonymous" else planner_token
    options = _auth_options(auth, token)
    for collection in collections:
        expected = _api_features(client, collection, token)
        assert expected, f"no {collection} to read: the fixtures should publish some"
        read = _ogr2ogr_features(live_server, collection, options, tmp_path)
        assert sorted(read) == sorted(expected), f"GDAL read other {collection} than the API has"
        for feature_id, feature in expected.items():
            assert shapely.geometry.shape(read[feature_id]["geometry"]).equals_exact(
                shapely.geometry.shape(feature["geometry"]), tolerance=1e-9), \
                f"{collection} {feature_id}: GDAL read another geometry than the API gave"


# --- Exact coordinates (GDAL 3.7+ in pyogrio, in a subprocess) ------------------------------

READ_LAYER = """
import json, sys
import pyogrio, pyogrio.raw, shapely
meta, fids, geometries, fields = pyogrio.raw.read(f"OAPIF:{sys.argv[1]}", layer=sys.argv[2],
                                                  return_fids=True)
names = list(meta["fields"])
ids = fields[names.index("id")] if "id" in names else fids
print(json.dumps({
    "gdal": pyogrio.__gdal_version_string__, "crs": meta["crs"],
    "features": {str(i): shapely.get_coordinates(shapely.from_wkb(g)).tolist()
                 for i, g in zip(ids.tolist(), geometries)}}))
"""


def _pyogrio_read(live_server: str, layer: str, token: str | None = None) -> dict:
    """The layer as pyogrio's GDAL reads it: its CRS and each feature's coordinates by id."""
    env = _env()
    if token:
        env.update(GDAL_HTTP_AUTH="BASIC", GDAL_HTTP_USERPWD=f"qgis:{token}")
    run = subprocess.run([sys.executable, "-c", READ_LAYER, f"{live_server}/ogc", layer],
                         env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert run.returncode == 0, f"pyogrio could not read {layer}:\n{run.stdout}\n{run.stderr}"
    return json.loads(run.stdout)


def _hexagon(db_session, cell_id: str) -> list[list[float]]:
    """PostGIS's own vertices of the hexagon a heat cell id (term:cell_m:i:j) names."""
    _term, cell_m, i, j = cell_id.split(":")
    geometry = db_session.scalar(
        text("SELECT ST_AsGeoJSON(ST_SetSRID(ST_Hexagon(:m, :i, :j), 27700), 9)"),
        {"m": int(cell_m), "i": int(i), "j": int(j)})
    return json.loads(geometry)["coordinates"][0]


def test_gdal_reads_heat_cells_in_british_national_grid_exactly(
        live_server, client, db_session, planted, planner_token):
    read = _pyogrio_read(live_server, "heat_cells", planner_token)
    assert read["crs"] == "EPSG:27700", \
        f"GDAL {read['gdal']} read heat_cells in {read['crs']}, not their storage CRS"
    expected_ids = sorted(_api_features(client, "heat_cells", planner_token))
    assert expected_ids and sorted(read["features"]) == expected_ids
    for cell_id, coordinates in read["features"].items():
        hexagon = _hexagon(db_session, cell_id)
        assert len(coordinates) == len(hexagon) == 7, (cell_id, coordinates)
        assert all(abs(a - b) <= 1e-6 for got, want in zip(coordinates, hexagon, strict=True)
                   for a, b in zip(got, want, strict=True)), \
            f"{cell_id}: GDAL read {coordinates}, PostGIS builds {hexagon}"


def test_gdal_reads_havens_in_crs84_where_they_are_stored(live_server, db_session,
                                                          public_places):
    read = _pyogrio_read(live_server, "havens")
    assert 'AUTHORITY["OGC","CRS84"]' in read["crs"], f"havens read in {read['crs']}"
    stored = dict(db_session.execute(text(
        "SELECT h.id, json_build_array(ST_X(h.location), ST_Y(h.location)) FROM haven h "
        "JOIN borough b ON b.id = h.borough_id WHERE h.status = 'active' AND b.code = :code"),
        {"code": BOROUGH}).all())
    assert sorted(stored) == sorted(public_places["havens"])
    assert sorted(read["features"]) == sorted(str(haven_id) for haven_id in stored)
    for haven_id, (lon, lat) in stored.items():
        [[got_lon, got_lat]] = read["features"][str(haven_id)]
        assert abs(got_lon - lon) <= 1e-7 and abs(got_lat - lat) <= 1e-7, \
            f"haven {haven_id}: GDAL read ({got_lon}, {got_lat}), stored ({lon}, {lat})"


def test_gdal_takes_each_column_type_from_the_feature_schema_not_from_a_first_page(
        live_server, planted, planner_token):
    info = subprocess.run([sys.executable, "-c", COLUMN_TYPES, f"{live_server}/ogc", "heat_cells"],
                          env={**_env(), "GDAL_HTTP_AUTH": "BASIC",
                               "GDAL_HTTP_USERPWD": f"qgis:{planner_token}"},
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert info.returncode == 0, info.stderr
    types = json.loads(info.stdout)
    # the planted pupils marked nothing safe: every safe count is null, so a guess says String
    assert types["safe_pupils"] == "OFTInteger" and types["safe_rate"] == "OFTReal", types
    assert types["unsafe_pupils"] == "OFTInteger" and types["term_start"] == "OFTDate", types


COLUMN_TYPES = """
import json, sys
import pyogrio
info = pyogrio.read_info(f"OAPIF:{sys.argv[1]}", layer=sys.argv[2])
print(json.dumps(dict(zip(info["fields"].tolist(), info["ogr_types"]))))
"""
