"""The retention purge keeps what planners could see of a term and deletes its maps (issue 9).

A term whose oldest map is past the retention period is deleted whole; every borough-wide answer
about it (heatmaps of every filter, cell details, tiles, hot spots, the OGC layers) is the same
after the purge as before, and what is kept is only what was already published.
"""

import json
from dataclasses import replace

import pytest
from sqlalchemy import inspect, select, text

from core import db
from core.audit.models import AuditEvent
from mapping import heat_cache, heatmap, hotspots, retention, term_change_view, terms
from mapping.kept_models import KeptHeatAnswer, KeptHotSpots, KeptTerm
from mapping.models import PupilMap
from mapping.term_counts import TermCounts
from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.conftest import lonlat, move_maps_to_term, teacher  # noqa: F401 (fixture)
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (the fixture)
from tests.mapping.test_hotspots import AFTER_SCHOOL_PLACE, _planted

DAYS = 730
HEAT_QUESTIONS = (
    {}, {"kind": "safe"}, {"kind": "net"}, {"reason": "older_groups"}, {"reason": "dark"},
    {"time": "after_school"}, {"time": "evening", "reason": "dark"}, {"year": "years_7_9"},
    {"reason": "older_groups", "time": "after_school", "year": "years_7_9"},
    {"weighting": "schools"}, {"kind": "net", "weighting": "schools"},
    {"reason": "older_groups", "weighting": "schools"}, {"cell": 100}, {"cell": 250},
    {"cell": 250, "kind": "net", "time": "after_school"})


@pytest.fixture
def expired(app, db_session, classes):  # noqa: F811
    """The planted class maps, sent in a term whose maps are all past the retention period;
    a planner of the borough, logged in."""
    _planted(app, db_session, classes)
    maps = db_session.scalars(select(PupilMap.id)).all()
    term = move_maps_to_term(db_session, maps, days_ago=DAYS + 40)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    db_session.commit()
    planner = app.test_client()
    assert login(planner, "planner@example.org").status_code == 302
    return planner, term


def _purge(runner):
    heat_cache.clear()
    result = runner.invoke(args=["mapping", "purge-expired"])
    assert result.exit_code == 0, result.output
    return result.output


def _get(client, url, **query):
    answer = client.get(url, query_string=query)
    assert answer.status_code == 200, (url, query, answer.get_data(as_text=True))
    return answer


def _everything_a_planner_sees(app, db_session, planner, term) -> dict:
    """Every kind of answer about the term, by what was asked."""
    seen = {}
    for asked in HEAT_QUESTIONS:
        query = {"cell": 150, "term": term, **asked}
        seen[json.dumps(query, sort_keys=True)] = _get(planner, "/api/v1/heatmap", **query).json
    cells = seen[json.dumps({"cell": 150, "term": term}, sort_keys=True)]["features"]
    assert len(cells) >= 3, "the planted places publish cells"
    for feature in cells[:3]:
        _size, i, j = feature["id"].split(":")
        seen[f"cell {i} {j}"] = _get(planner, f"/api/v1/heatmap/cells/150/{i}/{j}",
                                     term=term).json
        seen[f"net cell {i} {j}"] = _get(planner, f"/api/v1/heatmap/cells/150/{i}/{j}",
                                         term=term, kind="net", weighting="schools").json
    lon, lat = lonlat(AFTER_SCHOOL_PLACE[0] + 45, AFTER_SCHOOL_PLACE[1] + 45)
    seen["cell at"] = _get(planner, "/api/v1/heatmap/cell", cell=150, lon=lon, lat=lat,
                           term=term).json
    for z, x, y in ((14, 8192, 5452), (14, 8191, 5452), (13, 4096, 2726)):
        seen[f"tile {z} {x} {y}"] = _get(planner, f"/tiles/heatmap/{z}/{x}/{y}.mvt",
                                 term=term).get_data()
    for export in ("geojson", "csv"):
        seen[f"hot spots {export}"] = _get(planner, f"/mapping/hotspots/export.{export}",
                                           term=term, cell=150).get_data(as_text=True)
    seen["ogc"] = _ogc_layers(app, db_session, term)
    with app.app_context():
        for cell, years, cautious in ((150, None, False), (100, None, True),
                                      (250, "years_7_9", False)):
            question = hotspots.HotSpotQuestion(borough_id=db_session.scalar(text(
                "SELECT id FROM borough WHERE code = 'E09000999'")), resolution=cell,
                term=term, years=years, cautious=cautious)
            try:
                seen[f"hot spots {cell} {years} {cautious}"] = hotspots.analyse(
                    db_session=db.session(), question=question, rule=heatmap.rule_for_planners())
            except hotspots.TooLittleData as exc:
                seen[f"hot spots {cell} {years} {cautious}"] = exc.message
    return seen


