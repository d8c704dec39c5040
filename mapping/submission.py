"""Read, check and repair one pupil's map: a GeoJSON FeatureCollection (RFC 7946) of zones.

Pure: no Flask, no database. Every refusal is a SubmissionError whose message a pupil can act on.
The geometry work (in work_srid metres, never degrees) is in mapping.shapes.
"""

import json
import math
import unicodedata
from dataclasses import dataclass
from typing import NoReturn

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from core.text import BIDI_CONTROLS
from mapping.shapes import (
    MAX_VERTICES,
    MIN_AREA_M2,
    MIN_INSIDE_FRACTION,
    ROUTE_HALF_WIDTH_M,
    SPOT_RADIUS_M,
    ShapeError,
    map_area_in_metres,
    read_geometry,
    stored_area,
)
from mapping.vocabulary import KINDS, SUGGESTIONS, TIMES, reasons_for

__all__ = ["MAX_BODY_BYTES", "MAX_COMMENT", "MAX_OTHER", "MAX_VERTICES", "MAX_ZONES",
           "MIN_AREA_M2", "MIN_INSIDE_FRACTION", "ROUTE_HALF_WIDTH_M", "SPOT_RADIUS_M",
           "CleanZone", "SubmissionError", "clean_map", "parse_body"]

MAX_BODY_BYTES = 256 * 1024
MAX_ZONES = 50
MAX_COMMENT = 300
MAX_OTHER = 200

PROPERTIES = ("kind", "reasons", "times", "suggestions", "suggestion_other", "comment", "place")
UNREADABLE = "Your map could not be read. Please try sending it again."


