"""Which hexagons of PostGIS's ST_HexagonGrid each polygon overlaps, for many polygons at once.

The same answer as `ST_Relate(hexagon, zone, 'T********')` (the interiors meet), computed in
compiled loops instead of one GEOS call per candidate hexagon. A hexagon meets a polygon's
interior exactly when its centre lies in the polygon or the polygon's outline passes through
the hexagon's interior, so each polygon is filled column by column from its outline (centres)
and its edges are tested against the hexagons round them (separating axes). A pair no test decides
with a clear margin (an outline within a micrometre of a hexagon's side or corner) comes back
as *undecided*, for PostGIS to settle (`queries.fine_overlaps`).

Hexagon (i, j) of size s (its circumradius, ST_HexagonGrid's size) is centred on
(1.5 s i, h (2 j + |i mod 2|)) with h = s sqrt(3) / 2, flat sides at the top and bottom.
"""

import math
from dataclasses import dataclass

import numba
import numpy as np

MARGIN_M = 1e-6  # far above the rounding of local coordinates (~1e-10 m), far below a drawing

_NO, _UNDECIDED, _YES = 0, 1, 2
_R3 = math.sqrt(3.0) / 2.0


@dataclass(frozen=True)
class Overlaps:
    """Hexagons each polygon overlaps (`polygon`, `i`, `j`: one row per pair, sorted), and the
    pairs left for an exact test (`undecided_*`)."""

    polygon: np.ndarray
    i: np.ndarray
    j: np.ndarray
    undecided_polygon: np.ndarray
    undecided_i: np.ndarray
    undecided_j: np.ndarray


def overlaps(wkbs: list[bytes], size: float, *, parallel: bool = False) -> Overlaps:
    """The hexagons of size `size` that each of a list of (multi)polygons, as little-endian
    2D WKB in the grid's CRS, overlaps (`polygon` indexes the list). Polygons must be valid.

    `parallel` spreads the polygons over every core: for one process with one thread (a
    rebuild), as Numba's default threading layer must not be entered by two threads at once."""
    if not wkbs:
        empty = np.empty(0, np.int64)
        return Overlaps(empty, empty, empty, empty, empty, empty)
    blob = np.frombuffer(b"".join(wkbs), np.uint8)
    starts = np.zeros(len(wkbs) + 1, np.int64)
    np.cumsum([len(w) for w in wkbs], out=starts[1:])
    coords, rings, parts = _read_wkb(blob, starts)
    box = _boxes(coords, rings, parts, float(size))
    offsets = np.zeros(len(wkbs) + 1, np.int64)
    np.cumsum(box[:, 2] * box[:, 3], out=offsets[1:])
    states = np.zeros(offsets[-1], np.uint8)
    fill = _fill_parallel if parallel else _fill
    fill(coords, rings, parts, box, offsets, states, float(size), MARGIN_M)
    return Overlaps(*_cells(states, box, offsets, _YES),
                    *_cells(states, box, offsets, _UNDECIDED))


def warm() -> None:
    """Load (or, the first time, compile and cache) the finder's machine code, so a server's
    first pupil map does not wait for it."""
    square = (b"\x01\x03\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00"
              + np.array([0, 0, 10, 0, 10, 10, 0, 10, 0, 0], "<f8").tobytes())
    overlaps([square], 50.0)


def _read_wkb(blob: np.ndarray, starts: np.ndarray):
    """All ring vertices (x, y), where each ring starts in them, and where each polygon's rings
    start."""
    ring_bytes, ring_points, polygon_rings = _wkb_layout(blob, starts)
    rings = np.zeros(len(ring_points) + 1, np.int64)
    np.cumsum(ring_points, out=rings[1:])
    parts = np.zeros(len(polygon_rings) + 1, np.int64)
    np.cumsum(polygon_rings, out=parts[1:])
    raw = np.empty(rings[-1] * 16, np.uint8)
    _gather(blob, ring_bytes, ring_points, raw)
    return raw.view("<f8").reshape(-1, 2), rings, parts


@numba.njit(cache=True)
def _uint32(blob, at):
    return (np.int64(blob[at]) | np.int64(blob[at + 1]) << 8 | np.int64(blob[at + 2]) << 16
            | np.int64(blob[at + 3]) << 24)


