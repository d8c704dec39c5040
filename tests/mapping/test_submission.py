"""Reading, checking and repairing a pupil's map, without a database."""

import json
import math

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from core.geo import reproject, transformer
from mapping.submission import (
    MAX_BODY_BYTES,
    MAX_COMMENT,
    MAX_OTHER,
    MAX_VERTICES,
    MAX_ZONES,
    SubmissionError,
    clean_map,
    parse_body,
)
from mapping.vocabulary import (
    ICONS,
    SAFE_REASONS,
    SUGGESTIONS,
    TIMES,
    UNSAFE_REASONS,
    reasons_for,
)

# The map area: a 1.5 km circle around a school near lon 0.0, lat 51.45 (built in metres).
CX, CY = transformer(4326, 27700).transform(0.0, 51.45)
RADIUS_M = 1500
MAP_AREA = reproject(Point(CX, CY).buffer(RADIUS_M, quad_segs=32), 27700, 4326)
OUTSIDE = "you drew outside the map area. Draw inside the marked area."


def lonlat(dx: float, dy: float) -> list[float]:
    """The lon/lat of a point dx metres east and dy metres north of the centre."""
    lon, lat = transformer(27700, 4326).transform(CX + dx, CY + dy)
    return [lon, lat]


def area(*corners: tuple[float, float], holes=()) -> dict:
    """A GeoJSON Polygon through corners given in metres from the centre (closed for you)."""
    rings = [list(corners), *holes]
    return {"type": "Polygon",
            "coordinates": [[lonlat(*p) for p in [*ring, ring[0]]] for ring in rings]}


def square(x: float, y: float, size: float) -> dict:
    """A square area with its south-west corner at (x, y) metres from the centre."""
    return area((x, y), (x + size, y), (x + size, y + size), (x, y + size))


def route(*points: tuple[float, float]) -> dict:
    return {"type": "LineString", "coordinates": [lonlat(*p) for p in points]}


def spot(x: float = 0, y: float = 0) -> dict:
    return {"type": "Point", "coordinates": lonlat(x, y)}


def feature(geometry: dict | None, **properties) -> dict:
    """An unsafe zone, dark at night, unless the properties say otherwise."""
    props = {"kind": "unsafe", "reasons": ["dark"], "times": ["night"]} | properties
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def clean(*features: dict, **options):
    return clean_map(collection(*features), area_of_interest=MAP_AREA, **options)


def refusal(doc: dict, **options) -> SubmissionError:
    with pytest.raises(SubmissionError) as info:
        clean_map(doc, area_of_interest=MAP_AREA, **options)
    return info.value


def in_metres(geometry):
    return reproject(geometry, 4326, 27700)


# ---- vocabulary -------------------------------------------------------------------------------

def test_each_kind_has_its_own_reasons_and_every_key_has_an_icon():
    assert reasons_for("unsafe") == UNSAFE_REASONS and reasons_for("safe") == SAFE_REASONS
    keys = {*UNSAFE_REASONS, *SAFE_REASONS, *TIMES, *SUGGESTIONS}
    assert keys == set(ICONS)
    with pytest.raises(ValueError, match="kind"):
        reasons_for("scary")


# ---- good maps --------------------------------------------------------------------------------

def test_a_good_map_keeps_an_area_a_route_and_a_spot_in_order():
    zones = clean(feature(square(0, 0, 100), comment="Nobody walks here"),
                  feature(route((-300, -200), (0, -200)), kind="safe", reasons=["busy_bright"],
                          times=["after_school"]),
                  feature(spot(200, 300), suggestions=["lights", "cctv"]))
    assert [(z.number, z.shape, z.kind) for z in zones] == [
        (1, "area", "unsafe"), (2, "route", "safe"), (3, "spot", "unsafe")]
    assert zones[0].comment == "Nobody walks here" and zones[1].reasons == ("busy_bright",)
    assert zones[2].suggestions == ("lights", "cctv") and zones[2].suggestion_other is None
    for zone in zones:
        assert isinstance(zone.area, MultiPolygon) and zone.area.is_valid
        assert zone.place_id is None


