"""Hot spots: planted places found with their times, counts published, pages, files, access."""

import io
import json
import random
import subprocess

import pyogrio.raw
import pytest
import shapely
from defusedxml import ElementTree
from sqlalchemy import select, text

from core.audit.models import AuditEvent
from core.places import queries as place_queries
from havens import hours
from havens.models import Haven
from mapping import heatmap, hotspots, patrol, vocabulary
from tests.core.accounts.helpers import login
from tests.factories import add_user, point
from tests.mapping.conftest import feature, lonlat, square
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (the fixture)

AFTER_SCHOOL_PLACE = (400, 400)  # metres from the first school
EVENING_PLACE = (-800, -500)


def _planted(app, db_session, classes, pupils_per_school=12, seed=3):  # noqa: F811
    """Three schools' pupils: most mark an after-school place, many an evening place, and
    everyone one random small patch somewhere (noise)."""
    rng = random.Random(seed)
    reasons, times = list(vocabulary.UNSAFE_REASONS), list(vocabulary.TIMES)
    for mapping_session in classes:
        for pupil in range(pupils_per_school):
            features = [feature(square(rng.uniform(-1200, 1200), rng.uniform(-1200, 1200), 50),
                                reasons=[rng.choice(reasons)], times=[rng.choice(times)])]
            if pupil < 8:
                features.append(feature(square(*AFTER_SCHOOL_PLACE, 90),
                                        reasons=["older_groups"], times=["after_school"]))
            if pupil < 5:
                features.append(feature(square(*EVENING_PLACE, 90), reasons=["dark"],
                                        times=["evening"]))
            send(app, db_session, mapping_session, *features)


def _inside(area: dict, place: tuple[int, int]) -> bool:
    x, y = place
    return shapely.from_geojson(area["geometry"]).contains(shapely.Point(lonlat(x + 45, y + 45)))


@pytest.fixture
def planted(app, db_session, classes):  # noqa: F811
    _planted(app, db_session, classes)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()
    return classes


def _analyse(app, db_session, classes, **asked):  # noqa: F811
    question = hotspots.HotSpotQuestion(borough_id=classes[0].borough_id, **asked)
    with app.app_context():
        return hotspots.analyse(db_session=db_session, question=question,
                                rule=heatmap.rule_for_planners())


def test_both_planted_places_are_found_with_their_peak_time_and_reason(
        app, db_session, planted):
    analysis = _analyse(app, db_session, planted)
    areas = analysis["areas"]
    assert len(areas) == 2
    after, evening = areas  # ranked: more pupils marked the after-school place
    assert _inside(after, AFTER_SCHOOL_PLACE) and _inside(evening, EVENING_PLACE)
    assert (after["rank"], after["peak_time"]) == (1, "after_school")
    assert (evening["rank"], evening["peak_time"]) == (2, "evening")
    assert after["reasons"][0]["key"] == "older_groups"
    assert evening["reasons"][0]["key"] == "dark"
    assert after["visits"] == "15-minute visits between 15:00 and 17:00 on school days"
    assert after["confidence"] >= 95 and after["peak_z"] > 3
    hot = [c for c in analysis["cells"] if c["class"].startswith("hot")]
    assert hot and all(c["area"] in (1, 2) for c in hot)
    assert all(c["area"] is None for c in analysis["cells"] if not c["class"].startswith("hot"))


def test_area_counts_are_published_rounded_and_from_enough_schools(app, db_session, planted):
    for area in _analyse(app, db_session, planted)["areas"]:
        assert area["pupils"] % 5 == 0 and area["pupils"] >= 10
        assert area["schools"] == 3
        for answer in area["reasons"] + area["times"]:  # a count only when fully publishable
            assert answer["pupils"] is None or (answer["pupils"] % 5 == 0
                                                and answer["pupils"] >= 10)
            assert answer["count_words"] in (f"about {answer['pupils']}", "10 or more")


def test_an_area_names_its_ward_schools_and_the_nearest_haven_open_at_the_peak_time(
        app, db_session, planted):
    ward = shapely.Point(lonlat(*AFTER_SCHOOL_PLACE)).buffer(0.01)
    place_queries.upsert_ward(db_session, code="E05999999", name="Riverside",
                              borough_id=planted[0].borough_id,
                              wkt=shapely.to_wkt(shapely.MultiPolygon([ward])))
    after_school = hours.to_json(hours.from_form(dict.fromkeys(patrol.SCHOOL_DAYS, "14:00-18:00")))
    for name, where, opening in (("Corner Shop", (445, 445), {}),
                                 ("Late Pharmacy", (900, 900), after_school)):
        db_session.add(Haven(borough_id=planted[0].borough_id, name=name,
                             business_type="shop", location=f"SRID=4326;{point(*lonlat(*where))}",
                             opening_hours=opening, status="active"))
    db_session.commit()
    area = _analyse(app, db_session, planted)["areas"][0]
    assert area["ward"] == "Riverside"
    assert area["haven"]["name"] == "Corner Shop" and area["haven"]["open"] == "closed"
    assert area["open_haven"]["name"] == "Late Pharmacy"
    assert area["open_haven"]["open"] == "open"
    assert area["haven"]["distance_m"] < area["open_haven"]["distance_m"]
    assert area["schools_near"][0]["name"] == "School 1"  # the one 300 m east


