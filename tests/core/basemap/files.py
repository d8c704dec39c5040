"""Small basemap files written by the tests themselves: OSM-style GeoJSON (tags as properties,
as overpass turbo exports them) and GeoPackages with several layers."""

import numpy as np
import pyogrio.raw
import shapely
from shapely.geometry import LineString, box

from core.geo import reproject
from tests.core.places.files import feature, write_geojson

HOME = (0.0, 51.45)  # lon/lat in south-east London


def line(*points_m, at=HOME) -> LineString:
    """A line through points given in metres east and north of `at` (about right at 51.45°N)."""
    return LineString([lonlat(x, y, at) for x, y in points_m])


def square(x_m, y_m, size_m, at=HOME):
    """A square in lon/lat whose south-west corner is x_m, y_m metres from `at`."""
    west, south = lonlat(x_m, y_m, at)
    east, north = lonlat(x_m + size_m, y_m + size_m, at)
    return box(west, south, east, north)


def lonlat(x_m: float, y_m: float, at=HOME) -> tuple[float, float]:
    """The lon/lat x_m metres east and y_m metres north of `at` (near enough at 51.45°N)."""
    return at[0] + x_m / 69_440.0, at[1] + y_m / 111_250.0


def osm_file(path, features, crs: int | None = None):
    """An overpass-turbo-like FeatureCollection of (geometry, tags) pairs; in `crs` when given
    (the geometries are then moved from lon/lat into it)."""
    items = [feature(reproject(geometry, 4326, crs) if crs and geometry else geometry, **tags)
             for geometry, tags in features]
    return write_geojson(path, items, crs=crs)


def gpkg_layer(path, layer: str, geometries, crs: str = "EPSG:4326", **columns):
    """Add a layer to a GeoPackage: geometries (lon/lat, moved into `crs`) and text columns."""
    if crs != "EPSG:4326":
        geometries = [reproject(g, 4326, crs) for g in geometries]
    names = list(columns)
    data = [np.array(columns[name], dtype=object) for name in names]
    kinds = {shapely.get_type_id(g) for g in geometries}
    geometry_type = "Unknown" if len(kinds) > 1 else geometries[0].geom_type
    pyogrio.raw.write(str(path), np.array(shapely.to_wkb(geometries), dtype=object), data, names,
                      layer=layer, driver="GPKG", geometry_type=geometry_type, crs=crs,
                      append=path.exists())
    return path
