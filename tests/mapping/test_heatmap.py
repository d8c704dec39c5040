"""Heatmap aggregates: exact counts, incremental = rebuild, and what may be published."""

import itertools
import json
import random
import secrets

import pytest
from sqlalchemy import func, select, text

from mapping import aggregates, collect, heatmap, publication, services
from mapping.models import ZoneCell
from tests.factories import add_school, add_user
from tests.mapping.conftest import body, feature, lonlat, square

RULE = publication.Rule(min_pupils=10, min_schools=3, round_to=5)


@pytest.fixture
def classes(app, db_session, teacher):
    """Three schools' sessions around the same streets (the first school is the fixture's)."""
    sessions = []
    for n, (urn, dx) in enumerate([(100001, 0), (100002, 300), (100003, -300)]):
        if urn != 100001:
            add_school(db_session, urn, f"School {n}", lon=lonlat(dx, 0)[0], lat=lonlat(dx, 0)[1])
            add_user(db_session, "teacher", f"t{n}@example.org", school_urns=[urn])
        owner = teacher if urn == 100001 else db_session.scalars(
            select(teacher.__class__).where(teacher.__class__.email == f"t{n}@example.org")).one()
        with app.app_context():
            sessions.append(services.create_session(db_session=db_session, teacher=owner,
                                                    school_urn=urn, class_label=f"7{n}",
                                                    year_group=7))
    return sessions


def send(app, db_session, mapping_session, *features):
    with app.app_context():
        collect.submit(db_session=db_session, mapping_session=mapping_session,
                       raw=body(*features), key=secrets.token_hex(16))


def cells(db_session, resolution=100, kind="unsafe"):
    rows = db_session.execute(select(ZoneCell.i, ZoneCell.j, func.count(
        ZoneCell.pupil_map_id.distinct())).where(ZoneCell.resolution == resolution,
                                                 ZoneCell.kind == kind)
        .group_by(ZoneCell.i, ZoneCell.j)).all()
    return {(i, j): n for i, j, n in rows}


def test_a_pupil_with_two_overlapping_zones_counts_once(app, db_session, classes):
    send(app, db_session, classes[0], feature(square(100, 100, 80)),
         feature(square(120, 120, 40)))
    counts = cells(db_session)
    assert counts and set(counts.values()) == {1}


def test_a_zone_inside_one_hexagon_marks_only_that_hexagon(app, db_session, classes):
    x, y = lonlat(100, 100)
    cell = db_session.execute(text("""
        SELECT h.i, h.j, ST_AsGeoJSON(ST_Transform(ST_Buffer(h.geom, -1), 4326), 7) AS shape
          FROM ST_HexagonGrid(100, ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 4326), 27700))
               AS h LIMIT 1"""), {"x": x, "y": y}).one()
    ring = [[round(a, 6), round(b, 6)] for a, b in json.loads(cell.shape)["coordinates"][0]]
    send(app, db_session, classes[0], feature({"type": "Polygon", "coordinates": [ring]}))
    assert set(cells(db_session, resolution=100)) == {(cell.i, cell.j)}


def test_cells_outside_every_map_area_have_no_coverage(app, db_session, classes):
    send(app, db_session, classes[0], feature(square(100, 100)))
    question = heatmap.Question(borough_id=classes[0].borough_id, resolution=100)
    with app.app_context():
        from mapping import queries
        cover = queries.coverage(db_session, borough_id=question.borough_id, resolution=100,
                                 filters={})
    far_cell = db_session.execute(text(
        "SELECT h.i, h.j FROM ST_HexagonGrid(100, ST_MakeEnvelope(600000, 100000, 600100, "
        "100100, 27700)) h LIMIT 1")).one()
    assert (far_cell.i, far_cell.j) not in cover
    assert cover and set(cover.values()) == {1}  # one map, in the only session with maps


def _crowd(app, db_session, classes, per_school=4, extra=None):
    """Pupils from each school marking the same street; `extra` adds zones for some."""
    for mapping_session in classes:
        for pupil in range(per_school):
            features = [feature(square(100, 100, 60), reasons=["dark"], times=["evening"])]
            if extra and pupil < extra.get(mapping_session.id, 0):
                features = [feature(square(100, 100, 60), reasons=["dogs"],
                                    times=["evening"])]
            send(app, db_session, mapping_session, *features)


def _published(app, db_session, classes, **asked):
    question = heatmap.Question(borough_id=classes[0].borough_id, resolution=100, **asked)
    with app.app_context():
        return {(c["i"], c["j"]): c for c in heatmap.published_cells(
            db_session=db_session, question=question, rule=RULE)}


def test_cells_below_the_thresholds_are_suppressed(app, db_session, classes):
    _crowd(app, db_session, classes[:2], per_school=6)  # 12 pupils, only 2 schools
    assert _published(app, db_session, classes) == {}
    _crowd(app, db_session, classes[2:], per_school=1)  # 13 pupils, 3 schools
    published = _published(app, db_session, classes)
    assert published
    assert all(c["pupils"] % 5 == 0 and c["pupils"] >= 10 for c in published.values())
    assert all(c["coverage"] % 5 == 0 for c in published.values())