class SubmissionError(ValueError):
    """A map that cannot be stored: .message is for the pupil; .zone is 1-based or None."""

    def __init__(self, message: str, zone: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.zone = zone
        self.field = field


@dataclass(frozen=True)
class CleanZone:
    """One checked zone, ready to store."""

    number: int
    kind: str
    shape: str
    drawn: BaseGeometry | None
    area: MultiPolygon | None
    reasons: tuple[str, ...]
    times: tuple[str, ...]
    suggestions: tuple[str, ...]
    suggestion_other: str | None
    comment: str | None
    place_id: int | None


@dataclass(frozen=True)
class _MapArea:
    work_srid: int
    inside: MultiPolygon  # the area of interest in work_srid
    place_ids: frozenset[int]


# ---- the request body -------------------------------------------------------------------------

def _refuse_number(text: str) -> NoReturn:
    raise SubmissionError("Your map has a number that is too big or not a number. "
                          "Please try sending it again.", field="body")


def _finite_float(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else _refuse_number(text)


def _small_int(text: str) -> int:
    # No coordinate or place id needs more than 18 digits; int() of thousands is slow.
    return int(text) if len(text.lstrip("-")) <= 18 else _refuse_number(text)


def parse_body(raw: bytes) -> dict:
    """The JSON object in a request body; refuses big, non-UTF-8, non-JSON and non-finite bodies."""
    if len(raw) > MAX_BODY_BYTES:
        raise SubmissionError("Your map is too big to send. Try drawing fewer or simpler shapes.",
                              field="body")
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_refuse_number,
                         parse_float=_finite_float, parse_int=_small_int)
    except SubmissionError:
        raise
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested absurdly deep
        raise SubmissionError(UNREADABLE, field="body") from None
    if not isinstance(doc, dict):
        raise SubmissionError(UNREADABLE, field="body")
    return doc


# ---- the collection ---------------------------------------------------------------------------

def clean_map(doc: dict, *, area_of_interest: Polygon | MultiPolygon, work_srid: int = 27700,
              place_ids: frozenset[int] = frozenset()) -> list[CleanZone]:
    """The checked, repaired zones of one pupil's map; SubmissionError for the first problem."""
    features = _features(doc)
    where = _MapArea(work_srid, map_area_in_metres(area_of_interest, work_srid), place_ids)
    return [_clean_zone(feature, number, where) for number, feature in enumerate(features, 1)]


def _features(doc) -> list:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise SubmissionError(UNREADABLE, field="type")
    _refuse_crs(doc, None)
    features = doc.get("features")
    if not isinstance(features, list):
        raise SubmissionError(UNREADABLE, field="features")
    if not features:
        raise SubmissionError("Draw at least one place before you send your map.",
                              field="features")
    if len(features) > MAX_ZONES:
        raise SubmissionError(f"Your map has more than {MAX_ZONES} zones. "
                              f"Send {MAX_ZONES} or fewer.", field="features")
    return features


def _refuse_crs(member: dict, zone: int | None) -> None:
    # RFC 7946 dropped "crs": coordinates are always WGS 84 longitude, latitude.
    if "crs" in member:
        raise SubmissionError("Maps must use ordinary longitude and latitude. "
                              "Please try sending it again.", zone=zone, field="crs")


# ---- one zone ---------------------------------------------------------------------------------

def _zone_error(number: int, field: str, message: str) -> SubmissionError:
    return SubmissionError(message, zone=number, field=field)


def _clean_zone(feature, number: int, where: _MapArea) -> CleanZone:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _zone_error(number, "feature", f"Zone {number} could not be read. "
                                             "Please draw it again.")
    _refuse_crs(feature, number)
    props = _properties(feature, number)
    answers = _answers(props, number)  # cheap checks before the geometry work
    place_id, shape, drawn, area = _where(feature, props.get("place"), number, where)
    return CleanZone(number=number, shape=shape, drawn=drawn, area=area, place_id=place_id,
                     **answers)


def _answers(props: dict, number: int) -> dict:
    kind = _kind(props, number)
    suggestions = _choices(props, "suggestions", SUGGESTIONS, number)
    return {
        "kind": kind,
        "reasons": _reasons(props, kind, number),
        "times": _choices(props, "times", TIMES, number,
                          empty=f"Zone {number}: say when it feels {kind}. "
                                "Choose at least one time."),
        "suggestions": suggestions,
        "suggestion_other": _suggestion_other(props, suggestions, number),
        "comment": _text(props, "comment", MAX_COMMENT, number, multiline=True),
    }


def _properties(feature: dict, number: int) -> dict:
    props = feature.get("properties")
    props = {} if props is None else props
    if not isinstance(props, dict):
        raise _zone_error(number, "properties", f"Zone {number} could not be read. "
                                                "Please draw it again.")
    unknown = sorted(str(key) for key in props if key not in PROPERTIES)
    if unknown:
        name = _clean_text(unknown[0], multiline=False)[:40]
        raise _zone_error(number, "properties",
                          f'Zone {number} has an answer we do not know: "{name}".')
    return props


def _kind(props: dict, number: int) -> str:
    kind = props.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise _zone_error(number, "kind",
                          f"Zone {number}: choose whether this place feels safe or unsafe.")
    return kind


# ---- answers ----------------------------------------------------------------------------------

def _choices(props: dict, field: str, allowed: dict, number: int, empty: str = "") -> tuple:
    """The chosen keys in order without repeats; `empty` is the message when one is required."""
    value = props.get(field)
    value = [] if value is None else value
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        noun = {"suggestions": "ideas"}.get(field, field)
        raise _zone_error(number, field, f"Zone {number}: choose the {noun} from the list.")
    if empty and not value:
        raise _zone_error(number, field, empty)
    return tuple(dict.fromkeys(value))


def _reasons(props: dict, kind: str, number: int) -> tuple[str, ...]:
    mine = reasons_for(kind)
    other_kind = "safe" if kind == "unsafe" else "unsafe"
    theirs = reasons_for(other_kind)
    value = props.get("reasons")
    wrong = [r for r in value if isinstance(r, str) and r in theirs and r not in mine] \
        if isinstance(value, list) else []
    if wrong:
        raise _zone_error(number, "reasons", f'Zone {number}: "{theirs[wrong[0]]}" is a reason '
                          f"for {other_kind} places. Choose a reason for {kind} places.")
    return _choices(props, "reasons", mine, number,
                    empty=f"Zone {number}: say why it feels {kind}. Choose at least one reason.")


def _clean_text(value: str, *, multiline: bool) -> str:
    """The text without control characters (and without line breaks unless multiline), trimmed."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text if multiline else text.replace("\n", " ")
    kept = (c for c in text if c == "\n" or (c not in BIDI_CONTROLS
                                              and unicodedata.category(c) not in ("Cc", "Cs")))
    return unicodedata.normalize("NFC", "".join(kept)).strip()


def _text(props: dict, field: str, limit: int, number: int, *, multiline: bool) -> str | None:
    noun = {"comment": "your comment", "suggestion_other": "your own idea"}[field]
    value = props.get(field)
    if value is not None and not isinstance(value, str):
        raise _zone_error(number, field, f"Zone {number}: {noun} could not be read. "
                                         "Please type it again.")
    text = _clean_text(value or "", multiline=multiline)
    if len(text) > limit:
        raise _zone_error(number, field, f"Zone {number}: {noun} is too long. "
                                         f"Use {limit} characters or fewer.")
    return text or None


def _suggestion_other(props: dict, suggestions: tuple, number: int) -> str | None:
    # The page hides the box when "other" is unticked, so text left in it is not meant.
    text = _text(props, "suggestion_other", MAX_OTHER, number, multiline=False)
    return text if "other" in suggestions else None


# ---- where --------------------------------------------------------------------------------------

def _where(feature: dict, place, number: int, where: _MapArea) -> tuple:
    """(place_id, shape, drawn, area) for a named place or a drawn shape."""
    geometry = feature.get("geometry")
    if place is not None:
        if geometry is not None:
            raise _zone_error(number, "place", f"Zone {number}: choose a named place or draw "
                                               "a shape, not both.")
        if not isinstance(place, int) or isinstance(place, bool) or place not in where.place_ids:
            raise _zone_error(number, "place", f"Zone {number}: that place is not on this map. "
                                               "Choose a place from the list.")
        return place, "place", None, None
    if geometry is None:
        raise _zone_error(number, "geometry", f"Zone {number} has no shape. Draw it on the map "
                                              "or choose a named place.")
    if isinstance(geometry, dict):
        _refuse_crs(geometry, number)
    try:
        shape, drawn = read_geometry(geometry)
        return None, shape, drawn, stored_area(drawn, where.work_srid, where.inside)
    except ShapeError as error:
        raise _zone_error(number, "geometry", f"Zone {number}{error.tail}") from None
