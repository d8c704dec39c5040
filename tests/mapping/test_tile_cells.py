"""Tiles get only the cells near them: same hexagons as PostGIS, same tiles as with every cell."""

import random

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from mapping import queries, tile_cells
from tests.mapping.test_tiles import tile_of


@pytest.mark.parametrize("size", [50, 100, 150, 250])
def test_hexagon_bounds_match_postgis(db_session, size):
    rng = random.Random(size)
    cells = [(rng.randint(-4000, 4000), rng.randint(-4000, 4000)) for _ in range(40)]
    cells += [(-3, -3), (-3, 4), (0, 0), (1, -1), (2, 2)]
    for i, j in cells:
        row = db_session.execute(text(
            "SELECT ST_XMin(h), ST_YMin(h), ST_XMax(h), ST_YMax(h) "
            "FROM ST_Hexagon(:s, :i, :j) AS h"), {"s": size, "i": i, "j": j}).one()
        assert tile_cells.hexagon_bounds(size, i, j) == pytest.approx(tuple(row), abs=1e-6)


def test_a_tile_from_nearby_cells_equals_a_tile_from_all(app, db_session):
    rng = random.Random(3)
    centre = db_session.execute(text(
        "SELECT h.i, h.j FROM ST_HexagonGrid(150, ST_Transform(ST_SetSRID("
        "ST_MakePoint(0.0, 51.45), 4326), 27700)) AS h")).first()
    cells = [{"i": centre.i + di, "j": centre.j + dj, "pupils": 10, "coverage": 20,
              "rate": round(rng.random(), 2)}
             for di in range(-25, 26) for dj in range(-25, 26) if rng.random() < 0.5]
    with app.app_context():
        _compare_tiles(db_session, cells)


def _compare_tiles(db_session, cells):
    for z in (13, 14, 15, 16):
        x, y = tile_of(0.0, 51.45, z)
        for dx, dy in ((0, 0), (1, 0), (0, 1), (-1, -1)):
            every = queries.heat_tile(db_session, resolution=150, cells=cells, z=z, x=x + dx,
                                      y=y + dy)
            near = tile_cells.cells_in_tile(cells, 150, z, x + dx, y + dy, 27700)
            assert len(near) < len(cells) or z == 13
            some = queries.heat_tile(db_session, resolution=150, cells=near, z=z, x=x + dx,
                                     y=y + dy)
            assert mapbox_vector_tile.decode(some) == mapbox_vector_tile.decode(every)


def _every_cell_touching(cells, size, z, x, y):
    west, south, east, north = tile_cells.tile_bounds(z, x, y, 27700)
    return [c for c in cells
            if (b := tile_cells.hexagon_bounds(size, c["i"], c["j"]))[2] >= west
            and b[0] <= east and b[3] >= south and b[1] <= north]


@pytest.mark.parametrize("size", [100, 150, 250])
def test_the_index_picks_the_cells_a_full_scan_picks_in_the_same_order(size):
    rng = random.Random(size)
    i0, j0 = round(537_000 / (1.5 * size)), round(175_000 / (1.732 * size))  # near Lewisham
    cells = [{"i": i0 + rng.randint(-60, 60), "j": j0 + rng.randint(-60, 60)}
             for _ in range(3000)]
    rng.shuffle(cells)
    for z in (6, 12, 13, 14, 15, 17):
        x, y = tile_of(-0.02, 51.46, z)
        for dx, dy in ((0, 0), (1, 0), (0, 1), (-1, -1), (3, -2)):
            expected = _every_cell_touching(cells, size, z, x + dx, y + dy)
            assert tile_cells.cells_in_tile(cells, size, z, x + dx, y + dy, 27700) == expected


def test_changed_cells_get_a_new_index():
    x, y = tile_of(-0.02, 51.46, 14)
    i0, j0 = round(537_000 / 225), round(175_000 / 259.8)
    before = [{"i": i0 + di, "j": j0 + dj} for di in range(-8, 9) for dj in range(-8, 9)]
    assert tile_cells.cells_in_tile(before, 150, 14, x, y, 27700)
    after = [dict(cell, i=cell["i"] + 40) for cell in before]  # new data: a new list
    assert tile_cells.cells_in_tile(after, 150, 14, x, y, 27700) == _every_cell_touching(
        after, 150, 14, x, y)
    before.append({"i": i0, "j": j0 + 1})  # even a list changed in place is not misread
    assert tile_cells.cells_in_tile(before, 150, 14, x, y, 27700) == _every_cell_touching(
        before, 150, 14, x, y)
