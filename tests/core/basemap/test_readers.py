"""Reading basemap files (pure): CRSs, GeoPackage layers, geometry rules, names and the keys
that make re-imports idempotent."""

import json

import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from core.basemap import readers
from core.basemap.readers import BasemapRow, Skipped
from core.geo import transformer
from core.places.readers import Rejected, UnreadableFile
from tests.core.basemap.files import HOME, gpkg_layer, line, osm_file, square


def _read(path, kind=None) -> list:
    return list(readers.read_basemap(path, kind))


def _rows(items) -> list[BasemapRow]:
    return [item for item in items if isinstance(item, BasemapRow)]


def test_a_geojson_in_british_national_grid_lands_in_lon_lat(tmp_path):
    road = line((0, 0), (300, 0))
    path = osm_file(tmp_path / "bng.geojson", [(road, {"highway": "residential"})], crs=27700)
    written = json.loads(path.read_text())["features"][0]["geometry"]["coordinates"][0]
    assert written[0] > 500_000 and written[1] > 170_000  # metres, not degrees
    stored = shapely.from_wkb(_rows(_read(path))[0].wkb)
    assert stored.coords[0] == pytest.approx(road.coords[0], abs=1e-7)
    assert stored.coords[1] == pytest.approx(road.coords[1], abs=1e-7)


def test_every_layer_of_a_geopackage_is_read_in_lon_lat(tmp_path):
    path = tmp_path / "os.gpkg"
    gpkg_layer(path, "road_link", [line((0, 0), (200, 0)), line((0, 80), (200, 80))],
               crs="EPSG:27700", function=["A Road", "Local Road"],
               name1=["High Street", "Elm Road"])
    gpkg_layer(path, "greenspace_site", [square(0, 100, 150)], crs="EPSG:27700",
               function=["Public Park Or Garden"], distinctive_name_1=["Manor Park"])
    rows = _rows(_read(path))
    assert [(r.layer, r.name, r.origin) for r in rows] == [
        ("major_road", "High Street", "os"), ("road", "Elm Road", "os"),
        ("park", "Manor Park", "os")]
    west, south, _east, _north = shapely.from_wkb(rows[2].wkb).bounds
    assert (west, south) == pytest.approx(square(0, 100, 150).bounds[:2], abs=1e-7)
    assert readers.count_features(path) == 3


def test_rejections_name_the_row_and_in_a_geopackage_the_layer(tmp_path):
    path = tmp_path / "mixed.gpkg"
    gpkg_layer(path, "roads", [line((0, 0), (50, 0))], highway=["residential"])
    gpkg_layer(path, "stuff", [line((0, 0), (50, 0)), line((0, 10), (50, 10))],
               highway=["footway", None], colour=[None, "red"])
    rejected = [item for item in _read(path) if isinstance(item, Rejected)]
    assert [(r.row, r.reason) for r in rejected] == [
        (2, "layer 'stuff': no road, path, park, water or railway tags")]


def test_points_buildings_and_unknown_features_are_skipped_or_rejected(tmp_path):
    path = osm_file(tmp_path / "osm.geojson", [
        (line((0, 0), (100, 0)), {"highway": "residential"}),
        (Point(HOME), {"highway": "bus_stop"}),
        (square(0, 0, 20), {"building": "yes"}),
        (line((0, 0), (100, 0)), {"power": "line"}),
        (line((0, 0), (100, 0)), {"note": "mystery"}),
        (None, {"highway": "residential"}),
    ])
    items = _read(path)
    assert [type(item).__name__ for item in items] == [
        "BasemapRow", "Skipped", "Skipped", "Skipped", "Rejected", "Rejected"]
    assert items[4] == Rejected(5, "no road, path, park, water or railway tags")
    assert items[5] == Rejected(6, "no geometry")


def test_areas_for_area_layers_and_lines_for_line_layers(tmp_path):
    ring = line((0, 0), (100, 0), (100, 100), (0, 0))
    bowtie = Polygon(line((0, 0), (100, 100), (100, 0), (0, 100)).coords)
    path = osm_file(tmp_path / "shapes.geojson", [
        (ring, {"leisure": "park"}),                         # closed way → area
        (line((0, 0), (100, 0)), {"leisure": "park"}),       # open line: no area
        (square(0, 0, 50), {"highway": "pedestrian", "area": "yes"}),  # a square → outline
        (bowtie, {"natural": "water"}),                      # self-crossing → repaired
    ])
    items = _read(path)
    assert isinstance(shapely.from_wkb(items[0].wkb), Polygon)
    assert items[1] == Rejected(2, "a park must be an area, not an open line")
    outline = shapely.from_wkb(items[2].wkb)
    assert isinstance(outline, LineString) and outline.is_closed
    repaired = shapely.from_wkb(items[3].wkb)
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"


def test_os_layer_names_count_in_a_geopackage_but_not_as_a_geojson_file_name(tmp_path):
    untagged = [line((0, 0), (100, 0))]
    gpkg = gpkg_layer(tmp_path / "os.gpkg", "RailwayTrack", untagged, featcode=["15800"])
    named = osm_file(tmp_path / "RailwayTrack.geojson", [(untagged[0], {"featcode": "15800"})])
    assert [(r.layer, r.origin) for r in _rows(_read(gpkg))] == [("railway", "os")]
    assert _read(named) == [Rejected(1, "no road, path, park, water or railway tags")]


