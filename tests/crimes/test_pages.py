"""The perception-and-crime page, its exports and its API: who may see them, what they show,
and clear 4xx answers for bad questions."""

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.crimes import services
from mapping import crime_compare, terms
from tests.core.accounts.helpers import login, logout
from tests.crimes.conftest import crime, write_crimes
from tests.factories import add_borough, add_user
from tests.mapping.conftest import lonlat

PAGE = "/mapping/perception-crime"
API = "/api/v1/crime-comparison"
CSV = "/mapping/perception-crime/export.csv"
STREET = lonlat(160, 160)  # the middle of the street the crowd marked
FAR = lonlat(-600, -600)
HOSTILE = '=HYPERLINK("http://evil.example")<script>alert(1)</script>'


def this_term() -> str:
    return terms.term_of(datetime.now(terms.LONDON))


@pytest.fixture
def crimes(db_session, crowd, tmp_path):
    """Five crimes on the crowd's street, five far from it, and three single ones elsewhere,
    in the first month of this term."""
    month = f"{crime_compare.months_of_term(this_term())[0]:%Y-%m}"
    rows = [crime(n, at=STREET, month=month, location="On or near Street") for n in range(5)]
    rows += [crime(10 + n, at=FAR, month=month, location=HOSTILE) for n in range(5)]
    rows += [crime(20 + n, at=lonlat(*spot), month=month, crime_type="Robbery")
             for n, spot in enumerate([(600, -600), (-600, 600), (800, 0)])]
    services.import_crimes(db_session=db_session, paths=[write_crimes(tmp_path / "c.csv", rows)])


def as_planner(client):
    login(client, "planner@example.org")
    return client


def by_category(collection) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for feature in collection["features"]:
        found.setdefault(feature["properties"]["category"], []).append(feature["properties"])
    return found


def asked_to_log_in(response) -> bool:
    """401 for scripts; browsers are sent to the login page (and back afterwards)."""
    return response.status_code == 401 or (
        response.status_code == 302 and "/login?next=" in response.headers["Location"])


@pytest.mark.parametrize("path", [PAGE, API, CSV])
def test_only_planners_and_admins_get_in(client, db_session, crowd, crimes, path):
    assert asked_to_log_in(client.get(path))  # anonymous
    assert client.get(path, headers={"Accept": "application/json"}).status_code == 401
    client.get(f"/j/{crowd.join_code}")  # a pupil who joined a class: still nobody
    assert asked_to_log_in(client.get(path))
    for role in ("teacher", "worker"):
        email = f"{role}-x@example.org"
        add_user(db_session, role, email, **({"school_urns": [100001]} if role == "teacher"
                                            else {}))
        login(client, email)
        assert client.get(path).status_code == 403, role
        logout(client)
    as_planner(client)
    assert client.get(path).status_code == 200
    add_borough(db_session, "E09000001", "Elsewhere", (1.0, 52.0, 1.1, 52.1))
    assert client.get(f"{path}?borough=E09000001").status_code == 403
    assert client.get(f"{path}?borough=E09000999").status_code == 200


def test_an_admin_names_the_borough(client, db_session, crowd, crimes):
    add_user(db_session, "admin", "admin@example.org")
    login(client, "admin@example.org")
    refused = client.get(API)
    assert refused.status_code == 400 and refused.json["error"]["field"] == "borough"
    assert client.get(f"{API}?borough=E09000999").status_code == 200


def test_cells_are_classified_from_published_answers_and_crimes(client, crowd, crimes):
    collection = as_planner(client).get(f"{API}?term={this_term()}").json
    cells = by_category(collection)
    assert [c["crimes"] for c in cells["both_high"]] == [5]
    assert [c["crimes"] for c in cells["crimes_high"]] == [5]
    assert cells["crimes_high"][0]["pupils"] is None
    assert sorted(c["crimes"] for c in cells["both_low"]) == [1, 1, 1]
    assert all(c["crimes"] == 0 and c["pupils"] == 10 for c in cells.get("pupils_high", []))
    assert collection["rule"]["crimes_at_least"] == 5
    assert collection["months_with_crimes"] == collection["months"][:1]
    assert "comment" not in str(collection)


