"""Demo class sessions with plausible pupil maps, clustered around a few uneasy places."""

import json
import math
import random
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.accounts import services as accounts
from core.geo import transformer
from core.places.models import School
from mapping import collect, services, terms, vocabulary
from mapping.models import MappingSession, SessionCell

# Each uneasy place has its own character, so hot spots show a peak time and a main reason.
HOTSPOTS = [("the station", 420, 35), ("the park", 700, 135), ("the alley", 480, 250)]
CHARACTER = {"the station": ("after_school", "older_groups"), "the park": ("evening", "dark"),
             "the alley": ("before_school", "adults_bother")}
COMMENTS = ["There are older boys here after school", "It is really dark in winter",
            "People drink here", "Cars go too fast", "I feel OK with my friends"]
PUPILS_PER_CLASS = 24


def _to_lonlat(x: float, y: float) -> list[float]:
    lon, lat = transformer(27700, 4326).transform(x, y)
    return [round(lon, 6), round(lat, 6)]


def _near(rng, centre, spread_m):
    angle, distance = rng.uniform(0, 2 * math.pi), abs(rng.gauss(0, spread_m))
    return centre[0] + distance * math.cos(angle), centre[1] + distance * math.sin(angle)


def _polygon(rng, centre, radius_m):
    ring = []
    for i in range(7):
        angle = 2 * math.pi * i / 7
        r = radius_m * rng.uniform(0.7, 1.2)
        ring.append(_to_lonlat(centre[0] + r * math.cos(angle), centre[1] + r * math.sin(angle)))
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _zone(rng, kind, geometry, character: tuple[str, str] | None = None):
    reasons = list(vocabulary.UNSAFE_REASONS if kind == "unsafe" else vocabulary.SAFE_REASONS)
    reasons.remove("other")
    chosen_reasons = rng.sample(reasons, rng.randint(1, 3))
    times = rng.sample(list(vocabulary.TIMES), rng.randint(1, 2))
    if character and rng.random() < 0.8:
        times = list(dict.fromkeys([character[0], *times[:1]]))
        chosen_reasons = list(dict.fromkeys([character[1], *chosen_reasons[:1]]))
    props = {"kind": kind, "reasons": chosen_reasons, "times": times,
             "suggestions": rng.sample(["lights", "police", "cctv", "crossings"],
                                       rng.randint(0, 2)) if kind == "unsafe" else []}
    if rng.random() < 0.15:
        props["comment"] = rng.choice(COMMENTS)
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _pupil_map(rng, school_xy, hotspots) -> dict:
    features = []
    for name, centre in rng.sample(hotspots, rng.randint(min(1, len(hotspots)),
                                                          len(hotspots))):
        where = _near(rng, centre, 40)
        shape = rng.choice(["area", "area", "route", "spot"])
        if shape == "area":
            geometry = _polygon(rng, where, rng.uniform(40, 110))
        elif shape == "spot":
            geometry = {"type": "Point", "coordinates": _to_lonlat(*where)}
        else:
            angle, length = rng.uniform(0, 2 * math.pi), rng.uniform(60, 200)
            end = (where[0] + length * math.cos(angle), where[1] + length * math.sin(angle))
            geometry = {"type": "LineString", "coordinates": [_to_lonlat(*where),
                                                              _to_lonlat(*end)]}
        features.append(_zone(rng, "unsafe", geometry, CHARACTER.get(name)))
    if rng.random() < 0.7 or not features:
        features.append(_zone(rng, "safe", _polygon(rng, _near(rng, school_xy, 60), 70)))
    return {"type": "FeatureCollection", "features": features}


def _session_for(db_session, teacher, school, days_ago: int, label: str) -> MappingSession:
    mapping_session = services.create_session(db_session=db_session, teacher=teacher,
                                              school_urn=school.urn, class_label=label,
                                              year_group=7, expected_pupils=PUPILS_PER_CLASS)
    if days_ago:
        mapping_session.opens_at = services.now() - timedelta(days=days_ago)
        mapping_session.closes_at = mapping_session.opens_at + timedelta(hours=1)
        mapping_session.term = terms.term_of(mapping_session.opens_at)
        db_session.execute(update(SessionCell).where(SessionCell.session_id == mapping_session.id)
                           .values(term=mapping_session.term))
    else:
        mapping_session.closes_at = services.now() + timedelta(days=7)
    db_session.commit()
    return mapping_session


def seed_mapping(*, db_session: Session, seed: int = 1) -> None:
    """Class sessions in several schools near the same uneasy places: the demo teacher's three,
    and one each for four more schools (their teachers' passwords are random and unused), so
    the borough heatmap has cells marked by enough pupils from enough schools."""
    teacher = accounts.get_by_email(db_session=db_session, email="teacher@demo.safehavens.test")
    if teacher is None or not teacher.schools:
        return
    rng = random.Random(seed + 200)
    hotspots = _borough_hotspots(db_session, teacher.schools[0])
    plan = [(teacher, teacher.schools[0], 40, "7B"), (teacher, teacher.schools[-1], 12, "8H"),
            (teacher, teacher.schools[0], 0, "7C")]
    for number, school in enumerate(_schools_near(db_session, hotspots, skip=teacher.schools)):
        plan.append((_extra_teacher(db_session, school, number), school, 30 + number, "8A"))
    for owner, school, days_ago, label in plan:
        _fill(db_session, rng, _session_for(db_session, owner, school, days_ago, label),
              school, hotspots)


def _xy(db_session, school) -> tuple[float, float]:
    lon, lat = db_session.execute(select(School.location.ST_X(), School.location.ST_Y())
                                  .where(School.id == school.id)).one()
    return transformer(4326, 27700).transform(lon, lat)


def _borough_hotspots(db_session, school) -> list[tuple[str, tuple[float, float]]]:
    x, y = _xy(db_session, school)
    return [(name, (x + d * math.cos(math.radians(a)), y + d * math.sin(math.radians(a))))
            for name, d, a in HOTSPOTS]


def _schools_near(db_session, hotspots, skip, count: int = 4) -> list:
    centre = (sum(h[1][0] for h in hotspots) / len(hotspots),
              sum(h[1][1] for h in hotspots) / len(hotspots))
    others = [s for s in db_session.scalars(select(School).order_by(School.urn)) if s not in skip]
    others.sort(key=lambda s: math.dist(_xy(db_session, s), centre))
    return others[:count]


def _extra_teacher(db_session, school, number: int):
    return accounts.create_user(
        db_session=db_session, email=f"teacher{number + 2}@demo.safehavens.test",
        password=secrets.token_urlsafe(18), role="teacher", school_urns=[school.urn])


def _fill(db_session, rng, mapping_session, school, hotspots) -> None:
    school_xy = _xy(db_session, school)
    reachable = [h for h in hotspots if math.dist(h[1], school_xy) < 1100]
    for _pupil in range(PUPILS_PER_CLASS - rng.randint(0, 4)):
        body = json.dumps(_pupil_map(rng, school_xy, reachable)).encode()
        collect.submit(db_session=db_session, mapping_session=mapping_session, raw=body,
                       key=secrets.token_hex(16))
