"""New pupil maps as the drawing page sends them: GeoJSON bodies for collect.submit."""

import json
import random

import numpy as np
import shapely
from shapely import wkb
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import synthetic
from core.geo import reproject

SESSIONS_SQL = """
    SELECT s.id, ST_AsBinary(ST_Transform(s.area, :srid)) AS area,
           ST_X(ST_Transform(c.location, :srid)) AS x, ST_Y(ST_Transform(c.location, :srid)) AS y
      FROM mapping_session s JOIN school c ON c.id = s.school_id ORDER BY s.id"""


def sessions(db_session: Session, srid: int) -> list[dict]:
    """Every session's area of interest (srid metres) and school, as bench.synthetic uses them."""
    rows = db_session.execute(text(SESSIONS_SQL), {"srid": srid}).all()
    out = []
    for row in rows:
        area = wkb.loads(bytes(row.area))
        centre = (row.x, row.y)
        out.append({"id": row.id, "area": area, "xy": centre,
                    "radius": area.boundary.distance(shapely.Point(centre))})
    return out


def bodies(seed: int, scale: synthetic.Scale, classes: list[dict], count: int, srid: int
           ) -> list[tuple[int, bytes]]:
    """count (session id, request body) pairs, round the sessions, reproducible from the seed."""
    unsafe, safe = synthetic.places(random.Random(seed), scale)
    rng = random.Random(seed + 1)
    out = []
    for k in range(count):
        session = classes[k * 7919 % len(classes)]
        near = synthetic.nearby(session, unsafe, safe)
        zones = [synthetic.zone_for(rng, session, near)
                 for _ in range(rng.randint(max(1, scale.zones_per_map - 6),
                                            scale.zones_per_map + 6))]
        out.append((session["id"], json.dumps(_collection(zones, srid)).encode()))
    return out


def _collection(zones: list[dict], srid: int) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": _lonlat(z["drawn"], srid),
         "properties": {"kind": z["kind"], "reasons": z["reasons"], "times": z["times"],
                        "suggestions": z["suggestions"],
                        **({"comment": z["comment"]} if z["comment"] else {})}}
        for z in zones]}


def _lonlat(drawn, srid: int) -> dict:
    moved = reproject(drawn, srid, 4326)
    return mapping(shapely.transform(moved, lambda xy: np.round(xy, 6)))
