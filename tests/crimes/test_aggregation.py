"""Recorded crime counted on the heatmap's hexagon grid: exact counts, filters, and a point on
an edge or corner counted in exactly one hexagon."""

import math
import random
from datetime import date

import pytest
from sqlalchemy import text

from core.crimes import queries, services
from tests.crimes.conftest import crime, hexagon_centre, write_crimes
from tests.factories import add_borough

TERM = [date(2026, month, 1) for month in (9, 10, 11, 12)]


def cell_under(db_session, size_m, lon, lat) -> tuple[int, int]:
    """PostGIS's own answer: the ST_HexagonGrid hexagon that covers a (non-edge) point."""
    return db_session.execute(text("""
        WITH p AS (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 27700) AS g)
        SELECT h.i, h.j FROM p, ST_HexagonGrid(:size, ST_Expand(p.g, 1)) AS h
         WHERE ST_Covers(h.geom, p.g)"""), {"lon": lon, "lat": lat, "size": size_m}).one()


@pytest.fixture
def borough_id(db_session):
    return add_borough(db_session)


def counts(app, db_session, borough_id, size_m=100, months=TERM, crime_type=None):
    with app.app_context():
        found = services.cell_counts(db_session=db_session, borough_id=borough_id,
                                     size_m=size_m, months=months, crime_type=crime_type)
    return {cell: value["crimes"] for cell, value in found.items()}


def test_crimes_are_counted_exactly_in_their_hexagons(app, db_session, borough_id, tmp_path):
    here = cell_under(db_session, 100, 0.0, 51.45)
    there = (here[0] + 2, here[1] + 1)
    rows = [crime(n, at=hexagon_centre(100, *here)) for n in range(3)]
    rows += [crime(10 + n, at=hexagon_centre(100, *there), crime_type="Robbery")
             for n in range(2)]
    rows += [crime(20, at=hexagon_centre(100, *there), month="2026-05")]  # another term
    services.import_crimes(db_session=db_session, paths=[write_crimes(tmp_path / "c.csv", rows)])
    assert counts(app, db_session, borough_id) == {tuple(here): 3, there: 2}
    assert counts(app, db_session, borough_id, crime_type="Robbery") == {there: 2}
    assert counts(app, db_session, borough_id, months=[date(2026, 5, 1)]) == {there: 1}
    assert counts(app, db_session, borough_id, months=[]) == {}


def test_the_place_name_is_the_one_given_most_often(app, db_session, borough_id, tmp_path):
    at = hexagon_centre(150, *cell_under(db_session, 150, 0.0, 51.45))
    rows = [crime(1, at=at, location="On or near B Road"),
            crime(2, at=at, location="On or near A Road"),
            crime(3, at=at, location="On or near B Road")]
    services.import_crimes(db_session=db_session, paths=[write_crimes(tmp_path / "c.csv", rows)])
    with app.app_context():
        [found] = services.cell_counts(db_session=db_session, borough_id=borough_id,
                                       size_m=150, months=TERM).values()
    assert found == {"crimes": 3, "place": "On or near B Road"}


@pytest.mark.parametrize("size_m", [50, 100, 150, 250])
def test_the_cell_arithmetic_agrees_with_postgis_hexagons(db_session, size_m):
    generator = random.Random(size_m)
    for _ in range(200):
        x, y = generator.uniform(500_000, 560_000), generator.uniform(150_000, 200_000)
        i, j = queries.cell_of_work_point(db_session, size_m, x, y)
        assert db_session.scalar(text("SELECT ST_Covers(ST_Hexagon(:s, :i, :j), "
                                      "ST_MakePoint(:x, :y))"),
                                 {"s": size_m, "i": i, "j": j, "x": x, "y": y}), (x, y)


def hexagons_touching(db_session, size_m, x, y) -> set[tuple[int, int]]:
    """Every grid hexagon a point touches, as a plain spatial join would find them."""
    rows = db_session.execute(text("""
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:x, :y), 27700) AS g)
        SELECT h.i, h.j FROM p, ST_HexagonGrid(:s, ST_Expand(p.g, 1)) AS h
         WHERE ST_Intersects(h.geom, p.g)"""), {"s": size_m, "x": x, "y": y})
    return {(row.i, row.j) for row in rows}


def test_a_point_on_an_edge_or_a_corner_is_in_exactly_one_hexagon(db_session):
    size = 100
    corners = db_session.execute(text("""
        SELECT ST_X(p.geom) AS x, ST_Y(p.geom) AS y
          FROM ST_DumpPoints(ST_Hexagon(:s, 3500, 1000)) AS p LIMIT 6"""), {"s": size}).all()
    top_edge = ((corners[4].x + corners[5].x) / 2, corners[4].y)  # shared with (3500, 1001)
    for x, y in [*corners, top_edge]:
        touching = hexagons_touching(db_session, size, x, y)
        assert len(touching) in (2, 3)  # a spatial join would count the point 2 or 3 times
        assert queries.cell_of_work_point(db_session, size, x, y) in touching


def test_crimes_on_edges_are_counted_once_each(app, db_session, borough_id):
    size = 100
    i, j = cell_under(db_session, size, 0.0, 51.45)
    height = math.sqrt(3) * size
    cx, cy = 1.5 * size * i, height * j + (height / 2 if i % 2 else 0)
    points = [(cx, cy + height / 2), (cx + size, cy), (cx - size / 2, cy - height / 2)]
    for n, (x, y) in enumerate(points):
        db_session.execute(text("""
            INSERT INTO crime (import_key, month, crime_type, borough_id, geom)
            VALUES (:key, DATE '2026-10-01', 'Burglary', :b,
                    ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 27700), 4326))"""),
            {"key": f"edge/{n}", "b": borough_id, "x": x, "y": y})
    found = counts(app, db_session, borough_id, size_m=size)
    assert sum(found.values()) == 3
    assert all(abs(a - i) <= 1 and abs(b - j) <= 1 for a, b in found)