def test_pupil_numbers_are_exactly_the_published_heatmap_cells(client, crowd, crimes):
    as_planner(client)
    comparison = client.get(f"{API}?cell=100").json
    heatmap = client.get("/api/v1/heatmap?cell=100").json
    pupils = {f["id"]: f["properties"]["pupils"] for f in comparison["features"]
              if f["properties"]["pupils"] is not None}
    assert pupils and pupils == {f["id"]: f["properties"]["pupils"]
                                 for f in heatmap["features"]}


def test_crime_type_filter_counts_only_that_type(client, crowd, crimes):
    collection = as_planner(client).get(f"{API}?type=robbery").json
    assert sorted(f["properties"]["crimes"] for f in collection["features"]
                  if f["properties"]["crimes"]) == [1, 1, 1]


@pytest.mark.parametrize(("query", "field"), [
    ("cell=50", "cell"), ("cell=75", "cell"), ("type=aliens", "type"), ("type=Robbery", "type"),
    ("term=2026-winter", "term"), ("term=1999-autumn", "term"), ("school=100001", "school"),
    ("date=2026-11-01", "date"),
])
def test_bad_questions_get_a_clear_4xx(client, crowd, crimes, query, field):
    as_planner(client)
    for path in (API, PAGE, CSV):
        response = client.get(f"{path}?{query}", headers={"Accept": "application/json"})
        assert 400 <= response.status_code < 500, (path, query)
        assert response.json["error"]["field"] == field and response.json["error"]["message"]


def test_the_page_has_the_legend_the_caveat_and_the_most_disagreeing_cells(client, crowd,
                                                                          crimes):
    html = as_planner(client).get(PAGE).get_data(as_text=True)
    for words in ("How to read it", "Both high", "Pupils feel unsafe, few crimes recorded",
                  "Crimes recorded, pupils did not mark it", "anonymous map points",
                  "not about children", "Where they disagree most", "(here: 5 or more)"):
        assert words in html, words
    assert '<table id="disagreements">' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_the_csv_export_is_formula_safe_and_has_every_cell(client, crowd, crimes):
    response = as_planner(client).get(CSV)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["category"] for row in rows} >= {"both_high", "crimes_high", "both_low"}
    far = [row for row in rows if row["category"] == "crimes_high"]
    assert far[0]["place"] == "'" + HOSTILE and far[0]["wkt"].startswith("POLYGON")
    assert all(not row["lon"].startswith("'") for row in rows)


def test_the_geojson_export_is_a_download_of_the_same_cells(client, crowd, crimes):
    as_planner(client)
    download = client.get("/mapping/perception-crime/export.geojson?cell=250")
    assert download.headers["Content-Disposition"] == \
        'attachment; filename="perception-and-crime-all-terms-all-types-250m.geojson"'
    assert download.json["features"] == client.get(f"{API}?cell=250").json["features"]


def test_a_planners_look_is_recorded_in_the_audit_log(client, db_session, crowd, crimes):
    as_planner(client).get(f"{PAGE}?type=burglary")
    paths = db_session.scalars(select(AuditEvent.detail)).all()
    assert {"path": PAGE, "query": "type=burglary"}.items() <= next(
        d for d in paths if d.get("path") == PAGE).items()


def test_without_any_crime_data_the_page_says_so(client, crowd):
    html = as_planner(client).get(f"{PAGE}?term={this_term()}").get_data(as_text=True)
    assert "Police data has been imported for 0 of these" in html


def test_a_borough_where_nobody_has_mapped_yet_gets_a_plain_answer(client, db_session):
    add_borough(db_session)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    html = as_planner(client).get(PAGE).get_data(as_text=True)
    assert "No class in this borough has mapped yet" in html
    assert as_planner(client).get(API).json["features"] == []