def test_an_area_keeps_its_size_in_square_metres():
    (zone,) = clean(feature(square(0, 0, 100)))
    assert in_metres(zone.area).area == pytest.approx(100 * 100, rel=0.01)
    assert isinstance(zone.drawn, Polygon)


def test_a_straight_route_becomes_a_25_m_wide_corridor_with_flat_ends():
    (zone,) = clean(feature(route((-200, 0), (200, 0))))
    assert in_metres(zone.area).area == pytest.approx(400 * 25, rel=0.01)


def test_a_bent_route_becomes_a_corridor_about_its_length_times_25_m():
    (zone,) = clean(feature(route((-300, -300), (0, -300), (0, 0), (200, 200))))
    length = 300 + 300 + math.hypot(200, 200)
    assert in_metres(zone.area).area == pytest.approx(length * 25, rel=0.03)


def test_a_spot_becomes_a_40_m_circle_around_it():
    (zone,) = clean(feature(spot(100, -100)))
    circle = in_metres(zone.area)
    assert circle.area == pytest.approx(math.pi * 40 ** 2, rel=0.02)
    assert circle.centroid.distance(Point(CX + 100, CY - 100)) < 0.5


def test_an_area_may_have_a_hole():
    (zone,) = clean(feature(area((0, 0), (100, 0), (100, 100), (0, 100),
                                 holes=[[(25, 25), (75, 25), (75, 75), (25, 75)]])))
    assert in_metres(zone.area).area == pytest.approx(100 * 100 - 50 * 50, rel=0.01)


def test_3d_and_measured_positions_are_kept_as_2d_rounded_to_6_decimals():
    lon, lat = lonlat(50, 50)
    (zone,) = clean(feature({"type": "Point", "coordinates": [lon, lat, 12.5, 7]}))
    assert not zone.drawn.has_z
    assert (zone.drawn.x, zone.drawn.y) == (round(lon, 6), round(lat, 6))
    ring = [[*lonlat(*p), 30.0] for p in [(0, 0), (50, 0), (50, 50), (0, 0)]]
    (zone,) = clean(feature({"type": "Polygon", "coordinates": [ring]}))
    assert not zone.drawn.has_z and not zone.area.has_z


def test_a_named_place_needs_no_drawing():
    (zone,) = clean(feature(None, place=7, kind="safe", reasons=["safe_haven"],
                            times=["before_school"]), place_ids=frozenset({7, 8}))
    assert (zone.shape, zone.place_id, zone.drawn, zone.area) == ("place", 7, None, None)


def test_repeated_choices_are_dropped_keeping_the_first_order():
    (zone,) = clean(feature(spot(), reasons=["dogs", "dark", "dogs"],
                            times=["night", "evening", "night"],
                            suggestions=["police", "lights", "police"]))
    assert zone.reasons == ("dogs", "dark") and zone.times == ("night", "evening")
    assert zone.suggestions == ("police", "lights")


def test_text_loses_control_characters_and_outer_spaces():
    (zone,) = clean(feature(spot(), comment="  Big\x00 dogs\u202e\r\nby the gate\x07 ",
                            suggestions=["other"], suggestion_other=" a\nlollipop\tlady\ud800 "))
    assert zone.comment == "Big dogs\nby the gate"
    assert zone.suggestion_other == "a lollipop lady"


def test_empty_text_is_stored_as_nothing():
    (zone,) = clean(feature(spot(), comment=" \n ", suggestions=["other"], suggestion_other=""))
    assert zone.comment is None and zone.suggestion_other is None


def test_an_other_idea_is_dropped_when_other_is_not_chosen():
    (zone,) = clean(feature(spot(), suggestions=["lights"], suggestion_other="A park"))
    assert zone.suggestion_other is None


def test_text_of_the_longest_allowed_length_is_kept():
    (zone,) = clean(feature(spot(), comment="x" * MAX_COMMENT, suggestions=["other"],
                            suggestion_other="y" * MAX_OTHER))
    assert len(zone.comment) == MAX_COMMENT and len(zone.suggestion_other) == MAX_OTHER


def test_a_bow_tie_area_is_repaired_into_two_triangles():
    (zone,) = clean(feature(area((0, 0), (100, 100), (100, 0), (0, 100))))
    assert len(zone.area.geoms) == 2 and zone.area.is_valid
    assert in_metres(zone.area).area == pytest.approx(2 * 50 * 100 / 2, rel=0.01)
    assert not zone.drawn.is_valid  # what the pupil drew is kept as drawn


