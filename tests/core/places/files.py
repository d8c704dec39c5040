"""Small import files written by the tests themselves (never real data)."""

import csv
import json

from shapely.geometry import box, mapping

from core.geo import reproject

GIAS_HEADER = ["URN", "EstablishmentName", "TypeOfEstablishment (name)",
               "PhaseOfEducation (name)", "EstablishmentStatus (name)", "Street", "Town",
               "Postcode", "Easting", "Northing", "LA (name)"]
ATLAS_HEADER = ["URN", "SCHOOL_NAM", "TYPE", "PHASE", "ADDRESS", "TOWN", "POSTCODE", "STATUS",
                "EASTING", "NORTHING", "LA_NAME"]


def feature(geometry, **properties) -> dict:
    """A GeoJSON feature."""
    return {"type": "Feature", "geometry": geometry and mapping(geometry),
            "properties": properties}


def write_geojson(path, features, crs: int | None = None):
    """A FeatureCollection, with a legacy 'crs' member when crs is given."""
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    path.write_text(json.dumps(data))
    return path


def boroughs_file(path, bounds=(-0.015, 51.44, 0.015, 51.46), crs=4326, extra=()):
    """One borough called Testham, optionally in EPSG:27700, plus extra features."""
    shape = box(*bounds)
    if crs != 4326:
        shape = reproject(shape, 4326, crs)
    return write_geojson(path, [feature(shape, LAD22CD="E09000999", LAD22NM="Testham"),
                                *extra], crs=None if crs == 4326 else crs)


def write_csv(path, header, rows, encoding="utf-8"):
    """A CSV with a header row."""
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
