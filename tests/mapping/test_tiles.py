"""Heatmap vector tiles: they decode, hold the published cells, and refuse bad addresses."""

import math

import mapbox_vector_tile
import pytest

from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.test_heatmap import _crowd, classes  # noqa: F401  (fixture)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map tile holding a point."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture
def planner(client, db_session, classes):  # noqa: F811
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    login(client, "planner@example.org")
    return client


def test_a_tile_decodes_and_holds_published_cells_only(app, db_session, classes,  # noqa: F811
                                                        planner):
    _crowd(app, db_session, classes, per_school=4)
    x, y = tile_of(0.0015, 51.451, 15)
    response = planner.get(f"/tiles/heatmap/15/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    assert "max-age" in response.headers["Cache-Control"]
    layer = mapbox_vector_tile.decode(response.data)["heatmap"]
    assert layer["features"]
    for feature in layer["features"]:
        props = feature["properties"]
        assert props["pupils"] % 5 == 0 and props["pupils"] >= 10
        assert 0 < props["rate"] <= 1


def test_tiles_of_too_few_pupils_are_empty(app, db_session, classes, planner):  # noqa: F811
    _crowd(app, db_session, classes[:2], per_school=6)  # only two schools
    x, y = tile_of(0.0015, 51.451, 15)
    response = planner.get(f"/tiles/heatmap/15/{x}/{y}.mvt")
    assert response.status_code == 200
    assert mapbox_vector_tile.decode(response.data) == {}


@pytest.mark.parametrize("address", ["40/0/0", "3/8/0", "3/0/8", "2/-1/0"])
def test_tile_addresses_out_of_range_are_4xx(planner, address):
    assert 400 <= planner.get(f"/tiles/heatmap/{address}.mvt").status_code < 500


def test_tiles_share_the_heatmap_filters_and_their_refusals(planner):
    assert planner.get("/tiles/heatmap/14/8191/5450.mvt?reason=aliens").status_code == 400
    assert planner.get("/tiles/heatmap/14/8191/5450.mvt?school=100001").status_code == 400


def test_only_planners_and_admins_get_tiles_and_the_page(client, db_session, classes):  # noqa: F811
    assert client.get("/tiles/heatmap/14/8191/5450.mvt").status_code in (302, 401)
    add_user(db_session, "worker", "worker@example.org")
    login(client, "worker@example.org")
    assert client.get("/tiles/heatmap/14/8191/5450.mvt").status_code == 403
    assert client.get("/mapping/heatmap").status_code == 403


def test_heatmap_page_has_filters_and_a_plain_legend(planner):
    html = planner.get("/mapping/heatmap").get_data(as_text=True)
    assert "How to read it" in html and "at least 10 pupils from at least 3 schools" in html
    assert "/tiles/heatmap/{z}/{x}/{y}.mvt" in html


def test_a_new_pupil_map_shows_in_the_next_tile(app, db_session, classes,  # noqa: F811
                                                planner):
    from sqlalchemy import text

    from tests.mapping.conftest import feature, square
    from tests.mapping.test_heatmap import send
    x, y = tile_of(0.0015, 51.451, 15)
    _crowd(app, db_session, classes[:2], per_school=6)
    before = db_session.scalar(text("SELECT version FROM heatmap_state"))
    assert mapbox_vector_tile.decode(planner.get(f"/tiles/heatmap/15/{x}/{y}.mvt").data) == {}
    send(app, db_session, classes[2], feature(square(100, 100, 60)))  # the third school
    assert db_session.scalar(text("SELECT version FROM heatmap_state")) > before
    layer = mapbox_vector_tile.decode(planner.get(f"/tiles/heatmap/15/{x}/{y}.mvt").data)
    assert layer["heatmap"]["features"]