def test_a_shape_partly_outside_the_map_area_is_cut_to_it():
    (zone,) = clean(feature(square(RADIUS_M - 150, -100, 200)))
    stored, map_area = in_metres(zone.area), in_metres(MAP_AREA)
    assert stored.difference(map_area).area < 1
    assert 0.5 * 200 * 200 < stored.area < 0.8 * 200 * 200


def test_a_spot_near_the_edge_keeps_only_its_inside_part():
    (zone,) = clean(feature(spot(RADIUS_M - 10, 0)))
    assert in_metres(zone.area).difference(in_metres(MAP_AREA)).area < 1


def test_as_many_zones_and_points_as_allowed_are_kept():
    assert len(clean(*[feature(spot(i * 10, 0)) for i in range(MAX_ZONES)])) == MAX_ZONES
    corners = [(300 * math.cos(a), 300 * math.sin(a))
               for a in (2 * math.pi * i / (MAX_VERTICES - 1) for i in range(MAX_VERTICES - 1))]
    (zone,) = clean(feature(area(*corners)))
    assert len(zone.drawn.exterior.coords) == MAX_VERTICES


# ---- the body ---------------------------------------------------------------------------------

def test_a_json_object_body_is_read():
    doc = collection(feature(spot()))
    assert parse_body(json.dumps(doc).encode()) == doc


def test_repeated_keys_in_a_body_are_accepted():
    assert parse_body(b'{"a": 1, "a": 2}') == {"a": 2}


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999",
                                    "1" * 400, "12345678901234567890"])
def test_numbers_that_are_not_finite_or_are_huge_are_refused(number):
    body = f'{{"type": "Point", "coordinates": [{number}, 51.45]}}'.encode()
    with pytest.raises(SubmissionError, match="number that is too big or not a number") as info:
        parse_body(body)
    assert info.value.field == "body" and info.value.zone is None


def test_a_body_over_the_limit_is_refused():
    body = b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    with pytest.raises(SubmissionError) as info:
        parse_body(body)
    assert info.value.message == ("Your map is too big to send. "
                                  "Try drawing fewer or simpler shapes.")


@pytest.mark.parametrize("body", [
    '{"comment": "café"}'.encode("latin-1"), b"\xff\xfe{}", b"", b"{not json", b'{"a": 1',
    b"[1, 2]", b'"text"', b"null", b"[" * 100_000 + b"]" * 100_000,
])
def test_bodies_that_are_not_a_json_object_in_utf8_are_refused(body):
    with pytest.raises(SubmissionError) as info:
        parse_body(body)
    assert info.value.message == "Your map could not be read. Please try sending it again."


# ---- the collection ---------------------------------------------------------------------------

@pytest.mark.parametrize("doc", [
    [], {"type": "Feature"}, {"features": []}, {"type": "FeatureCollection"},
    {"type": "FeatureCollection", "features": {}},
])
def test_anything_but_a_feature_collection_is_refused(doc):
    error = refusal(doc)
    assert error.message == "Your map could not be read. Please try sending it again."
    assert error.zone is None


def test_an_empty_map_is_refused():
    error = refusal(collection())
    assert error.message == "Draw at least one place before you send your map."


def test_more_than_50_zones_are_refused():
    error = refusal(collection(*[feature(spot()) for _ in range(MAX_ZONES + 1)]))
    assert error.message == "Your map has more than 50 zones. Send 50 or fewer."


def test_a_crs_on_the_collection_is_refused():
    doc = collection(feature(spot())) | {"crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::27700"}}}
    error = refusal(doc)
    assert "ordinary longitude and latitude" in error.message and error.field == "crs"


@pytest.mark.parametrize("where", ["feature", "geometry"])
def test_a_crs_on_a_zone_is_refused_naming_the_zone(where):
    bad = feature(spot())
    (bad if where == "feature" else bad["geometry"])["crs"] = {"type": "name"}
    error = refusal(collection(feature(spot()), bad))
    assert "ordinary longitude and latitude" in error.message
    assert (error.zone, error.field) == (2, "crs")


