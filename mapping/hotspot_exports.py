"""Ranked hot-spot areas as files GIS tools open: GeoJSON, CSV, KML and GPX (pure).

KML and GPX are written by GDAL (through pyogrio), which escapes every text value and writes
files Google Earth, QGIS and GPS devices read.
"""

import io
import json

import numpy as np
import shapely
from pyogrio.raw import write

from core.exports import csv_text

COLUMNS = ["rank", "ward", "peak_time", "visits", "pupils", "schools", "top_reasons",
           "confidence", "peak_z", "cells", "area_ha", "nearest_haven", "haven_distance_m",
           "haven_open_at_peak", "nearest_schools", "lon", "lat"]


def properties(area: dict) -> dict:
    """One area's attributes as flat, plain values (the same in every format)."""
    haven = area.get("haven") or {}
    return {
        "rank": area["rank"], "ward": area.get("ward") or "",
        "peak_time": area.get("peak_time_label") or "not clear", "visits": area["visits"],
        "pupils": area["pupils"], "schools": area["schools"],
        "top_reasons": "; ".join(r["label"] for r in area["reasons"]),
        "confidence": area["confidence"], "peak_z": area["peak_z"], "cells": area["cells"],
        "area_ha": round(area["area_m2"] / 10_000, 1),
        "nearest_haven": haven.get("name", ""), "haven_distance_m": haven.get("distance_m"),
        "haven_open_at_peak": haven.get("open", ""),
        "nearest_schools": "; ".join(s["name"] for s in area.get("schools_near", [])),
        "lon": round(area["lon"], 6), "lat": round(area["lat"], 6)}


def feature_collection(areas: list[dict], filters: dict) -> dict:
    """The areas as GeoJSON polygons (lon/lat)."""
    return {"type": "FeatureCollection", "filters": filters, "features": [
        {"type": "Feature", "id": f"hotspot-{a['rank']}", "geometry": json.loads(a["geometry"]),
         "properties": properties(a)} for a in areas]}


def areas_csv(areas: list[dict]) -> str:
    """One row per area, with its outline as WKT; formula-looking text is neutralised."""
    rows = [{**properties(a), "wkt": shapely.to_wkt(_shape(a), rounding_precision=6)}
            for a in areas]
    return csv_text([*COLUMNS, "wkt"], rows)


def _shape(area: dict) -> shapely.Geometry:
    return shapely.from_geojson(area["geometry"])


def _description(area: dict) -> str:
    values = properties(area)
    return (f"When: {values['peak_time']}. Suggested: {values['visits']}. "
            f"Why: {values['top_reasons'] or 'not clear'}. "
            f"Pupils: {values['pupils'] or 'fewer than the threshold'}. "
            f"Nearest Safe Haven: {values['nearest_haven'] or 'none'}"
            + (f" ({values['haven_distance_m']} m, {values['haven_open_at_peak']})"
               if values["nearest_haven"] else "") + ".")


def _gdal_file(driver: str, layer: str, geometries: list, fields: dict[str, list],
               geometry_type: str) -> bytes:
    buffer = io.BytesIO()
    write(buffer, np.array([shapely.to_wkb(g) for g in geometries], dtype=object),
          [np.array(values, dtype=object) for values in fields.values()], list(fields),
          driver=driver, layer=layer, geometry_type=geometry_type, crs="EPSG:4326")
    return buffer.getvalue()


def areas_kml(areas: list[dict]) -> bytes:
    """The areas as KML placemarks (polygons with their briefing in the description)."""
    shapes = [shapely.force_2d(_shape(a)) for a in areas]
    shapes = [shapely.multipolygons(shapely.get_parts(s)) for s in shapes]
    fields = {"Name": [f"Hot spot {a['rank']}: {a.get('ward') or 'borough'}" for a in areas],
              "Description": [_description(a) for a in areas],
              **{key: [str(properties(a)[key]) for a in areas]
                 for key in ("rank", "peak_time", "visits", "pupils", "nearest_haven")}}
    return _gdal_file("KML", "hotspots", shapes, fields, "MultiPolygon")


def areas_gpx(areas: list[dict]) -> bytes:
    """A GPX waypoint inside each area, named by rank, with when to visit."""
    points = [shapely.Point(a["lon"], a["lat"]) for a in areas]
    fields = {"name": [f"Hot spot {a['rank']}" for a in areas],
              "desc": [_description(a) for a in areas],
              "sym": ["Flag, Red" for _ in areas]}
    return _gdal_file("GPX", "waypoints", points, fields, "Point")
