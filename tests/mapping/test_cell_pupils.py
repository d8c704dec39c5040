"""cell_pupils, the counters kept by triggers on zone_cell, always equal a count of distinct pupil
maps over zone_cell, whatever changes the rows; and heatmap counts read from them equal counts
over zone_cell."""

import random

import pytest
from sqlalchemy import text

from mapping import aggregates, queries
from mapping.models import PupilMap, Zone
from tests.mapping.conftest import feature, move_maps_to_term, square
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (a fixture)

KEY = "borough_id, resolution, kind, i, j, term, year_group, school_id"


def counters(db_session) -> dict:
    rows = db_session.execute(text(f"SELECT {KEY}, pupils FROM cell_pupils"))  # noqa: S608
    return {tuple(row[:-1]): row[-1] for row in rows}


def recount(db_session) -> dict:
    sql = f"""SELECT {KEY}, count(DISTINCT pupil_map_id) FROM zone_cell
               WHERE resolution >= 100 GROUP BY {KEY}"""  # noqa: S608
    rows = db_session.execute(text(sql))
    return {tuple(row[:-1]): row[-1] for row in rows}


def assert_counters_exact(db_session):
    expected = recount(db_session)
    assert counters(db_session) == expected
    return expected


def crowd(app, db_session, sessions, pupils=12, seed=3):
    """Pupils with 1-4 overlapping zones each, in random classes."""
    rng = random.Random(seed)
    reasons = {"unsafe": ["dark", "traffic"], "safe": ["busy_bright", "adults_around"]}
    for _pupil in range(pupils):
        zones = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(["unsafe", "unsafe", "safe"])
            zones.append(feature(square(rng.uniform(-400, 400), rng.uniform(-400, 400),
                                        rng.uniform(40, 250)), kind=kind,
                                 reasons=[rng.choice(reasons[kind])],
                                 times=[rng.choice(["evening", "after_school"])]))
        send(app, db_session, rng.choice(sessions), *zones)


def map_ids(db_session) -> list[int]:
    return list(db_session.scalars(text("SELECT id FROM pupil_map ORDER BY id")))


def test_counters_follow_every_submission(app, db_session, classes):  # noqa: F811
    crowd(app, db_session, classes)
    expected = assert_counters_exact(db_session)
    assert len(expected) > 50 and max(expected.values()) > 1  # overlaps were counted once each
    # two zones of one pupil over the same cells still count one pupil
    shared = square(0, 0, 120)
    send(app, db_session, classes[0], feature(shared), feature(shared))
    assert_counters_exact(db_session)


def test_counters_follow_deletes_updates_and_partial_changes(app, db_session, classes):  # noqa: F811
    crowd(app, db_session, classes, pupils=15, seed=11)
    ids = map_ids(db_session)
    # a whole map deleted (zone_cell rows go by cascade, one statement per map)
    db_session.delete(db_session.get(PupilMap, ids[0]))
    db_session.flush()
    assert_counters_exact(db_session)
    # rows moved to another term by UPDATE, as the term tests do
    move_maps_to_term(db_session, ids[1:4], days_ago=200)
    assert_counters_exact(db_session)
    # one zone's rows deleted alone: the map still counts where its other zones are
    zone_id = db_session.scalar(text(
        "SELECT zone_id FROM zone_cell GROUP BY zone_id, pupil_map_id "
        "HAVING pupil_map_id IN (SELECT pupil_map_id FROM zone GROUP BY pupil_map_id "
        "HAVING count(*) > 1) ORDER BY zone_id LIMIT 1"))
    db_session.execute(text("DELETE FROM zone_cell WHERE zone_id = :z"), {"z": zone_id})
    assert_counters_exact(db_session)
    # a map's rows taken out and put back in two statements (half the cells, then the rest)
    mapped = {"m": db_session.get(Zone, zone_id).pupil_map_id}
    db_session.execute(text("DELETE FROM zone_cell WHERE pupil_map_id = :m"), mapped)
    assert_counters_exact(db_session)
    with app.app_context():
        queries.add_zone_cells(db_session, pupil_map_ids=[mapped["m"]])
    db_session.execute(text("CREATE TEMP TABLE half ON COMMIT DROP AS SELECT * FROM zone_cell "
                            "WHERE pupil_map_id = :m AND (i + j) % 2 = 0"), mapped)
    db_session.execute(text("DELETE FROM zone_cell WHERE pupil_map_id = :m AND (i + j) % 2 = 0"),
                       mapped)
    assert_counters_exact(db_session)
    assert db_session.execute(text("INSERT INTO zone_cell SELECT * FROM half")).rowcount > 0
    assert_counters_exact(db_session)
    # a term's maps deleted in one statement, as the retention purge does
    move_maps_to_term(db_session, ids[5:9], days_ago=400, term="2024-autumn")
    queries.delete_term_maps(db_session, classes[0].borough_id, "2024-autumn")
    assert_counters_exact(db_session)
    db_session.commit()