def test_the_first_problem_names_its_zone():
    error = refusal(collection(feature(spot()), feature(spot()), feature(spot(), kind="meh")))
    assert error.zone == 3 and error.message.startswith("Zone 3:")


# ---- answers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [None, [], "text", {"type": "Polygon"}, {"type": "feature"}])
def test_a_zone_that_is_not_a_feature_is_refused(bad):
    error = refusal(collection(bad))
    assert error.message == "Zone 1 could not be read. Please draw it again."
    assert error.zone == 1


def test_properties_that_are_not_an_object_are_refused():
    error = refusal(collection({"type": "Feature", "properties": [], "geometry": spot()}))
    assert (error.zone, error.field) == (1, "properties")


def test_an_unknown_answer_is_refused_by_name():
    error = refusal(collection(feature(spot(), colour="red")))
    assert error.message == 'Zone 1 has an answer we do not know: "colour".'
    assert error.field == "properties"


@pytest.mark.parametrize("kind", [None, "", "scary", 1, ["unsafe"]])
def test_a_zone_must_be_safe_or_unsafe(kind):
    error = refusal(collection(feature(spot(), kind=kind)))
    assert error.message == "Zone 1: choose whether this place feels safe or unsafe."
    assert error.field == "kind"


def test_missing_properties_ask_for_safe_or_unsafe():
    error = refusal(collection({"type": "Feature", "properties": None, "geometry": spot()}))
    assert error.field == "kind"


def test_a_reason_for_the_other_kind_is_refused():
    error = refusal(collection(feature(spot(), kind="safe", reasons=["busy_bright", "dogs"])))
    assert error.message == ('Zone 1: "Dogs" is a reason for unsafe places. '
                             "Choose a reason for safe places.")
    assert error.field == "reasons"


@pytest.mark.parametrize("reasons", [None, []])
def test_at_least_one_reason_is_needed(reasons):
    error = refusal(collection(feature(spot(), reasons=reasons)))
    assert error.message == "Zone 1: say why it feels unsafe. Choose at least one reason."


@pytest.mark.parametrize("reasons", ["dark", ["ghosts"], [1], [["dark"]]])
def test_reasons_must_come_from_the_list(reasons):
    error = refusal(collection(feature(spot(), reasons=reasons)))
    assert error.message == "Zone 1: choose the reasons from the list."


@pytest.mark.parametrize("times", [None, []])
def test_at_least_one_time_is_needed(times):
    error = refusal(collection(feature(spot(), kind="safe", reasons=["other"], times=times)))
    assert error.message == "Zone 1: say when it feels safe. Choose at least one time."
    assert error.field == "times"


def test_times_must_come_from_the_list():
    error = refusal(collection(feature(spot(), times=["lunch"])))
    assert error.message == "Zone 1: choose the times from the list."


def test_suggestions_must_come_from_the_list():
    error = refusal(collection(feature(spot(), suggestions=["moat"])))
    assert error.message == "Zone 1: choose the ideas from the list."
    assert error.field == "suggestions"


def test_an_over_long_comment_is_refused():
    error = refusal(collection(feature(spot(), comment="x" * (MAX_COMMENT + 1))))
    assert error.message == "Zone 1: your comment is too long. Use 300 characters or fewer."
    assert error.field == "comment"


def test_an_over_long_other_idea_is_refused():
    error = refusal(collection(feature(spot(), suggestions=["other"],
                                       suggestion_other="y" * (MAX_OTHER + 1))))
    assert error.message == "Zone 1: your own idea is too long. Use 200 characters or fewer."
    assert error.field == "suggestion_other"


def test_a_comment_that_is_not_text_is_refused():
    error = refusal(collection(feature(spot(), comment=42)))
    assert error.message == "Zone 1: your comment could not be read. Please type it again."


@pytest.mark.parametrize("place", [9, "7", 7.0, True])
def test_a_place_not_on_this_map_is_refused(place):
    error = refusal(collection(feature(None, place=place)), place_ids=frozenset({1, 7}))
    assert error.message == ("Zone 1: that place is not on this map. "
                             "Choose a place from the list.")
    assert error.field == "place"


