"""Comparing two terms: the pure classification, and the planners' page on two terms of maps."""

import json
import random
import re

import pytest
import shapely
import shapely.geometry
from sqlalchemy import text

from mapping import term_changes, terms
from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.conftest import feature, square
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (the fixture)

EARLIER = "2026-spring"
FIRST_PLACE = (400, 400)  # marked in the earlier term only
SECOND_PLACE = (-800, -500)  # marked in the later term only


def _cell(i, j, rate, pupils=10):
    return {"i": i, "j": j, "rate": rate, "pupils": pupils}


def test_hexagons_are_classified_by_how_their_published_share_changed():
    before = [_cell(0, 0, 0.20), _cell(0, 1, 0.50), _cell(0, 2, 0.40), _cell(0, 3, 0.30),
              _cell(0, 4, 0.30), _cell(0, 5, 0.25)]
    after = [_cell(0, 0, 0.30), _cell(0, 1, 0.41), _cell(0, 2, 0.30), _cell(0, 6, 0.5),
             _cell(0, 7, 0.5)]
    asked = {(0, k) for k in range(7)}  # (0, 7) was not mapped in the earlier term
    rows = term_changes.cell_changes(before, after, asked, asked - {(0, 5)})
    changes = {(r["i"], r["j"]): r["change"] for r in rows}
    assert changes == {(0, 0): "grew",  # 0.30 - 0.20 is 0.0999... in floating point
                       (0, 1): "steady", (0, 2): "eased", (0, 3): "faded", (0, 4): "faded",
                       (0, 5): "one_term", (0, 6): "appeared", (0, 7): "one_term"}
    first = rows[0]
    assert (first["before"], first["after"], first["label"]) == (0.20, 0.30, "Grew")
    assert term_changes.sentence(rows[3]) == "Faded: 30% before, not published after."
    assert term_changes.counts(rows, term_changes.CELL_CHANGES) == {
        "appeared": 1, "grew": 1, "steady": 1, "eased": 1, "faded": 2, "one_term": 2}


def test_the_biggest_changes_come_first_and_steady_ones_are_left_out():
    rows = term_changes.cell_changes(
        [_cell(0, 0, 0.2), _cell(0, 1, 0.5), _cell(0, 2, 0.3)],
        [_cell(0, 0, 0.6), _cell(0, 1, 0.45), _cell(0, 3, 0.25)],
        {(0, k) for k in range(4)}, {(0, k) for k in range(4)})
    assert [(r["j"], r["change"]) for r in term_changes.biggest(rows, 5)] == [
        (0, "grew"), (2, "faded"), (3, "appeared")]


def _analysis(areas: dict[int, list[tuple[int, int]]], study: list[tuple[int, int]]) -> dict:
    cells = [{"i": i, "j": j, "area": next((r for r, m in areas.items() if (i, j) in m), None)}
             for i, j in study]
    return {"cells": cells, "areas": [{"rank": r, "geometry": "{}", "lon": 0, "lat": 0,
                                       "ward": f"Ward {r}"} for r in areas]}


def test_hot_spots_are_new_still_there_or_gone_by_shared_hexagons():
    study = [(i, j) for i in range(10) for j in range(10)]
    before = _analysis({1: [(1, 1), (1, 2)], 2: [(5, 5)], 3: [(8, 8)]}, study)
    after = _analysis({1: [(1, 2), (1, 3)], 2: [(3, 3)], 3: [(12, 12)]}, [*study, (12, 12)])
    rows = term_changes.area_changes(before, after, set(study), set(study) | {(12, 12)})
    found = {(r["term"], r["rank"]): (r["change"], r["matched"]) for r in rows}
    assert found == {("after", 1): ("persisting", [1]), ("after", 2): ("new", []),
                     ("after", 3): ("one_term", []),  # nobody was asked there before
                     ("before", 2): ("gone", []), ("before", 3): ("gone", [])}


def test_a_term_without_hot_spots_leaves_the_other_terms_areas_gone_or_new():
    study = {(0, k) for k in range(5)}
    after = _analysis({1: [(0, 1)]}, sorted(study))
    rows = term_changes.area_changes(None, after, study, study)
    assert [(r["rank"], r["change"]) for r in rows] == [(1, "new")]


def test_terms_sort_in_time_order():
    names = ["2026-autumn", "2026-spring", "2025-autumn", "2026-summer"]
    assert sorted(names, key=terms.chronological) == [
        "2025-autumn", "2026-spring", "2026-summer", "2026-autumn"]


