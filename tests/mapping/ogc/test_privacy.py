"""What the OGC API must never give away: restricted collections to anonymous callers, private
haven details or havens that are not active, heat cells or hot spots that the planners' own
heatmap would not publish, and hostile text as live HTML."""

import json

import pytest
from sqlalchemy import update

from core import db
from havens.models import Haven
from mapping.ogc import publishing
from tests.conftest import make_app
from tests.mapping.conftest import feature, square
from tests.mapping.ogc.conftest import (
    BOTH_PLACE,
    HIDDEN_HAVENS,
    HOSTILE_NAME,
    OGC_BOROUGH,
    PRIVATE_DETAILS,
    SAFE_PLACE,
    api_token_for,
    bearer,
)
from tests.mapping.test_heatmap import send
from tests.mapping.test_hotspots import _planted

ITEMS = "/ogc/collections/havens/items"
HEAT = "/ogc/collections/heat_cells/items"
HOTSPOTS = "/ogc/collections/hotspots/items"
BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
PUBLIC_HAVEN_FIELDS = {"name", "business_type", "address", "postcode", "opening_hours",
                       "borough"}
PRIVATE_FIELDS = ["contact_name", "phone", "email", "notes", "status", "status_reason",
                  "sells_knives", "sticker_displayed", "staff_briefed_count", "staff_briefed_on",
                  "responsible_retailer_signed", "next_visit_due", "last_verified_on",
                  "joined_on", "source", "source_id", "created_by_id", "updated_by_id"]
PRIVATE_TEXT = [value for value in PRIVATE_DETAILS.values() if isinstance(value, str)]
SIZES = (100, 150, 250)


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.loads(response.get_data(as_text=True))


def all_features(client, path: str, headers: dict | None = None, **query) -> list[dict]:
    """Every feature of a collection (one page of up to 10,000)."""
    body = ok(client.get(path, query_string={"limit": 10000, **query}, headers=headers or {}))
    assert body["numberReturned"] == body["numberMatched"]
    return body["features"]


# --- restricted collections stay out of sight ----------------------------------------------------

@pytest.mark.parametrize("path", ["/ogc", "/ogc?f=html", "/ogc/collections",
                                  "/ogc/collections?f=html", "/ogc/api"])
def test_anonymous_listings_and_the_openapi_document_never_mention_restricted_layers(
        client, haven_world, path):
    answer = client.get(path)
    assert answer.status_code == 200
    written = answer.get_data(as_text=True)
    assert "heat_cells" not in written and "hotspots" not in written
    if path.startswith(("/ogc/collections", "/ogc/api")):
        assert "havens" in written and "schools" in written  # the public ones are listed


def test_a_planner_does_see_the_restricted_layers_listed(client, db_session, haven_world):
    headers = bearer(api_token_for(db_session, "planner", borough_code=OGC_BOROUGH))
    for path in ("/ogc/collections", "/ogc/api"):
        written = client.get(path, headers=headers).get_data(as_text=True)
        assert "heat_cells" in written and "hotspots" in written


# --- havens: public details of active havens only ------------------------------------------------

def _haven_answers(client, world, headers: dict) -> list[tuple[str, object]]:
    """Every way of reading havens: (path, response)."""
    some = sorted(world.active)[4]
    paths = [f"{ITEMS}?limit=100", f"{ITEMS}?limit=100&crs={BNG}",
             f"{ITEMS}?limit=100&crs={EPSG4326}", f"{ITEMS}?limit=100&f=html",
             f"{ITEMS}/{some}", f"{ITEMS}/{some}?f=html", f"{ITEMS}/{world.hostile_id}?f=html",
             "/ogc/collections/havens", "/ogc/collections/havens?f=html",
             "/ogc/collections/havens/queryables", "/ogc/collections/havens/queryables?f=html"]
    return [(path, client.get(path, headers=headers)) for path in paths]


@pytest.mark.parametrize("role", [None, "planner", "admin", "worker"])
def test_no_answer_about_havens_carries_a_private_detail(client, db_session, haven_world, role):
    headers = {}
    if role:
        scope = {"borough_code": OGC_BOROUGH} if role == "planner" else {}
        headers = bearer(api_token_for(db_session, role, **scope))
    for path, answer in _haven_answers(client, haven_world, headers):
        assert answer.status_code == 200, path
        written = answer.get_data(as_text=True)
        for secret in PRIVATE_TEXT:
            assert secret not in written, (path, secret)
        if answer.mimetype == "application/geo+json":
            body = json.loads(written)
            for found in body.get("features", [body]):
                assert set(found["properties"]) == PUBLIC_HAVEN_FIELDS, path


def test_filters_cannot_ask_about_private_details(client, haven_world):
    for name in [*PRIVATE_FIELDS, "id", "location", "borough_id"]:
        for filter_text in (f"{name} = 'x'", f"{name} IS NULL", f"{name} = 1"):
            answer = client.get(ITEMS, query_string={"filter": filter_text})
            assert answer.status_code == 400, filter_text
            assert answer.get_json()["field"] == "filter"
            for secret in PRIVATE_TEXT:
                assert secret not in answer.get_data(as_text=True)