def test_a_named_place_with_a_drawing_too_is_refused():
    error = refusal(collection(feature(spot(), place=7)), place_ids=frozenset({7}))
    assert error.message == "Zone 1: choose a named place or draw a shape, not both."


def test_a_zone_with_no_drawing_and_no_place_is_refused():
    error = refusal(collection(feature(None)))
    assert error.message == ("Zone 1 has no shape. Draw it on the map "
                             "or choose a named place.")
    assert error.field == "geometry"


# ---- shapes -----------------------------------------------------------------------------------

def geometry_refusal(geometry: dict, number: int = 1) -> SubmissionError:
    error = refusal(collection(*[feature(spot())] * (number - 1), feature(geometry)))
    assert (error.zone, error.field) == (number, "geometry")
    return error


@pytest.mark.parametrize("geometry", [
    {"type": "GeometryCollection", "geometries": [spot()]},
    {"type": "MultiPolygon", "coordinates": [square(0, 0, 50)["coordinates"]]},
    {"type": "MultiPoint", "coordinates": [lonlat(0, 0), lonlat(10, 0)]},
    {"type": "MultiLineString", "coordinates": [route((0, 0), (10, 0))["coordinates"]]},
    {"type": "MultiPolygon", "coordinates": lonlat(0, 0)},  # a point labelled MultiPolygon
])
def test_shapes_made_of_several_parts_are_refused(geometry):
    error = geometry_refusal(geometry, number=2)
    assert error.message == "Zone 2 is made of several shapes. Draw one area, route or spot."


@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": square(0, 0, 50)["coordinates"]},
    {"type": "Point", "coordinates": route((0, 0), (10, 0))["coordinates"]},
    {"type": "Polygon", "coordinates": lonlat(0, 0)},
    {"type": "Polygon", "coordinates": route((0, 0), (10, 0), (0, 10))["coordinates"]},
    {"type": "LineString", "coordinates": square(0, 0, 50)["coordinates"]},
    {"type": "LineString", "coordinates": lonlat(0, 0)},
    {"type": "Polygon", "coordinates": []},
    {"type": "Point", "coordinates": ["0.0", "51.45"]},
    {"type": "Point", "coordinates": [True, 51.45]},
    {"type": "Point", "coordinates": [0.0]},
    {"type": "Point", "coordinates": [0.0, 51.45, 1, 2, 3]},
    {"type": "Point", "coordinates": [float("nan"), 51.45]},
    {"type": "Point", "coordinates": [10 ** 400, 51.45]},
    {"type": "Point"},
    {"type": "Circle", "coordinates": lonlat(0, 0)},
    {"type": ["Point"], "coordinates": lonlat(0, 0)},
    {"coordinates": lonlat(0, 0)},
    "POINT (0 51.45)",
])
def test_shapes_that_do_not_match_their_type_are_refused(geometry):
    error = geometry_refusal(geometry)
    assert error.message == "Zone 1: the shape could not be read. Please draw it again."


def test_swapped_latitude_and_longitude_are_outside_the_map():
    swapped = [[lat, lon] for lon, lat in square(0, 0, 100)["coordinates"][0]]
    error = geometry_refusal({"type": "Polygon", "coordinates": [swapped]})
    assert error.message == f"Zone 1: {OUTSIDE}"


@pytest.mark.parametrize("position", [[200.0, 51.45], [0.0, 91.0], [0.0, -90.5], [-180.1, 0]])
def test_positions_off_the_globe_are_outside_the_map(position):
    error = geometry_refusal({"type": "Point", "coordinates": position})
    assert error.message == f"Zone 1: {OUTSIDE}"


@pytest.mark.parametrize("position", [[120.0, -60.0], [180.0, 90.0], [-179.0, 0.0]])
def test_far_away_places_are_outside_the_map(position):
    error = geometry_refusal({"type": "Point", "coordinates": position})
    assert error.message == f"Zone 1: {OUTSIDE}"


def test_a_shape_mostly_outside_the_map_area_is_refused():
    error = geometry_refusal(square(RADIUS_M - 60, -100, 200), number=4)
    assert error.message == f"Zone 4: {OUTSIDE}"


