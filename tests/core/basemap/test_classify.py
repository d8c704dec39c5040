"""Which basemap layer a feature goes to: OpenStreetMap tags, Geofabrik classes, Ordnance
Survey attributes and layer names (pure)."""

import pytest

from core.basemap.classify import SKIP, layer_for, normalise_layer_name, origin_of
from core.basemap.readers import feature_attributes

LINE, AREA = False, True


@pytest.mark.parametrize(("tags", "is_area", "expected"), [
    ({"highway": "motorway"}, LINE, "major_road"),
    ({"highway": "trunk_link"}, LINE, "major_road"),
    ({"highway": "primary"}, LINE, "major_road"),
    ({"highway": "secondary"}, LINE, "major_road"),
    ({"highway": "tertiary"}, LINE, "road"),
    ({"highway": "residential"}, LINE, "road"),
    ({"highway": "unclassified"}, LINE, "road"),
    ({"highway": "living_street"}, LINE, "road"),
    ({"highway": "service"}, LINE, "road"),
    ({"highway": "pedestrian", "area": "yes"}, AREA, "road"),
    ({"highway": "footway"}, LINE, "path"),
    ({"highway": "path"}, LINE, "path"),
    ({"highway": "cycleway"}, LINE, "path"),
    ({"highway": "steps"}, LINE, "path"),
    ({"highway": "bridleway"}, LINE, "path"),
    ({"highway": "track"}, LINE, "path"),
    ({"railway": "rail"}, LINE, "railway"),
    ({"railway": "light_rail"}, LINE, "railway"),
    ({"waterway": "river"}, LINE, "waterway"),
    ({"waterway": "canal"}, LINE, "waterway"),
    ({"waterway": "stream"}, LINE, "waterway"),
    ({"natural": "water", "water": "pond"}, AREA, "water"),
    ({"landuse": "reservoir"}, AREA, "water"),
    ({"waterway": "riverbank"}, AREA, "water"),
    ({"leisure": "park"}, AREA, "park"),
    ({"leisure": "garden"}, AREA, "park"),
    ({"leisure": "playground"}, AREA, "park"),
    ({"leisure": "recreation_ground"}, AREA, "park"),
    ({"leisure": "pitch", "sport": "soccer"}, AREA, "park"),
    ({"landuse": "village_green"}, AREA, "park"),
    ({"landuse": "grass"}, AREA, "park"),
    ({"natural": "wood"}, AREA, "park"),
    ({"landuse": "forest"}, AREA, "park"),
    ({"landuse": "cemetery"}, AREA, "park"),
    ({"amenity": "grave_yard"}, AREA, "park"),
    # a footpath mapped on the edge of a park: the shape decides
    ({"highway": "footway", "leisure": "park"}, LINE, "path"),
    ({"highway": "footway", "leisure": "park"}, AREA, "park"),
])
def test_openstreetmap_tags_choose_the_layer(tags, is_area, expected):
    assert layer_for(tags, "export", is_area) == expected


@pytest.mark.parametrize(("tags", "is_area"), [
    ({"building": "yes"}, AREA),
    ({"building": "school", "leisure": "park"}, AREA),
    ({"landuse": "industrial"}, AREA),
    ({"landuse": "residential"}, AREA),
    ({"amenity": "parking"}, AREA),
    ({"highway": "bus_stop"}, LINE),
    ({"highway": "proposed"}, LINE),
    ({"railway": "abandoned"}, LINE),
    ({"railway": "subway", "tunnel": "yes"}, LINE),
    ({"waterway": "stream", "tunnel": "culvert"}, LINE),
    ({"barrier": "fence"}, LINE),
    ({"boundary": "administrative"}, AREA),
])
def test_map_data_the_basemap_does_not_draw_is_skipped(tags, is_area):
    assert layer_for(tags, "export", is_area) == SKIP


@pytest.mark.parametrize("tags", [{}, {"name": "Something"}, {"colour": "red", "id": "7"}])
def test_features_without_map_tags_are_not_recognised(tags):
    assert layer_for(tags, "export", LINE) is None