def test_too_few_published_cells_is_a_clear_message_not_a_crash(
        app, db_session, classes, client):  # noqa: F811
    send(app, db_session, classes[0], feature(square(100, 100)))
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()
    login(client, "planner@example.org")
    page = client.get("/mapping/hotspots")
    assert page.status_code == 200
    assert b"No hot spots can be worked out yet" in page.data
    export = client.get("/mapping/hotspots/export.geojson")
    assert export.status_code == 422
    assert b"Not enough published hexagons" in export.data


@pytest.mark.parametrize(("query", "words"), [
    ("cell=50", b"cell"), ("cell=abc", b"cell"), ("term=2020-summer", b"Unknown term"),
    ("year=year_99", b"year"), ("school=100001", b"single school"), ("date=2026-01-01", b"terms"),
    ("colour=red", b"colour"),
])
def test_bad_questions_are_refused_with_a_reason(client, planted, query, words):
    login(client, "planner@example.org")
    answer = client.get(f"/mapping/hotspots/export.csv?{query}")
    assert answer.status_code == 400
    assert words in answer.data


@pytest.mark.parametrize("role", ["teacher", "worker"])
def test_only_planners_see_hot_spots(client, db_session, planted, role):
    add_user(db_session, role, f"{role}2@example.org",
             **({"school_urns": [100001]} if role == "teacher" else {}))
    db_session.commit()
    assert client.get("/mapping/hotspots/export.geojson").status_code in (401, 302)
    login(client, f"{role}2@example.org")
    for path in ("/mapping/hotspots", "/mapping/hotspots/export.kml"):
        assert client.get(path).status_code == 403


def test_a_planner_cannot_ask_about_another_borough(client, planted):
    login(client, "planner@example.org")
    assert client.get("/mapping/hotspots?borough=E09000023").status_code == 403


def test_the_page_lists_ranked_areas_and_every_view_is_audited(client, db_session, planted):
    login(client, "planner@example.org")
    page = client.get("/mapping/hotspots")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index('id="area-1"') < html.index('id="area-2"')
    assert "15-minute visits between 15:00 and 17:00 on school days" in html
    assert "Groups of older young people" in html
    client.get("/mapping/hotspots/export.gpx?cell=150")
    paths = [e.detail["path"] for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "access"))]
    assert "/mapping/hotspots" in paths and "/mapping/hotspots/export.gpx" in paths


def _export(client, fmt: str):
    login(client, "planner@example.org")
    answer = client.get(f"/mapping/hotspots/export.{fmt}")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in answer.headers["Content-Disposition"]
    return answer


def test_geojson_and_csv_hold_the_ranked_areas(client, planted):
    collection = json.loads(_export(client, "geojson").data)
    ranks = [f["properties"]["rank"] for f in collection["features"]]
    assert ranks == [1, 2]
    first = collection["features"][0]
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert first["properties"]["peak_time"] == "After school"
    rows = _export(client, "csv").get_data(as_text=True).splitlines()
    assert rows[0].startswith("rank,ward,peak_time,visits,pupils")
    assert len(rows) == 3 and rows[1].startswith("1,")
    assert "POLYGON" in rows[1]


def test_kml_and_gpx_open_in_gdal(client, planted, tmp_path):
    for fmt, expected in (("kml", "Polygon"), ("gpx", "Point")):
        path = tmp_path / f"hotspots.{fmt}"
        path.write_bytes(_export(client, fmt).data)
        layer = "waypoints" if fmt == "gpx" else None
        meta, _fids, geometries, fields = pyogrio.raw.read(path, layer=layer)
        assert len(geometries) == 2
        shapes = shapely.from_wkb(geometries)
        assert all(expected in s.geom_type for s in shapes)
        names = fields[meta["fields"].tolist().index("name" if fmt == "gpx" else "Name")]
        assert names[0].startswith("Hot spot 1")
    kml = ElementTree.fromstring(_export(client, "kml").data)
    placemarks = kml.findall(".//{http://www.opengis.net/kml/2.2}Placemark")
    assert len(placemarks) == 2
    gpx = ElementTree.fromstring(_export(client, "gpx").data)
    waypoints = gpx.findall("{http://www.topografix.com/GPX/1/1}wpt")
    assert float(waypoints[0].get("lat")) == pytest.approx(
        lonlat(*AFTER_SCHOOL_PLACE)[1], abs=0.003)


