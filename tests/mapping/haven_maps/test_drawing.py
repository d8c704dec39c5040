"""The map drawing itself: valid SVG, text kept literal, basemap layers, markers and legend."""

from defusedxml import ElementTree as ET
from shapely.geometry import LineString, Polygon

from mapping.haven_map_drawing import MapFeature, MapScene, distance_label, walk_minutes
from mapping.haven_map_layout import frame_around
from mapping.haven_map_svg import map_svg
from tests.mapping.haven_maps.content import SCHOOL_XY, streets

SVG = "{http://www.w3.org/2000/svg}"


def scene(havens=(), features=(), radius_m=1000):
    frame = frame_around(SCHOOL_XY, radius_m, (190, 128))
    return MapScene(frame=frame, school=SCHOOL_XY, radius_m=radius_m, havens=list(havens),
                    features=list(features))


def texts(svg: str) -> list[str]:
    return [el.text for el in ET.fromstring(svg).iter(f"{SVG}text")]


def test_walking_time_and_distance_words():
    assert walk_minutes(1000) == 15 and walk_minutes(300) == 5 and walk_minutes(2000) == 30
    assert distance_label(450) == "450 m" and distance_label(1000) == "1 km"
    assert distance_label(1500) == "1.5 km"


def test_havens_are_numbered_in_order_and_the_school_is_marked():
    x, y = SCHOOL_XY
    svg = map_svg(scene(havens=[(x + 200, y), (x - 400, y + 100), (x, y - 600)]))
    words = texts(svg)
    for number in ("1", "2", "3"):
        assert number in words
    assert "SCHOOL" in words
    assert "1 km from school: about 15 minutes' walk" in words
    assert ET.fromstring(svg).find(f"{SVG}title").text == "Map of Safe Havens"


def test_street_names_from_an_imported_file_cannot_inject_markup():
    hostile = '</text><script>alert(1)</script><text>'
    x, y = SCHOOL_XY
    line = LineString([(x - 2000, y + 300), (x + 2000, y + 300)])
    svg = map_svg(scene(features=[MapFeature("major_road", line, hostile)]))
    root = ET.fromstring(svg)  # still well-formed XML
    assert root.find(f".//{SVG}script") is None
    assert hostile in texts(svg)


def test_each_basemap_layer_is_drawn_and_names_label_the_streets():
    svg = map_svg(scene(features=streets()))
    root = ET.fromstring(svg)
    fills = {p.get("fill") for p in root.iter(f"{SVG}path")}
    assert {"#b9d3e8", "#d5e8cf"} <= fills  # water and park
    strokes = {p.get("stroke") for p in root.iter(f"{SVG}path")}
    assert {"#b3b3b3", "#7a7a7a", "#fff", "#fbe7a4"} <= strokes  # road casings and fills
    labelled = [t for t in texts(svg) if t and ("Street" in t or "Road" in t)]
    assert len(labelled) >= 10


def test_schematic_outlines_show_ward_names():
    x, y = SCHOOL_XY
    ward = Polygon([(x - 3000, y - 3000), (x + 200, y - 3000), (x + 200, y + 3000),
                    (x - 3000, y + 3000)])
    svg = map_svg(scene(features=[MapFeature("ward", ward, "Brookside"),
                                  MapFeature("borough", ward.boundary, "Testham")]))
    assert "BROOKSIDE" in texts(svg)
    dashes = {p.get("stroke-dasharray") for p in ET.fromstring(svg).iter(f"{SVG}path")}
    assert "1.2 0.8" in dashes and "3 1.2" in dashes


def test_scale_bar_matches_the_frame_scale():
    svg = map_svg(scene())
    words = texts(svg)
    frame = frame_around(SCHOOL_XY, 1000, (190, 128))
    ratio = round(frame.metres_per_mm * 1000, -2)
    assert f"1:{ratio:,.0f}".replace(",", " ") in words
    assert "500 m" in words  # a fifth of a 2.5 km wide map, rounded down to a nice length


def test_the_word_school_goes_on_the_side_with_no_havens():
    x, y = SCHOOL_XY
    frame = frame_around(SCHOOL_XY, 1000, (190, 128))
    east = [(x + 60 + 15 * k * frame.metres_per_mm / 5, y) for k in range(4)]
    svg = map_svg(scene(havens=east))
    [word] = [t for t in ET.fromstring(svg).iter(f"{SVG}text")
              if t.text == "SCHOOL" and t.get("fill") == "#000"]
    assert word.get("text-anchor") != "start"  # not written over the havens to the east


def test_a_street_in_pieces_is_named_along_the_pieces_joined():
    x, y = SCHOOL_XY
    name = "Long Winding Lane"
    # Four touching pieces, each too short for the name, given out of order and interleaved
    # with another street's: joined, they are long enough.
    pieces = [LineString([(x - 600 + 150 * i, y + 200), (x - 450 + 150 * i, y + 200)])
              for i in (2, 0, 3, 1)]
    other = MapFeature("road", LineString([(x - 900, y - 300), (x + 900, y - 300)]), "Far Road")
    features = [MapFeature("road", pieces[0], name), other,
                *(MapFeature("road", piece, name) for piece in pieces[1:])]
    words = texts(map_svg(scene(features=features)))
    assert name in words and "Far Road" in words
    assert name not in texts(map_svg(scene(features=[MapFeature("road", pieces[0], name)])))
