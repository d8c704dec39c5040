"""Where pupils' published perception and police-recorded crime agree and disagree (pure).

Each hexagon with a published unsafe share or with recorded crime is *high* or *low* on each
measure. High for pupils: its published share of pupils who feel unsafe is in the top third of
the borough's published hexagons. High for crime: its number of recorded crimes is in the top
third of the borough's hexagons with any recorded crime. Everything else is low, including a
hexagon with no published answer (too few pupils marked it, or none were asked) and one with
no crime. Only published (suppressed, rounded) pupil numbers come in here.
"""

import json
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import shapely
from shapely.geometry import shape

from core.exports import csv_text

Cell = tuple[int, int]
SEASON_MONTHS = {"autumn": range(9, 13), "spring": range(1, 4), "summer": range(4, 9)}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


@dataclass(frozen=True)
class Category:
    """One of the four answers, with how it is drawn (a colour and an outline pattern, so the
    map does not rely on colour alone)."""

    key: str
    label: str
    meaning: str
    colour: str
    dash: str | None
    weight: float


CATEGORIES = (
    Category("both_high", "Both high",
             "Many pupils feel unsafe here and many crimes are recorded.", "#7b3294", None, 3),
    Category("pupils_high", "Pupils feel unsafe, few crimes recorded",
             "Many pupils feel unsafe here, but police record few or no crimes.",
             "#e66101", "6 4", 3),
    Category("crimes_high", "Crimes recorded, pupils did not mark it",
             "Police record many crimes here, but few pupils marked it as unsafe (or too few "
             "to show, or no pupils were asked about it).", "#0571b0", "2 4", 3),
    Category("both_low", "Both low",
             "Few crimes recorded and few pupils feel unsafe here.", "#bdbdbd", None, 1),
)
BY_KEY = {c.key: c for c in CATEGORIES}
DISAGREEING = ("pupils_high", "crimes_high")


@dataclass
class Comparison:
    """The classified cells and the two thresholds the rule found."""

    cells: list[dict]
    rate_at_least: float | None  # a published share at least this is high for pupils
    crimes_at_least: int | None  # at least this many crimes is high for crime
    published_cells: int
    crime_cells: int


def months_of_term(term: str) -> list[date]:
    """The calendar months a term spans: '2026-autumn' -> September to December 2026."""
    year, season = term.split("-")
    return [date(int(year), month, 1) for month in SEASON_MONTHS[season]]


