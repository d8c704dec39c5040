"""Which published cells a vector tile needs, worked out in Python before any SQL (pure).

A tile's SQL builds a hexagon for every cell it is given; handing it only the cells near the
tile keeps a tile's cost to its own cells, not the borough's. Hexagon geometry follows PostGIS
`ST_Hexagon(size, i, j)` with origin (0, 0): centre x = 1.5 * size * i, centre y =
sqrt(3) * size * j, plus half a row for odd columns; half-width `size`, half-height
sqrt(3) / 2 * size.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from core.geo import transformer

HALF_HEIGHT = math.sqrt(3) / 2
WEB_MERCATOR_HALF = 20037508.342789244
MARGIN = 0.05  # of a tile's width: covers reprojection curvature and ST_AsMVTGeom's buffer


def hexagon_bounds(size: float, i: int, j: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of a hexagon of the grid, in the grid's CRS."""
    cx = 1.5 * size * i
    cy = 2 * HALF_HEIGHT * size * j + (HALF_HEIGHT * size if i % 2 else 0.0)
    return cx - size, cy - HALF_HEIGHT * size, cx + size, cy + HALF_HEIGHT * size


@cache
def tile_bounds(z: int, x: int, y: int, srid: int) -> tuple[float, float, float, float]:
    """A slippy-map tile's bounds in another CRS, with a small margin."""
    span = 2 * WEB_MERCATOR_HALF / 2 ** z
    west, north = -WEB_MERCATOR_HALF + x * span, WEB_MERCATOR_HALF - y * span
    pad = span * MARGIN
    return transformer(3857, srid).transform_bounds(west - pad, north - span - pad,
                                                    west + span + pad, north + pad,
                                                    densify_pts=8)


def cells_in_tile(cells: list[dict], size: float, z: int, x: int, y: int, srid: int,
                  where: dict | None = None) -> list[dict]:
    """The cells whose hexagon may touch tile z/x/y, in the order given (`where`: their
    positions(), when the caller keeps it with the list)."""
    bounds = tile_bounds(z, x, y, srid)
    kept = []
    for position in _candidates(cells, size, bounds, where):
        cell = cells[position]
        if _touches(hexagon_bounds(size, cell["i"], cell["j"]), bounds):
            kept.append(cell)
    return kept


@dataclass(frozen=True)
class IndexedCells:
    """Published cells with their positions by (i, j), built once per answer (heat_cache)."""

    cells: list[dict]
    where: dict[tuple[int, int], list[int]]


def indexed(cells: list[dict]) -> IndexedCells:
    """The cells with where each (i, j) is among them."""
    return IndexedCells(cells, positions(cells))


def positions(cells: list[dict]) -> dict[tuple[int, int], list[int]]:
    """Where each (i, j) is in `cells`."""
    where: dict[tuple[int, int], list[int]] = {}
    for position, cell in enumerate(cells):
        where.setdefault((cell["i"], cell["j"]), []).append(position)
    return where


def _touches(hexagon: tuple, bounds: tuple) -> bool:
    minx, miny, maxx, maxy = hexagon
    west, south, east, north = bounds
    return maxx >= west and minx <= east and maxy >= south and miny <= north


def _candidates(cells: list[dict], size: float, bounds: tuple,
                where: dict | None) -> Iterable[int]:
    """Positions in `cells` of every cell whose (i, j) lies in the tile's index ranges (one
    more each side), sorted; every position when the ranges hold more cells than the list."""
    west, south, east, north = bounds
    column, row = 1.5 * size, 2 * HALF_HEIGHT * size
    spans = ((west - size) / column - 1, (east + size) / column + 1,
             (south - row) / row - 1, (north + row) / row + 1)
    if not all(map(math.isfinite, spans)):
        return range(len(cells))
    i_lo, i_hi, j_lo, j_hi = (math.floor(spans[0]), math.ceil(spans[1]),
                              math.floor(spans[2]), math.ceil(spans[3]))
    if (i_hi - i_lo + 1) * (j_hi - j_lo + 1) >= len(cells):
        return range(len(cells))
    where = positions(cells) if where is None else where
    return sorted(position for i in range(i_lo, i_hi + 1) for j in range(j_lo, j_hi + 1)
                  for position in where.get((i, j), ()))
