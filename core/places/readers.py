"""Read boundary files and school/postcode CSVs into clean rows plus numbered rejections (pure)."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from pyogrio.errors import DataSourceError
from pyogrio.raw import read as read_vector

from core.geo import GB_BOUNDS_27700, as_multipolygon, reproject
from core.places.postcodes import normalise_postcode
from core.text import without_bidi_controls


class UnreadableFile(ValueError):
    """The whole file cannot be read (wrong format, missing columns)."""


@dataclass
class Rejected:
    """A row that was not imported, with its number in the file and the reason."""

    row: int
    reason: str


@dataclass
class Area:
    """A boundary feature: code, name, polygon in EPSG:4326, optional parent code."""

    row: int
    code: str
    name: str
    wkt: str
    parent_code: str | None = None


@dataclass
class Rows:
    """What a reader produced: good rows, rejected rows and rows deliberately skipped."""

    good: list = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    skipped: int = 0


def read_areas(path: str | Path, code_field: str, name_field: str,
               parent_field: str | None = None) -> Rows:
    """Polygons from any vector file GDAL reads, reprojected to EPSG:4326."""
    try:
        meta, _fids, geometries, columns = read_vector(str(path))
    except (DataSourceError, OSError, RuntimeError) as exc:
        raise UnreadableFile(f"Cannot read {path} as a vector file: {exc}") from exc
    names = list(meta["fields"])
    for needed in (code_field, name_field):
        if needed not in names:
            raise UnreadableFile(f"The file has no '{needed}' property "
                                 f"(it has: {', '.join(names) or 'none'}).")
    values = dict(zip(names, columns, strict=True))
    parents = values.get(parent_field) if parent_field else None
    source_crs = meta["crs"] or "OGC:CRS84"
    rows = Rows()
    for index, wkb in enumerate(geometries):
        number = index + 1
        code = _text(values[code_field][index])
        name = _text(values[name_field][index])
        if not code or not name:
            rows.rejected.append(Rejected(number, f"missing {code_field} or {name_field}"))
            continue
        polygon = as_multipolygon(shapely.from_wkb(wkb)) if wkb is not None else None
        if polygon is None:
            rows.rejected.append(Rejected(number, f"{code}: no polygon geometry"))
            continue
        polygon = reproject(polygon, source_crs)
        if not _plausible_lonlat(polygon.bounds):
            rows.rejected.append(Rejected(number, f"{code}: coordinates are not on Earth "
                                                  "(is the file's CRS declared?)"))
            continue
        parent = _text(parents[index]) if parents is not None else None
        rows.good.append(Area(number, code, name, polygon.wkt, parent or None))
    return rows


def _plausible_lonlat(bounds) -> bool:
    west, south, east, north = bounds
    return -180 <= west <= east <= 180 and -90 <= south <= north <= 90


def _text(value) -> str:
    return "" if value is None else without_bidi_controls(str(value)).strip()


# --- schools -------------------------------------------------------------------------------

SCHOOL_COLUMNS = {
    "gias": {"urn": "URN", "name": "EstablishmentName",
             "type": "TypeOfEstablishment (name)", "phase": "PhaseOfEducation (name)",
             "status": "EstablishmentStatus (name)", "postcode": "Postcode",
             "easting": "Easting", "northing": "Northing", "la": "LA (name)",
             "address": ("Street", "Locality", "Address3", "Town")},
    "atlas": {"urn": "URN", "name": "SCHOOL_NAM", "type": "TYPE", "phase": "PHASE",
              "status": "STATUS", "postcode": "POSTCODE", "easting": "EASTING",
              "northing": "NORTHING", "la": "LA_NAME", "address": ("ADDRESS", "TOWN")},
}


@dataclass
class SchoolRow:
    """One school from a register CSV, located in EPSG:27700."""

    row: int
    urn: int
    name: str
    type: str | None
    phase: str | None
    status: str | None
    postcode: str | None
    address: str | None
    easting: float
    northing: float


def open_csv(path: str | Path) -> io.TextIOBase:
    """Open a CSV as text: UTF-8 (with or without BOM), else Windows-1252 as GIAS ships it."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return io.StringIO(text, newline="")


def read_schools(path: str | Path, la_name: str | None = None) -> Rows:
    """Schools from a GIAS or London Schools Atlas CSV, optionally one local authority only."""
    reader = csv.DictReader(open_csv(path))
    columns = _school_format(reader.fieldnames or [])
    rows = Rows()
    wanted_la = (la_name or "").strip().lower()
    for number, record in enumerate(reader, start=2):
        if wanted_la and _text(record.get(columns["la"])).lower() != wanted_la:
            rows.skipped += 1
            continue
        school = _school_row(number, record, columns)
        (rows.rejected if isinstance(school, Rejected) else rows.good).append(school)
    return rows


def _school_format(header: list[str]) -> dict:
    for columns in SCHOOL_COLUMNS.values():
        required = [v for k, v in columns.items() if k not in ("address", "la")]
        if all(name in header for name in required):
            return columns
    raise UnreadableFile("This is not a GIAS or London Schools Atlas CSV: it needs the columns "
                         "URN, EstablishmentName, Easting, Northing ... or URN, SCHOOL_NAM, "
                         "EASTING, NORTHING ...")