def month_of(text: str) -> date:
    """'2026-09' -> 1 September 2026."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def months_label(months: list[date]) -> str:
    """'September to December 2026' for a run of months, or how many months there are."""
    if not months:
        return "no months"
    first, last = min(months), max(months)
    if len(months) == 1:
        return f"{MONTH_NAMES[first.month - 1]} {first.year}"
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span != len(set(months)):
        return f"{len(set(months))} months from {MONTH_NAMES[first.month - 1]} {first.year} " \
               f"to {MONTH_NAMES[last.month - 1]} {last.year}"
    start = MONTH_NAMES[first.month - 1] + ("" if first.year == last.year else f" {first.year}")
    return f"{start} to {MONTH_NAMES[last.month - 1]} {last.year}"


def top_third(values: list[float]) -> float | None:
    """The smallest value still in the top third (at least a third of the values reach it;
    ties at the line are all in). None when there are no values."""
    if not values:
        return None
    ordered = sorted(values, reverse=True)
    return ordered[math.ceil(len(ordered) / 3) - 1]


def share_at_or_below(value: float, values: list[float]) -> float:
    """The share of values that are at most this one (1.0 for the highest)."""
    return sum(1 for v in values if v <= value) / len(values) if values else 0.0


def classify(published: list[dict], crimes: dict[Cell, dict]) -> Comparison:
    """Every cell with a published unsafe share or with crime, put in one of the four
    categories, with how far apart its place in the two rankings is (0 to 1)."""
    shares = {(c["i"], c["j"]): c for c in published if c.get("rate") is not None}
    rates = [c["rate"] for c in shares.values()]
    counts = [c["crimes"] for c in crimes.values() if c["crimes"] > 0]
    rate_line, crime_line = top_third(rates), top_third(counts)
    cells = []
    for key in sorted(shares.keys() | crimes.keys()):
        seen, crime = shares.get(key), crimes.get(key) or {"crimes": 0, "place": None}
        pupils_high = seen is not None and seen["rate"] >= rate_line
        crimes_high = crime["crimes"] > 0 and crime["crimes"] >= crime_line
        pupils_rank = share_at_or_below(seen["rate"], rates) if seen else 0.0
        crimes_rank = share_at_or_below(crime["crimes"], counts) if crime["crimes"] else 0.0
        cells.append({
            "i": key[0], "j": key[1], "category": _category(pupils_high, crimes_high),
            "pupils": seen["pupils"] if seen else None,
            "coverage": seen["coverage"] if seen else None,
            "rate": seen["rate"] if seen else None,
            "crimes": crime["crimes"], "place": crime["place"],
            "disagreement": round(abs(pupils_rank - crimes_rank), 2)})
    return Comparison(cells, rate_line, crime_line, len(rates), len(counts))


def _category(pupils_high: bool, crimes_high: bool) -> str:
    if pupils_high and crimes_high:
        return "both_high"
    if pupils_high:
        return "pupils_high"
    return "crimes_high" if crimes_high else "both_low"


def top_disagreements(features: list[dict], limit: int = 10) -> list[dict]:
    """The hexagons (GeoJSON features) where pupils and recorded crime disagree most."""
    def order(feature: dict) -> tuple:
        p = feature["properties"]
        return -p["disagreement"], -(p["rate"] or 0), -p["crimes"], feature["id"]

    disagreeing = [f for f in features if f["properties"]["category"] in DISAGREEING]
    return sorted(disagreeing, key=order)[:limit]


def cell_sentence(cell: dict) -> str:
    """One cell's numbers in plain words (the place name is police.uk's text: escape it)."""
    if cell["rate"] is not None:
        pupils = (f"About {cell['pupils']} of {cell['coverage']} pupils "
                  f"({round(cell['rate'] * 100)}%) feel unsafe here.")
    else:
        pupils = "Not enough pupils' answers here to show."
    crimes = {0: "No crimes recorded", 1: "1 crime recorded"}.get(
        cell["crimes"], f"{cell['crimes']} crimes recorded")
    where = f" ({cell['place']})" if cell.get("place") else ""
    return f"{pupils} {crimes}{where}."


def counts_by_category(cells: list[dict]) -> dict[str, int]:
    """How many cells fall in each category, in legend order."""
    return {c.key: sum(1 for cell in cells if cell["category"] == c.key) for c in CATEGORIES}


def legend() -> list[dict]:
    """The categories for templates and scripts, in legend order."""
    return [{"key": c.key, "label": c.label, "meaning": c.meaning, "colour": c.colour,
             "dash": c.dash, "weight": c.weight} for c in CATEGORIES]


def feature_collection(comparison: Comparison, shapes: dict[Cell, str], *, resolution: int,
                       filters: dict, months: list[date], months_with_crimes: list[date]) -> dict:
    """The classified cells as GeoJSON (lon/lat hexagons), with the rule's thresholds."""
    features = []
    for cell in comparison.cells:
        properties = {k: v for k, v in cell.items() if k not in ("i", "j")}
        category = BY_KEY[cell["category"]]
        properties.update(cell_m=resolution, category_label=category.label,
                          summary=cell_sentence(cell))
        features.append({"type": "Feature", "id": f"{resolution}:{cell['i']}:{cell['j']}",
                         "geometry": json.loads(shapes[(cell["i"], cell["j"])]),
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features, "filters": filters,
            "months": [f"{m:%Y-%m}" for m in months],
            "months_with_crimes": [f"{m:%Y-%m}" for m in months_with_crimes],
            "rule": {"rate_at_least": comparison.rate_at_least,
                     "crimes_at_least": comparison.crimes_at_least,
                     "published_cells": comparison.published_cells,
                     "crime_cells": comparison.crime_cells},
            "categories": counts_by_category(comparison.cells)}


CSV_COLUMNS = ["cell_id", "cell_m", "term", "crime_type", "category", "category_label",
               "pupils", "coverage", "rate", "crimes", "place", "disagreement", "lon", "lat",
               "wkt"]


def comparison_csv(collection: dict) -> str:
    """The comparison as CSV, one row per hexagon with its outline as WKT (formula-safe)."""
    filters = collection.get("filters") or {}
    rows = []
    for feature in collection["features"]:
        hexagon = shape(feature["geometry"])
        centre = hexagon.centroid
        rows.append({**feature["properties"], "cell_id": feature["id"],
                     "term": filters.get("term"), "crime_type": filters.get("type"),
                     "lon": Decimal(f"{centre.x:.6f}"), "lat": Decimal(f"{centre.y:.6f}"),
                     "wkt": shapely.to_wkt(hexagon, rounding_precision=7)})
    return csv_text(CSV_COLUMNS, rows)
