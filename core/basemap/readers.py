"""Read basemap files (GeoJSON, GeoPackage: every layer; any CRS) into classified features in
EPSG:4326, skipped features and numbered rejections (pure: no database, no Flask).

Each feature becomes a `BasemapRow` (its layer, name, identity and geometry as WKB), a
`Skipped` (points, buildings and other map data the basemap does not draw) or a `Rejected`
with its row number in its layer and the reason.
"""

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataSourceError
from pyogrio.raw import read as read_vector
from shapely.geometry import LineString, MultiLineString, Polygon
from shapely.geometry.base import BaseGeometry

from core.basemap import classify
from core.basemap.models import LAYERS, NAME_MAX
from core.geo import as_multipolygon, reproject
from core.places.readers import Rejected, UnreadableFile

NO_TAGS = "no road, path, park, water or railway tags"
NAME_FIELDS = ("name", "name1", "name_1", "roadname", "road_name", "distinctivename",
               "distinctive_name", "distinctive_name_1", "distname", "distname1",
               "watercourse_name", "watercoursename", "name:en")
ID_FIELDS = ("@id", "id", "osm_id", "osm_way_id", "identifier", "toid", "gml_id")
HSTORE_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


@dataclass
class BasemapRow:
    """One feature ready to store: layer, name, identity and geometry (WKB, EPSG:4326)."""

    row: int
    layer: str
    name: str | None
    feature_key: str
    wkb: bytes
    origin: str | None  # "osm", "os" or None: decides the default attribution


@dataclass
class Skipped:
    """A feature deliberately left out (a point, a building, a disused railway ...)."""

    row: int


BasemapItem = BasemapRow | Skipped | Rejected


def file_layers(path: str | Path) -> list[str]:
    """The names of the file's layers that hold geometry; UnreadableFile when there are none
    or the file is not a vector file."""
    try:
        listed = pyogrio.list_layers(str(path))
    except (DataSourceError, OSError, RuntimeError) as exc:
        raise UnreadableFile(f"Cannot read {Path(path).name} as a GeoJSON or GeoPackage file: "
                             f"{exc}") from exc
    names = [str(name) for name, geometry_type in listed if geometry_type is not None]
    if not names:
        raise UnreadableFile(f"{Path(path).name} has no layer with geometries.")
    return names


def count_features(path: str | Path) -> int:
    """How many features the file's layers hold (for a progress bar; 1 when unknown)."""
    try:
        return sum(max(pyogrio.read_info(str(path), layer=name)["features"], 0)
                   for name in file_layers(path)) or 1
    except (UnreadableFile, DataSourceError, OSError, RuntimeError):
        return 1


def read_basemap(path: str | Path, kind: str | None = None) -> Iterator[BasemapItem]:
    """Every feature of every layer, classified (or all put in `kind`), in EPSG:4326."""
    if kind is not None and kind not in LAYERS:
        raise ValueError(f"unknown basemap layer {kind!r}")
    names = file_layers(path)
    for name in names:
        for item in _read_layer(path, name, kind):
            if isinstance(item, Rejected) and len(names) > 1:
                item.reason = f"layer {name!r}: {item.reason}"
            yield item


def _read_layer(path: str | Path, layer: str, kind: str | None) -> Iterator[BasemapItem]:
    try:
        meta, _fids, wkbs, columns = read_vector(str(path), layer=layer)
    except (DataSourceError, OSError, RuntimeError) as exc:
        raise UnreadableFile(f"Cannot read layer {layer!r} of {Path(path).name}: {exc}") from exc
    fields = [str(field).lower() for field in meta["fields"]]
    geometries = shapely.force_2d(shapely.from_wkb(wkbs, on_invalid="ignore"))
    geometries = reproject(geometries, meta["crs"] or "OGC:CRS84")
    named = _layer_name(path, layer)
    for index, geometry in enumerate(geometries):
        attributes = feature_attributes(fields, [column[index] for column in columns])
        yield basemap_item(index + 1, attributes, geometry, named, kind)


def _layer_name(path: str | Path, layer: str) -> str:
    """The layer's name, or '' for a GeoJSON layer named only after its file: a name someone
    gave the download says nothing about what is in it."""
    path = Path(path)
    if path.suffix.lower() in (".geojson", ".json") and layer == path.stem:
        return ""
    return layer


def feature_attributes(fields: list[str], values: list) -> dict[str, str]:
    """A feature's non-empty attributes as trimmed text under lower-case names, with OSM tags
    nested in `tags` (osmtogeojson) or `other_tags` (GDAL's OSM driver) merged in."""
    attributes = {}
    for field, value in zip(fields, values, strict=True):
        text = _text(value)
        if text:
            attributes[field] = text
    for field, parse in (("tags", _json_tags), ("other_tags", _hstore_tags)):
        if field in attributes:
            attributes = {**parse(attributes[field]), **attributes}
    return attributes