def test_a_shape_across_the_date_line_is_refused():
    ring = [[179.9, 51.4], [-179.9, 51.4], [-179.9, 51.5], [179.9, 51.5], [179.9, 51.4]]
    for geometry in ({"type": "Polygon", "coordinates": [ring]},
                     {"type": "LineString", "coordinates": ring[:2]}):
        error = geometry_refusal(geometry)
        assert error.message == ("Zone 1 goes off the edge of the world map. "
                                 "Draw inside the marked area.")


def test_an_area_that_is_not_closed_is_refused():
    ring = square(0, 0, 100)["coordinates"][0][:-1]
    error = geometry_refusal({"type": "Polygon", "coordinates": [ring]})
    assert error.message == ("Zone 1: the area is not closed. "
                             "Draw it again and finish where you started.")


def test_a_hole_that_is_not_closed_is_refused():
    outer = square(0, 0, 100)["coordinates"][0]
    hole = square(25, 25, 50)["coordinates"][0][:-1]
    error = geometry_refusal({"type": "Polygon", "coordinates": [outer, hole]})
    assert "the area is not closed" in error.message


def test_an_area_of_three_positions_is_refused():
    ring = [lonlat(0, 0), lonlat(100, 0), lonlat(0, 0)]
    error = geometry_refusal({"type": "Polygon", "coordinates": [ring]})
    assert error.message == "Zone 1: an area needs at least three corners. Draw it again."


def test_an_area_with_all_corners_on_a_line_is_refused():
    lon, lat = lonlat(0, 0)
    ring = [[lon, lat], [lon + 0.001, lat], [lon + 0.002, lat], [lon + 0.0005, lat], [lon, lat]]
    error = geometry_refusal({"type": "Polygon", "coordinates": [ring]})
    assert error.message == "Zone 1: the area has no space inside it. Draw it again."


def test_an_area_with_corners_almost_on_a_line_is_too_small():
    error = geometry_refusal(area((0, 0), (50, 50), (100, 100), (25, 25)))
    assert error.message == "Zone 1 is too small to see. Draw a bigger area."


def test_a_tiny_area_is_refused():
    error = geometry_refusal(square(0, 0, 2), number=2)
    assert error.message == "Zone 2 is too small to see. Draw a bigger area."


def test_a_small_but_visible_area_is_kept():
    (zone,) = clean(feature(square(0, 0, 4)))
    assert in_metres(zone.area).area == pytest.approx(16, rel=0.1)


def test_an_area_with_too_many_points_is_refused():
    corners = [(300 * math.cos(a), 300 * math.sin(a))
               for a in (2 * math.pi * i / MAX_VERTICES for i in range(MAX_VERTICES))]
    error = geometry_refusal(area(*corners))
    assert error.message == "Zone 1 has too many points. Draw it again with fewer clicks."


def test_a_route_with_too_many_points_is_refused():
    error = geometry_refusal(route(*[(i, (i % 2) * 5) for i in range(MAX_VERTICES + 1)]))
    assert error.message == "Zone 1 has too many points. Draw it again with fewer clicks."


@pytest.mark.parametrize("points", [[(0, 0)], [(0, 0), (0, 0)], [(5, 5), (5, 5), (5, 5)]])
def test_a_route_needs_two_different_points(points):
    error = geometry_refusal(route(*points))
    assert error.message == "Zone 1: a route needs a start and an end. Draw it again."


def test_a_geographic_work_srid_is_a_programming_error():
    with pytest.raises(ValueError, match="metres"):
        clean(feature(spot()), work_srid=4326)


def test_a_tiny_area_outside_the_map_is_outside_rather_than_small():
    error = geometry_refusal(square(RADIUS_M + 500, 0, 2))
    assert error.message == f"Zone 1: {OUTSIDE}"


def test_buffers_are_made_in_the_work_srid_given():
    (zone,) = clean(feature(spot()), work_srid=32631)  # UTM 31N, around lon 0
    utm_circle = reproject(zone.area, 4326, 32631)
    assert utm_circle.area == pytest.approx(math.pi * 40 ** 2, rel=0.02)


def test_a_refusal_is_a_value_error_carrying_the_pupils_message():
    error = refusal(collection())
    assert isinstance(error, ValueError) and str(error) == error.message
    assert (error.zone, error.field) == (None, "features")
