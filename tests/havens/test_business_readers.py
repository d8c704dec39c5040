"""Pure parsing of business open-data files: FHRS JSON/XML/GeoJSON and OpenStreetMap GeoJSON."""

import json

import pytest
from shapely.geometry import Point, Polygon

from core.places.readers import UnreadableFile
from havens.business_readers import BUSINESS_TYPES, Business, read_businesses

BRIDGE_HOUSE = {"FHRSID": 254932, "BusinessName": "The Bridge House",
                "BusinessType": "Pub/bar/nightclub",
                "Address": "Anchor, 165 Lewisham Road, Ladywell, London", "PostCode": "SE13 7PY"}


def write_json(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def establishment(fhrsid, name, geocode, business_type="Retailers - other", **extra):
    """An establishment as the FHRS API returns it."""
    return {"FHRSID": fhrsid, "BusinessName": name, "BusinessType": business_type,
            "AddressLine1": "12  High Street", "AddressLine2": "", "AddressLine3": "Lewisham",
            "AddressLine4": None, "PostCode": "se136ph", "geocode": geocode, **extra}


def feature(geometry, feature_id=None, **properties):
    data = {"type": "Feature", "properties": properties,
            "geometry": {"type": "Point", "coordinates": geometry}
            if isinstance(geometry, list) else geometry}
    if feature_id:
        data["id"] = feature_id
    return data


def collection(features):
    return {"type": "FeatureCollection", "features": features}


def reasons(rows):
    return [(r.row, r.reason) for r in rows.rejected]


# --- FHRS API JSON -------------------------------------------------------------------------

def test_fhrs_api_json_rows_and_rejections(tmp_path):
    path = write_json(tmp_path / "api.json", {"establishments": [
        establishment(101, "  Corner   Shop ", {"longitude": "-0.010712", "latitude": "51.46568"}),
        establishment(102, "No Geocode", None),
        establishment(103, "Blank Geocode", {"longitude": "", "latitude": ""}),
        establishment(104, "Unknown Place", {"longitude": "0", "latitude": "0"}),
    ], "meta": {"totalCount": 4}})
    rows = read_businesses(path)
    assert rows.good == [Business(1, "fhrs", "101", "Corner Shop", "shop",
                                  "12 High Street, Lewisham", "SE13 6PH", -0.010712, 51.46568)]
    assert reasons(rows) == [(2, "FHRSID 102: no location"), (3, "FHRSID 103: no location"),
                             (4, "FHRSID 104: no location")]
    assert rows.skipped == 0


def test_fhrs_api_json_blank_names_ids_and_bad_numbers(tmp_path):
    where = {"longitude": "-0.02", "latitude": "51.45"}
    path = write_json(tmp_path / "api.json", {"establishments": [
        establishment(201, "   ", where),
        establishment(None, "No Id", where),
        establishment(203, "Bad Numbers", {"longitude": "west-ish", "latitude": "51.4"}),
        establishment(204, "x" * 201, where),
    ]})
    assert reasons(read_businesses(path)) == [
        (1, "FHRSID 201: no name"), (2, "row 2: no FHRSID"),
        (3, "FHRSID 203: coordinates 'west-ish', '51.4' are not numbers"),
        (4, "FHRSID 204: name longer than 200 characters")]


def test_a_name_of_exactly_200_characters_is_kept_and_markup_is_left_alone(tmp_path):
    where = {"longitude": "-0.02", "latitude": "51.45"}
    path = write_json(tmp_path / "api.json", {"establishments": [
        establishment(1, "y" * 200, where),
        establishment(2, "<img src=x onerror=alert(1)>", where)]})
    names = [b.name for b in read_businesses(path).good]
    assert names == ["y" * 200, "<img src=x onerror=alert(1)>"]


# --- FHRS open-data XML --------------------------------------------------------------------

FHRS_XML = """<?xml version="1.0" encoding="utf-8"?>
<FHRSEstablishment xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Header><ExtractDate>2026-11-01</ExtractDate><ItemCount>3</ItemCount></Header>
  <EstablishmentCollection>
    <EstablishmentDetail>
      <FHRSID>254932</FHRSID><BusinessName>Ladywell
        Takeaway</BusinessName><BusinessType>Takeaway/sandwich shop</BusinessType>
      <AddressLine1>165 Lewisham Road</AddressLine1><AddressLine2>Ladywell</AddressLine2>
      <AddressLine3>London</AddressLine3><PostCode>SE13 7PY</PostCode>
      <Geocode><Longitude>-0.01071200000000</Longitude><Latitude>51.46568000000000</Latitude>
      </Geocode>
    </EstablishmentDetail>
    <EstablishmentDetail>
      <FHRSID>254933</FHRSID><BusinessName>Mobile Van</BusinessName>
      <BusinessType>Mobile caterer</BusinessType><PostCode>not a postcode</PostCode>
    </EstablishmentDetail>
    <EstablishmentDetail>
      <FHRSID>254934</FHRSID><BusinessName>Swapped Cafe</BusinessName>
      <BusinessType>Restaurant/Cafe/Canteen</BusinessType>
      <Geocode><Longitude>51.45</Longitude><Latitude>-0.02</Latitude></Geocode>
    </EstablishmentDetail>
  </EstablishmentCollection>
</FHRSEstablishment>
"""


def test_fhrs_open_data_xml(tmp_path):
    path = tmp_path / "FHRS523en-GB.xml"
    path.write_text(FHRS_XML, encoding="utf-8")
    rows = read_businesses(path)
    assert rows.good == [Business(1, "fhrs", "254932", "Ladywell Takeaway", "takeaway",
                                  "165 Lewisham Road, Ladywell, London", "SE13 7PY",
                                  -0.010712, 51.46568)]
    assert reasons(rows) == [(2, "FHRSID 254933: no location"),
                             (3, "FHRSID 254934: latitude and longitude look swapped")]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<FHRSEstablishment><EstablishmentCollection><EstablishmentDetail>
<FHRSID>1</FHRSID><BusinessName>&lol3;</BusinessName></EstablishmentDetail>
</EstablishmentCollection></FHRSEstablishment>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<FHRSEstablishment><EstablishmentCollection><EstablishmentDetail>
<FHRSID>1</FHRSID><BusinessName>&secret;</BusinessName></EstablishmentDetail>
</EstablishmentCollection></FHRSEstablishment>"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE FHRSEstablishment SYSTEM "http://example.test/evil.dtd">
<FHRSEstablishment><EstablishmentCollection/></FHRSEstablishment>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_xml_with_entities_or_dtds_is_refused(tmp_path, xml):
    path = tmp_path / "evil.xml"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(UnreadableFile, match="refused for safety"):
        read_businesses(path)


@pytest.mark.parametrize("xml", ["<FHRSEstablishment><oops></FHRSEstablishment>",
                                 "<kml><Document/></kml>"])
def test_broken_or_other_xml_is_unreadable(tmp_path, xml):
    path = tmp_path / "other.xml"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(UnreadableFile, match="Accepted formats: FHRS API JSON"):
        read_businesses(path)


# --- FHRS GeoJSON --------------------------------------------------------------------------

def test_fhrs_geojson_with_duplicates_and_missing_geometry(tmp_path):
    path = write_json(tmp_path / "fhrs.geojson", collection([
        feature([-0.010712, 51.46568], **BRIDGE_HOUSE),
        feature([-0.02, 51.45], **{**BRIDGE_HOUSE, "BusinessName": "Copy"}),
        feature(None, FHRSID=7, BusinessName="Nowhere", BusinessType="Retailers - other"),
        feature([200.0, 51.4], FHRSID="8", BusinessName="Off Earth"),
    ]))
    rows = read_businesses(path)
    assert rows.good == [Business(1, "fhrs", "254932", "The Bridge House", "other",
                                  "Anchor, 165 Lewisham Road, Ladywell, London", "SE13 7PY",
                                  -0.010712, 51.46568)]
    assert reasons(rows) == [(2, "duplicate FHRSID 254932 (first at row 1)"),
                             (3, "FHRSID 7: no location"),
                             (4, "FHRSID 8: coordinates 200.0, 51.4 are outside the world")]


def test_a_rejected_first_copy_does_not_block_a_good_later_one(tmp_path):
    path = write_json(tmp_path / "fhrs.geojson", collection([
        feature([0, 0], FHRSID=9, BusinessName="Unknown place"),
        feature([-0.02, 51.45], FHRSID=9, BusinessName="Known place")]))
    rows = read_businesses(path)
    assert [(b.row, b.name) for b in rows.good] == [(2, "Known place")]
    assert reasons(rows) == [(1, "FHRSID 9: no location")]


@pytest.mark.parametrize(("fhrs_type", "expected"), [
    ("Retailers - other", "shop"), ("Retailers - supermarkets/hypermarkets", "shop"),
    ("Takeaway/sandwich shop", "takeaway"), ("Restaurant/Cafe/Canteen", "cafe"),
    ("Pub/bar/nightclub", "other"), ("Hotel/bed & breakfast/guest house", "other"),
    ("Mobile caterer", "other"), (None, "other"),
])
def test_fhrs_business_types_are_mapped(tmp_path, fhrs_type, expected):
    path = write_json(tmp_path / "fhrs.geojson", collection([
        feature([-0.02, 51.45], FHRSID=1, BusinessName="A", BusinessType=fhrs_type)]))
    [business] = read_businesses(path).good
    assert business.business_type == expected and expected in BUSINESS_TYPES


# --- OpenStreetMap GeoJSON -----------------------------------------------------------------

CAFE_OUTLINE = Polygon([(-0.03, 51.44), (-0.02, 51.44), (-0.02, 51.443), (-0.025, 51.441),
                        (-0.03, 51.443), (-0.03, 51.44)])


def test_osm_geojson_rows_skips_and_rejections(tmp_path):
    polygon = {"type": "Polygon", "coordinates": [list(CAFE_OUTLINE.exterior.coords)]}
    path = write_json(tmp_path / "export.geojson", collection([
        feature([-0.0107, 51.4656], "node/123", **{
            "@id": "node/123", "name": "Ladywell News", "shop": "newsagent",
            "addr:housenumber": "12", "addr:street": "Ladywell Road", "addr:city": "London",
            "addr:postcode": "se4 1ab", "opening_hours": " Mo-Sa 07:00-19:00 "}),
        feature(polygon, "way/45", name="Polygon Cafe", amenity="cafe"),
        feature([-0.01, 51.46], "node/124", amenity="bench"),
        feature([-0.01, 51.46], "node/125", shop="vacant", name="Empty Unit"),
        feature([-0.01, 51.46], "node/126", shop="convenience"),
    ]))
    rows = read_businesses(path)
    point = CAFE_OUTLINE.representative_point()
    assert rows.good == [
        Business(1, "osm", "node/123", "Ladywell News", "shop", "12 Ladywell Road, London",
                 "SE4 1AB", -0.0107, 51.4656, "Mo-Sa 07:00-19:00"),
        Business(2, "osm", "way/45", "Polygon Cafe", "cafe", None, None, point.x, point.y)]
    assert CAFE_OUTLINE.contains(Point(point.x, point.y))
    assert reasons(rows) == [(5, "node/126: no name")]
    assert rows.skipped == 2


def test_osm_ids_in_properties_and_nested_tags(tmp_path):
    path = write_json(tmp_path / "osmtogeojson.json", collection([
        feature([-0.01, 51.46], **{"@id": "node/1", "name": "Library", "amenity": "library"}),
        feature([-0.01, 51.46], type="node", id=2, tags={"name": "Gym", "leisure": "gym"}),
        feature([-0.01, 51.46], type="way", id=3,
                tags={"name": "Pool", "leisure": "sports_centre"}),
        feature([-0.01, 51.46], "node/1", name="Library again", amenity="library"),
    ]))
    rows = read_businesses(path)
    assert [(b.source_id, b.business_type) for b in rows.good] == [("node/1", "library"),
                                                                  ("way/3", "leisure")]
    assert reasons(rows) == [(4, "duplicate node/1 (first at row 1)")]
    assert rows.skipped == 1


@pytest.mark.parametrize(("tags", "expected"), [
    ({"amenity": "pharmacy"}, "pharmacy"), ({"shop": "chemist"}, "pharmacy"),
    ({"amenity": "library"}, "library"), ({"amenity": "cafe"}, "cafe"),
    ({"amenity": "fast_food"}, "takeaway"), ({"leisure": "fitness_centre"}, "leisure"),
    ({"leisure": "leisure_centre"}, "leisure"), ({"amenity": "community_centre"}, "other"),
    ({"shop": "bakery"}, "shop"), ({"shop": "bakery", "amenity": "cafe"}, "cafe"),
])
def test_osm_business_types_are_mapped(tmp_path, tags, expected):
    path = write_json(tmp_path / "osm.geojson", collection([
        feature([-0.02, 51.45], "node/9", name="A", **tags)]))
    [business] = read_businesses(path).good
    assert business.business_type == expected


def test_osm_location_problems(tmp_path):
    path = write_json(tmp_path / "osm.geojson", collection([
        feature([51.46, -0.01], "node/1", name="Swapped", shop="florist"),
        feature({"type": "Polygon", "coordinates": [[[0, 1]]]}, "way/2", name="Broken",
                shop="florist"),
        feature([-0.01, 95], "node/3", name="Past the pole", shop="florist"),
    ]))
    assert reasons(read_businesses(path)) == [
        (1, "node/1: latitude and longitude look swapped"), (2, "way/2: no location"),
        (3, "node/3: coordinates -0.01, 95.0 are outside the world")]


# --- files that are not business files -----------------------------------------------------

@pytest.mark.parametrize("content", [
    b"this is not json", b"\xff\xfe\x00garbage", b"", b"[1, 2, 3]", b'{"foo": 1}',
    b'{"establishments": "none"}',
    json.dumps(collection([feature([0.1, 51.5], LAD22CD="E1", LAD22NM="Lewisham")])).encode(),
])
def test_files_that_are_not_business_files_are_unreadable(tmp_path, content):
    path = tmp_path / "upload.json"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match="Accepted formats: FHRS API JSON"):
        read_businesses(path)


def test_a_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="Cannot read"):
        read_businesses(tmp_path / "missing.json")


def test_format_is_detected_by_content_not_extension(tmp_path):
    path = write_json(tmp_path / "looks-like.xml", {"establishments": [
        establishment(5, "Shop", {"longitude": -0.02, "latitude": 51.45})]})
    rows = read_businesses(path)
    assert [(b.source_id, b.lon, b.lat) for b in rows.good] == [("5", -0.02, 51.45)]
    assert rows.rejected == []


def test_an_empty_feature_collection_gives_no_rows(tmp_path):
    rows = read_businesses(write_json(tmp_path / "empty.geojson", collection([])))
    assert (rows.good, rows.rejected, rows.skipped) == ([], [], 0)


def test_an_overlong_id_is_rejected(tmp_path):
    path = write_json(tmp_path / "fhrs.geojson", collection([
        feature([-0.02, 51.45], FHRSID="9" * 41, BusinessName="Long id")]))
    assert reasons(read_businesses(path)) == [(1, "row 1: id longer than 40 characters")]