def test_havens_that_are_not_active_never_appear(client, haven_world):
    features = all_features(client, ITEMS)
    assert {f["id"] for f in features} == set(haven_world.active)
    names = {f["properties"]["name"] for f in features}
    for hidden_id, name in haven_world.hidden.items():
        assert name not in names
        for suffix in ("", "?f=html", f"?crs={BNG}"):
            assert client.get(f"{ITEMS}/{hidden_id}{suffix}").status_code == 404
        found = ok(client.get(ITEMS, query_string={"filter": f"name = '{name}'"}))
        assert found["numberMatched"] == 0
    # the withdrawn one stands alone, far outside the borough: nothing is there, and the
    # collection's extent does not reach it
    assert ok(client.get(f"{ITEMS}?bbox=1,52,2,53"))["numberMatched"] == 0
    extent = ok(client.get("/ogc/collections/havens"))["extent"]["spatial"]["bbox"][0]
    assert extent[2] < 0.1 and extent[3] < 51.5
    assert {status for _, status in HIDDEN_HAVENS} == {"prospect", "lapsed", "withdrawn"}


def test_a_haven_that_is_withdrawn_disappears_at_once(client, db_session, haven_world):
    haven_id = sorted(haven_world.active)[2]
    assert client.get(f"{ITEMS}/{haven_id}").status_code == 200
    db_session.execute(update(Haven).where(Haven.id == haven_id).values(status="withdrawn"))
    db_session.commit()
    assert client.get(f"{ITEMS}/{haven_id}").status_code == 404
    assert ok(client.get(ITEMS))["numberMatched"] == len(haven_world.active) - 1


def test_hostile_haven_names_are_shown_as_text_in_html(client, haven_world):
    for path in (f"{ITEMS}?f=html&limit=100", f"{ITEMS}/{haven_world.hostile_id}?f=html",
                 f"{ITEMS}/{haven_world.hostile_id}"):
        answer = client.get(path, headers={"Accept": "text/html"})
        assert answer.status_code == 200 and answer.mimetype == "text/html"
        html = answer.get_data(as_text=True)
        assert "<script>alert(" not in html, path
        assert "&lt;script&gt;alert(" in html, path
    as_json = client.get(f"{ITEMS}/{haven_world.hostile_id}")
    assert as_json.mimetype == "application/geo+json"
    assert as_json.headers["X-Content-Type-Options"] == "nosniff"
    assert as_json.get_json(force=True)["properties"]["name"] == HOSTILE_NAME


# --- heat cells: exactly what the planners' heatmap publishes ------------------------------------

def _heatmap_api(client, headers: dict, kind: str, term: str, size: int) -> dict:
    query = {"cell": size, "kind": kind, **({} if term == "all" else {"term": term})}
    body = ok(client.get("/api/v1/heatmap", query_string=query, headers=headers))
    cells = {}
    for cell in body["features"]:
        _size, i, j = cell["id"].split(":")
        cells[(int(i), int(j))] = cell["properties"]
    return cells


def _heat_cells(client, headers: dict, term: str, size: int) -> dict:
    features = all_features(client, HEAT, headers,
                            filter=f"term = '{term}' AND cell_m = {size}")
    cells = {}
    for cell in features:
        found_term, found_size, i, j = cell["id"].split(":")
        assert (found_term, int(found_size)) == (term, size)
        cells[(int(i), int(j))] = cell["properties"]
    return cells


def _assert_same_as_heatmap_api(client, headers: dict, term: str, size: int) -> dict:
    """The OGC heat cells of one term and size against /api/v1/heatmap; returns them."""
    served = _heat_cells(client, headers, term, size)
    unsafe = _heatmap_api(client, headers, "unsafe", term, size)
    safe = _heatmap_api(client, headers, "safe", term, size)
    net = _heatmap_api(client, headers, "net", term, size)
    assert set(served) == set(unsafe) | set(safe) == set(net), (term, size)
    for key, cell in served.items():
        for side, published in (("unsafe", unsafe), ("safe", safe)):
            expected = published.get(key)
            assert cell[f"{side}_pupils"] == (expected and expected["pupils"]), (key, side)
            assert cell[f"{side}_rate"] == (expected and expected["rate"]), (key, side)
            if expected:
                assert cell["coverage"] == expected["coverage"], key
        assert (cell["net"], cell["coverage"]) == (net[key]["net"], net[key]["coverage"]), key
    return served


