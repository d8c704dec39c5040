"""Where things go on a printed haven map (pure): the map's frame and the numbered labels.

Positions are in millimetres of the A4 design, x to the right and y down, as in SVG. Ground
coordinates are metres in the work CRS. A label sits on its haven when there is room; when
havens crowd together, labels move out on rings around their haven, joined to it by a leader
line, so that no two numbers overlap and no number hides another haven.
"""

import math
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, top, right, bottom (mm)

MARGIN_FACTOR = 1.08  # the walking circle fills the map's short side with a little room
RING_SAMPLES = 16
MAX_RINGS = 8
GAP_MM = 0.5


@dataclass(frozen=True)
class Frame:
    """The ground area a map box shows, and how ground metres map to the box's millimetres."""

    west: float
    south: float
    east: float
    north: float
    width_mm: float
    height_mm: float

    @property
    def metres_per_mm(self) -> float:
        """Ground metres per millimetre of paper (the map's scale)."""
        return (self.east - self.west) / self.width_mm

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in ground metres."""
        return self.west, self.south, self.east, self.north

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        """Ground metres to millimetres in the box (y down)."""
        scale = self.metres_per_mm
        return (x - self.west) / scale, (self.north - y) / scale


def frame_around(centre: tuple[float, float], radius_m: float, box_mm: tuple[float, float],
                 include: list[tuple[float, float]] = ()) -> Frame:
    """A frame centred on `centre` showing the circle of `radius_m` (and every point of
    `include`), with the box's width/height ratio."""
    cx, cy = centre
    half = radius_m * MARGIN_FACTOR
    for x, y in include:  # e.g. the nearest havens beyond the radius
        half = max(half, abs(x - cx) * MARGIN_FACTOR + 60, abs(y - cy) * MARGIN_FACTOR + 60)
    width_mm, height_mm = box_mm
    scale = 2 * half / min(width_mm, height_mm)
    half_w, half_h = width_mm * scale / 2, height_mm * scale / 2
    return Frame(cx - half_w, cy - half_h, cx + half_w, cy + half_h, width_mm, height_mm)


@dataclass(frozen=True)
class Label:
    """A numbered circle: where its haven is and where its number is drawn."""

    number: int
    x: float
    y: float
    label_x: float
    label_y: float

    @property
    def moved(self) -> bool:
        """Whether the number was moved off its haven (and needs a leader line)."""
        return (self.label_x, self.label_y) != (self.x, self.y)


def _inside(x: float, y: float, r: float, box: Box) -> bool:
    left, top, right, bottom = box
    return left + r <= x <= right - r and top + r <= y <= bottom - r


def _hits_box(x: float, y: float, r: float, box: Box) -> bool:
    left, top, right, bottom = box
    nearest_x, nearest_y = min(max(x, left), right), min(max(y, top), bottom)
    return math.hypot(x - nearest_x, y - nearest_y) < r + GAP_MM


class _Grid:
    """Points bucketed in square cells, to find those nearer than a cell's side quickly."""

    def __init__(self, side: float):
        self.side = side
        self.cells: dict[tuple[int, int], list[tuple[int, float, float]]] = {}

    def add(self, key: int, x: float, y: float) -> None:
        """Remember a point (with a key of the caller's)."""
        cell = (math.floor(x / self.side), math.floor(y / self.side))
        self.cells.setdefault(cell, []).append((key, x, y))

    def near(self, x: float, y: float):
        """Every point in the cells round (x, y): all those nearer than a cell's side."""
        cx, cy = math.floor(x / self.side), math.floor(y / self.side)
        for i in (cx - 1, cx, cx + 1):
            for j in (cy - 1, cy, cy + 1):
                yield from self.cells.get((i, j), ())


