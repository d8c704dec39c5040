"""`flask import basemap`: classified, idempotent, --replace, rejected rows by number, default
attributions, and files with nothing usable refused with nothing stored."""

from datetime import date

import pytest
from shapely.geometry import Point
from sqlalchemy import func, select, text

from core.basemap import services
from core.basemap.models import BasemapFeature, BasemapSource
from core.errors import InvalidInput
from tests.core.basemap.files import HOME, gpkg_layer, line, osm_file, square

OSM = "© OpenStreetMap contributors"


def _features(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(BasemapFeature))


def _layers(db_session) -> dict[str, int]:
    return dict(db_session.execute(select(BasemapFeature.layer, func.count())
                                   .group_by(BasemapFeature.layer)).all())


def run(runner, *args):
    return runner.invoke(args=["import", "basemap", *map(str, args)])


@pytest.fixture
def osm_path(tmp_path):
    """An overpass-turbo-like export: five drawable features, a bus stop, a building and one
    feature without map tags (row 8)."""
    return osm_file(tmp_path / "osm.geojson", [
        (line((0, 0), (400, 0)), {"@id": "way/1", "highway": "primary", "name": "High Street"}),
        (line((0, 100), (400, 120)), {"@id": "way/2", "highway": "residential",
                                      "name": "Elm Road"}),
        (line((50, 0), (50, 100)), {"@id": "way/3", "highway": "footway"}),
        (square(100, 150, 120), {"@id": "way/4", "leisure": "park", "name": "Manor Park"}),
        (line((0, 300), (400, 280)), {"@id": "way/5", "waterway": "river"}),
        (Point(HOME), {"@id": "node/6", "highway": "bus_stop"}),
        (square(300, 20, 15), {"@id": "way/7", "building": "yes"}),
        (line((0, 50), (400, 50)), {"@id": "way/8", "fixme": "what is this"}),
    ])


def test_an_openstreetmap_export_is_classified_with_progress_and_a_report(runner, db_session,
                                                                        osm_path):
    result = run(runner, osm_path)
    assert result.exit_code == 0, result.output
    assert "Importing basemap" in result.stderr
    assert "Basemap features: 5 created, 0 updated, 2 skipped, 1 rejected." in result.stdout
    assert "by layer: park 1, waterway 1, path 1, road 1, major_road 1" in result.stdout
    assert f"source 'osm.geojson', credited on maps as: {OSM}" in result.stdout
    assert "rejected row 8: no road, path, park, water or railway tags" in result.stdout
    assert _layers(db_session) == {"major_road": 1, "road": 1, "path": 1, "park": 1,
                                   "waterway": 1}
    source = db_session.scalar(select(BasemapSource))
    assert (source.name, source.attribution, source.feature_count) == ("osm.geojson", OSM, 5)
    name, srid, kind = db_session.execute(text(
        "SELECT name, ST_SRID(geometry), GeometryType(geometry) FROM basemap_feature "
        "WHERE layer = 'park'")).one()
    assert (name, srid, kind) == ("Manor Park", 4326, "POLYGON")


def test_importing_the_same_file_again_creates_nothing(runner, db_session, osm_path):
    run(runner, osm_path)
    keys = set(db_session.scalars(select(BasemapFeature.feature_key)))
    again = run(runner, osm_path)
    assert "Basemap features: 0 created, 5 updated, 2 skipped, 1 rejected." in again.output
    assert set(db_session.scalars(select(BasemapFeature.feature_key))) == keys
    assert _features(db_session) == 5
    assert db_session.scalar(select(func.count()).select_from(BasemapSource)) == 1


def test_a_feature_changed_in_the_new_file_is_updated_in_place(runner, db_session, tmp_path):
    first = osm_file(tmp_path / "a.geojson", [
        (line((0, 0), (100, 0)), {"@id": "way/1", "highway": "tertiary", "name": "Old Road"})])
    run(runner, first)
    second = osm_file(tmp_path / "a.geojson", [
        (line((0, 0), (150, 10)), {"@id": "way/1", "highway": "primary", "name": "New Road"})])
    assert "0 created, 1 updated" in run(runner, second).output
    assert db_session.execute(select(BasemapFeature.layer, BasemapFeature.name)).all() == [
        ("major_road", "New Road")]


def test_replace_removes_every_earlier_feature_and_source(runner, db_session, tmp_path,
                                                          osm_path):
    run(runner, osm_path)
    other = osm_file(tmp_path / "rail.geojson", [
        (line((0, 500), (900, 520)), {"railway": "rail", "name": "Mid Kent Line"})])
    kept = run(runner, other)
    assert "1 created" in kept.output and _features(db_session) == 6
    replaced = run(runner, other, "--replace")
    assert "Basemap features: 1 created, 0 updated" in replaced.output
    assert _layers(db_session) == {"railway": 1}
    assert db_session.scalars(select(BasemapSource.name)).all() == ["rail.geojson"]