def _ogc_layers(app, db_session, term) -> list:
    """The GIS copy of the term's heat cells and hot spots, freshly republished."""
    published = app.test_cli_runner().invoke(args=["ogc", "publish"])
    assert published.exit_code == 0, published.output
    db_session.expire_all()
    cells = db_session.execute(text("""
        SELECT cell_m, i, j, unsafe_pupils, safe_pupils, coverage, unsafe_rate, safe_rate, net
          FROM published_heat_cell WHERE term = :term ORDER BY cell_m, i, j"""),
        {"term": term}).all()
    spots = db_session.execute(text("""
        SELECT cell_m, rank, confidence, peak_z, pupils, schools, top_reasons, peak_time, cells
          FROM published_hotspot WHERE term = :term ORDER BY cell_m, rank"""),
        {"term": term}).all()
    assert cells and spots
    return [tuple(row) for row in cells + spots]


def test_a_kept_term_answers_every_planner_question_as_before_the_purge(
        app, db_session, runner, expired):
    planner, term = expired
    before = _everything_a_planner_sees(app, db_session, planner, term)
    assert any(isinstance(v, dict) and v.get("areas") for v in before.values()), \
        "the term has hot spots to keep"

    output = _purge(runner)
    assert "36 pupil map(s) deleted" in output
    assert f"the published heatmaps of {terms.label(term)} are kept" in output
    db_session.expire_all()
    for table in ("pupil_map", "zone", "zone_cell", "fine_cell", "submission_key",
                  "cell_pupils"):
        assert db_session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table  # noqa: S608
    after = _everything_a_planner_sees(app, db_session, planner, term)
    assert after.keys() == before.keys()
    for asked, answer in before.items():
        assert after[asked] == answer, asked
    # the kept term is still offered on the planners' pages
    page = _get(planner, "/mapping/heatmap").get_data(as_text=True)
    assert f'value="{term}"' in page


def test_what_is_kept_is_only_what_was_published(app, db_session, runner, expired):
    _planner, term = expired
    _purge(runner)
    kept_term = db_session.scalars(select(KeptTerm)).one()
    assert (kept_term.term, kept_term.rule["min_pupils"]) == (term, 10)
    for table in ("kept_term", "kept_heat_answer", "kept_hot_spots"):
        columns = {c["name"] for c in inspect(db_session.get_bind()).get_columns(table)}
        assert not columns & {"pupil_map_id", "zone_id", "session_id", "school_id"}, table
    answers = db_session.scalars(select(KeptHeatAnswer)).all()
    assert len(answers) > 20
    for answer in answers:
        assert answer.cells, "only questions with published cells are stored"
        for cell in answer.cells:
            counts = [cell[k] for k in ("pupils", "unsafe", "safe", "coverage") if k in cell]
            assert all(n % 5 == 0 for n in counts), cell  # rounded, as published
            if "pupils" in cell:
                assert cell["pupils"] >= 10, cell  # never below the threshold
    spots = db_session.scalars(select(KeptHotSpots)).all()
    assert len(spots) == 3 * 4 * 2  # every cell size, year band and method
    stored = json.dumps([s.analysis for s in spots])
    assert "pupil_map" not in stored and "school_id" not in stored


def test_a_school_is_told_its_maps_of_a_kept_term_are_gone(app, db_session, runner, expired,
                                                          teacher):  # noqa: F811
    _planner, term = expired
    _purge(runner)
    client = app.test_client()
    assert login(client, teacher.email).status_code == 302
    answer = client.get("/mapping/school-heatmap/cells", query_string={"term": term})
    assert answer.status_code == 400
    assert "deleted after the retention period" in answer.get_data(as_text=True)
    # and the school's own term list no longer offers it
    page = client.get("/mapping/school-heatmap").get_data(as_text=True)
    assert f'value="{term}"' not in page


def _compare(app, borough_id, before, after) -> dict:
    with app.app_context():
        return term_change_view.compare(db_session=db.session(), borough_id=borough_id,
                                        resolution=150, before=before, after=after)