def test_3d_geometries_are_stored_flat():
    road = LineString([(0, 51.45, 12.0), (0.001, 51.45, 14.0)])
    row = readers.basemap_item(1, {"highway": "residential"}, shapely.force_2d(road), "x")
    assert not shapely.has_z(shapely.from_wkb(row.wkb))
    item = readers.basemap_item(1, {"highway": "residential"},
                                MultiLineString([[(0, 51.45), (0, 51.45)]]), "x")
    assert item == Rejected(1, "the line is empty")


def test_coordinates_that_are_not_lon_lat_are_rejected():
    projected = LineString([(537_800, 174_300), (537_900, 174_300)])
    item = readers.basemap_item(3, {"highway": "residential"}, projected, "x")
    assert item.row == 3 and "not on Earth" in item.reason


def test_kind_puts_every_feature_in_one_layer_but_still_drops_points(tmp_path):
    path = osm_file(tmp_path / "greenspace.geojson", [
        (square(0, 0, 100), {"label": "Site A"}),
        (square(200, 0, 100), {"label": "Site B", "highway": "footway"}),
        (Point(HOME), {"label": "Gate"}),
    ])
    items = _read(path, kind="park")
    assert [getattr(item, "layer", None) for item in items] == ["park", "park", None]
    assert isinstance(items[2], Skipped)
    with pytest.raises(ValueError, match="unknown basemap layer"):
        _read(path, kind="buildings")


@pytest.mark.parametrize(("attributes", "expected"), [
    ({"name": "  Elm   Road "}, "Elm Road"),
    ({"name1": "High Street", "name2": "Stryd Fawr"}, "High Street"),
    ({"roadname": "Station Road"}, "Station Road"),
    ({"distinctive_name_1": "Manor Park"}, "Manor Park"),
    ({"watercourse_name": "River Quaggy"}, "River Quaggy"),
    ({"name": "x" * 250}, "x" * 200),
    ({"ref": "A20"}, None),
])
def test_names_come_from_whichever_name_field_the_file_has(attributes, expected):
    row = readers.basemap_item(1, {"highway": "primary", **attributes},
                               line((0, 0), (10, 0)), "x")
    assert row.name == expected


def test_osm_ids_and_os_identifiers_keep_a_feature_s_key_when_it_moves():
    here, there = line((0, 0), (10, 0)), line((0, 5), (10, 5))
    for attributes in ({"@id": "way/7", "highway": "residential"},
                       {"identifier": "0A1B2C3D-0000-0000-0000-000000000001",
                        "function": "Local Road"}):
        first = readers.basemap_item(1, attributes, here, "a")
        moved = readers.basemap_item(9, attributes, there, "b")
        assert first.feature_key == moved.feature_key and len(first.feature_key) == 40
    by_id = readers.basemap_item(1, {"id": "way/7", "highway": "residential"}, here, "c")
    by_at_id = readers.basemap_item(1, {"@id": "way/7", "highway": "residential"}, here, "d")
    assert by_id.feature_key == by_at_id.feature_key


def test_short_ids_are_only_unique_within_their_layer_and_features_without_ids_use_shape():
    road = line((0, 0), (10, 0))
    in_roads = readers.basemap_item(1, {"id": "1", "highway": "residential"}, road, "roads")
    in_paths = readers.basemap_item(1, {"id": "1", "highway": "residential"}, road, "paths")
    assert in_roads.feature_key != in_paths.feature_key
    plain = readers.basemap_item(1, {"highway": "residential", "name": "A"}, road, "x")
    again = readers.basemap_item(5, {"highway": "residential", "name": "A"}, road, "y")
    renamed = readers.basemap_item(1, {"highway": "residential", "name": "B"}, road, "x")
    moved = readers.basemap_item(1, {"highway": "residential", "name": "A"},
                                 line((0, 1), (10, 1)), "x")
    assert plain.feature_key == again.feature_key
    assert len({plain.feature_key, renamed.feature_key, moved.feature_key}) == 3


def test_tags_nested_by_osmtogeojson_or_in_gdal_other_tags_are_read():
    nested = readers.feature_attributes(["tags"], ['{"highway": "footway", "name": "Alley"}'])
    hstore = readers.feature_attributes(
        ["name", "other_tags"], ["Old Line", '"railway"=>"rail","usage"=>"main"'])
    assert (nested["highway"], nested["name"]) == ("footway", "Alley")
    assert (hstore["railway"], hstore["name"]) == ("rail", "Old Line")
    assert readers.feature_attributes(["osm_id", "width"], [12.0, float("nan")]) == {
        "osm_id": "12"}


def test_a_file_that_is_not_a_vector_file_is_unreadable(tmp_path):
    path = tmp_path / "notes.geojson"
    path.write_text("{not json")
    with pytest.raises(UnreadableFile, match=r"Cannot read notes\.geojson"):
        readers.file_layers(path)
    assert readers.count_features(path) == 1


def test_lon_lat_helpers_agree_with_the_national_grid():
    east, _ = transformer(4326, 27700).transform(*line((0, 0), (100, 0)).coords[1])
    west, _ = transformer(4326, 27700).transform(*HOME)
    assert east - west == pytest.approx(100, abs=2)
