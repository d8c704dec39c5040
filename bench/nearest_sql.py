"""The nearest-havens question two ways: the app's KNN (`<->` on the WORK_SRID expression
index, as havens.queries.nearest_active) and the baseline, ORDER BY ST_Distance on geography,
which no index can answer (every active haven is measured, then sorted)."""

import random
from collections import Counter

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.load import TO_4326
from bench.synthetic import CENTRE, HALF_SIDE_M
from bench.timing import Timing, clock
from havens.models import Haven

OURS = """
    SELECT id, ST_Distance(geography(location),
           geography(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))) AS distance_m
      FROM haven WHERE status = 'active'
     ORDER BY ST_Transform(location, {srid})
              <-> ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), {srid})
     LIMIT %(limit)s"""
BASELINE = """
    SELECT id, ST_Distance(geography(location),
           geography(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))) AS distance_m
      FROM haven WHERE status = 'active'
     ORDER BY distance_m LIMIT %(limit)s"""


def ours_sql(srid: int) -> str:
    """The app's KNN query (psycopg placeholders lon, lat, limit)."""
    return OURS.format(srid=int(srid))


def baseline_active(db_session: Session, lon: float, lat: float, limit: int):
    """havens.queries.nearest_active's rows, ordered by ST_Distance instead of the KNN index."""
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    distance = func.ST_Distance(func.geography(Haven.location),
                                func.geography(here)).label("distance_m")
    query = (select(Haven, distance, func.ST_X(Haven.location).label("lon"),
                    func.ST_Y(Haven.location).label("lat"))
             .where(Haven.status == "active").order_by(distance).limit(limit))
    return db_session.execute(query).all()


def same_order(ours: list[tuple[int, float]], base: list[tuple[int, float]],
               tie_m: float = 1.0) -> str:
    """'same' (ids in order), 'tie' (ids differ only where distances are within tie_m: BNG
    metres and the spheroid rank near-equal havens differently) or 'different'."""
    if [i for i, _d in ours] == [i for i, _d in base]:
        return "same"
    if len(ours) == len(base) and all(abs(a[1] - b[1]) <= tie_m
                                      for a, b in zip(ours, base, strict=True)):
        return "tie"
    return "different"


def query_points(seed: int, count: int, half_side_m: float = HALF_SIDE_M
                 ) -> list[tuple[float, float]]:
    """(lat, lon) points spread over the square of half_side_m round the synthetic borough's
    centre, rounded as a phone sends them."""
    rng = random.Random(seed * 31 + 5)
    xs = [CENTRE[0] + rng.uniform(-half_side_m, half_side_m) for _ in range(count)]
    ys = [CENTRE[1] + rng.uniform(-half_side_m, half_side_m) for _ in range(count)]
    lons, lats = TO_4326.transform(xs, ys)
    return [(round(lat, 6), round(lon, 6)) for lat, lon in zip(lats, lons, strict=True)]


def _answers(conn: psycopg.Connection, sql: str, points, limit: int,
             warmups: int) -> tuple[Timing, list]:
    """Time sql once per point, after warm-ups (psycopg prepares it on the fifth run)."""
    for lat, lon in points[:warmups]:
        conn.execute(sql, {"lat": lat, "lon": lon, "limit": limit}).fetchall()
    timing, answers = Timing(), []
    for lat, lon in points:
        seconds, rows = clock(lambda lat=lat, lon=lon: conn.execute(
            sql, {"lat": lat, "lon": lon, "limit": limit}).fetchall())
        timing.samples.append(seconds)
        answers.append(rows)
    return timing, answers


def _plan(conn: psycopg.Connection, sql: str, point, limit: int) -> str:
    lat, lon = point
    lines = conn.execute("EXPLAIN " + sql, {"lat": lat, "lon": lon, "limit": limit}).fetchall()
    return " / ".join(line[0].strip() for line in lines[:4])


def time_both(conn: psycopg.Connection, srid: int, points, limit: int,
              warmups: int = 50) -> dict:
    """Ours then the baseline for every point; their timings, plans and agreement."""
    ours, ours_rows = _answers(conn, ours_sql(srid), points, limit, warmups)
    base, base_rows = _answers(conn, BASELINE, points, limit, warmups)
    plans = {"ours": _plan(conn, ours_sql(srid), points[0], limit),
             "baseline": _plan(conn, BASELINE, points[0], limit)}
    agreement = Counter(same_order(o, b) for o, b in zip(ours_rows, base_rows, strict=True))
    return {"ours": ours, "baseline": base, "agreement": agreement, "plans": plans,
            "baseline_rows": base_rows}