def test_only_terms_past_the_period_go_and_a_second_purge_changes_nothing(
        app, db_session, runner, classes):  # noqa: F811
    _planted(app, db_session, classes)
    maps = db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)).all()
    by_pupil = {n: [m for k, m in enumerate(maps) if k % 12 in n] for n in
                (range(8), (8, 9), (10, 11))}  # 12 pupils in each of three schools
    old = move_maps_to_term(db_session, by_pupil[range(8)], days_ago=DAYS + 1)
    # six maps of the same term are still inside the period: they go with their term
    move_maps_to_term(db_session, by_pupil[(8, 9)], days_ago=DAYS - 1, term=old)
    newer = by_pupil[(10, 11)]
    current = db_session.scalar(select(PupilMap.term).where(PupilMap.id == newer[0]))
    compared = _compare(app, classes[0].borough_id, old, current)
    assert compared["cells"]["features"], "the old term publishes cells to compare"
    assert "30 pupil map(s) deleted" in _purge(runner)
    # the term comparison of the purged term with the newer one reads as before
    assert _compare(app, classes[0].borough_id, old, current) == compared
    db_session.expire_all()
    assert db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)).all() == newer
    first = sorted((a.kind, a.weighting, a.resolution, a.reason, a.time, a.years,
                    json.dumps(a.cells)) for a in db_session.scalars(select(KeptHeatAnswer)))

    assert "0 pupil map(s) deleted" in _purge(runner)
    db_session.expire_all()
    again = sorted((a.kind, a.weighting, a.resolution, a.reason, a.time, a.years,
                    json.dumps(a.cells)) for a in db_session.scalars(select(KeptHeatAnswer)))
    assert again == first
    assert db_session.scalars(select(PupilMap.id).order_by(PupilMap.id)).all() == newer
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "mapping.purge")
                                .order_by(AuditEvent.id)).all()
    assert [e.detail["deleted"] for e in events] == [30, 0]
    assert events[0].detail["kept"] == [{"borough_id": classes[0].borough_id, "term": old}]


def test_a_kept_term_is_refused_where_no_maps_are_left_to_count(app, db_session, runner,
                                                                expired):
    planner, term = expired
    assert _get(planner, "/api/v1/heatmap", cell=150).json["features"]
    _purge(runner)
    assert _get(planner, "/api/v1/heatmap", cell=150, term=term).json["features"]
    unknown = planner.get("/api/v1/heatmap", query_string={"cell": 150, "term": "2001-autumn"})
    assert unknown.status_code == 400 and "Unknown term" in unknown.get_data(as_text=True)
    # "all terms" counts the maps still kept: none here
    assert _get(planner, "/api/v1/heatmap", cell=150).json["features"] == []


def test_counts_made_for_a_whole_term_at_once_give_every_answer_the_database_gives(
        app, db_session, expired):
    """The purge counts a term in one pass (mapping.term_counts); every unsafe and safe
    question at 150 m, and every answer weighting schools equally, must match the live path."""
    _planner, term = expired
    borough = db_session.scalar(text("SELECT id FROM borough WHERE code = 'E09000999'"))
    with app.app_context():
        rule = heatmap.rule_for_planners()
        counts = TermCounts(borough_id=borough, term=term, bands=heatmap.YEAR_BANDS,
                            min_pupils=rule.min_pupils)
        published = 0
        for kind in ("unsafe", "safe"):
            for filters in retention._filter_sets(kind):
                question = heatmap.Question(borough_id=borough, resolution=150, kind=kind,
                                            term=term, **filters)
                live = heatmap.counted_kind(db.session(), question, rule)
                assert heatmap.counted_kind(db.session(), question, rule, counts=counts) \
                    == live, question
                published += bool(live[0])
                if live[0] and len(filters) < 2:
                    weighted = replace(question, weighting="schools")
                    assert heatmap.answer_from_maps(db.session(), weighted, rule,
                                                    counts=counts) \
                        == heatmap.answer_from_maps(db.session(), weighted, rule), weighted
        assert published >= 10, "enough questions publish cells for the comparison to matter"
        with pytest.raises(ValueError):
            counts.heat_counts(db.session(), borough_id=borough, resolution=150, kind="unsafe",
                               filters={"term": term}, scope={"school_id": 1})
