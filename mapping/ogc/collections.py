"""The four layers: what each holds, who may read it and which attributes can be filtered (pure)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attribute:
    """One published attribute: its JSON type, and whether filters may use it."""

    type: str  # string, integer, number or date
    title: str
    queryable: bool = True


@dataclass(frozen=True)
class Collection:
    """One feature collection."""

    id: str
    title: str
    description: str
    geometry: str  # the JSON Schema format of its geometry (geometry-point, ...)
    attributes: dict[str, Attribute]
    restricted: bool = False  # planners and admins only, their own borough
    temporal: bool = False  # features have a term_start/term_end period
    in_work_crs: bool = False  # stored in WORK_SRID rather than lon/lat
    id_type: type = int
    keywords: tuple[str, ...] = field(default_factory=tuple)

    def queryables(self) -> dict[str, Attribute]:
        """The attributes a filter may name."""
        return {name: a for name, a in self.attributes.items() if a.queryable}


TIME = {"term": Attribute("string", "Term (e.g. 2026-autumn, or all for all terms together)"),
        "term_start": Attribute("date", "First day of the term"),
        "term_end": Attribute("date", "Last day of the term"),
        "cell_m": Attribute("integer", "Hexagon size in metres (100, 150 or 250)")}

HAVENS = Collection(
    "havens", "Safe Havens",
    "Active Safe Havens: shops and places a scared child can walk into, marked by a window "
    "sticker. Public details only.",
    "geometry-point",
    {"name": Attribute("string", "Name"),
     "business_type": Attribute("string", "Kind of place (shop, takeaway, cafe, pharmacy, "
                                          "library, leisure, other)"),
     "address": Attribute("string", "Address"),
     "postcode": Attribute("string", "Postcode"),
     "opening_hours": Attribute("string", "Opening hours (OpenStreetMap opening_hours syntax)",
                                queryable=False),
     "borough": Attribute("string", "Borough code (ONS)")},
    keywords=("safe havens", "children", "community safety"))

SCHOOLS = Collection(
    "schools", "Schools",
    "Schools from the Department for Education's register (id is the URN).",
    "geometry-point",
    {"name": Attribute("string", "Name"),
     "phase": Attribute("string", "Phase of education"),
     "type": Attribute("string", "Type of establishment"),
     "status": Attribute("string", "Open or closed"),
     "address": Attribute("string", "Address"),
     "postcode": Attribute("string", "Postcode"),
     "borough": Attribute("string", "Borough code (ONS)")},
    keywords=("schools",))

HEAT_CELLS = Collection(
    "heat_cells", "Where pupils feel unsafe and safe (published hexagons)",
    "Hexagons where enough pupils from enough schools marked places as unsafe or safe, per "
    "term (and all terms together) and hexagon size. Counts are rounded to 5; a count is null "
    "where too few pupils marked it to publish. unsafe_rate and safe_rate are the shares of the "
    "pupils who could have marked the hexagon (coverage); net is (unsafe - safe) / coverage.",
    "geometry-polygon",
    {"borough": Attribute("string", "Borough code (ONS)"), **TIME,
     "unsafe_pupils": Attribute("integer", "Pupils who marked it unsafe (rounded to 5)"),
     "safe_pupils": Attribute("integer", "Pupils who marked it safe (rounded to 5)"),
     "coverage": Attribute("integer", "Pupils who could have marked it (rounded to 5)"),
     "unsafe_rate": Attribute("number", "Share of those pupils who marked it unsafe (0-1)"),
     "safe_rate": Attribute("number", "Share of those pupils who marked it safe (0-1)"),
     "net": Attribute("number", "(unsafe - safe) / coverage, from -1 (safe) to 1 (unsafe)")},
    restricted=True, temporal=True, in_work_crs=True, id_type=str,
    keywords=("heatmap", "perception of safety", "young people"))

HOTSPOTS = Collection(
    "hotspots", "Hot spots (ranked areas where pupils feel unsafe)",
    "Areas where pupils' unsafe marks cluster (Getis-Ord Gi*, 90 % confidence or more after "
    "correcting for many tests), ranked as on the planners' hot spots page, per term (and all "
    "terms together) and hexagon size.",
    "geometry-multipolygon",
    {"borough": Attribute("string", "Borough code (ONS)"), **TIME,
     "rank": Attribute("integer", "Rank (1 = first to patrol)"),
     "confidence": Attribute("integer", "Confidence of the cluster (90, 95 or 99 %)"),
     "peak_z": Attribute("number", "Strongest Gi* z-score in the area"),
     "pupils": Attribute("integer", "Pupils who marked the area unsafe (rounded to 5; null "
                                    "when too few to publish)"),
     "schools": Attribute("integer", "Schools those pupils come from"),
     "top_reasons": Attribute("string", "Most common reasons given"),
     "peak_time": Attribute("string", "Time of day most often given"),
     "visits": Attribute("string", "Suggested patrol pattern"),
     "cells": Attribute("integer", "Hexagons in the area"),
     "area_ha": Attribute("number", "Area in hectares"),
     "ward": Attribute("string", "Ward"),
     "nearest_haven": Attribute("string", "Nearest active Safe Haven"),
     "haven_distance_m": Attribute("integer", "Distance to it in metres"),
     "haven_open_at_peak": Attribute("string", "Whether it is open at the peak time")},
    restricted=True, temporal=True, in_work_crs=True, id_type=str,
    keywords=("hot spots", "patrol", "young people"))

ALL = {c.id: c for c in (HAVENS, SCHOOLS, HEAT_CELLS, HOTSPOTS)}