class _Placer:
    """Greedy placement with an occupancy check against placed labels, dots and obstacles."""

    def __init__(self, points, radius_mm: float, page: Box, obstacles: list[Box]):
        self.points, self.r, self.page, self.obstacles = points, radius_mm, page, obstacles
        self.placed: list[tuple[float, float]] = []
        # Both checks below reach less than a cell's side, so the 3 x 3 cells round a spot hold
        # every label and dot it could collide with.
        side = 2 * radius_mm + GAP_MM + 1.0
        self._labels, self._dots = _Grid(side), _Grid(side)
        for i, (px, py) in enumerate(points):
            self._dots.add(i, px, py)

    def place(self, spot: tuple[float, float]) -> None:
        """Take a spot for a label."""
        self.placed.append(spot)
        self._labels.add(len(self.placed), *spot)

    def free(self, x: float, y: float, own: int) -> bool:
        """Whether a label for point `own` fits at (x, y)."""
        r = self.r
        if not _inside(x, y, r, self.page):
            return False
        if any(math.hypot(x - px, y - py) < 2 * r + GAP_MM
               for _, px, py in self._labels.near(x, y)):
            return False
        if any(i != own and math.hypot(x - px, y - py) < r + 1.0
               for i, px, py in self._dots.near(x, y)):
            return False  # would hide another haven's dot
        return not any(_hits_box(x, y, r, box) for box in self.obstacles)

    def spot_for(self, index: int) -> tuple[float, float]:
        """The nearest free spot to the point: on it, on rings around it, else anywhere."""
        x, y = self.points[index]
        if self.free(x, y, index):
            return x, y
        away = self._away_from_crowd(index)
        for ring in range(1, MAX_RINGS + 1):
            distance = ring * (2 * self.r + GAP_MM)
            samples = RING_SAMPLES * ring
            for k in range(samples):
                # Alternate either side of the direction away from the crowd.
                turn = (k + 1) // 2 * (1 if k % 2 else -1) * 2 * math.pi / samples
                cx, cy = x + distance * math.cos(away + turn), y + distance * math.sin(away + turn)
                if self.free(cx, cy, index):
                    return cx, cy
        return self._anywhere(index)

    def _away_from_crowd(self, index: int) -> float:
        x, y = self.points[index]
        near = [(px, py) for px, py in self.placed if math.hypot(px - x, py - y) < 6 * self.r]
        if not near:
            return -math.pi / 2  # up
        mx, my = sum(p[0] for p in near) / len(near), sum(p[1] for p in near) / len(near)
        if math.hypot(x - mx, y - my) < 1e-6:
            return -math.pi / 2
        return math.atan2(y - my, x - mx)

    def _anywhere(self, index: int) -> tuple[float, float]:
        """The free grid spot nearest the point; on the point itself if the map is full."""
        x, y = self.points[index]
        left, top, right, bottom = self.page
        step = self.r
        columns, rows = int((right - left) / step), int((bottom - top) / step)
        spots = [(left + self.r + i * step, top + self.r + j * step)
                 for i in range(columns) for j in range(rows)]
        spots.sort(key=lambda s: math.hypot(s[0] - x, s[1] - y))
        return next((s for s in spots if self.free(*s, index)), (x, y))


def place_labels(points: list[tuple[float, float]], *, radius_mm: float, page: Box,
                 obstacles: list[Box] = ()) -> list[Label]:
    """Labels numbered 1..n for the points (in the given order), none overlapping another,
    a haven's dot or an obstacle, all inside the page box."""
    placer = _Placer(list(points), radius_mm, page, list(obstacles))
    labels = []
    for index in _crowded_last(points, radius_mm):
        spot = placer.spot_for(index)
        placer.place(spot)
        labels.append((index, spot))
    labels.sort()
    return [Label(i + 1, *points[i], sx, sy) for i, (sx, sy) in labels]


def _crowded_last(points: list[tuple[float, float]], radius_mm: float) -> list[int]:
    """Order of placement: lonely havens first (they keep their spot), crowded ones after."""
    grid = _Grid(4 * radius_mm + 1.0)
    for i, (x, y) in enumerate(points):
        grid.add(i, x, y)

    def neighbours(i: int) -> int:
        x, y = points[i]
        return sum(1 for _, px, py in grid.near(x, y) if math.hypot(px - x, py - y) < 4 * radius_mm)
    return sorted(range(len(points)), key=lambda i: (neighbours(i), i))
