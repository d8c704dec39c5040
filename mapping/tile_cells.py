"""Which published cells a vector tile needs, worked out in Python before any SQL (pure).

A tile's SQL builds a hexagon for every cell it is given; handing it only the cells near the
tile keeps a tile's cost to its own cells, not the borough's. Hexagon geometry follows PostGIS
`ST_Hexagon(size, i, j)` with origin (0, 0): centre x = 1.5 * size * i, centre y =
sqrt(3) * size * j, plus half a row for odd columns; half-width `size`, half-height
sqrt(3) / 2 * size.
"""

import math
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


def cells_in_tile(cells: list[dict], size: float, z: int, x: int, y: int,
                  srid: int) -> list[dict]:
    """The cells whose hexagon may touch tile z/x/y."""
    west, south, east, north = tile_bounds(z, x, y, srid)
    kept = []
    for cell in cells:
        minx, miny, maxx, maxy = hexagon_bounds(size, cell["i"], cell["j"])
        if maxx >= west and minx <= east and maxy >= south and miny <= north:
            kept.append(cell)
    return kept
