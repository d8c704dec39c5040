"""Street shapes for the demo basemap (pure): gentle curves, smooth warps, and the residential
mesh of one neighbourhood, which is deliberately not a grid.

A neighbourhood is the land between main roads. Its streets run in one direction at varied
spacings (80-150 m), bent a little; cross streets join neighbouring streets at staggered places,
some running on across several blocks; a few streets stop short (cul-de-sacs) and a few closes
poke into blocks. Everything is then warped smoothly and cut to the neighbourhood, so streets
end on the main roads around it.
"""

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import shapely
import shapely.ops
from shapely import affinity
from shapely.geometry import LineString, Polygon
from shapely.ops import substring

Warp = Callable[[np.ndarray], np.ndarray]
STEP_M = 25.0  # vertex spacing of generated curves


def curve(start, end, bend_m: float, waves: float, phase: float) -> LineString:
    """A line from start to end that sways sideways by up to bend_m, `waves` times."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    t = np.linspace(0.0, 1.0, max(2, int(length / STEP_M) + 1))
    offset = bend_m * np.sin(2 * math.pi * waves * t + phase)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    return LineString(np.column_stack([x0 + (x1 - x0) * t + nx * offset,
                                       y0 + (y1 - y0) * t + ny * offset]))


def smooth_warp(rng: random.Random, amplitude_m: float, wavelength_m: tuple[float, float]
                ) -> Warp:
    """A smooth, gentle displacement of the plane (two sine waves per axis), so straight
    lines become soft curves and crossings stay crossings."""
    waves = [(rng.uniform(0.5, 1.0) * amplitude_m, 2 * math.pi / rng.uniform(*wavelength_m),
              rng.uniform(0, math.pi), rng.uniform(0, 2 * math.pi), axis)
             for axis in (0, 0, 1, 1)]

    def move(xy: np.ndarray) -> np.ndarray:
        moved = xy.copy()
        for amplitude, k, angle, phase, axis in waves:
            along = xy[:, 0] * math.cos(angle) + xy[:, 1] * math.sin(angle)
            moved[:, axis] += amplitude * np.sin(k * along + phase)
        return moved

    return move


def warped(geometries, warp: Warp):
    """Geometries with their vertices moved by a warp (lines first cut into STEP_M pieces)."""
    return shapely.transform(shapely.segmentize(geometries, STEP_M), warp)


@dataclass
class Mesh:
    """The residential streets of one neighbourhood in its own frame (u along the streets)."""

    streets: list[LineString] = field(default_factory=list)
    crossings: list[LineString] = field(default_factory=list)
    closes: list[LineString] = field(default_factory=list)


def neighbourhood(rng: random.Random, cell: Polygon, spacing_m: float
                  ) -> tuple[list[LineString], list[LineString], list[LineString]]:
    """Streets, cross streets and closes of one neighbourhood, warped, cut to the cell. The
    streets run along or across the cell's longer side, as suburbs grew off their main roads."""
    angle = _long_side_angle(cell) + rng.choice((0.0, math.pi / 2)) + rng.uniform(-0.15, 0.15)
    centre = cell.centroid
    local = affinity.rotate(cell, -angle, origin=centre, use_radians=True)
    mesh = _mesh(rng, local.bounds, spacing_m)
    warp = smooth_warp(rng, 18.0, (450.0, 900.0))
    parts = []
    for lines in (mesh.streets, mesh.crossings, mesh.closes):
        placed = _rotated(lines, angle, (centre.x, centre.y))
        parts.append(pieces(shapely.intersection(warped(placed, warp), cell)))
    return parts[0], parts[1], parts[2]


def _rotated(lines: list[LineString], angle: float, origin: tuple[float, float]):
    """The lines turned by angle (radians, anticlockwise) about the origin, all at once."""
    cos, sin = math.cos(angle), math.sin(angle)
    rotation = np.array([[cos, sin], [-sin, cos]])
    return shapely.transform(np.asarray(lines, dtype=object),
                             lambda xy: (xy - origin) @ rotation + origin)


def estate(rng: random.Random, cell: Polygon
           ) -> tuple[list[LineString], list[LineString], list[LineString]] | None:
    """A post-war estate instead: a loop road inside the cell, joined to the roads around it
    once or twice, with short closes off the loop (None when the cell is too small)."""
    loop = cell.buffer(-rng.uniform(70, 110)).buffer(40).buffer(-40)
    if loop.is_empty or loop.geom_type != "Polygon" or loop.length < 500:
        return None
    ring = loop.exterior
    ways_in = []
    for _ in range(rng.randint(1, 2)):
        start = ring.interpolate(rng.uniform(0, ring.length))
        ways_in.append(LineString(shapely.ops.nearest_points(start, cell.exterior)[::-1]))
    closes = []
    for _ in range(int(ring.length / 180)):
        at = rng.uniform(0, ring.length)
        closes.append(_stub(ring, at, rng.uniform(45, 80) * rng.choice((-1, 1))))
    closes = [close for close in closes if cell.buffer(-15).contains(close)]
    return [ring], ways_in, closes


def _stub(ring, at: float, length_m: float) -> LineString:
    """A short straight road off a ring, square to it (inwards or outwards by the sign)."""
    here, ahead = ring.interpolate(at), ring.interpolate((at + 5) % ring.length)
    dx, dy = ahead.x - here.x, ahead.y - here.y
    norm = math.hypot(dx, dy) or 1.0
    return LineString([(here.x, here.y),
                       (here.x - dy / norm * length_m, here.y + dx / norm * length_m)])


