"""Heatmap layers beyond the unsafe share: net, equal weighting of schools, and a cell's details."""

import mapbox_vector_tile
import pytest

from mapping import heatmap
from mapping.publication import net_share
from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.conftest import feature, lonlat, square
from tests.mapping.test_heatmap import RULE, _crowd, _published, classes, send  # noqa: F401
from tests.mapping.test_tiles import tile_of

STREET = square(100, 100, 60)
ELSEWHERE = square(-700, -700, 60)


def _safe_crowd(app, db_session, sessions, per_school):
    for mapping_session in sessions:
        for _pupil in range(per_school):
            send(app, db_session, mapping_session, feature(STREET, kind="safe",
                                                           reasons=["busy_bright"]))


@pytest.fixture
def planner(client, db_session, classes):  # noqa: F811
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    login(client, "planner@example.org")
    return client


def test_net_compares_published_unsafe_and_safe_counts(app, db_session, classes):  # noqa: F811
    _crowd(app, db_session, classes, per_school=4)  # 12 unsafe
    _safe_crowd(app, db_session, classes, per_school=5)  # 15 safe, other pupils
    unsafe = _published(app, db_session, classes)
    safe = _published(app, db_session, classes, kind="safe")
    net = _published(app, db_session, classes, kind="net")
    assert set(net) == set(unsafe) | set(safe) and net
    for key, cell in net.items():
        assert cell["unsafe"] == unsafe[key]["pupils"] == 10
        assert cell["safe"] == safe[key]["pupils"] == 15
        assert cell["coverage"] == 25  # 27 pupils, rounded
        assert cell["net"] == net_share(10, 15, 25) == -0.2


def test_a_side_too_small_to_publish_counts_as_none_in_net(app, db_session, classes):  # noqa: F811
    _crowd(app, db_session, classes, per_school=4)
    _safe_crowd(app, db_session, classes[:1], per_school=3)  # 3 safe: never published
    net = _published(app, db_session, classes, kind="net")
    assert net and all(c["safe"] == 0 and c["unsafe"] == 10 for c in net.values())
    assert all(c["net"] == round(10 / c["coverage"], 2) for c in net.values())


def test_equal_weighting_gives_every_school_one_voice(app, db_session, classes):  # noqa: F811
    big, small_1, small_2 = classes
    for _pupil in range(8):  # every pupil of the big school marks the street
        send(app, db_session, big, feature(STREET))
    for small in (small_1, small_2):  # one pupil in four at each small school
        send(app, db_session, small, feature(STREET))
        for _pupil in range(3):
            send(app, db_session, small, feature(ELSEWHERE, kind="safe",
                                                 reasons=["busy_bright"]))
    by_pupil = _published(app, db_session, classes)
    by_school = _published(app, db_session, classes, weighting="schools")
    assert by_pupil and set(by_pupil) == set(by_school)
    for key, cell in by_pupil.items():
        assert (cell["pupils"], cell["coverage"], cell["rate"]) == (10, 15, 0.67)
        assert by_school[key]["rate"] == 0.5  # (8/8 + 1/4 + 1/4) / 3
        assert by_school[key]["pupils"] == 10  # counts are the same; only the share changes


def _details(app, db_session, classes, cell, **asked):  # noqa: F811
    question = heatmap.Question(borough_id=classes[0].borough_id, resolution=100, **asked)
    with app.app_context():
        return heatmap.cell_details(db_session=db_session, question=question, rule=RULE,
                                    cell=cell)


def test_a_cell_shows_its_top_reasons_and_times(app, db_session, classes):  # noqa: F811
    _crowd(app, db_session, classes, per_school=4)  # 12 pupils: dark, evening
    cell = next(iter(_published(app, db_session, classes)))
    details = _details(app, db_session, classes, cell)
    assert details["pupils"] == 10 and details["id"] == f"100:{cell[0]}:{cell[1]}"
    assert details["breakdown"]["unsafe"]["reasons"] == [
        {"key": "dark", "label": "Dark or badly lit", "pupils": 10}]
    assert [t["key"] for t in details["breakdown"]["unsafe"]["times"]] == ["evening"]


