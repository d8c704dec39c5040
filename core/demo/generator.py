"""A fictional demo borough, reproducible from a seed, written as ordinary open-data files (pure).

The files have the same shape as the real downloads (ONS boundaries in EPSG:27700, a GIAS
schools CSV, an ONSPD-style postcode CSV, an OpenStreetMap-style basemap GeoJSON), so the demo
goes through the real importers.
"""

import csv
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping

from core.demo.suburb import basemap_features

BOROUGH_CODE = "E99999999"
BOROUGH_NAME = "Havenbridge (demo)"
CENTRE_27700 = (537_800.0, 174_300.0)  # south-east London, so basemap streets look real
RADIUS_M = 2_600.0

WARD_NAMES = ["Brookside", "Castle Hill", "Elmstead", "Foxgrove", "Hatherley", "Kingsmead",
              "Marlowe", "Northgate", "Ravensbourne", "St Anne's", "Thornbury", "Westcombe"]
SCHOOL_STEMS = ["Brookfield", "Cedar Lane", "Hillside", "Kestrel", "Larkspur", "Meadowbank",
                "Oakwood", "Pinewood", "Riverside", "Rowan Park", "St Luke's", "Summerfield",
                "Thistle Hill", "Willowbrook", "Ashgrove", "Beacon", "Foxhill", "Greenway",
                "Hollybush", "Millbrook", "Orchard", "Queensway", "Springvale", "Windmill"]
STREETS = ["High Street", "Station Road", "Church Lane", "Park Road", "Mill Lane", "Albert Road",
           "Victoria Road", "Green Lane", "Manor Road", "Grove Park", "Elm Road", "Hill Rise"]


@dataclass
class DemoFiles:
    """Paths of the generated files."""

    boroughs: Path
    wards: Path
    schools: Path
    postcodes: Path
    basemap: Path


def boundary(rng: random.Random) -> Polygon:
    """An irregular, borough-sized polygon around the demo centre (EPSG:27700)."""
    cx, cy = CENTRE_27700
    points, steps = [], 36
    wobble = [rng.uniform(0.8, 1.15) for _ in range(6)]
    for i in range(steps):
        angle = 2 * math.pi * i / steps
        radius = RADIUS_M * (wobble[i * 6 // steps] + rng.uniform(-0.04, 0.04))
        points.append((cx + radius * math.cos(angle), cy + radius * 1.2 * math.sin(angle)))
    return Polygon(points).buffer(0)


def random_points(rng: random.Random, area: Polygon, count: int, spacing_m: float) -> list[Point]:
    """Points inside the area, at least spacing_m apart."""
    west, south, east, north = area.bounds
    chosen: list[Point] = []
    for _ in range(count * 200):
        candidate = Point(rng.uniform(west, east), rng.uniform(south, north))
        if area.contains(candidate) and all(candidate.distance(p) >= spacing_m for p in chosen):
            chosen.append(candidate)
            if len(chosen) == count:
                break
    return chosen


def wards(rng: random.Random, area: Polygon, count: int) -> list[Polygon]:
    """The area split into wards (Voronoi cells of random seeds, clipped to the area)."""
    seeds = random_points(rng, area, count, spacing_m=700)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area.buffer(500))
    return [cell.intersection(area) for cell in cells.geoms if cell.intersects(area)]


def _feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
            "features": features}


def _write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def _postcode(rng: random.Random, used: set[str]) -> str:
    while True:
        code = (f"DM{rng.randint(1, 9)} {rng.randint(1, 9)}"
                f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")
        if code not in used:
            used.add(code)
            return code


def write_files(folder: Path, seed: int = 1, school_count: int = 20,
                postcode_count: int = 300) -> DemoFiles:
    """Write the demo borough's boundary, wards, schools, postcodes and basemap into a folder."""
    rng = random.Random(seed)
    area = boundary(rng)
    borough_features = [{"type": "Feature", "geometry": mapping(area),
                         "properties": {"LAD22CD": BOROUGH_CODE, "LAD22NM": BOROUGH_NAME}}]
    ward_features = [{"type": "Feature", "geometry": mapping(cell), "properties": {
        "WD22CD": f"E99{i + 1:06d}", "WD22NM": WARD_NAMES[i % len(WARD_NAMES)],
        "LAD22CD": BOROUGH_CODE}} for i, cell in enumerate(wards(rng, area, 9))]
    used: set[str] = set()
    postcode_points = random_points(rng, area.buffer(-50), postcode_count, spacing_m=60)
    postcodes = [(_postcode(rng, used), p) for p in postcode_points]
    schools = _school_rows(rng, area, school_count, postcodes)
    school_points = [Point(row["Easting"], row["Northing"]) for row in schools]
    streets = basemap_features(random.Random(seed + 300), area, school_points)
    return DemoFiles(
        boroughs=_write_json(folder / "boroughs.geojson", _feature_collection(borough_features)),
        wards=_write_json(folder / "wards.geojson", _feature_collection(ward_features)),
        schools=_write_csv(folder / "schools.csv", schools),
        postcodes=_write_csv(folder / "postcodes.csv", [
            {"pcds": code, "oseast1m": round(p.x), "osnrth1m": round(p.y), "doterm": ""}
            for code, p in postcodes]),
        basemap=_write_json(folder / "basemap.geojson", _feature_collection(streets)),
    )


def _school_rows(rng, area, count, postcodes) -> list[dict]:
    stems = rng.sample(SCHOOL_STEMS, count)
    rows = []
    for i, point in enumerate(random_points(rng, area.buffer(-150), count, spacing_m=450)):
        secondary = i % 4 == 0
        nearest_postcode = min(postcodes, key=lambda item: item[1].distance(point))[0]
        rows.append({
            "URN": 990001 + i,
            "EstablishmentName": f"{stems[i]} {'Academy' if secondary else 'Primary School'}",
            "TypeOfEstablishment (name)": "Academy converter" if secondary else "Community school",
            "PhaseOfEducation (name)": "Secondary" if secondary else "Primary",
            "EstablishmentStatus (name)": "Open",
            "Street": f"{rng.randint(1, 120)} {rng.choice(STREETS)}", "Town": "Havenbridge",
            "Postcode": nearest_postcode, "Easting": round(point.x), "Northing": round(point.y),
            "LA (name)": BOROUGH_NAME,
        })
    return rows


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
