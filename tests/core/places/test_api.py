"""The public places API: filters, GeoJSON, and clear errors for bad input."""

import pytest

from tests.factories import add_borough, add_school


@pytest.fixture
def schools(db_session):
    add_borough(db_session)
    add_borough(db_session, code="E09000998", name="Otherham", bounds=(0.02, 51.44, 0.05, 51.46))
    add_school(db_session, 100001, "Alder Primary School", lon=-0.01, lat=51.45)
    add_school(db_session, 100002, "Birch Academy", lon=0.01, lat=51.455, phase="Secondary")
    add_school(db_session, 100003, "Closed Cedar School", lon=0.0, lat=51.45, status="Closed")
    add_school(db_session, 100004, "Damson 100% School", lon=0.03, lat=51.45)
    db_session.commit()


def _names(response):
    return [item["name"] for item in response.json["items"]]


def test_boroughs_list_with_bounding_boxes(client, schools):
    response = client.get("/api/v1/boroughs")
    assert response.status_code == 200
    testham = next(b for b in response.json if b["code"] == "E09000999")
    assert testham["name"] == "Testham"
    assert testham["bbox"] == pytest.approx([-0.015, 51.44, 0.015, 51.46])


def test_boroughs_as_geojson_have_their_boundaries(client, schools):
    response = client.get("/api/v1/boroughs", headers={"Accept": "application/geo+json"})
    assert response.mimetype == "application/geo+json"
    features = {f["id"]: f for f in response.json["features"]}
    assert features["E09000999"]["geometry"]["type"] == "MultiPolygon"


def test_schools_are_open_ones_by_name_unless_closed_are_asked_for(client, schools):
    assert _names(client.get("/api/v1/schools")) == [
        "Alder Primary School", "Birch Academy", "Damson 100% School"]
    closed = client.get("/api/v1/schools?include_closed=true")
    assert "Closed Cedar School" in _names(closed)


def test_schools_filter_by_borough_bbox_and_name(client, schools):
    assert _names(client.get("/api/v1/schools?borough=E09000998")) == ["Damson 100% School"]
    assert _names(client.get("/api/v1/schools?bbox=0.005,51.45,0.015,51.46")) == [
        "Birch Academy"]
    assert _names(client.get("/api/v1/schools?name=birch")) == ["Birch Academy"]


def test_name_search_treats_percent_and_underscore_literally(client, schools):
    assert _names(client.get("/api/v1/schools?name=100%")) == ["Damson 100% School"]
    assert _names(client.get("/api/v1/schools?name=_")) == []


def test_schools_page_through_results(client, schools):
    page = client.get("/api/v1/schools?limit=2&offset=2").json
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 2)
    assert [item["name"] for item in page["items"]] == ["Damson 100% School"]


def test_schools_as_geojson_feature_collection(client, schools):
    response = client.get("/api/v1/schools?format=geojson&name=alder")
    assert response.mimetype == "application/geo+json"
    collection = response.json
    assert collection["type"] == "FeatureCollection" and collection["numberMatched"] == 1
    feature = collection["features"][0]
    assert feature["id"] == 100001
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.01, 51.45]}
    assert feature["properties"]["borough"] == "E09000999"


def test_one_school_by_urn_as_json_and_geojson(client, schools):
    school = client.get("/api/v1/schools/100002").json
    assert (school["name"], school["phase"], school["lon"]) == ("Birch Academy", "Secondary",
                                                                0.01)
    feature = client.get("/api/v1/schools/100002",
                         headers={"Accept": "application/geo+json"}).json
    assert feature["type"] == "Feature" and feature["properties"]["urn"] == 100002


def test_unknown_school_is_404_with_a_message(client, schools):
    response = client.get("/api/v1/schools/999999")
    assert response.status_code == 404
    assert response.json["error"]["message"] == "There is no school with URN 999999."


@pytest.mark.parametrize(("query", "field"), [
    ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=10,51,0,52", "bbox"),
    ("limit=0", "limit"), ("limit=5000", "limit"), ("offset=-1", "offset"),
    ("format=kml", "format"), ("boro=E09000999", "boro"), ("include_closed=maybe",
                                                           "include_closed"),
])
def test_bad_query_parameters_get_a_4xx_naming_the_parameter(client, schools, query, field):
    response = client.get(f"/api/v1/schools?{query}")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_input"
    assert response.json["error"]["field"] == field
    assert response.json["error"]["message"]


def test_postcode_lookup_accepts_any_spacing_and_case(client, db_session, runner, tmp_path):
    add_borough(db_session)
    db_session.commit()
    path = tmp_path / "onspd.csv"
    path.write_text("pcds,lat,long\nSE13 6PH,51.45,0.001\nSW1A 1AA,51.501,-0.1416\n")
    runner.invoke(args=["import", "postcodes", str(path)])
    found = client.get("/api/v1/postcodes/se136ph").json
    assert found == {"postcode": "SE13 6PH", "lon": 0.001, "lat": 51.45, "borough": "E09000999"}
    assert client.get("/api/v1/postcodes/SW1A%201AA").json["borough"] is None


def test_postcode_lookup_explains_malformed_and_unknown_postcodes(client):
    malformed = client.get("/api/v1/postcodes/hello")
    assert malformed.status_code == 400
    assert malformed.json["error"] == {"code": "invalid_input", "field": "postcode",
                                       "message": "'hello' is not a UK postcode."}
    unknown = client.get("/api/v1/postcodes/ZZ99 9ZZ")
    assert unknown.status_code == 404
    assert unknown.json["error"]["message"] == "We do not know the postcode ZZ99 9ZZ."
