"""Reproducible synthetic borough: schools, class sessions, pupil maps and zones (pure, EPSG:27700).

Unsafe zones cluster around a few dozen true "unsafe" places (some are streets, drawn as routes),
plus noise; safe zones sit near the school and a few safe places. Every zone is clipped to its
session's area of interest (a 1-1.5 km circle round the school), as mapping.shapes does.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from bench import shapes
from mapping import vocabulary

CENTRE = (537_500.0, 175_000.0)  # Lewisham, TQ 375 75
HALF_SIDE_M = 3_000.0
BOROUGH_CODE, BOROUGH_NAME = "E09000023", "Lewisham (synthetic, bench)"
TERMS = ("2025-autumn", "2026-spring", "2026-summer", "2026-autumn")
TERM_START = {"autumn": (10, 6), "spring": (2, 3), "summer": (6, 8)}
LONDON = ZoneInfo("Europe/London")
UNSAFE_SHARE, HOTSPOT_SHARE = 0.7, 0.75


@dataclass(frozen=True)
class Scale:
    """How big the synthetic borough is."""

    schools: int = 20
    maps: int = 10_000
    zones_per_map: int = 10
    hotspots: int = 36
    pupils_per_class: int = 25
    havens: int = 2_000  # Safe Havens and prospects (bench.synthetic_havens)
    print_schools: int = 100  # schools in all, with those of no class (bench.synthetic_print)
    boroughs: int = 1  # more than one: London (london_boroughs), heatmap workloads only


# London: 33 boroughs of 1,000 maps (330,000 zones, a tenth of London's pupils at the borough
# scale's density: 10.6 million cell rows, what seeds and rebuilds in about ten minutes here).
SCALES = {"borough": Scale(), "quick": Scale(maps=1_000),
          "london": Scale(maps=1_000, boroughs=33, havens=0, print_schools=20)}
# Boroughs on a 6-wide grid, 9 km apart: a class's area reaches up to 1.2 km outside its 6 km
# square, so no two boroughs share a cell.
LONDON_COLUMNS, LONDON_STEP_M = 6, 9_000.0


@dataclass(frozen=True)
class Place:
    """A true unsafe (or safe) place: where, how spread out, how often marked, typical answers."""

    xy: tuple[float, float]
    spread_m: float
    weight: float
    heading: float | None  # a street: pupils draw routes along it
    reasons: tuple[str, ...]
    times: tuple[str, ...]


@dataclass
class Borough:
    """Every row to load, geometries in EPSG:27700."""

    boundary: BaseGeometry
    id: int = 1
    code: str = BOROUGH_CODE
    name: str = BOROUGH_NAME
    schools: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    maps: list[dict] = field(default_factory=list)
    zones: list[dict] = field(default_factory=list)


def generate(seed: int, scale: Scale) -> Borough:
    """The whole synthetic borough for a seed and scale (same seed, same rows)."""
    rng = random.Random(seed)
    square = box(CENTRE[0] - HALF_SIDE_M, CENTRE[1] - HALF_SIDE_M,
                 CENTRE[0] + HALF_SIDE_M, CENTRE[1] + HALF_SIDE_M)
    borough = Borough(boundary=square)
    unsafe, safe = places(rng, scale)
    borough.schools = _schools(rng, scale.schools)
    borough.sessions = _sessions(rng, scale, borough.schools)
    near = {s["id"]: nearby(s, unsafe, safe) for s in borough.sessions}
    for map_id in range(1, scale.maps + 1):
        session = borough.sessions[(map_id - 1) % len(borough.sessions)]
        borough.maps.append(_pupil_map(rng, map_id, session))
        count = rng.randint(max(1, scale.zones_per_map - 6), scale.zones_per_map + 6)
        for number in range(1, count + 1):
            zone = zone_for(rng, session, near[session["id"]])
            zone.update(id=len(borough.zones) + 1, pupil_map_id=map_id, number=number)
            borough.zones.append(zone)
    return borough


def london_boroughs(seed: int, scale: Scale) -> list[Borough]:
    """scale.boroughs synthetic boroughs (codes E09000001...), each generated as the borough is
    from its own seed, moved to its own square of a grid; E09000023 keeps the borough's place.
    Ids run on across boroughs."""
    boroughs, counts = [], {"school": 0, "session": 0, "map": 0, "zone": 0}
    for k in range(scale.boroughs):
        borough = generate(seed * 1_000 + k, scale)
        dx = (k % LONDON_COLUMNS - 22 % LONDON_COLUMNS) * LONDON_STEP_M
        dy = (k // LONDON_COLUMNS - 22 // LONDON_COLUMNS) * LONDON_STEP_M
        boroughs.append(_moved(borough, k + 1, (dx, dy), counts))
    return boroughs


def _moved(borough: Borough, number: int, offset: tuple[float, float], counts: dict) -> Borough:
    """The borough as number `number`, moved by offset (metres), its ids after counts'."""
    def move(geometry):
        return None if geometry is None else \
            shapely.transform(geometry, lambda xy: xy + offset)

    first = dict(counts)
    for school in borough.schools:
        school.update(id=school["id"] + first["school"], location=move(school["location"]))
        school["urn"] = 990_000 + school["id"]
        school["name"] = f"Bench School {school['id']}"
    for session in borough.sessions:
        session.update(id=session["id"] + first["session"],
                       school_id=session["school_id"] + first["school"],
                       area=move(session["area"]),
                       xy=(session["xy"][0] + offset[0], session["xy"][1] + offset[1]))
        session["join_code"] = f"BN{session['id']:06d}"
    for pupil_map in borough.maps:
        pupil_map.update(id=pupil_map["id"] + first["map"],
                         session_id=pupil_map["session_id"] + first["session"],
                         school_id=pupil_map["school_id"] + first["school"])
    for zone in borough.zones:
        zone.update(id=zone["id"] + first["zone"],
                    pupil_map_id=zone["pupil_map_id"] + first["map"],
                    geom=move(zone["geom"]), drawn=move(zone["drawn"]))
    counts.update(school=first["school"] + len(borough.schools),
                  session=first["session"] + len(borough.sessions),
                  map=first["map"] + len(borough.maps), zone=first["zone"] + len(borough.zones))
    borough.boundary = move(borough.boundary)
    borough.id, borough.code = number, f"E090000{number:02d}"
    borough.name = BOROUGH_NAME if borough.code == BOROUGH_CODE else \
        f"Synthetic borough {number} (bench, London scale)"
    return borough


