"""Shapes as pupils draw them, in British National Grid metres: areas, routes and spots (pure).

Each function returns (what was drawn, the stored footprint), as mapping.shapes stores them:
a route is a 25 m wide corridor, a spot a 40 m circle.
"""

import math
import random

from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from mapping.shapes import ROUTE_HALF_WIDTH_M, SPOT_RADIUS_M

MIN_KM2, MAX_KM2 = 0.01, 0.3
XY = tuple[float, float]


def area(rng: random.Random, centre: XY) -> tuple[BaseGeometry, BaseGeometry]:
    """An irregular jittered ellipse of 0.01-0.3 km² (log-uniform), as a pupil outlines a place."""
    target_m2 = math.exp(rng.uniform(math.log(MIN_KM2), math.log(MAX_KM2))) * 1e6
    aspect, turn = rng.uniform(1.0, 2.5), rng.uniform(0, math.pi)
    semi_b = math.sqrt(target_m2 / (math.pi * aspect))
    semi_a = semi_b * aspect
    count = rng.randint(8, 24)
    ring = []
    for k in range(count):
        angle = 2 * math.pi * (k + rng.uniform(-0.3, 0.3)) / count  # stays star-shaped: simple
        r = rng.uniform(0.8, 1.15)
        x, y = semi_a * r * math.cos(angle), semi_b * r * math.sin(angle)
        ring.append((centre[0] + x * math.cos(turn) - y * math.sin(turn),
                     centre[1] + x * math.sin(turn) + y * math.cos(turn)))
    drawn = Polygon(ring)
    return drawn, drawn


def route(rng: random.Random, start: XY, heading: float | None = None
          ) -> tuple[BaseGeometry, BaseGeometry]:
    """A walked route of 400-1,600 m in 3-6 legs: long and thin once widened to a corridor."""
    heading = rng.uniform(0, 2 * math.pi) if heading is None else heading
    legs = rng.randint(3, 6)
    leg_m = rng.uniform(400, 1600) / legs
    points = [start]
    for _ in range(legs):
        heading += rng.uniform(-0.6, 0.6)
        x, y = points[-1]
        points.append((x + leg_m * math.cos(heading), y + leg_m * math.sin(heading)))
    drawn = LineString(points)
    return drawn, drawn.buffer(ROUTE_HALF_WIDTH_M, cap_style="flat", join_style="round")


def spot(_rng: random.Random, centre: XY) -> tuple[BaseGeometry, BaseGeometry]:
    """A tapped spot, stored as a 40 m circle."""
    drawn = Point(centre)
    return drawn, drawn.buffer(SPOT_RADIUS_M, quad_segs=16)


SHAPES = {"area": area, "route": route, "spot": spot}
SHAPE_WEIGHTS = {"area": 0.6, "route": 0.25, "spot": 0.15}