def test_truncate_and_rebuild_recount_everything(app, db_session, classes):  # noqa: F811
    crowd(app, db_session, classes, pupils=10, seed=5)
    before = assert_counters_exact(db_session)
    db_session.execute(text("TRUNCATE zone_cell"))
    assert counters(db_session) == {}
    db_session.rollback()
    with app.app_context():
        aggregates.rebuild(db_session=db_session)
    assert counters(db_session) == before
    # the rebuild's deferral ends with its transaction: the next map is counted again
    send(app, db_session, classes[1], feature(square(10, 10, 90)))
    assert_counters_exact(db_session)


@pytest.mark.parametrize("filters", [{}, {"term": None}, {"years": (7, 8)}, {"years": (9, 11)},
                                     {"term": None, "years": (7, 9)}])
@pytest.mark.parametrize("scope", [None, "school", "other_than", "cell"])
def test_heat_counts_from_counters_equal_counts_over_zone_cell(app, db_session, classes,  # noqa: F811
                                                               monkeypatch, filters, scope):
    crowd(app, db_session, classes, pupils=14, seed=9)
    term = db_session.scalar(text("SELECT min(term) FROM pupil_map"))
    filters = {k: (term if k == "term" else v) for k, v in filters.items()}
    borough = classes[0].borough_id
    school = classes[1].school_id
    some_cell = db_session.execute(text(
        "SELECT i, j FROM zone_cell WHERE resolution = 100 ORDER BY i, j LIMIT 1")).one()
    scopes = {None: None, "school": {"school_id": school}, "other_than": {"other_than": school},
              "cell": {"cell": tuple(some_cell)}}

    def both(**kwargs):
        return (queries.heat_counts(db_session, **kwargs)[1],
                queries.heat_counts_by_school(db_session, **kwargs))

    asked = {"borough_id": borough, "resolution": 100, "filters": filters,
             "scope": scopes[scope]}
    for kind in ("unsafe", "safe"):
        from_counters = both(kind=kind, **asked)
        with monkeypatch.context() as patch:
            patch.setattr(queries, "_counted", lambda _filters, _size: False)
            from_zone_cell = both(kind=kind, **asked)
        assert [tuple(r) for r in from_counters[0]] == [tuple(r) for r in from_zone_cell[0]]
        assert from_counters[1] == from_zone_cell[1]
    assert any(r.p0 for r in queries.heat_counts(db_session, kind="unsafe", **asked)[1]) or \
        scope == "cell"


def test_reason_and_time_questions_still_count_zones(app, db_session, classes):  # noqa: F811
    """A pupil with a dark zone and a traffic zone in one cell has no zone that is both."""
    send(app, db_session, classes[0], feature(square(0, 0, 60), reasons=["dark"],
                                              times=["before_school"]),
         feature(square(0, 0, 60), reasons=["traffic"], times=["evening"]))
    borough = classes[0].borough_id
    rows = queries.heat_counts(db_session, borough_id=borough, resolution=100, kind="unsafe",
                               filters={"reason": "dark", "time": "evening"})[1]
    assert rows and all(row.p3 == 0 for row in rows)  # both filters: no zone answers both
    assert all(row.p0 == 1 for row in rows)  # no filter: the pupil, once