def test_the_briefing_pdf_has_a_page_per_area_with_when_and_why(client, planted):
    pdf = _export(client, "pdf").data
    assert pdf.startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    pages = next(line for line in info.stdout.decode().splitlines() if line.startswith("Pages:"))
    assert pages.split()[1] == "3"  # the ranked list, then one page per area
    words = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                           check=True).stdout.decode()
    assert "Patrol briefing" in words
    assert "15-minute visits between 15:00 and 17:00 on school days" in words
    assert "15-minute visits between 17:00 and 21:00 every day" in words
    assert "Groups of older young people" in words and "Dark or badly lit" in words


def test_hostile_names_are_shown_as_text_in_every_file(client, db_session, planted):
    hostile = '=HYPERLINK("http://x")<script>alert(1)</script>'
    db_session.execute(text("UPDATE school SET name = :n WHERE urn = 100002"), {"n": hostile})
    db_session.commit()
    login(client, "planner@example.org")
    assert "<script>alert(1)" not in client.get("/mapping/hotspots").get_data(as_text=True)
    csv_text = _export(client, "csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text  # the nearest school's name starts the cell: neutralised
    kml = _export(client, "kml").data
    assert b"<script>" not in kml
    words = subprocess.run(["pdftotext", "-", "-"], input=_export(client, "pdf").data,
                           capture_output=True, check=True).stdout.decode()
    assert "<script>alert(1)</script>" in words  # printed literally


def test_patrol_windows_and_opening_checks():
    assert patrol.visit_pattern("evening") == "15-minute visits between 17:00 and 21:00 every day"
    assert "different times of day" in patrol.visit_pattern(None)
    weekdays = hours.from_form(dict.fromkeys(patrol.SCHOOL_DAYS, "09:00-18:00"))
    assert patrol.open_during(weekdays, "after_school") == "open"
    assert patrol.open_during(weekdays, "evening") == "closed"
    assert patrol.open_during(weekdays, "weekend") == "closed"
    saturday = hours.from_form({"sa": "10:00-19:00"})
    assert patrol.open_during(saturday, "weekend") == "partly"
    assert patrol.open_during(weekdays, None) == "unknown"
    ordered = sorted([{"pupils": 10, "peak_z": 9.0, "cells": 1},
                      {"pupils": 20, "peak_z": 2.0, "cells": 1},
                      {"pupils": 10, "peak_z": 3.0, "cells": 4}], key=patrol.rank_key)
    assert [(a["pupils"], a["peak_z"]) for a in ordered] == [(20, 2.0), (10, 9.0), (10, 3.0)]


def test_kml_of_no_areas_is_still_a_valid_file():
    from mapping import hotspot_exports
    assert ElementTree.fromstring(hotspot_exports.areas_kml([])) is not None
    assert ElementTree.fromstring(hotspot_exports.areas_gpx([])) is not None
    assert io.StringIO(hotspot_exports.areas_csv([])).readline().startswith("rank,")


def test_the_cautious_check_uses_permutations_and_is_never_bolder(app, db_session, planted):
    fast = _analyse(app, db_session, planted)
    cautious = _analyse(app, db_session, planted, cautious=True)
    assert [c["z"] for c in cautious["cells"]] == [c["z"] for c in fast["cells"]]
    assert [c["p"] for c in cautious["cells"]] != [c["p"] for c in fast["cells"]]
    assert min(c["p"] for c in cautious["cells"]) >= 2 / (hotspots.PERMUTATIONS + 1)
    # Six published hexagons among a few hundred are too thin for 9,999 rearrangements to
    # rule out chance after the false-discovery correction (test_hotspot_stats covers finds).
    assert len(cautious["areas"]) <= len(fast["areas"])
    bold = {(c["i"], c["j"]) for c in cautious["cells"] if c["class"] != "not_significant"}
    assert bold <= {(c["i"], c["j"]) for c in fast["cells"] if c["class"] != "not_significant"}


@pytest.mark.parametrize("path", [
    "/mapping/hotspots?term=&year=&cell=150&check=normal",
    "/mapping/heatmap?kind=unsafe&term=&reason=&time=&year=&weighting=pupils",
])
def test_the_filter_forms_all_options_mean_no_filter(client, planted, path):
    login(client, "planner@example.org")
    answer = client.get(path)
    assert answer.status_code == 200
    if "hotspots" in path:
        assert 'id="area-1"' in answer.get_data(as_text=True)