@numba.njit(cache=True)
def _wkb_layout(blob, starts):
    """Where each ring's points start in the WKB, how many, and how many rings each geometry
    has (Polygon or MultiPolygon, little-endian, 2D)."""
    n = len(starts) - 1
    total_rings = 0
    for pass_ in range(2):
        if pass_ == 1:
            ring_bytes = np.empty(total_rings, np.int64)
            ring_points = np.empty(total_rings, np.int64)
        polygon_rings = np.zeros(n, np.int64)
        ring = 0
        for g in range(n):
            at = starts[g]
            if blob[at] != 1:
                raise ValueError("WKB must be little-endian")
            kind = _uint32(blob, at + 1)
            if kind == 6:
                polygons, at = _uint32(blob, at + 5), at + 9
            elif kind == 3:
                polygons = 1
            else:
                raise ValueError("WKB must be a 2D Polygon or MultiPolygon")
            for _ in range(polygons):
                if blob[at] != 1 or _uint32(blob, at + 1) != 3:
                    raise ValueError("WKB must be a little-endian 2D Polygon")
                count, at = _uint32(blob, at + 5), at + 9
                for _ in range(count):
                    points = _uint32(blob, at)
                    if pass_ == 1:
                        ring_bytes[ring], ring_points[ring] = at + 4, points
                    ring += 1
                    at += 4 + 16 * points
                polygon_rings[g] += count
        total_rings = ring
    return ring_bytes, ring_points, polygon_rings


@numba.njit(cache=True)
def _gather(blob, ring_bytes, ring_points, out):
    at = 0
    for r in range(len(ring_bytes)):
        size = 16 * ring_points[r]
        out[at:at + size] = blob[ring_bytes[r]:ring_bytes[r] + size]
        at += size


@numba.njit(cache=True)
def _cells(states, box, offsets, state):
    """(polygon, i, j) of every hexagon in a given state."""
    count = 0
    for k in range(len(states)):
        count += states[k] == state
    polygon, i, j = (np.empty(count, np.int64), np.empty(count, np.int64),
                     np.empty(count, np.int64))
    found = 0
    for p in range(len(offsets) - 1):
        for k in range(offsets[p], offsets[p + 1]):
            if states[k] == state:
                local = k - offsets[p]
                polygon[found] = p
                i[found] = box[p, 0] + local // box[p, 3]
                j[found] = box[p, 1] + local % box[p, 3]
                found += 1
    return polygon, i, j


@numba.njit(cache=True)
def _boxes(coords, rings, parts, size):
    """Per polygon: first column, first row, columns, rows of the hexagons that may touch it."""
    h = size * _R3
    n = len(parts) - 1
    box = np.zeros((n, 4), np.int64)
    for p in range(n):
        start, end = rings[parts[p]], rings[parts[p + 1]]
        if start == end:
            continue
        xmin, xmax = coords[start:end, 0].min(), coords[start:end, 0].max()
        ymin, ymax = coords[start:end, 1].min(), coords[start:end, 1].max()
        i0 = math.floor((xmin - size) / (1.5 * size))
        i1 = math.ceil((xmax + size) / (1.5 * size))
        j0 = math.floor((ymin - 2 * h) / (2 * h))
        j1 = math.ceil(ymax / (2 * h))
        box[p, 0], box[p, 1], box[p, 2], box[p, 3] = i0, j0, i1 - i0 + 1, j1 - j0 + 1
    return box


@numba.njit(cache=True)
def _fill_one(coords, rings, parts, box, offsets, states, size, margin, p):
    grid = states[offsets[p]:offsets[p + 1]].reshape((box[p, 2], box[p, 3]))
    _fill_centres(coords, rings, parts[p], parts[p + 1], box[p], grid, size)
    _fill_edges(coords, rings, parts[p], parts[p + 1], box[p], grid, size, margin)


@numba.njit(cache=True)
def _fill(coords, rings, parts, box, offsets, states, size, margin):
    for p in range(len(parts) - 1):
        _fill_one(coords, rings, parts, box, offsets, states, size, margin, p)


