"""Green spaces of the demo basemap (pure): parks, gardens, a cemetery and a wood with
footpaths, ponds, a riverside walk and footbridges, as (shape, OSM tags) pairs in EPSG:27700."""

import math
import random

import shapely
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

from core.demo.streets import curve


def _point_in(rng, polygon: Polygon) -> Point:
    west, south, east, north = polygon.bounds
    while True:
        point = Point(rng.uniform(west, east), rng.uniform(south, north))
        if polygon.contains(point):
            return point


def parks(rng: random.Random, districts: list[Polygon], area: Polygon, river: LineString,
          schools, names) -> list[tuple]:
    """A riverside park, a park, a recreation ground, gardens and a cemetery in the borough
    and a wood beyond it, clear of the main roads, the schools and each other."""
    plans = [(True, 300, "blob", {"leisure": "park", "name": names(["Park"])}),
             (True, 170, "rectangle", {"leisure": "recreation_ground",
                                       "name": names(["Fields", "Recreation Ground"])}),
             (True, 55, "rectangle", {"leisure": "garden", "name": names(["Gardens"])}),
             (True, 150, "rectangle", {"landuse": "cemetery", "name": names(["Cemetery"])}),
             (False, 380, "blob", {"natural": "wood", "name": names(["Wood"])})]
    placed = [_riverside_park(rng, river, area, schools)]
    taken = placed[0][0].buffer(150)
    for in_borough, size, shape, tags in plans:
        zone = area if in_borough else area.envelope.buffer(3_000).difference(area)
        park = _place_park(rng, districts, zone, size, shape, schools, taken)
        if park is not None:
            placed.append((park, tags))
            taken = taken.union(park.buffer(150))
    return placed


def _riverside_park(rng, river: LineString, area: Polygon, schools) -> tuple:
    middle = river.project(area.centroid)
    stretch = substring(river, middle - rng.uniform(400, 700), middle + rng.uniform(400, 700))
    shape = stretch.buffer(rng.uniform(60, 90), cap_style="round").difference(schools)
    return (_largest(shape), {"leisure": "park", "name": "Haven Meadows"})


def _place_park(rng, districts, zone, size_m, shape, schools, taken) -> Polygon | None:
    """A park of about size_m across, centred in the zone, or None when there is no room."""
    for _ in range(60):
        room = rng.choice(districts).buffer(-12)
        middle = room.buffer(-size_m / 2).intersection(zone)
        if middle.area < 1:
            continue
        park = room.intersection(_park_shape(rng, _point_in(rng, middle), size_m, shape))
        park = park.difference(schools)
        if park.area > 0.5 * size_m * size_m and not park.intersects(taken):
            return _largest(park)
    return None


def _park_shape(rng, centre: Point, size_m: float, shape: str) -> Polygon:
    if shape == "rectangle":
        ratio = rng.uniform(0.6, 1.0)
        box = shapely.box(-size_m, -size_m * ratio, size_m, size_m * ratio)
        box = affinity.rotate(box, rng.uniform(0, 180), origin=(0, 0))
        return affinity.translate(box, centre.x, centre.y).buffer(size_m * 0.1).buffer(
            -size_m * 0.1)
    waves = [(rng.uniform(0.08, 0.2), k, rng.uniform(0, 2 * math.pi)) for k in (2, 3, 5)]
    points = []
    for i in range(48):
        angle = 2 * math.pi * i / 48
        radius = size_m * (1 + sum(a * math.sin(k * angle + phase) for a, k, phase in waves))
        points.append((centre.x + radius * math.cos(angle), centre.y + radius * math.sin(angle)))
    return Polygon(points)


def _largest(shape) -> Polygon:
    parts = [part for part in shapely.get_parts(shape) if isinstance(part, Polygon)]
    return max(parts, key=lambda part: part.area)


def ponds(rng: random.Random, parks: list[tuple]) -> list[tuple]:
    """A pond in the first two big parks."""
    ponds = []
    for park, _tags in parks[1:3]:
        room = park.buffer(-60)
        if room.is_empty:
            continue
        centre = room.representative_point()
        pond = affinity.scale(Point(centre).buffer(1.0), rng.uniform(30, 45),
                              rng.uniform(18, 28))
        pond = affinity.rotate(pond, rng.uniform(0, 180))
        ponds.append((pond, {"natural": "water", "water": "pond"}))
    return ponds


def paths(rng, parks: list[tuple], river: LineString, railway: LineString) -> list[tuple]:
    """Footpaths across and around the parks, a riverside walk, and footbridges over the river
    and the railway."""
    paths = []
    for park, _tags in parks:
        paths += [(path, {"highway": "footway"}) for path in _park_paths(rng, park)]
    walk = substring(river, river.length * 0.3, river.length * 0.7).offset_curve(14)
    paths.append((walk, {"highway": "footway", "name": "Riverside Walk"}))
    for line, count in ((river, 4), (railway, 2)):
        for _ in range(count):
            at = line.interpolate(rng.uniform(0.15, 0.85) * line.length)
            paths.append((_crossing(line, at), {"highway": "footway", "bridge": "yes"}))
    return paths


def _park_paths(rng, park: Polygon) -> list[LineString]:
    ring = park.exterior
    paths = []
    for _ in range(2 if park.area < 60_000 else 4):
        start = rng.uniform(0, ring.length)
        end = start + ring.length * rng.uniform(0.3, 0.7)
        a, b = ring.interpolate(start), ring.interpolate(end % ring.length)
        if a.distance(b) > 60:
            line = curve((a.x, a.y), (b.x, b.y), rng.uniform(8, 30), 0.5, 0.0)
            paths.append(line.intersection(park.buffer(2)))
    if park.area > 150_000:  # a ring inside the edge (two, when a narrow neck splits it)
        paths += [part.exterior for part in shapely.get_parts(park.buffer(-15))]
    return [path for path in paths if not path.is_empty]


def _crossing(line: LineString, at: Point) -> LineString:
    """A 70 m footbridge square across a line at a point."""
    ahead = line.interpolate(min(line.project(at) + 5, line.length))
    dx, dy = ahead.x - at.x, ahead.y - at.y
    norm = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / norm * 35, dx / norm * 35
    return LineString([(at.x - nx, at.y - ny), (at.x + nx, at.y + ny)])