def test_heat_cells_are_exactly_the_heatmap_api_s_published_cells(client, db_session, heat_world):
    headers = bearer(api_token_for(db_session, "planner", borough_code=OGC_BOROUGH))
    kinds_seen = set()
    for term in (heat_world.term, "all"):
        for size in SIZES:
            served = _assert_same_as_heatmap_api(client, headers, term, size)
            assert served, (term, size)
            for cell in served.values():
                kinds_seen.add((cell["unsafe_pupils"] is not None,
                                cell["safe_pupils"] is not None))
    # the data covers unsafe-only, safe-only and mixed cells
    assert kinds_seen == {(True, False), (False, True), (True, True)}


def test_every_served_heat_cell_meets_the_publication_thresholds(client, db_session, heat_world):
    headers = bearer(api_token_for(db_session, "planner", borough_code=OGC_BOROUGH))
    features = all_features(client, HEAT, headers)
    assert len(features) > 20
    config = client.application.config
    minimum, step = config["PRIVACY_MIN_PUPILS"], config["PRIVACY_ROUND_TO"]
    for cell in features:
        props = cell["properties"]
        counts = [props["unsafe_pupils"], props["safe_pupils"]]
        assert any(count is not None for count in counts), cell["id"]
        for count in counts:
            assert count is None or (count >= minimum and count % step == 0), cell["id"]
        assert props["coverage"] >= minimum and props["coverage"] % step == 0, cell["id"]
        assert props["cell_m"] >= config["PRIVACY_MIN_CELL_M"]
        assert props["borough"] == OGC_BOROUGH
    assert ok(client.get(HEAT, query_string={"filter": "cell_m = 50"},
                         headers=headers))["numberMatched"] == 0


def test_hot_spots_are_the_planners_ranked_areas_with_published_counts(
        client, db_session, heat_world):
    headers = bearer(api_token_for(db_session, "planner", borough_code=OGC_BOROUGH))
    seen = 0
    for term in (heat_world.term, "all"):
        for size in SIZES:
            query = {"cell": size, **({} if term == "all" else {"term": term})}
            export = client.get("/mapping/hotspots/export.geojson", query_string=query,
                                headers=headers)
            expected = ok(export)["features"] if export.status_code == 200 else []
            if export.status_code != 200:
                assert export.status_code == 422
            served = all_features(client, HOTSPOTS, headers,
                                  filter=f"term = '{term}' AND cell_m = {size}")
            served.sort(key=lambda f: f["properties"]["rank"])
            fields = ("rank", "pupils", "schools", "confidence", "cells", "visits",
                      "top_reasons", "peak_time", "nearest_haven")
            assert [[f["properties"][n] for n in fields] for f in served] == \
                [[f["properties"][n] for n in fields] for f in expected], (term, size)
            for area in served:
                pupils = area["properties"]["pupils"]
                assert pupils is None or (pupils >= 10 and pupils % 5 == 0)
                assert area["id"] == f"{term}:{size}:{area['properties']['rank']}"
            seen += len(served)
    assert seen >= 4  # two areas at least for the term and for all terms at 150 m


def test_a_planner_of_another_borough_gets_no_heat_cells_or_hot_spots(
        client, db_session, heat_world):
    headers = bearer(api_token_for(db_session, "planner", borough_code="E09000998"))
    assert all_features(client, HEAT, headers) == []
    assert all_features(client, HOTSPOTS, headers) == []


def test_new_maps_are_published_when_the_copy_is_refreshed_and_still_match_the_heatmap(
        database_url, connection, db_session, app, classes):
    """Maps sent after a first read: the copy is rebuilt (at most every OGC_REFRESH_SECONDS),
    and what it then serves is again exactly the heatmap's publication."""
    _planted(app, db_session, classes)
    db_session.commit()
    eager = make_app(database_url, OGC_REFRESH_SECONDS=0)
    db.bind_to_connection(eager, connection)
    headers = bearer(api_token_for(db_session, "planner", borough_code=OGC_BOROUGH))
    term = classes[0].term
    lazy_client, eager_client = app.test_client(), eager.test_client()
    before = _heat_cells(lazy_client, headers, term, 150)
    assert before and all(c["safe_pupils"] is None for c in before.values())
    for mapping_session in classes:
        for _pupil in range(5):
            send(app, db_session, mapping_session, feature(square(*SAFE_PLACE, 90), kind="safe"),
                 feature(square(*BOTH_PLACE, 90), kind="safe"))
    db_session.commit()
    # within OGC_REFRESH_SECONDS (300 by default) the published copy is not yet rebuilt ...
    assert _heat_cells(lazy_client, headers, term, 150) == before
    # ... and once it may be, it is the heatmap's publication again, safe marks and all
    after = _assert_same_as_heatmap_api(eager_client, headers, term, 150)
    assert any(c["safe_pupils"] for c in after.values())
    with app.app_context():
        assert publishing.refresh(db_session, classes[0].borough_id, "heat_cells",
                                  force=True) is True
    assert _assert_same_as_heatmap_api(lazy_client, headers, term, 150) == after
    eager.extensions["db"]["engine"].dispose()