def test_a_reason_given_by_too_few_is_left_out_of_a_cell(app, db_session, classes):  # noqa: F811
    # 10 said "dark", 2 said "dogs": "dark" alone would reveal the two, so neither is shown.
    _crowd(app, db_session, classes, per_school=4, extra={classes[0].id: 2})
    cell = next(iter(_published(app, db_session, classes)))
    details = _details(app, db_session, classes, cell)
    assert details["breakdown"]["unsafe"]["reasons"] == []
    assert details["breakdown"]["unsafe"]["times"][0]["pupils"] == 10


def test_a_cell_that_is_not_published_has_no_details(app, db_session, classes):  # noqa: F811
    _crowd(app, db_session, classes[:2], per_school=6)
    from core.errors import NotFound
    with pytest.raises(NotFound):
        _details(app, db_session, classes, (0, 0))


def test_cell_details_over_http(app, db_session, classes, planner):  # noqa: F811
    _crowd(app, db_session, classes, per_school=4)
    i, j = next(iter(_published(app, db_session, classes)))
    answer = planner.get(f"/api/v1/heatmap/cells/100/{i}/{j}?kind=net")
    assert answer.status_code == 200
    assert answer.json["unsafe"] == 10 and "unsafe" in answer.json["breakdown"]
    assert planner.get("/api/v1/heatmap/cells/100/0/0").status_code == 404
    assert planner.get(f"/api/v1/heatmap/cells/50/{i}/{j}").status_code == 400
    assert planner.get(f"/api/v1/heatmap/cells/100/{i}/{j}?cell=150").status_code == 422


def test_the_cell_under_a_point(app, db_session, classes, planner):  # noqa: F811
    _crowd(app, db_session, classes, per_school=4)
    published = _published(app, db_session, classes)
    lon, lat = lonlat(130, 130)  # the middle of the street everyone marked
    answer = planner.get(f"/api/v1/heatmap/cell?cell=100&lon={lon}&lat={lat}")
    assert answer.status_code == 200
    assert tuple(int(n) for n in answer.json["id"].split(":")[1:]) in published
    far = lonlat(-900, -900)
    assert planner.get(f"/api/v1/heatmap/cell?cell=100&lon={far[0]}&lat={far[1]}"
                       ).status_code == 404
    assert planner.get("/api/v1/heatmap/cell?cell=100&lon=500&lat=0").status_code == 422
    assert planner.get("/api/v1/heatmap/cell?cell=100").status_code == 422


@pytest.mark.parametrize(("query", "field"), [
    ("kind=net&reason=dark", "reason"), ("weighting=loudest", "weighting")])
def test_bad_layer_questions_get_a_clear_4xx(planner, query, field):
    response = planner.get(f"/api/v1/heatmap?{query}")
    assert 400 <= response.status_code < 500
    assert response.json["error"]["field"] == field and response.json["error"]["message"]


def test_net_tiles_carry_both_counts_and_the_cell_index(app, db_session, classes,  # noqa: F811
                                                        planner):
    _crowd(app, db_session, classes, per_school=4)
    _safe_crowd(app, db_session, classes, per_school=4)
    x, y = tile_of(0.0015, 51.451, 16)
    layer = mapbox_vector_tile.decode(planner.get(f"/tiles/heatmap/16/{x}/{y}.mvt?kind=net")
                                      .data)["heatmap"]
    published = _published(app, db_session, classes, kind="net")
    assert layer["features"]
    for tile_feature in layer["features"]:
        props = tile_feature["properties"]
        assert (props["i"], props["j"]) in published
        assert props["unsafe"] == props["safe"] == 10 and props["net"] == 0
        assert "rate" not in props