def places(rng: random.Random, scale: Scale) -> tuple[list[Place], list[Place]]:
    """The true unsafe places (a third of them streets) and the safe ones; drawn first, so
    random.Random(seed) gives the same places again."""
    unsafe = [_place(rng, "unsafe", street=rng.random() < 0.3) for _ in range(scale.hotspots)]
    safe = [_place(rng, "safe", street=False) for _ in range(max(4, scale.hotspots // 2))]
    return unsafe, safe


def _uniform_in_square(rng: random.Random, margin: float = 0.0) -> tuple[float, float]:
    reach = HALF_SIDE_M - margin
    return (CENTRE[0] + rng.uniform(-reach, reach), CENTRE[1] + rng.uniform(-reach, reach))


def _place(rng: random.Random, kind: str, street: bool) -> Place:
    reasons = [r for r in vocabulary.reasons_for(kind) if r != "other"]
    return Place(xy=_uniform_in_square(rng), spread_m=rng.uniform(40, 200),
                 weight=rng.lognormvariate(0, 0.8),
                 heading=rng.uniform(0, math.pi) if street else None,
                 reasons=tuple(rng.sample(reasons, 2)),
                 times=tuple(rng.sample(list(vocabulary.TIMES), rng.randint(1, 2))))


def _schools(rng: random.Random, count: int) -> list[dict]:
    chosen: list[tuple[float, float]] = []
    while len(chosen) < count:
        spacing = 900 if len(chosen) < 30 else 200
        xy = _uniform_in_square(rng, margin=300)
        if all(math.dist(xy, other) >= spacing for other in chosen):
            chosen.append(xy)
    return [{"id": n, "urn": 990_000 + n, "name": f"Bench School {n}",
             "phase": "Primary" if n % 5 < 2 else "Secondary", "location": Point(xy)}
            for n, xy in enumerate(chosen, 1)]


def _sessions(rng: random.Random, scale: Scale, schools: list[dict]) -> list[dict]:
    total = max(len(schools), round(scale.maps / scale.pupils_per_class))
    sessions = []
    for session_id in range(1, total + 1):
        school = schools[(session_id - 1) % len(schools)]
        term = TERMS[(session_id - 1) // len(schools) % len(TERMS)]
        year, season = term.split("-")
        month, day = TERM_START[season]
        opens = datetime(int(year), month, day, 9, tzinfo=LONDON) + timedelta(
            days=rng.randint(0, 30))
        year_group = rng.choice((5, 6) if school["phase"] == "Primary" else (7, 8, 9, 10, 11))
        radius, label = rng.uniform(1_000, 1_500), f"{year_group}{'ABCD'[session_id % 4]}"
        sessions.append({"id": session_id, "school_id": school["id"], "term": term,
                         "year_group": year_group, "class_label": label,
                         "join_code": f"BN{session_id:06d}", "opens_at": opens,
                         "closes_at": opens + timedelta(days=14), "radius": radius,
                         "xy": school["location"].coords[0],
                         "area": school["location"].buffer(radius, quad_segs=32)})
    return sessions


def _pupil_map(rng: random.Random, map_id: int, session: dict) -> dict:
    sent = session["opens_at"] + timedelta(hours=rng.randint(0, 24 * 13))
    return {"id": map_id, "session_id": session["id"], "school_id": session["school_id"],
            "year_group": session["year_group"], "term": session["term"],
            "submitted_at": sent.replace(minute=0, second=0, microsecond=0)}


def zone_for(rng: random.Random, session: dict, places: dict[str, list[Place]]) -> dict:
    """One zone a pupil of this session draws: kind, shape, drawn and stored geometry, answers.
    session needs "xy", "radius" and "area"; places maps each kind to the places nearby."""
    kind = "unsafe" if rng.random() < UNSAFE_SHARE else "safe"
    near = places[kind]
    for _attempt in range(8):
        place = rng.choices(near, [p.weight for p in near])[0] if near and rng.random() < (
            HOTSPOT_SHARE if kind == "unsafe" else 0.4) else None
        shape, drawn, footprint = _draw(rng, session, kind, place)
        inside = footprint.intersection(session["area"])
        if inside.area >= 0.5 * footprint.area:
            break
    else:  # give up on this spot: a circle at the school always fits
        shape, (drawn, inside) = "spot", shapes.spot(rng, session["xy"])
    return {"kind": kind, "shape": shape, "drawn": drawn, "geom": inside,
            "reasons": _answers(rng, vocabulary.reasons_for(kind), place and place.reasons, 3),
            "times": _answers(rng, vocabulary.TIMES, place and place.times, 2),
            "suggestions": _suggestions(rng, kind),
            "comment": "Synthetic comment" if rng.random() < 0.1 else None}


def nearby(session: dict, unsafe: list[Place], safe: list[Place]) -> dict[str, list[Place]]:
    """The places a class could mark, by kind: well inside its area of interest."""
    def near(places: list[Place]) -> list[Place]:
        return [p for p in places if math.dist(p.xy, session["xy"]) < session["radius"] - 50]

    return {"unsafe": near(unsafe), "safe": near(safe)}


def _draw(rng: random.Random, session: dict, kind: str, place: Place | None):
    if place is None:  # noise, or a safe place near the school
        centre_xy = session["xy"]
        spread = 150 if kind == "safe" and rng.random() < 0.5 else 700
        xy = (rng.gauss(centre_xy[0], spread), rng.gauss(centre_xy[1], spread))
    else:
        xy = (rng.gauss(place.xy[0], place.spread_m), rng.gauss(place.xy[1], place.spread_m))
    if place is not None and place.heading is not None and rng.random() < 0.7:
        heading = place.heading + rng.choice((0, math.pi)) + rng.uniform(-0.2, 0.2)
        return ("route", *shapes.route(rng, xy, heading))
    shape = rng.choices(list(shapes.SHAPE_WEIGHTS), list(shapes.SHAPE_WEIGHTS.values()))[0]
    return (shape, *shapes.SHAPES[shape](rng, xy))


def _answers(rng: random.Random, allowed, typical, most: int) -> list[str]:
    keys = [k for k in allowed if k != "other"]
    picked = [k for k in (typical or ()) if rng.random() < 0.7]
    while not picked or (len(picked) < most and rng.random() < 0.3):
        extra = rng.choice(keys)
        if extra not in picked:
            picked.append(extra)
    return picked[:most]


def _suggestions(rng: random.Random, kind: str) -> list[str]:
    if kind != "unsafe":
        return []
    keys = [k for k in vocabulary.SUGGESTIONS if k != "other"]
    return rng.sample(keys, rng.randint(0, 2))