def test_a_file_with_nothing_usable_stores_nothing_and_says_why(runner, db_session, tmp_path,
                                                                osm_path):
    run(runner, osm_path)
    useless = osm_file(tmp_path / "buildings.geojson", [
        (square(0, 0, 20), {"building": "yes"}), (Point(HOME), {"amenity": "bench"}),
        (line((0, 0), (10, 0)), {"colour": "red"})])
    result = run(runner, useless, "--replace")
    assert result.exit_code == 1
    assert ("buildings.geojson has no roads, paths, parks, water or railways we can use "
            "(2 skipped, 1 rejected); nothing was stored.") in result.output
    assert "row 3: no road, path, park, water or railway tags" in result.output
    assert _features(db_session) == 5  # --replace did not delete the earlier import
    assert db_session.scalars(select(BasemapSource.name)).all() == ["osm.geojson"]


def test_an_unreadable_file_is_refused_before_anything_changes(runner, db_session, tmp_path,
                                                               osm_path):
    run(runner, osm_path)
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    result = run(runner, broken, "--replace")
    assert result.exit_code == 1 and "Cannot read broken.geojson" in result.output
    assert _features(db_session) == 5


def test_a_british_national_grid_file_lands_in_the_right_place(runner, db_session, tmp_path):
    road = line((0, 0), (500, 0))
    run(runner, osm_file(tmp_path / "bng.geojson", [(road, {"highway": "residential"})],
                         crs=27700))
    x0, y0, x1, y1 = db_session.execute(text(
        "SELECT ST_X(ST_StartPoint(geometry)), ST_Y(ST_StartPoint(geometry)), "
        "ST_X(ST_EndPoint(geometry)), ST_Y(ST_EndPoint(geometry)) FROM basemap_feature")).one()
    assert (x0, y0, x1, y1) == pytest.approx((*road.coords[0], *road.coords[1]), abs=1e-7)


def test_an_os_geopackage_with_two_layers_is_credited_to_ordnance_survey(runner, db_session,
                                                                         tmp_path):
    path = tmp_path / "open_roads.gpkg"
    gpkg_layer(path, "road_link", [line((0, 0), (300, 0)), line((0, 100), (300, 100))],
               crs="EPSG:27700", road_function=["A Road", "Local Road"],
               name_1=["Bromley Road", None],
               id=["0A1B2C3D-0000-0000-0000-000000000001",
                   "0A1B2C3D-0000-0000-0000-000000000002"])
    gpkg_layer(path, "greenspace_site", [square(0, 150, 100), square(200, 150, 50)],
               crs="EPSG:27700", function=["Playing Field", "Gym"],
               distinctive_name_1=["Forster Memorial Park", None])
    result = run(runner, path)
    assert "Basemap features: 4 created, 0 updated, 0 skipped, 0 rejected." in result.output
    assert _layers(db_session) == {"major_road": 1, "road": 1, "park": 2}
    assert set(db_session.scalars(select(BasemapFeature.name))) == {
        "Bromley Road", "Forster Memorial Park", None}
    assert db_session.scalar(select(BasemapSource.attribution)) == (
        f"Contains OS data © Crown copyright and database right {date.today().year}")
    assert "0 created, 4 updated" in run(runner, path).output
    assert _features(db_session) == 4


def test_kind_name_and_attribution_options(runner, db_session, tmp_path):
    sites = osm_file(tmp_path / "sites.geojson", [
        (square(0, 0, 100), {"label": "Site A"}), (square(200, 0, 80), {"label": "Site B"})])
    refused = run(runner, sites, "--kind", "park")
    assert refused.exit_code == 1 and "--attribution" in refused.output
    assert _features(db_session) == 0
    result = run(runner, sites, "--kind", "park", "--name", "Council green spaces",
                 "--attribution", "© Testham Council")
    assert result.exit_code == 0, result.output
    assert _layers(db_session) == {"park": 2}
    assert db_session.execute(select(BasemapSource.name, BasemapSource.attribution)).all() == [
        ("Council green spaces", "© Testham Council")]
    bad = run(runner, sites, "--kind", "buildings")
    assert bad.exit_code == 2 and "'buildings' is not one of" in bad.output


def test_the_service_refuses_an_unknown_kind(db_session, osm_path):
    with pytest.raises(InvalidInput, match="not a basemap layer"):
        services.import_basemap(db_session=db_session, path=osm_path, kind="building")


def test_a_feature_imported_again_from_another_file_moves_to_that_source(runner, db_session,
                                                                         tmp_path):
    north = osm_file(tmp_path / "north.geojson", [
        (line((0, 0), (100, 0)), {"@id": "way/1", "highway": "residential"}),
        (line((0, 50), (100, 50)), {"@id": "way/2", "highway": "residential"})])
    south = osm_file(tmp_path / "south.geojson", [
        (line((0, 50), (100, 50)), {"@id": "way/2", "highway": "residential"})])
    run(runner, north)
    assert "0 created, 1 updated" in run(runner, south).output
    counts = dict(db_session.execute(select(BasemapSource.name, BasemapSource.feature_count))
                  .all())
    assert counts == {"north.geojson": 1, "south.geojson": 1} and _features(db_session) == 2