def _long_side_angle(cell: Polygon) -> float:
    """The direction of the longer side of the cell's smallest enclosing rectangle."""
    corners = list(cell.minimum_rotated_rectangle.exterior.coords)
    sides = [(corners[i], corners[i + 1]) for i in (0, 1)]
    (x0, y0), (x1, y1) = max(sides, key=lambda s: math.dist(*s))
    return math.atan2(y1 - y0, x1 - x0)


def split(rng: random.Random, cell: Polygon, warp: Warp) -> tuple[list[Polygon], LineString]:
    """The cell cut in two (or more) by a gently curving road across its longer side; the
    road itself as the second value."""
    angle = _long_side_angle(cell) + math.pi / 2 + rng.uniform(-0.25, 0.25)
    width = math.sqrt(cell.area)
    middle = cell.centroid
    across = _long_side_vector(cell) * rng.uniform(-0.15, 0.15)
    anchor = (middle.x + across[0], middle.y + across[1])
    reach = 3 * width
    line = curve((anchor[0] - reach * math.cos(angle), anchor[1] - reach * math.sin(angle)),
                 (anchor[0] + reach * math.cos(angle), anchor[1] + reach * math.sin(angle)),
                 rng.uniform(10, 40), 0.5, rng.uniform(0, 6.3))
    line = warped(line, warp)
    pieces = [part for part in shapely.get_parts(shapely.ops.split(cell, line))
              if isinstance(part, Polygon)]
    return pieces, line.intersection(cell)


def _long_side_vector(cell: Polygon) -> np.ndarray:
    corners = np.array(cell.minimum_rotated_rectangle.exterior.coords)
    sides = [corners[1] - corners[0], corners[2] - corners[1]]
    return max(sides, key=lambda side: float(np.hypot(*side)))


@dataclass(frozen=True)
class _Row:
    """One street of the mesh: it sways around v by up to bend_m as u runs from start to end."""

    v: float
    bend_m: float
    waves: float
    phase: float
    start: float
    end: float

    def at(self, u):
        """The street's v where it passes u (u may be an array)."""
        t = (np.asarray(u) - self.start) / (self.end - self.start)
        return self.v + self.bend_m * np.sin(2 * math.pi * self.waves * t + self.phase)

    def line(self) -> LineString:
        u = np.linspace(self.start, self.end, max(2, int((self.end - self.start) / STEP_M)))
        return LineString(np.column_stack([u, self.at(u)]))


def _mesh(rng: random.Random, bounds, spacing_m: float) -> Mesh:
    minu, minv, maxu, maxv = bounds
    rows = [_Row(v, rng.uniform(0.0, 10.0), rng.uniform(0.3, 1.0), rng.uniform(0, 6.3),
                 minu - 30, maxu + 30)
            for v in _positions(rng, minv, maxv, spacing_m, 0.75, 1.25)]
    mesh = Mesh(streets=[row.line() for row in rows])
    block_m = rng.uniform(130, 260)
    for u in _positions(rng, minu, maxu, block_m, 0.6, 1.4):
        mesh.crossings += _cross_streets(rng, u, rows, block_m)
    for low, high in pairwise(rows):
        if rng.random() < 0.35 and high.v - low.v > 90:
            u = rng.uniform(minu, maxu)
            reach = min(high.v - low.v - 35, rng.uniform(50, 110))
            start = float(low.at(u))
            mesh.closes.append(LineString([(u, start),
                                           (u + rng.uniform(-8, 8), start + reach)]))
    return mesh


def _positions(rng: random.Random, low: float, high: float, step: float, least: float,
               most: float) -> list[float]:
    """Positions from low to high, about `step` apart (each gap between least and most times
    step)."""
    positions, at = [], low + step * rng.uniform(0.2, 0.9)
    while at < high:
        positions.append(at)
        at += step * rng.uniform(least, most)
    return positions


def _cross_streets(rng: random.Random, u: float, rows: list[_Row], block_m: float
                   ) -> list[LineString]:
    """Cross streets near u: runs across 1-4 blocks, each run shifted from the last, some gaps
    left out (bigger blocks)."""
    runs, index = [], 0
    while index < len(rows) - 1:
        end = min(index + rng.randint(1, 4), len(rows) - 1)
        if rng.random() < 0.8:
            shift = rng.uniform(-0.3, 0.3) * block_m
            points = []
            for row in rows[index:end + 1]:
                at = u + shift + rng.uniform(-6, 6)
                points.append((at, float(row.at(at))))
            runs.append(LineString(points))
        index = end
    return runs


def pieces(geometries) -> list[LineString]:
    """The single lines of some geometries, leaving out scraps shorter than 20 m."""
    parts = shapely.get_parts(np.asarray(geometries, dtype=object))
    return [part for part in parts
            if isinstance(part, LineString) and part.length >= 20.0]


def cut(lines: list[LineString], obstacle) -> list[LineString]:
    """The lines with the obstacle taken out (streets stop at parks, rivers and railways)."""
    if obstacle is None or obstacle.is_empty or not lines:
        return lines
    return pieces(shapely.difference(np.asarray(lines, dtype=object), obstacle))


def stop_short(rng: random.Random, lines: list[LineString], share: float
               ) -> list[LineString]:
    """Some long lines end 40-110 m early at one end: cul-de-sacs."""
    result = []
    for line in lines:
        if line.length > 260 and rng.random() < share:
            trim = rng.uniform(40, 110)
            start, end = (trim, line.length) if rng.random() < 0.5 else (0, line.length - trim)
            line = substring(line, start, end)
        result.append(line)
    return result
