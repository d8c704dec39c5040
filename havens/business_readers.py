"""Read business open-data files (FHRS JSON/XML/GeoJSON, OpenStreetMap GeoJSON) into rows (pure)."""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from shapely.errors import ShapelyError
from shapely.geometry import shape

from core.places.postcodes import normalise_postcode
from core.places.readers import Rejected, Rows, UnreadableFile

BUSINESS_TYPES = ("shop", "takeaway", "cafe", "pharmacy", "library", "leisure", "other")
MAX_NAME, MAX_ADDRESS, MAX_ID = 200, 300, 40
ACCEPTED = ("Accepted formats: FHRS API JSON (an object with \"establishments\"), FHRS open-data "
            "XML (<FHRSEstablishment>), FHRS GeoJSON (features with an FHRSID property) or "
            "OpenStreetMap GeoJSON (features with ids like node/123, as overpass turbo exports).")

FHRS_TYPES = {"retailers - other": "shop", "retailers - supermarkets/hypermarkets": "shop",
              "takeaway/sandwich shop": "takeaway", "restaurant/cafe/canteen": "cafe"}
OSM_AMENITIES = {"pharmacy": "pharmacy", "library": "library", "cafe": "cafe",
                 "fast_food": "takeaway", "community_centre": "other"}
OSM_LEISURE = {"sports_centre", "fitness_centre", "leisure_centre"}
NOT_A_SHOP = {"", "no", "vacant", "disused"}
OSM_ID = re.compile(r"^(node|way|relation)/\d+$")
FHRS_ADDRESS = ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")


@dataclass
class Business:
    """One business found in an open-data file, located in lon/lat (EPSG:4326)."""

    row: int
    source: str
    source_id: str
    name: str
    business_type: str
    address: str | None
    postcode: str | None
    lon: float
    lat: float
    opening_hours: str | None = None


@dataclass
class _Record:
    """A record as found in the file, before validation; lon/lat are still raw values."""

    source: str
    source_id: str
    name: str
    business_type: str
    address: str | None
    postcode: str | None
    lon: object
    lat: object
    opening_hours: str | None = None

    @property
    def label(self) -> str:
        return f"FHRSID {self.source_id}" if self.source == "fhrs" else self.source_id


