"""The shapes pupils draw: GeoJSON geometry read by hand, then repaired, widened and clipped.

Pure: no Flask, no database. Lengths, areas and buffers are in work_srid metres, never degrees.
Helpers of mapping.submission, which adds the zone number to every ShapeError.
"""

import math
from functools import cache
from itertools import pairwise

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from core.geo import WGS84, as_multipolygon, reproject

MAX_VERTICES = 500
MIN_AREA_M2 = 10.0
ROUTE_HALF_WIDTH_M = 12.5  # a route is stored as a 25 m wide corridor (flat ends, round bends)
SPOT_RADIUS_M = 40.0  # a spot is stored as a 40 m circle
MIN_INSIDE_FRACTION = 0.5  # at least half the shape must be inside the map area

SHAPES = {"Polygon": "area", "LineString": "route", "Point": "spot"}
SEVERAL_SHAPES = ("MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection")

UNREADABLE = ": the shape could not be read. Please draw it again."
OUTSIDE = ": you drew outside the map area. Draw inside the marked area."


class ShapeError(ValueError):
    """A shape that cannot be stored; .tail is the pupil's message after "Zone N"."""

    def __init__(self, tail: str):
        super().__init__(tail)
        self.tail = tail


# ---- reading GeoJSON --------------------------------------------------------------------------

def read_geometry(geometry) -> tuple[str, BaseGeometry]:
    """("area" | "route" | "spot", the drawn geometry in lon/lat, 2-D, rounded to 6 decimals)."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind in SEVERAL_SHAPES:
        raise ShapeError(" is made of several shapes. Draw one area, route or spot.")
    if not isinstance(kind, str) or kind not in SHAPES:
        raise ShapeError(UNREADABLE)
    coordinates = geometry.get("coordinates")
    if kind == "Point":
        drawn = Point(_position(coordinates))
    elif kind == "LineString":
        drawn = _route(coordinates)
    else:
        drawn = _area(coordinates)
    return SHAPES[kind], drawn


def _is_number(value) -> bool:
    try:
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value))
    except OverflowError:  # an int too big for a float
        return False


def _position(value) -> tuple[float, float]:
    """Longitude and latitude rounded to 6 decimals (about 10 cm); Z and M are dropped."""
    if not (isinstance(value, list) and 2 <= len(value) <= 4 and all(map(_is_number, value))):
        raise ShapeError(UNREADABLE)
    lon, lat = round(float(value[0]), 6), round(float(value[1]), 6)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ShapeError(OUTSIDE)
    return lon, lat


def _positions(value) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise ShapeError(UNREADABLE)
    positions = [_position(p) for p in value]
    if any(abs(a[0] - b[0]) > 180 for a, b in pairwise(positions)):
        raise ShapeError(" goes off the edge of the world map. Draw inside the marked area.")
    return positions


def _route(coordinates) -> LineString:
    if isinstance(coordinates, list) and len(coordinates) > MAX_VERTICES:
        raise ShapeError(" has too many points. Draw it again with fewer clicks.")
    positions = _positions(coordinates)
    if len(set(positions)) < 2:
        raise ShapeError(": a route needs a start and an end. Draw it again.")
    return LineString(positions)


def _area(coordinates) -> Polygon:
    if not (isinstance(coordinates, list) and coordinates
            and all(isinstance(ring, list) for ring in coordinates)):
        raise ShapeError(UNREADABLE)
    if sum(len(ring) for ring in coordinates) > MAX_VERTICES:
        raise ShapeError(" has too many points. Draw it again with fewer clicks.")
    rings = [_ring(ring) for ring in coordinates]
    return Polygon(rings[0], rings[1:])


def _ring(value) -> list[tuple[float, float]]:
    positions = _positions(value)
    if len(positions) < 4:
        raise ShapeError(": an area needs at least three corners. Draw it again.")
    if positions[0] != positions[-1]:
        raise ShapeError(": the area is not closed. Draw it again and finish where you started.")
    return positions


# ---- in metres --------------------------------------------------------------------------------

@cache
def _check_metric(work_srid: int) -> None:
    crs = CRS.from_user_input(work_srid)
    if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise ValueError(f"work_srid {work_srid} is not a projected CRS in metres")


def map_area_in_metres(area_of_interest: Polygon | MultiPolygon, work_srid: int) -> MultiPolygon:
    """The map area moved into work_srid (a programming error if it has no area)."""
    _check_metric(work_srid)
    inside = as_multipolygon(reproject(area_of_interest, WGS84, work_srid))
    if inside is None:
        raise ValueError("area_of_interest has no area")
    return inside


def stored_area(drawn: BaseGeometry, work_srid: int, map_area: MultiPolygon) -> MultiPolygon:
    """The repaired area / corridor / circle, clipped to the map area, back in lon/lat."""
    footprint = _footprint(drawn, work_srid)
    inside = footprint.intersection(map_area)
    if inside.area < MIN_INSIDE_FRACTION * footprint.area:
        raise ShapeError(OUTSIDE)
    if footprint.area < MIN_AREA_M2:  # only a drawn area can be this small
        raise ShapeError(" is too small to see. Draw a bigger area.")
    return as_multipolygon(reproject(as_multipolygon(inside), work_srid, WGS84))


def _footprint(drawn: BaseGeometry, work_srid: int) -> BaseGeometry:
    """The zone's area in metres: the repaired area, a circle for a spot, a corridor for a route."""
    if isinstance(drawn, Polygon):
        return _repaired_area(drawn, work_srid)
    moved = _moved(drawn, work_srid)
    if isinstance(moved, Point):
        return moved.buffer(SPOT_RADIUS_M, quad_segs=16)
    return moved.buffer(ROUTE_HALF_WIDTH_M, cap_style="flat", join_style="round")


def _repaired_area(drawn: Polygon, work_srid: int) -> MultiPolygon:
    # Repaired as drawn (lon/lat): corners exactly on a line there have no inside.
    repaired = as_multipolygon(drawn)  # shapely.make_valid, keeping only the polygonal parts
    if repaired is None:
        raise ShapeError(": the area has no space inside it. Draw it again.")
    return as_multipolygon(_moved(repaired, work_srid)) or MultiPolygon()


def _moved(geometry: BaseGeometry, work_srid: int) -> BaseGeometry:
    moved = reproject(geometry, WGS84, work_srid)
    if not np.isfinite(shapely.get_coordinates(moved)).all():  # too far away to project
        raise ShapeError(OUTSIDE)
    return moved