@numba.njit(cache=True, parallel=True)
def _fill_parallel(coords, rings, parts, box, offsets, states, size, margin):
    for p in numba.prange(len(parts) - 1):
        _fill_one(coords, rings, parts, box, offsets, states, size, margin, p)


@numba.njit(cache=True)
def _fill_centres(coords, rings, first_ring, end_ring, box, grid, size):
    """Mark the hexagons whose centre lies in the polygon (even-odd, column by column)."""
    h = size * _R3
    crossings = np.empty(rings[end_ring] - rings[first_ring], np.float64)
    for col in range(box[2]):
        i = box[0] + col
        cx = 1.5 * size * i
        lift = h * (i & 1)
        found = 0
        for r in range(first_ring, end_ring):
            for k in range(rings[r], rings[r + 1] - 1):
                x0, y0 = coords[k, 0], coords[k, 1]
                x1, y1 = coords[k + 1, 0], coords[k + 1, 1]
                if (x0 <= cx < x1) or (x1 <= cx < x0):
                    crossings[found] = y0 + (cx - x0) * (y1 - y0) / (x1 - x0)
                    found += 1
        if found < 2:
            continue
        ys = np.sort(crossings[:found])
        for k in range(0, found - 1, 2):
            low = math.ceil((ys[k] - lift) / (2 * h)) - box[1]
            high = math.floor((ys[k + 1] - lift) / (2 * h)) - box[1]
            for row in range(max(low, 0), min(high, box[3] - 1) + 1):
                grid[col, row] = _YES


@numba.njit(cache=True)
def _fill_edges(coords, rings, first_ring, end_ring, box, grid, size, margin):
    """Mark the hexagons an edge of the outline passes through (or may, within the margin)."""
    h = size * _R3
    for r in range(first_ring, end_ring):
        for k in range(rings[r], rings[r + 1] - 1):
            x0, y0 = coords[k, 0], coords[k, 1]
            x1, y1 = coords[k + 1, 0], coords[k + 1, 1]
            if x0 == x1 and y0 == y1:
                continue
            c0 = max(math.floor((min(x0, x1) - size) / (1.5 * size)) - box[0], 0)
            c1 = min(math.ceil((max(x0, x1) + size) / (1.5 * size)) - box[0], box[2] - 1)
            for col in range(c0, c1 + 1):
                i = box[0] + col
                cx = 1.5 * size * i
                lift = h * (i & 1)
                r0 = max(math.floor((min(y0, y1) - h - lift) / (2 * h)) - box[1], 0)
                r1 = min(math.ceil((max(y0, y1) + h - lift) / (2 * h)) - box[1], box[3] - 1)
                for row in range(r0, r1 + 1):
                    if grid[col, row] == _YES:
                        continue
                    cy = h * (2 * (box[1] + row)) + lift
                    verdict = _edge_meets(x0 - cx, y0 - cy, x1 - cx, y1 - cy, size, h, margin)
                    if verdict > grid[col, row]:
                        grid[col, row] = verdict


@numba.njit(cache=True)
def _edge_meets(ax, ay, bx, by, size, h, margin):
    """Whether segment a-b meets the open hexagon centred on the origin: _YES with a clear
    margin, _NO with a clear margin, else _UNDECIDED (separating-axis test on the hexagon's
    three side normals and the segment's normal)."""
    if min(ax, bx) >= size + margin or max(ax, bx) <= -size - margin:
        return _NO
    inside = True
    for axis in range(3):
        if axis == 0:
            nx, ny = 0.0, 1.0
        elif axis == 1:
            nx, ny = _R3, 0.5
        else:
            nx, ny = -_R3, 0.5
        pa, pb = ax * nx + ay * ny, bx * nx + by * ny
        low, high = min(pa, pb), max(pa, pb)
        if low >= h + margin or high <= -h - margin:
            return _NO
        if not (low < h - margin and high > -h + margin):
            inside = False
    length = math.hypot(bx - ax, by - ay)
    mx, my = -(by - ay) / length, (bx - ax) / length
    d = abs(ax * mx + ay * my)
    reach = max(abs(size * mx), abs(0.5 * size * mx) + abs(h * my))
    if d >= reach + margin:
        return _NO
    if inside and d < reach * (h - margin) / h:
        return _YES
    return _UNDECIDED