def basemap_item(number: int, attributes: dict[str, str], geometry: BaseGeometry | None,
                 file_layer: str, kind: str | None = None) -> BasemapItem:
    """One feature as a BasemapRow, Skipped or Rejected."""
    if geometry is None or geometry.is_empty:
        return Rejected(number, "no geometry")
    dimension = int(shapely.get_dimensions(geometry))
    if dimension == 0:
        return Skipped(number)
    layer = kind or classify.layer_for(attributes, file_layer, is_area=dimension == 2)
    if layer is None:
        return Rejected(number, NO_TAGS)
    if layer == classify.SKIP:
        return Skipped(number)
    fitted = fit_geometry(geometry, layer)
    if isinstance(fitted, str):
        return Rejected(number, fitted)
    if not _on_earth(fitted.bounds):
        return Rejected(number, "coordinates are not on Earth (is the file's CRS declared?)")
    name = feature_name(attributes)
    wkb = shapely.to_wkb(fitted)
    return BasemapRow(number, layer, name, feature_key(attributes, file_layer, layer, name, wkb),
                      wkb, classify.origin_of(attributes, file_layer))


def fit_geometry(geometry: BaseGeometry, layer: str) -> BaseGeometry | str:
    """Polygons for area layers (closed lines become areas; invalid ones are repaired), lines
    for line layers (an area's outline); or the reason it cannot be used."""
    if layer in classify.AREAS:
        return _area(geometry, layer)
    return _lines(geometry)


def _area(geometry: BaseGeometry, layer: str) -> BaseGeometry | str:
    parts = _flat(geometry)
    polygons = [part for part in parts if isinstance(part, Polygon)]
    polygons += [Polygon(part.coords) for part in parts
                 if isinstance(part, LineString) and part.is_closed and len(part.coords) >= 4]
    if not polygons:
        return f"a {layer} must be an area, not an open line"
    repaired = as_multipolygon(shapely.MultiPolygon(polygons))
    if repaired is None:
        return f"the {layer} area is empty once repaired"
    return repaired.geoms[0] if len(repaired.geoms) == 1 else repaired


def _lines(geometry: BaseGeometry) -> BaseGeometry | str:
    lines = []
    for part in _flat(geometry):
        if isinstance(part, Polygon):
            lines += [LineString(ring.coords) for ring in (part.exterior, *part.interiors)]
        elif isinstance(part, LineString):
            lines.append(part)
    lines = [line for line in lines if line.length > 0]
    if not lines:
        return "the line is empty"
    return lines[0] if len(lines) == 1 else MultiLineString(lines)


def _flat(geometry: BaseGeometry) -> list[BaseGeometry]:
    """The simple parts of a geometry (multi-geometries and collections opened up)."""
    if hasattr(geometry, "geoms"):
        return [part for member in geometry.geoms for part in _flat(member)]
    return [] if geometry.is_empty else [geometry]


def _on_earth(bounds) -> bool:
    west, south, east, north = bounds
    return -180 <= west <= east <= 180 and -90 <= south <= north <= 90


def feature_name(attributes: dict[str, str]) -> str | None:
    """The feature's name from the first name field it has (OSM, OS products), trimmed."""
    for field in NAME_FIELDS:
        name = _text(attributes.get(field))
        if name:
            return name[:NAME_MAX].strip()
    return None


def feature_key(attributes: dict[str, str], file_layer: str, layer: str, name: str | None,
                wkb: bytes) -> str:
    """The feature's identity across imports, as 40 hex digits: its id in the file (OSM ids
    like way/123 and OS UUIDs/TOIDs as they are; short ids with the file's layer name), else
    its layer, name and geometry."""
    identity = _identity(attributes, file_layer)
    if identity is None:
        identity = f"shape:{layer}:{name or ''}:{wkb.hex()}"
    return hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()


def _identity(attributes: dict[str, str], file_layer: str) -> str | None:
    for field in ID_FIELDS:
        value = attributes.get(field)
        if not value:
            continue
        if classify.OSM_ID.match(value):
            return f"osm:{value}"
        if len(value) >= 16 and not value.isdigit():
            return f"id:{value}"
        return f"{file_layer}:{field}:{value}"
    return None


def _text(value) -> str:
    """A value as one trimmed line ('' when missing); whole floats lose their '.0'."""
    if value is None or isinstance(value, bytes | bytearray):
        return ""
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        if float(value).is_integer():
            return str(int(value))
    return " ".join(str(value).split())


def _json_tags(text: str) -> dict[str, str]:
    try:
        tags = json.loads(text)
    except ValueError:
        return {}
    return {str(k).lower(): _text(v) for k, v in tags.items()} if isinstance(tags, dict) else {}


def _hstore_tags(text: str) -> dict[str, str]:
    return {key.lower(): " ".join(value.split()) for key, value in HSTORE_PAIR.findall(text)}
