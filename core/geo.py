"""Geometry helpers shared by every domain: CRS transforms, bounding boxes, polygon repair."""

from functools import cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from core.errors import InvalidInput

WGS84 = 4326
GB_BOUNDS_27700 = (0, 0, 700_000, 1_300_000)


@cache
def transformer(source: str | int, target: str | int) -> Transformer:
    """A cached lon/lat-ordered transformer between two CRSs."""
    return Transformer.from_crs(CRS.from_user_input(source), CRS.from_user_input(target),
                                always_xy=True)


def reproject(geometry: BaseGeometry, source: str | int, target: str | int = WGS84):
    """The geometry moved from one CRS to another (x/y = lon/lat order)."""
    if CRS.from_user_input(source) == CRS.from_user_input(target):
        return geometry
    move = transformer(source, target)
    return shapely.transform(
        geometry, lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    return [p for part in getattr(geometry, "geoms", []) for p in _polygons(part)]


def as_multipolygon(geometry: BaseGeometry | None) -> MultiPolygon | None:
    """The polygonal part of a geometry (repaired if invalid) as a MultiPolygon, or None."""
    if geometry is None or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    polygons = [p for p in _polygons(geometry) if p.area > 0]
    return MultiPolygon(polygons) if polygons else None


NICE_METRES = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000)


def scale_length_m(width_m: float) -> int:
    """A round number of metres for a scale bar: the longest nice one up to a fifth of the
    map's width."""
    return max([m for m in NICE_METRES if m <= width_m / 5] or [NICE_METRES[0]])


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """Parse 'minlon,minlat,maxlon,maxlat' (EPSG:4326) or raise InvalidInput."""
    if text is None or text == "":
        return None
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise InvalidInput("bbox must be four numbers: min lon, min lat, max lon, max lat.",
                           field="bbox")
    west, south, east, north = values
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InvalidInput("bbox is outside the world or its corners are the wrong way round.",
                           field="bbox")
    return values


def work_srid() -> int:
    """The projected CRS for metric work (WORK_SRID, default 27700)."""
    from flask import current_app

    return current_app.config["WORK_SRID"]