def _patch(rng: random.Random) -> dict:
    """A small random patch away from both places: a pupil or two marking a place in the
    other term would make that term's cell unpublishable (the differencing check)."""
    while True:
        x, y = rng.uniform(-800, 800), rng.uniform(-800, 800)
        if all(abs(x - px) > 300 or abs(y - py) > 300 for px, py in (FIRST_PLACE, SECOND_PLACE)):
            return square(x, y, 50)


def _pupils(app, db_session, classes, place, seed):  # noqa: F811
    """Twelve pupils per school: eight mark `place` unsafe, and everyone a random patch."""
    rng = random.Random(seed)
    for mapping_session in classes:
        for pupil in range(12):
            features = [feature(_patch(rng))]
            if pupil < 8:
                features.append(feature(square(*place, 90), times=["after_school"]))
            send(app, db_session, mapping_session, *features)


@pytest.fixture
def two_terms(app, db_session, classes):  # noqa: F811
    """The same three schools' pupils in two terms: the first place, then the second."""
    _pupils(app, db_session, classes, FIRST_PLACE, seed=1)
    for table in ("pupil_map", "zone_cell"):  # as if sent in the spring term
        db_session.execute(text(f"UPDATE {table} SET term = :t"), {"t": EARLIER})  # noqa: S608
    _pupils(app, db_session, classes, SECOND_PLACE, seed=2)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()
    return EARLIER, classes[0].term


def _config(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="compare-config">(.*?)</script>',
                      html, re.S)
    return json.loads(found.group(1))


def _near(feature_: dict, place: tuple[int, int]) -> bool:
    """Whether a hexagon or area overlaps the inside of the 90 m square marked at `place`."""
    shape = shapely.geometry.shape(feature_["geometry"])
    return shape.relate_pattern(shapely.geometry.shape(square(*place, 90)), "T********")


def test_the_page_shows_what_appeared_and_what_faded(client, two_terms):
    earlier, later = two_terms
    login(client, "planner@example.org")
    page = client.get(f"/mapping/hotspots/compare?before={earlier}&after={later}&cell=150")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    config = _config(html)
    by_change = {}
    for f in config["cells"]["features"]:
        by_change.setdefault(f["properties"]["change"], []).append(f)
    assert by_change["faded"] and all(_near(f, FIRST_PLACE) for f in by_change["faded"])
    assert by_change["appeared"] and all(_near(f, SECOND_PLACE) for f in by_change["appeared"])
    assert set(by_change) <= {"faded", "appeared"}
    areas = {(f["properties"]["term"], f["properties"]["change"]): f
             for f in config["areas"]["features"]}
    assert set(areas) == {("after", "new"), ("before", "gone")}
    assert _near(areas[("after", "new")], SECOND_PLACE)
    assert _near(areas[("before", "gone")], FIRST_PLACE)
    assert f"What changed between {terms.label(earlier)} and {terms.label(later)}" in html
    assert f"{len(by_change['appeared'])} appeared" in html
    assert "Hot spots: 1 new, 0 still there, 1 gone." in html


def test_without_terms_the_two_latest_are_compared(client, two_terms):
    earlier, later = two_terms
    login(client, "planner@example.org")
    html = client.get("/mapping/hotspots/compare").get_data(as_text=True)
    assert f"between {terms.label(earlier)} and {terms.label(later)}" in html


@pytest.mark.parametrize(("query", "words"), [
    ("before={later}&after={later}", "two different terms"),
    ("before=2020-autumn&after={later}", "Unknown term for before"),
    ("before={earlier}&after=2026-winter", "Unknown term for after"),
    ("before={earlier}", "after is missing"),
    ("before={later}&after={earlier}", "must be earlier than"),
    ("before={earlier}&after={later}&cell=50", "cell must be 100, 150 or 250"),
    ("before={earlier}&after={later}&kind=safe", "kind"),
])
def test_bad_comparisons_are_refused_with_a_reason(client, two_terms, query, words):
    earlier, later = two_terms
    login(client, "planner@example.org")
    answer = client.get("/mapping/hotspots/compare?" + query.format(earlier=earlier,
                                                                    later=later))
    assert answer.status_code == 400
    assert words in answer.get_data(as_text=True)


def test_one_term_of_maps_is_a_plain_message(client, db_session, classes):  # noqa: F811
    _pupils(client.application, db_session, classes, FIRST_PLACE, seed=1)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()
    login(client, "planner@example.org")
    answer = client.get("/mapping/hotspots/compare")
    assert answer.status_code == 422
    assert "maps from two terms" in answer.get_data(as_text=True)


def test_teachers_cannot_compare_and_another_borough_is_refused(client, two_terms):
    login(client, "teacher@example.org")
    assert client.get("/mapping/hotspots/compare").status_code == 403
    login(client, "planner@example.org")
    assert client.get("/mapping/hotspots/compare?borough=E09000023").status_code == 403
