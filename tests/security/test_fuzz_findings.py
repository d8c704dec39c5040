"""What the fuzzer found, pinned one by one: each was a 500 or an answer its documentation
did not describe."""

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import add_borough, add_school, add_user
from tests.havens.test_api import bearer, haven_payload

BIGGER_THAN_AN_INT4 = 2881215097


@pytest.fixture
def worker_headers(db_session):
    add_borough(db_session)
    add_user(db_session, "worker", "worker@example.org")
    return bearer(db_session, "worker@example.org")


def conforms(app, path: str, method: str, response) -> None:
    """The response matches what /api/openapi.json documents for it (status and body)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    case = schema[path][method].Case()
    case.validate_response(response, checks=[response_schema_conformance])


def test_an_id_too_big_for_the_database_is_a_404_not_a_500(app, client, worker_headers):
    for url in (f"/api/v1/havens/{BIGGER_THAN_AN_INT4}", f"/api/v1/schools/{BIGGER_THAN_AN_INT4}",
                f"/havens/{BIGGER_THAN_AN_INT4}"):
        response = client.get(url, headers=worker_headers)
        assert response.status_code == 404, url
    conforms(app, "/api/v1/havens/{haven_id}", "GET",
             client.get(f"/api/v1/havens/{BIGGER_THAN_AN_INT4}"))
    spec = client.get("/api/openapi.json").json
    (haven_id,) = spec["paths"]["/api/v1/havens/{haven_id}"]["parameters"]
    assert haven_id["schema"]["maximum"] == 2**31 - 1


def test_a_body_that_is_not_json_is_a_400_naming_the_problem(app, client, worker_headers):
    response = client.post("/api/v1/havens", data=b"\x00", headers={
        **worker_headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_input"
    assert "JSON" in response.json["error"]["message"]
    conforms(app, "/api/v1/havens", "POST", response)


def test_a_school_urn_too_big_for_the_database_is_refused_clearly(client, db_session):
    add_borough(db_session)
    add_school(db_session)
    headers = bearer(db_session, add_user(db_session, "teacher", school_urns=[100001]).email)
    response = client.post("/api/v1/sessions", headers=headers, json={
        "school": -1922322919949139456, "class_label": "7B", "year_group": 7})
    assert response.status_code == 422
    assert response.json["error"] == {"code": "invalid_input", "field": "school",
                                      "message": "Choose the school."}


def test_blank_optional_text_is_stored_as_nothing(client, worker_headers):
    response = client.post("/api/v1/havens", headers=worker_headers,
                           json=haven_payload(address="", contact_name="  ", notes=""))
    assert response.status_code == 201, response.json
    assert (response.json["address"], response.json["contact_name"],
            response.json["notes"]) == (None, None, None)


def test_errors_are_documented_as_the_api_sends_them(app, client):
    response = client.get("/api/v1/havens/nearest?lat=north")
    assert response.status_code == 422 and response.json["error"]["field"] == "lat"
    conforms(app, "/api/v1/havens/nearest", "GET", response)
    not_found = client.get("/api/v1/schools/1")
    assert not_found.status_code == 404
    conforms(app, "/api/v1/schools/{urn}", "GET", not_found)


def test_the_due_list_is_documented(app, client, worker_headers):
    response = client.get("/api/v1/havens/due", headers=worker_headers)
    assert response.status_code == 200 and response.json == {"items": []}
    conforms(app, "/api/v1/havens/due", "GET", response)


def test_an_empty_query_parameter_is_documented_as_not_chosen(app, client):
    spec = client.get("/api/openapi.json").json
    (fmt,) = spec["paths"]["/api/v1/boroughs"]["get"]["parameters"]
    assert fmt["allowEmptyValue"] is True
    response = client.get("/api/v1/boroughs?format=")
    assert response.status_code == 200 and response.json == []