@pytest.mark.parametrize(("fields", "values", "file_layer", "expected"), [
    # OS Open Roads (GeoPackage and shapefile names), MasterMap Highways, OpenMap Local
    (["road_function"], ["A Road"], "road_link", "major_road"),
    (["function"], ["B Road"], "TQ_RoadLink", "major_road"),
    (["roadFunction"], ["Motorway"], "RoadLink", "major_road"),
    (["function"], ["Minor Road"], "road_link", "road"),
    (["function"], ["Local Road"], "road_link", "road"),
    (["function"], ["Restricted Local Access Road"], "road_link", "road"),
    (["routeHierarchy"], ["A Road Primary"], "RoadLink", "major_road"),
    (["class"], ["Unclassified"], "road_link", "road"),
    (["CLASSIFICA"], ["Local Street"], "TQ_Road", "road"),
    (["formOfWay"], ["Single Carriageway"], "Road", "road"),
    (["formOfWay"], ["Path"], "PathLink", "path"),
    # OS Open Greenspace
    (["function"], ["Public Park Or Garden"], "greenspace_site", "park"),
    (["function"], ["Playing Field"], "GreenspaceSite", "park"),
    (["function"], ["Cemetery"], "anything", "park"),
    # OS Open Rivers, OpenMap Local water, Open Zoomstack
    (["form"], ["inlandRiver"], "watercourse_link", "waterway"),
    (["FEATCODE"], ["15609"], "TQ_SurfaceWater_Area", "water"),
    (["FEATCODE"], ["15600"], "SurfaceWater_Line", "waterway"),
    (["CLASSIFICA"], ["Multi Track"], "RailwayTrack", "railway"),
    (["type"], ["Motorway"], "roads_national", "major_road"),
    (["type"], ["A Road"], "roads_regional", "major_road"),
    (["type"], ["Local"], "roads_local", "road"),
    (["type"], ["Local"], "woodland", "park"),
    (["type"], ["National"], "surfacewater", "water"),
    (["type"], ["Multi Track"], "rail", "railway"),
])
def test_ordnance_survey_attributes_and_layer_names_choose_the_layer(fields, values,
                                                                      file_layer, expected):
    attributes = feature_attributes([f.lower() for f in fields], values)
    assert layer_for(attributes, file_layer, is_area=expected in ("water", "park")) == expected


@pytest.mark.parametrize("file_layer", ["Building", "TQ_Building", "local_buildings",
                                        "foreshore"])
def test_os_layers_the_basemap_does_not_draw_are_skipped(file_layer):
    assert layer_for({"featcode": "15014"}, file_layer, AREA) == SKIP


@pytest.mark.parametrize(("fclass", "is_area", "expected"), [
    ("residential", LINE, "road"), ("primary", LINE, "major_road"),
    ("track_grade2", LINE, "path"), ("footway", LINE, "path"), ("rail", LINE, "railway"),
    ("river", LINE, "waterway"), ("river", AREA, "water"), ("water", AREA, "water"),
    ("park", AREA, "park"), ("cemetery", AREA, "park"), ("industrial", AREA, SKIP),
    ("building", AREA, SKIP),
])
def test_geofabrik_classes_choose_the_layer(fclass, is_area, expected):
    assert layer_for({"osm_id": "4", "fclass": fclass}, "gis_osm_roads_free_1",
                     is_area) == expected


def test_layer_names_lose_case_separators_and_grid_square():
    assert normalise_layer_name("TQ_SurfaceWater_Area") == "surfacewaterarea"
    assert normalise_layer_name("road_link") == "roadlink"


@pytest.mark.parametrize(("attributes", "file_layer", "expected"), [
    ({"@id": "way/1", "highway": "residential"}, "export", "osm"),
    ({"id": "way/1"}, "export", "osm"),
    ({"osm_id": "42", "fclass": "residential"}, "gis_osm_roads_free_1", "osm"),
    ({"leisure": "park"}, "export", "osm"),
    ({"function": "A Road", "identifier": "0A1B"}, "road_link", "os"),
    ({"featcode": "15609"}, "SurfaceWater_Area", "os"),
    ({"function": "Public Park Or Garden"}, "sites", "os"),
    ({"colour": "green"}, "export", None),
])
def test_the_origin_decides_whom_to_credit(attributes, file_layer, expected):
    assert origin_of(attributes, file_layer) == expected