def read_businesses(path: str | Path) -> Rows:
    """Businesses from FHRS (API JSON, open-data XML, GeoJSON) or OpenStreetMap GeoJSON files."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"Cannot read {path}: {exc}") from exc
    return _collect(_records(data))


def _records(data: bytes) -> list[_Record | None]:
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _fhrs_xml(data)
    doc = _json(data)
    if isinstance(doc, dict) and isinstance(doc.get("establishments"), list):
        return [_fhrs_api(_dict(item)) for item in doc["establishments"]]
    features = doc.get("features") if isinstance(doc, dict) else None
    if isinstance(features, list) and doc.get("type") == "FeatureCollection":
        records = _geojson_records([_dict(feature) for feature in features])
        if records is not None:
            return records
    raise UnreadableFile(f"This is not a business file we can read. {ACCEPTED}")


def _geojson_records(features: list[dict]) -> list[_Record | None] | None:
    if not features:  # e.g. an overpass query that found nothing
        return []
    if any("FHRSID" in _dict(feature.get("properties")) for feature in features):
        return [_fhrs_feature(feature) for feature in features]
    if any(_osm_id(feature, _osm_tags(feature)) for feature in features):
        return [_osm_feature(feature) for feature in features]
    return None


def _json(data: bytes):
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnreadableFile(f"This file is neither JSON nor XML. {ACCEPTED}") from exc


def _collect(records: Iterable[_Record | None]) -> Rows:
    rows, first_at = Rows(), {}
    for number, record in enumerate(records, start=1):
        if record is None:
            rows.skipped += 1
            continue
        result = _business(number, record)
        if isinstance(result, Business) and result.source_id in first_at:
            first = first_at[result.source_id]
            result = Rejected(number, f"duplicate {record.label} (first at row {first})")
        elif isinstance(result, Business):
            first_at[result.source_id] = number
        (rows.good if isinstance(result, Business) else rows.rejected).append(result)
    return rows


def _business(number: int, record: _Record) -> Business | Rejected:
    if not record.source_id:
        kind = "FHRSID" if record.source == "fhrs" else "OSM id"
        return Rejected(number, f"row {number}: no {kind}")
    if len(record.source_id) > MAX_ID:
        return Rejected(number, f"row {number}: id longer than {MAX_ID} characters")
    checked = _name_problem(record.name) or _coordinates(record.lon, record.lat)
    if isinstance(checked, str):
        return Rejected(number, f"{record.label}: {checked}")
    lon, lat = checked
    return Business(number, record.source, record.source_id, record.name, record.business_type,
                    record.address, record.postcode, lon, lat, record.opening_hours)


def _name_problem(name: str) -> str | None:
    if not name:
        return "no name"
    return f"name longer than {MAX_NAME} characters" if len(name) > MAX_NAME else None


def _coordinates(lon_raw, lat_raw) -> tuple[float, float] | str:
    lon_text, lat_text = _text(lon_raw), _text(lat_raw)
    if not lon_text or not lat_text:
        return "no location"
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        return f"coordinates {lon_text[:30]!r}, {lat_text[:30]!r} are not numbers"
    if lon == 0 and lat == 0:  # FHRS writes 0, 0 when it does not know the place
        return "no location"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # also false for NaN
        return f"coordinates {lon}, {lat} are outside the world"
    if -10 <= lat <= 3 and 49 <= lon <= 61:  # Great Britain with the axes the wrong way round
        return "latitude and longitude look swapped"
    return lon, lat


# --- FHRS ----------------------------------------------------------------------------------

def _fhrs_api(item: dict) -> _Record:
    geocode = _dict(item.get("geocode"))
    address = _join(item.get(line) for line in FHRS_ADDRESS)
    return _fhrs_record(item, address, geocode.get("longitude"), geocode.get("latitude"))


def _fhrs_feature(feature: dict) -> _Record:
    properties = _dict(feature.get("properties"))
    lon, lat = _point(feature.get("geometry"))
    return _fhrs_record(properties, _join([properties.get("Address")]), lon, lat)


def _fhrs_xml(data: bytes) -> list[_Record]:
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise UnreadableFile("This XML file declares a DTD or entities, which are refused "
                             f"for safety. {ACCEPTED}") from exc
    except ParseError as exc:
        raise UnreadableFile(f"This XML file is not well-formed ({exc}). {ACCEPTED}") from exc
    if root.tag != "FHRSEstablishment":
        raise UnreadableFile(f"This XML file is not an FHRS open-data file. {ACCEPTED}")
    return [_xml_record(detail) for detail in root.iter("EstablishmentDetail")]


def _xml_record(detail) -> _Record:
    fields = {child.tag: child.text for child in detail}
    address = _join(fields.get(line) for line in FHRS_ADDRESS)
    lon, lat = detail.findtext("Geocode/Longitude"), detail.findtext("Geocode/Latitude")
    return _fhrs_record(fields, address, lon, lat)


def _fhrs_record(fields: dict, address: str | None, lon, lat) -> _Record:
    business_type = FHRS_TYPES.get(_text(fields.get("BusinessType")).lower(), "other")
    return _Record("fhrs", _text(fields.get("FHRSID")), _text(fields.get("BusinessName")),
                   business_type, address, normalise_postcode(_text(fields.get("PostCode"))),
                   lon, lat)


# --- OpenStreetMap -------------------------------------------------------------------------

def _osm_feature(feature: dict) -> _Record | None:
    tags = _osm_tags(feature)
    business_type = _osm_type(tags)
    if business_type is None:
        return None
    lon, lat = _point(feature.get("geometry"))
    hours = tags.get("opening_hours")
    return _Record("osm", _osm_id(feature, tags), _text(tags.get("name")), business_type,
                   _osm_address(tags), normalise_postcode(_text(tags.get("addr:postcode"))),
                   lon, lat, (hours.strip() or None) if isinstance(hours, str) else None)


def _osm_tags(feature: dict) -> dict:
    # osmtogeojson without flattening nests the tags under properties.tags
    properties = _dict(feature.get("properties"))
    return {**properties, **_dict(properties.get("tags"))}


def _osm_id(feature: dict, tags: dict) -> str:
    for candidate in (feature.get("id"), tags.get("@id"), tags.get("id")):
        if OSM_ID.match(_text(candidate)):
            return _text(candidate)
    number, kind = _text(tags.get("id")), _text(tags.get("type"))
    return f"{kind}/{number}" if OSM_ID.match(f"{kind}/{number}") else ""


def _osm_type(tags: dict) -> str | None:
    amenity, shop = _text(tags.get("amenity")).lower(), _text(tags.get("shop")).lower()
    if shop == "chemist":
        return "pharmacy"
    if amenity in OSM_AMENITIES:
        return OSM_AMENITIES[amenity]
    if _text(tags.get("leisure")).lower() in OSM_LEISURE:
        return "leisure"
    return None if shop in NOT_A_SHOP else "shop"


def _osm_address(tags: dict) -> str | None:
    street = _join([tags.get("addr:housenumber"), tags.get("addr:street")], " ")
    return _join([tags.get("addr:housename"), street, tags.get("addr:city")])


# --- helpers -------------------------------------------------------------------------------

def _point(geometry) -> tuple[object, object]:
    geometry = _dict(geometry)
    if geometry.get("type") == "Point":
        coordinates = geometry.get("coordinates")
        ok = isinstance(coordinates, list) and len(coordinates) >= 2
        return (coordinates[0], coordinates[1]) if ok else (None, None)
    try:
        point = shape(geometry).representative_point()
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None, None
    return (None, None) if point.is_empty else (point.x, point.y)


def _join(parts: Iterable, separator: str = ", ") -> str | None:
    return separator.join(text for text in map(_text, parts) if text)[:MAX_ADDRESS] or None


def _text(value) -> str:
    """A value as one trimmed line; lists and objects count as missing."""
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
