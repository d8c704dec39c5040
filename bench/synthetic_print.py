"""What printed haven maps need on top of the synthetic borough (pure, EPSG:27700): more schools,
up to a hundred, and a vector basemap of the bench square with its margin, made by the demo's
suburb generator (core.demo.suburb) and written as the OSM-style GeoJSON `flask import basemap`
reads.

Drawn from their own random streams, so a seed's pupil maps and havens stay the same.
"""

import json
import math
import random
from pathlib import Path

from shapely.geometry import Point, box

from bench.synthetic import CENTRE, HALF_SIDE_M
from core.demo import suburb

SCHOOL_SPACING_M, EDGE_MARGIN_M = 250.0, 300.0
BASEMAP_NAME = "Bench suburb (synthetic)"


def extra_schools(seed: int, schools: list[dict], total: int) -> list[dict]:
    """Schools after the given ones, up to `total`, in the square at least 250 m from any other
    (Lewisham has about 90 schools in 35 km²), ids and URNs following on; primaries mostly."""
    rng = random.Random(seed * 6_151 + 23)
    taken = [school["location"].coords[0] for school in schools]
    added = []
    for number in range(len(schools) + 1, total + 1):
        xy = _free_spot(rng, taken)
        taken.append(xy)
        added.append({"id": number, "urn": 990_000 + number, "name": f"Bench School {number}",
                      "phase": "Secondary" if rng.random() < 0.2 else "Primary",
                      "location": Point(xy)})
    return added


def _free_spot(rng: random.Random, taken: list[tuple[float, float]]) -> tuple[float, float]:
    reach = HALF_SIDE_M - EDGE_MARGIN_M
    while True:
        xy = (CENTRE[0] + rng.uniform(-reach, reach), CENTRE[1] + rng.uniform(-reach, reach))
        if all(math.dist(xy, other) >= SCHOOL_SPACING_M for other in taken):
            return xy


def basemap(seed: int, schools: list[dict]) -> dict:
    """Streets, paths, parks, water and a railway over the square and 1.5 km round it, with
    grounds round every school: a FeatureCollection in EPSG:27700 with OSM tags."""
    square = box(CENTRE[0] - HALF_SIDE_M, CENTRE[1] - HALF_SIDE_M,
                 CENTRE[0] + HALF_SIDE_M, CENTRE[1] + HALF_SIDE_M)
    features = suburb.basemap_features(random.Random(seed * 7_907 + 300), square,
                                       [school["location"] for school in schools])
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
            "features": features}


def write_basemap(collection: dict, folder: Path) -> Path:
    """The basemap as a GeoJSON file in the folder."""
    path = folder / "bench-basemap.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path
