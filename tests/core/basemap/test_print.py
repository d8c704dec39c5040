"""The read side for printed maps: features in a frame given in British National Grid,
clipped, projected, simplified and in drawing order; the attributions of what is shown."""

import pytest
from shapely.geometry import LineString, box

from core.basemap import services
from core.errors import InvalidInput
from core.geo import reproject, transformer
from tests.core.basemap.files import line, lonlat, osm_file, square

BNG = 27700


def _frame(x_m: float, y_m: float, size_m: float) -> tuple[float, float, float, float]:
    """A square frame in EPSG:27700 whose south-west corner is x_m, y_m metres from HOME."""
    west, south = transformer(4326, BNG).transform(*lonlat(x_m, y_m))
    return (west, south, west + size_m, south + size_m)




@pytest.fixture
def town(db_session, tmp_path):
    """One of each layer around HOME (listed out of drawing order), a zig-zag lane, a road far
    away, and a second source 5 km east with its own attribution."""
    zigzag = line(*[(x, -100 + 0.3 * (x % 20 == 10)) for x in range(0, 201, 10)])
    path = osm_file(tmp_path / "town.geojson", [
        (line((-500, 100), (900, 100)), {"highway": "primary", "name": "High Street"}),
        (line((0, 200), (300, 200)), {"highway": "residential", "name": "Elm Road"}),
        (line((150, 0), (150, 300)), {"highway": "footway"}),
        (line((-500, 250), (900, 260)), {"railway": "rail"}),
        (line((0, 50), (300, 60)), {"waterway": "river", "name": "River Haven"}),
        (square(200, 120, 200), {"leisure": "park", "name": "Manor Park"}),
        (square(20, 220, 40), {"natural": "water"}),
        (zigzag, {"highway": "service", "name": "Zig Lane"}),
        (line((3000, 3000), (3100, 3000)), {"highway": "residential", "name": "Far Road"}),
    ])
    services.import_basemap(db_session=db_session, path=path)
    east = osm_file(tmp_path / "east.geojson", [
        (line((5000, 0), (5300, 0)), {"highway": "residential", "name": "East Road"})])
    services.import_basemap(db_session=db_session, path=east, attribution="© East Council")
    return db_session


def test_features_come_clipped_projected_and_in_drawing_order(town):
    frame = _frame(0, 0, 300)
    features = services.features_for_print(db_session=town, bounds=frame, srid=BNG)
    assert [f.layer for f in features] == ["water", "park", "waterway", "railway", "path",
                                           "road", "major_road"]
    outline = box(*frame).buffer(0.01)
    assert all(outline.covers(f.geometry) for f in features)
    high_street = features[-1]
    assert high_street.name == "High Street"
    assert high_street.geometry.length == pytest.approx(300, abs=0.5)  # 1.4 km, clipped
    park = features[1]
    assert park.geometry.geom_type == "Polygon"
    assert park.geometry.area == pytest.approx(100 * 180, rel=0.02)  # 200 m square, cut
    assert "Far Road" not in {f.name for f in features}


def test_cut_features_stay_lines_and_areas_and_none_is_empty(town):
    # the frame's west edge runs along the footpath, its corner near Elm Road's west end
    frame = _frame(150, 200, 100)
    features = services.features_for_print(db_session=town, bounds=frame, srid=BNG)
    assert {f.geometry.geom_type for f in features} <= {"LineString", "MultiLineString",
                                                        "Polygon", "MultiPolygon"}
    assert all(not f.geometry.is_empty for f in features)


def test_simplification_is_in_metres(town):
    frame = _frame(-10, -110, 230)
    lanes = {tolerance: next(f for f in services.features_for_print(
        db_session=town, bounds=frame, srid=BNG, tolerance_m=tolerance) if f.name == "Zig Lane")
        for tolerance in (0.0, 1.0)}
    assert len(lanes[0.0].geometry.coords) == 21
    assert len(lanes[1.0].geometry.coords) == 2
    assert isinstance(lanes[1.0].geometry, LineString)


def test_geometries_are_in_the_map_s_coordinates(town):
    frame = _frame(-50, -50, 400)
    river = next(f for f in services.features_for_print(db_session=town, bounds=frame, srid=BNG)
                 if f.layer == "waterway")
    expected = reproject(line((0, 50), (300, 60)), 4326, BNG)
    assert river.geometry.coords[0] == pytest.approx(expected.coords[0], abs=0.01)
    assert river.geometry.coords[-1] == pytest.approx(expected.coords[-1], abs=0.01)


def test_attributions_name_only_the_sources_shown(town):
    here, east, both = _frame(0, 0, 300), _frame(4900, -100, 500), _frame(0, -100, 5400)
    assert services.attributions_in(db_session=town, bounds=here, srid=BNG) == [
        "© OpenStreetMap contributors"]
    assert services.attributions_in(db_session=town, bounds=east, srid=BNG) == [
        "© East Council"]
    assert services.attributions_in(db_session=town, bounds=both, srid=BNG) == [
        "© East Council", "© OpenStreetMap contributors"]
    assert services.attributions_in(db_session=town, bounds=_frame(-9000, 0, 100),
                                    srid=BNG) == []


def test_whether_a_frame_has_any_basemap(town):
    assert services.features_for_print(db_session=town, bounds=_frame(0, 0, 300), srid=BNG)
    assert services.features_for_print(db_session=town, bounds=_frame(3050, 2990, 20),
                                       srid=BNG)
    assert services.features_for_print(db_session=town, bounds=_frame(-9000, 0, 100),
                                       srid=BNG) == []


@pytest.mark.parametrize("bounds", [(10, 0, 0, 10), (0, 0, 10), (0, 0, float("nan"), 10),
                                    ("a", 0, 1, 1)])
def test_a_frame_that_is_not_a_rectangle_is_refused(db_session, bounds):
    with pytest.raises(InvalidInput):
        services.features_for_print(db_session=db_session, bounds=bounds, srid=BNG)
