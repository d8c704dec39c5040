"""Synthetic Safe Havens (pure, EPSG:27700): businesses clustered along high streets, in every
registry state, with opening hours stored as havens.hours.to_json writes them.

Drawn from their own random stream, so adding havens leaves the pupil maps of a seed unchanged.
"""

import math
import random
from datetime import date, timedelta

from shapely.geometry import Point

from bench.synthetic import CENTRE, HALF_SIDE_M
from havens import hours

STATUSES = {"active": 0.40, "prospect": 0.48, "lapsed": 0.08, "withdrawn": 0.04}
TYPES = {"shop": 0.42, "takeaway": 0.20, "cafe": 0.15, "pharmacy": 0.08, "library": 0.02,
         "leisure": 0.03, "other": 0.10}
HOURS = {  # OpenStreetMap opening_hours, as a worker types them
    "shop": ["Mo-Sa 07:00-22:00; Su 08:00-20:00", "Mo-Su 06:00-23:00", "Mo-Su 07:30-21:00",
             "Mo-Fr 09:00-17:30; Sa 09:00-16:00"],
    "takeaway": ["Mo-Th 11:00-23:00; Fr-Sa 11:00-26:00; Su 12:00-22:00",
                 "Mo-Su 16:00-24:00", "Tu-Su 12:00-14:30, 17:00-23:00"],
    "cafe": ["Mo-Fr 07:00-17:00; Sa-Su 08:00-16:00", "Mo-Sa 08:00-18:00"],
    "pharmacy": ["Mo-Fr 09:00-18:30; Sa 09:00-17:00; PH off", "Mo-Su 08:00-22:00"],
    "library": ["Mo-Fr 09:00-19:00; Sa 10:00-17:00; PH off"],
    "leisure": ["Mo-Fr 06:30-22:00; Sa-Su 08:00-20:00"],
    "other": ["Mo-Fr 08:00-18:00; Sa 09:00-13:00; PH off", "Mo-Sa 09:00-17:30"],
}
WORDS = ["High Street", "Station", "Park", "Broadway", "Parade", "Market", "Hill", "Green",
         "Corner", "Village"]
STREETS, ON_STREET_SHARE = 30, 0.75
AS_OF = date(2026, 11, 1)


def generate(seed: int, count: int, half_side_m: float = HALF_SIDE_M,
             first_id: int = 1) -> list[dict]:
    """count havens (ids from first_id) in the square of half_side_m round the synthetic
    borough's centre, with the columns load.copy_borough writes; high streets in proportion."""
    rng = random.Random(seed * 7919 + 11)
    streets = [_street(rng, half_side_m)
               for _ in range(round(STREETS * (half_side_m / HALF_SIDE_M) ** 2))]
    opening = {kind: [hours.to_json(hours.parse_osm(text)) for text in texts]
               for kind, texts in HOURS.items()}
    return [_haven(rng, number, _location(rng, streets, half_side_m), opening)
            for number in range(first_id, first_id + count)]


def _anywhere(rng: random.Random, half_side_m: float) -> tuple[float, float]:
    return (CENTRE[0] + rng.uniform(-half_side_m, half_side_m),
            CENTRE[1] + rng.uniform(-half_side_m, half_side_m))


def _street(rng: random.Random, half_side_m: float) -> tuple[tuple[float, float], float, float]:
    """A high street: start, heading, length in metres."""
    return _anywhere(rng, half_side_m), rng.uniform(0, math.pi), rng.uniform(300, 1_500)


def _location(rng: random.Random, streets, half_side_m: float) -> Point:
    if rng.random() < ON_STREET_SHARE:
        (x, y), heading, length = rng.choice(streets)
        along, side = rng.uniform(0, length), rng.choice((-1, 1)) * rng.uniform(8, 20)
        x += along * math.cos(heading) - side * math.sin(heading)
        y += along * math.sin(heading) + side * math.cos(heading)
    else:  # a corner shop anywhere
        x, y = _anywhere(rng, half_side_m)
    clamp = lambda v, c: min(max(v, c - half_side_m), c + half_side_m)  # noqa: E731
    return Point(clamp(x, CENTRE[0]), clamp(y, CENTRE[1]))


def _haven(rng: random.Random, number: int, location: Point, opening: dict) -> dict:
    kind = rng.choices(list(TYPES), list(TYPES.values()))[0]
    status = rng.choices(list(STATUSES), list(STATUSES.values()))[0]
    joined = None if status == "prospect" else AS_OF - timedelta(days=rng.randint(30, 1_500))
    verified = joined and max(joined, AS_OF - timedelta(days=rng.randint(0, 500)))
    return {"id": number, "name": f"{rng.choice(WORDS)} {kind.title()} {number}",
            "business_type": kind, "address": f"{rng.randint(1, 300)} {rng.choice(WORDS)} Road",
            "location": location,
            "opening_hours": rng.choice(opening[kind]) if status != "prospect"
            or rng.random() < 0.5 else {},
            "status": status, "sticker_displayed": status == "active" and rng.random() < 0.9,
            "sells_knives": kind == "shop" and rng.random() < 0.2,
            "responsible_retailer_signed": status != "prospect",
            "joined_on": joined, "last_verified_on": verified,
            "next_visit_due": verified and verified + timedelta(days=365),
            "source": "bench", "source_id": str(number)}