def _school_row(number: int, record: dict, columns: dict) -> SchoolRow | Rejected:
    urn_text = _text(record.get(columns["urn"]))
    if not urn_text.isdigit():
        return Rejected(number, f"URN {urn_text!r} is not a number")
    name = _text(record.get(columns["name"]))
    if not name:
        return Rejected(number, f"URN {urn_text}: no school name")
    try:
        easting = float(record.get(columns["easting"]) or "")
        northing = float(record.get(columns["northing"]) or "")
    except ValueError:
        return Rejected(number, f"URN {urn_text}: no usable easting/northing")
    west, south, east, north = GB_BOUNDS_27700
    if not (west < easting < east and south < northing < north):
        return Rejected(number, f"URN {urn_text}: easting/northing outside Great Britain")
    address = ", ".join(p for p in (_text(record.get(c)) for c in columns["address"]) if p)
    return SchoolRow(number, int(urn_text), name[:200], _cell(record, columns["type"]),
                     _cell(record, columns["phase"]), _cell(record, columns["status"]),
                     normalise_postcode(record.get(columns["postcode"])), address[:300] or None,
                     easting, northing)


def _cell(record: dict, column: str) -> str | None:
    return _text(record.get(column))[:120] or None


# --- postcodes -----------------------------------------------------------------------------

POSTCODE_NAMES = ("pcds", "pcd", "pcd7", "pcd8", "postcode")
LAT_NAMES, LON_NAMES = ("lat", "latitude"), ("long", "lon", "longitude")
EAST_NAMES, NORTH_NAMES = ("oseast1m", "easting", "eastings"), ("osnrth1m", "northing",
                                                                 "northings")


@dataclass
class PostcodeRow:
    """A postcode and where it is: lon/lat, or easting/northing in EPSG:27700."""

    row: int
    postcode: str
    x: float
    y: float
    projected: bool


def count_lines(path: str | Path) -> int:
    """Lines in a file (for progress bars)."""
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def read_postcodes(path: str | Path) -> Iterator[PostcodeRow | Rejected | None]:
    """Postcodes from ONSPD-style (header) or Code-Point Open (no header) CSVs; None = skipped."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        first = next(reader, None)
        if first is None:
            return
        if normalise_postcode(first[0]) is not None:
            yield _codepoint_row(1, first)
            for number, record in enumerate(reader, start=2):
                yield _codepoint_row(number, record)
            return
        columns = _postcode_columns([c.strip().lower() for c in first])
        for number, record in enumerate(reader, start=2):
            yield _onspd_row(number, record, columns)


def _postcode_columns(header: list[str]) -> dict:
    def find(names):
        return next((header.index(n) for n in names if n in header), None)

    columns = {"postcode": find(POSTCODE_NAMES), "lat": find(LAT_NAMES),
               "lon": find(LON_NAMES), "east": find(EAST_NAMES), "north": find(NORTH_NAMES),
               "doterm": find(("doterm",))}
    has_lonlat = columns["lat"] is not None and columns["lon"] is not None
    has_grid = columns["east"] is not None and columns["north"] is not None
    if columns["postcode"] is None or not (has_lonlat or has_grid):
        raise UnreadableFile("The postcode CSV needs a postcode column (pcds or postcode) and "
                             "lat/long or easting/northing columns.")
    return columns


def _onspd_row(number: int, record: list[str], columns: dict):
    def cell(key):
        index = columns[key]
        return record[index].strip() if index is not None and index < len(record) else ""

    if cell("doterm"):
        return None
    postcode = normalise_postcode(cell("postcode"))
    if postcode is None:
        return Rejected(number, f"{cell('postcode')!r} is not a UK postcode")
    try:
        if columns["lat"] is not None and columns["lon"] is not None:
            lat, lon = float(cell("lat")), float(cell("lon"))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return PostcodeRow(number, postcode, lon, lat, projected=False)
        if columns["east"] is not None and columns["north"] is not None:
            return _grid_row(number, postcode, cell("east"), cell("north"))
    except ValueError:
        pass
    return Rejected(number, f"{postcode}: no location")


def _codepoint_row(number: int, record: list[str]):
    postcode = normalise_postcode(record[0] if record else "")
    if postcode is None:
        return Rejected(number, f"{(record or [''])[0]!r} is not a UK postcode")
    if len(record) < 4:
        return Rejected(number, f"{postcode}: no easting/northing")
    try:
        return _grid_row(number, postcode, record[2], record[3])
    except ValueError:
        return Rejected(number, f"{postcode}: no location")


def _grid_row(number: int, postcode: str, east: str, north: str):
    easting, northing = float(east), float(north)
    west, south, east_max, north_max = GB_BOUNDS_27700
    if not (west < easting < east_max and south < northing < north_max):
        return Rejected(number, f"{postcode}: no location")
    return PostcodeRow(number, postcode, easting, northing, projected=True)