def test_a_filter_that_would_leave_a_small_remainder_is_suppressed(app, db_session, classes):
    # 12 pupils marked the street: 10 for "dark", 2 for "dogs". "All reasons" is published;
    # "dark" alone would let anyone compute the 2 "dogs" pupils, so it is not published.
    _crowd(app, db_session, classes, per_school=4, extra={classes[0].id: 2})
    everything = _published(app, db_session, classes)
    dark = _published(app, db_session, classes, reason="dark")
    assert everything and not (set(dark) & set(everything))


def test_no_two_allowed_questions_can_be_subtracted_to_reveal_a_small_group(
        app, db_session, classes):
    rng = random.Random(4)
    for mapping_session in classes:
        for _pupil in range(rng.randint(4, 7)):
            send(app, db_session, mapping_session, feature(
                square(100, 100, 60), reasons=rng.sample(["dark", "dogs", "fights"], 2),
                times=rng.sample(["evening", "after_school", "night"], 2)))
    term = classes[0].term
    exact = {}
    for reason, time, with_term in itertools.product([None, "dark", "dogs"],
                                                     [None, "evening", "night"], [None, term]):
        asked = {"reason": reason, "time": time, "term": with_term}
        with app.app_context():
            from mapping import queries
            names, rows = queries.heat_counts(
                db_session, borough_id=classes[0].borough_id, resolution=100, kind="unsafe",
                filters={k: v for k, v in asked.items() if v})
        published = _published(app, db_session, classes, **asked)
        for row in rows:
            if (row.i, row.j) in published:
                last = len(names) - 1
                exact[(reason, time, with_term, row.i, row.j)] = getattr(row, f"p{last}")
    for (r1, t1, w1, i, j), n1 in exact.items():
        for (r2, t2, w2, i2, j2), n2 in exact.items():
            looser = all(a is None or a == b for a, b in ((r1, r2), (t1, t2), (w1, w2)))
            if (i, j) == (i2, j2) and looser and (r1, t1, w1) != (r2, t2, w2):
                assert n1 - n2 == 0 or n1 - n2 >= RULE.min_pupils


def test_incremental_updates_equal_a_full_rebuild(app, db_session, classes):
    rng = random.Random(7)
    for _pupil in range(20):
        zones = [feature(square(rng.uniform(-600, 600), rng.uniform(-600, 600),
                                rng.uniform(30, 200)), reasons=["dark"])
                 for _ in range(rng.randint(1, 4))]
        send(app, db_session, rng.choice(classes), *zones)
    tables = ("SELECT resolution, i, j, zone_id, kind FROM zone_cell ORDER BY 1, 2, 3, 4",
              """SELECT f.resolution, c.i, c.j, c.zone_id, f.pupil_map_id FROM fine_cell f,
                        unnest(f.zone_ids, f.i, f.j) AS c(zone_id, i, j) ORDER BY 1, 2, 3, 4""",
              "SELECT resolution, i, j, session_id FROM session_cell ORDER BY 1, 2, 3, 4")
    before = [db_session.execute(text(sql)).all() for sql in tables]
    with app.app_context():
        aggregates.rebuild(db_session=db_session)
    after = [db_session.execute(text(sql)).all() for sql in tables]
    assert all(before) and before == after


@pytest.mark.parametrize(("query", "field"), [
    ("cell=75", "cell"), ("cell=50", "cell"), ("kind=scary", "kind"), ("reason=aliens", "reason"),
    ("reason=busy_bright", "reason"), ("time=midnight", "time"), ("term=2026-winter", "term"),
    ("term=1999-autumn", "term"), ("year=y4", "year"), ("school=100001", "school"),
    ("date=2026-11-21", "date"), ("zones=1", "zones"), ("colour=red", "colour"),
    ("borough=E00000000", "borough"),
])
def test_bad_heatmap_questions_get_a_clear_4xx(client, db_session, classes, query, field):
    from tests.core.accounts.helpers import login
    add_user(db_session, "admin", "admin@example.org")
    login(client, "admin@example.org")
    base = "" if query.startswith("borough=") else "borough=E09000999&"
    response = client.get(f"/api/v1/heatmap?{base}{query}")
    assert 400 <= response.status_code < 500
    assert response.json["error"]["field"] == field and response.json["error"]["message"]


def test_planners_see_their_own_borough_only_and_anonymous_nothing(client, db_session,
                                                                   classes):
    from tests.core.accounts.helpers import login, logout
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    login(client, "planner@example.org")
    assert client.get("/api/v1/heatmap").status_code == 200
    assert client.get("/api/v1/heatmap?borough=E09000001").status_code == 403
    logout(client)
    anonymous = client.get("/api/v1/heatmap")
    assert anonymous.status_code == 401


def test_published_geojson_has_hexagons_and_rounded_counts(app, client, db_session, classes):
    from tests.core.accounts.helpers import login
    _crowd(app, db_session, classes, per_school=4)
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    login(client, "planner@example.org")
    collection = client.get("/api/v1/heatmap?cell=100").json
    assert collection["features"]
    feature_ = collection["features"][0]
    assert feature_["geometry"]["type"] == "Polygon"
    assert len(feature_["geometry"]["coordinates"][0]) == 7
    assert feature_["properties"]["pupils"] == 10 and feature_["properties"]["rate"] <= 1
    assert "comment" not in json.dumps(collection)
